//! The kinds of vector file, how each is recognised, and the module that checks it.
//!
//! Files are recognised by their `source` block (repository and file of the peer code that produced
//! them), not by file name, so that a file holding more cases of the same kind is checked the same way.

use serde_json::Value;

use crate::Report;

mod alpha;
mod bravo;
mod irv;
mod macro_batch;
mod minerva_providence;
mod minerva_r2b2;
mod peer_tests;
mod sampler_arlo;
mod sampler_colorado;
mod shangrla_pipeline;
mod supersimple;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    SamplerArlo,
    SamplerColorado,
    Bravo,
    SuperSimple,
    Macro,
    MinervaR2b2,
    MinervaProvidenceArlo,
    Alpha,
    ShangrlaPipeline,
    Irv,
    /// Arlo's BRAVO test fixtures joined per contest.
    PeerArloBravoCurated,
    /// r2b2's BRAVO ASN test data.
    PeerR2b2Asn,
    /// r2b2's Minerva p-value tests (the ones Arlo relies on).
    PeerR2b2MinervaArlo,
    /// r2b2's Bayesian RLA kmins (not BRAVO).
    PeerR2b2Brla,
    /// Literal values lifted from peers' test modules, checked by ordinary `cargo test` tests that
    /// name the file and line; the runner has nothing to recompute from them alone.
    PeerLiterals,
}

/// Recognises a vector file from its `source` block.
pub fn detect(_file_name: &str, doc: &Value) -> Option<Kind> {
    let source = doc.get("source")?;
    let repo = source.get("repo").and_then(Value::as_str).unwrap_or("");
    let file = source.get("file").and_then(Value::as_str).unwrap_or("");
    let function = source.get("function").and_then(Value::as_str).unwrap_or("");

    if doc.get("how_extracted").is_some() {
        return Some(if file.ends_with("tests/data/asn_tests.json") {
            Kind::PeerR2b2Asn
        } else if file.ends_with("tests/data/arlo_tests.json") {
            Kind::PeerR2b2MinervaArlo
        } else if file.ends_with("tests/data/brla_test_data.json") {
            Kind::PeerR2b2Brla
        } else if file.starts_with("server/tests/audit_math/test_bravo.py") {
            Kind::PeerArloBravoCurated
        } else {
            Kind::PeerLiterals
        });
    }
    let kind = if repo.contains("raire-rs") {
        Kind::Irv
    } else if repo.contains("ColoradoRLA") {
        Kind::SamplerColorado
    } else if repo.contains("r2b2") && file.contains("minerva.py") {
        Kind::MinervaR2b2
    } else if file.starts_with("server/audit_math/minerva.py") {
        Kind::MinervaProvidenceArlo
    } else if file.starts_with("server/audit_math/macro.py") {
        Kind::Macro
    } else if file.starts_with("server/audit_math/bravo.py") {
        Kind::Bravo
    } else if file.starts_with("server/audit_math/supersimple.py") {
        Kind::SuperSimple
    } else if file.starts_with("server/audit_math/sampler.py") && function.contains("draw_sample") {
        Kind::SamplerArlo
    } else if file.ends_with("NonnegMean.py") {
        Kind::Alpha
    } else if file.ends_with("Audit.py") {
        Kind::ShangrlaPipeline
    } else {
        return None;
    };
    Some(kind)
}

impl Kind {
    /// Checks every case of `doc` into `report`.
    pub fn run(self, file: &str, doc: &Value, report: &mut Report) -> anyhow::Result<()> {
        match self {
            Kind::SamplerArlo => sampler_arlo::run(file, doc, report),
            Kind::SamplerColorado => sampler_colorado::run(file, doc, report),
            Kind::Bravo => bravo::run(file, doc, report),
            Kind::SuperSimple => supersimple::run(file, doc, report),
            Kind::Macro => macro_batch::run(file, doc, report),
            Kind::MinervaR2b2 => minerva_r2b2::run(file, doc, report),
            Kind::MinervaProvidenceArlo => minerva_providence::run(file, doc, report),
            Kind::Alpha => alpha::run(file, doc, report),
            Kind::ShangrlaPipeline => shangrla_pipeline::run(file, doc, report),
            Kind::Irv => irv::run(file, doc, report),
            Kind::PeerArloBravoCurated => peer_tests::arlo_bravo_curated(file, doc, report),
            Kind::PeerR2b2Asn => peer_tests::r2b2_asn(file, doc, report),
            Kind::PeerR2b2MinervaArlo => peer_tests::r2b2_minerva_arlo(file, doc, report),
            Kind::PeerR2b2Brla => peer_tests::r2b2_brla(file, doc, report),
            Kind::PeerLiterals => {
                report.notes.push(format!(
                    "{file}: peer test literals; checked by the crates' own tests, which name the source file and line"
                ));
                Ok(())
            }
        }
    }
}
