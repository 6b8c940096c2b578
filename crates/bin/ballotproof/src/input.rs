//! Reading command-line inputs: `NAME=VALUE` pairs, `[JURISDICTION=]PATH` manifests and the files
//! they name, with messages that say which argument or file is wrong and how to fix it.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use records::Manifest;

/// A manifest argument: `PATH` or `JURISDICTION=PATH`.
#[derive(Debug, Clone)]
pub struct ManifestArg {
    pub jurisdiction: String,
    pub path: PathBuf,
}

impl std::str::FromStr for ManifestArg {
    type Err = String;

    /// `JURISDICTION=PATH` splits at the first `=` unless the whole argument is an existing file,
    /// so that a path containing `=` still works.
    fn from_str(arg: &str) -> Result<Self, Self::Err> {
        if arg.is_empty() {
            return Err("give a manifest file as PATH or JURISDICTION=PATH".into());
        }
        if !Path::new(arg).exists()
            && let Some((jurisdiction, path)) = arg.split_once('=')
        {
            return Ok(ManifestArg {
                jurisdiction: jurisdiction.trim().to_string(),
                path: PathBuf::from(path),
            });
        }
        Ok(ManifestArg {
            jurisdiction: String::new(),
            path: PathBuf::from(arg),
        })
    }
}

/// A `NAME=COUNT` pair such as `--vote "Ana Alvarez=9098"`; splits at the last `=` so names may
/// contain `=`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameCount {
    pub name: String,
    pub count: u64,
}

impl std::str::FromStr for NameCount {
    type Err = String;

    fn from_str(arg: &str) -> Result<Self, Self::Err> {
        let Some((name, count)) = arg.rsplit_once('=') else {
            return Err(format!(
                "{arg:?} is not NAME=COUNT; write it like \"Alice=600\""
            ));
        };
        let name = name.trim();
        if name.is_empty() {
            return Err(format!(
                "{arg:?} has no name before '='; write it like \"Alice=600\""
            ));
        }
        let count = count.trim().parse::<u64>().map_err(|_| {
            format!(
                "{arg:?}: {count:?} is not a whole number 0 or more; write it like \"Alice=600\""
            )
        })?;
        Ok(NameCount {
            name: name.to_string(),
            count,
        })
    }
}

/// Reads and parses an Arlo-layout manifest, printing its warnings to stderr.
pub fn read_manifest(path: &Path) -> anyhow::Result<Manifest> {
    let bytes =
        std::fs::read(path).with_context(|| format!("cannot read manifest {}", path.display()))?;
    let label = path.display().to_string();
    match records::parse_arlo_manifest(&label, &bytes) {
        Ok(parsed) => {
            for warning in &parsed.warnings {
                eprintln!("{warning}");
            }
            Ok(parsed.value)
        }
        Err(problems) => bail!("{problems}"),
    }
}

/// Rejects a list of names in which one appears twice.
pub fn check_unique_names<'a>(
    what: &str,
    names: impl IntoIterator<Item = &'a str>,
) -> anyhow::Result<()> {
    let mut seen = std::collections::HashSet::new();
    for name in names {
        if !seen.insert(name) {
            bail!("{what} {name:?} is given twice; give each one once");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_count_splits_at_last_equals() {
        let nc: NameCount = "A=B=12".parse().unwrap();
        assert_eq!(
            nc,
            NameCount {
                name: "A=B".into(),
                count: 12
            }
        );
        assert!("Alice".parse::<NameCount>().is_err());
        assert!(
            "Alice=-3"
                .parse::<NameCount>()
                .unwrap_err()
                .contains("whole number")
        );
        assert!("=3".parse::<NameCount>().is_err());
    }

    #[test]
    fn manifest_arg_with_and_without_jurisdiction() {
        let m: ManifestArg = "Adams=/no/such/a.csv".parse().unwrap();
        assert_eq!(m.jurisdiction, "Adams");
        assert_eq!(m.path, PathBuf::from("/no/such/a.csv"));
        let m: ManifestArg = "/no/such/b.csv".parse().unwrap();
        assert_eq!(m.jurisdiction, "");
    }
}
