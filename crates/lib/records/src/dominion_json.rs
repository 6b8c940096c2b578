//! Dominion Democracy Suite JSON cast-vote records: `CvrExport*.json` files (one, several, or a
//! zip of them) with the `ContestManifest.json`, `CandidateManifest.json` and
//! `CountingGroupManifest.json` that give names to the ids the exports use.
//!
//! An export is `{"Version", "ElectionId", "Sessions": [...]}`; each session is one ballot scanned
//! by `TabulatorId` in `BatchId` as `RecordId`, with its `Original` interpretation and, after
//! adjudication, a `Modified` one; the version marked `IsCurrent` is the one counted. Since 5.10 a
//! version holds `Cards[]` (sheets), each with `Contests[]` (`Id`, `Undervotes`, `Overvotes`,
//! `Marks[]` with `CandidateId`, `Rank`, `IsVote`, `IsAmbiguous`); 5.2 put `Contests` directly in
//! the version. Only marks with `IsVote` count. When the record id is hidden as "X", it is taken
//! from the image file name (`…\00005_00001_000022*.*`), as SHANGRLA does
//! (`shangrla/formats/Dominion.py::read_cvrs`), which also names a CVR `tabulator-batch-record`.
//!
//! Sessions are deserialized one at a time from a streaming parser, so memory does not grow with
//! the size of the export.

use std::collections::HashMap;
use std::fmt;
use std::io::{BufReader, Read};

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::csvutil::Source;
use crate::cvr::CvrFile;
use crate::model::{Card, CardSink, Contest, ContestId, Contests, Origin};
use crate::problem::{Diagnostics, Location};

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ManifestItem {
    #[serde(default)]
    description: String,
    id: u64,
    #[serde(default)]
    vote_for: Option<u32>,
    #[serde(default)]
    num_of_ranks: Option<u32>,
    #[serde(default)]
    contest_id: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ManifestFile {
    #[serde(default)]
    version: Option<String>,
    list: Vec<ManifestItem>,
}

/// A contest as Dominion's ContestManifest defines it.
#[derive(Debug, Clone)]
struct ContestEntry {
    name: String,
    vote_for: u32,
    ranks: u32,
}

/// The id → name tables of Dominion's JSON manifests.
#[derive(Debug, Default, Clone)]
pub struct DominionNames {
    contests: HashMap<u64, ContestEntry>,
    candidates: HashMap<u64, (u64, String)>,
    counting_groups: HashMap<u64, String>,
    /// Our contest id for each Dominion contest id, assigned on first sight.
    ids: HashMap<u64, ContestId>,
}

/// What kind of Dominion manifest a file was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ManifestKind {
    Contest,
    Candidate,
    CountingGroup,
    /// Ballot types, precincts, tabulators…: read, not needed for counting.
    Other,
}

impl DominionNames {
    pub fn new() -> DominionNames {
        DominionNames::default()
    }

    pub fn is_empty(&self) -> bool {
        self.contests.is_empty()
    }

    pub fn contest_count(&self) -> usize {
        self.contests.len()
    }

    pub fn candidate_count(&self) -> usize {
        self.candidates.len()
    }

    /// Reads one manifest file. The kind comes from the file name when it is Dominion's
    /// (`ContestManifest.json`, …), else from the fields of its entries.
    pub fn read_manifest<R: Read>(
        &mut self,
        source: Source<'_>,
        input: R,
        diagnostics: &mut Diagnostics,
    ) -> Option<(ManifestKind, usize)> {
        let file: ManifestFile = match serde_json::from_reader(BufReader::new(input)) {
            Ok(f) => f,
            Err(err) => {
                json_error(&source, &err, None, diagnostics);
                return None;
            }
        };
        let _ = file.version;
        let name = source.member.unwrap_or(source.file).to_lowercase();
        let first = file.list.first();
        let kind =
            if name.contains("contestmanifest") || first.is_some_and(|i| i.vote_for.is_some()) {
                ManifestKind::Contest
            } else if name.contains("candidatemanifest")
                || first.is_some_and(|i| i.contest_id.is_some())
            {
                ManifestKind::Candidate
            } else if name.contains("countinggroupmanifest") {
                ManifestKind::CountingGroup
            } else {
                ManifestKind::Other
            };
        let n = file.list.len();
        for item in file.list {
            match kind {
                ManifestKind::Contest => {
                    self.contests.insert(
                        item.id,
                        ContestEntry {
                            name: item.description,
                            vote_for: item.vote_for.unwrap_or(1),
                            ranks: item.num_of_ranks.unwrap_or(0),
                        },
                    );
                }
                ManifestKind::Candidate => {
                    self.candidates
                        .insert(item.id, (item.contest_id.unwrap_or(0), item.description));
                }
                ManifestKind::CountingGroup => {
                    self.counting_groups.insert(item.id, item.description);
                }
                ManifestKind::Other => {}
            }
        }
        Some((kind, n))
    }

    /// Our id for Dominion contest `id`, defining it (with its candidates) on first sight.
    fn contest(
        &mut self,
        id: u64,
        max_rank: u32,
        label: &str,
        contests: &mut Contests,
        diagnostics: &mut Diagnostics,
    ) -> ContestId {
        if let Some(&c) = self.ids.get(&id) {
            return c;
        }
        let entry = self.contests.get(&id).cloned();
        let c = match entry {
            Some(e) => {
                let mut contest = Contest::new(&e.name, e.vote_for.max(1), e.ranks, label);
                let mut candidates: Vec<(u64, &String)> = self
                    .candidates
                    .iter()
                    .filter(|(_, (cid, _))| *cid == id)
                    .map(|(k, (_, n))| (*k, n))
                    .collect();
                candidates.sort();
                contest.choices = candidates.into_iter().map(|(_, n)| n.clone()).collect();
                contests
                    .define(contest, &Location::file(label), diagnostics)
                    .0
            }
            None => {
                if !self.contests.is_empty() {
                    diagnostics.warning("dominion-json-unknown-contest", Location::file(label), format!("contest id {id} is not in the ContestManifest; it is shown as \"Contest {id}\" — load the manifest exported with these CVRs"));
                }
                // Without the manifest, ranks above 1 on the first card seen mark a ranked
                // contest.
                let ranks = if max_rank > 1 { max_rank } else { 0 };
                let contest = Contest::new(&format!("Contest {id}"), 1, ranks, label);
                contests
                    .define(contest, &Location::file(label), diagnostics)
                    .0
            }
        };
        self.ids.insert(id, c);
        c
    }

    fn candidate(&self, id: u64) -> String {
        match self.candidates.get(&id) {
            Some((_, name)) => name.clone(),
            None => format!("Candidate {id}"),
        }
    }
}

/// A number or a string (RecordId is "X" when hidden).
#[derive(Debug, Deserialize, Clone)]
#[serde(untagged)]
enum NumOrText {
    Num(u64),
    Text(String),
}

impl fmt::Display for NumOrText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NumOrText::Num(n) => write!(f, "{n}"),
            NumOrText::Text(t) => f.write_str(t),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Session {
    tabulator_id: NumOrText,
    batch_id: NumOrText,
    record_id: NumOrText,
    #[serde(default)]
    counting_group_id: Option<u64>,
    #[serde(default)]
    image_mask: Option<String>,
    #[serde(default)]
    original: Option<Version>,
    #[serde(default)]
    modified: Option<Version>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Version {
    #[serde(default)]
    is_current: Option<bool>,
    #[serde(default)]
    cards: Option<Vec<JsonCard>>,
    #[serde(default)]
    contests: Option<Vec<JsonContest>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct JsonCard {
    #[serde(default)]
    contests: Vec<JsonContest>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct JsonContest {
    id: u64,
    #[serde(default)]
    undervotes: Option<u32>,
    #[serde(default)]
    overvotes: Option<u32>,
    #[serde(default)]
    marks: Vec<JsonMark>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct JsonMark {
    candidate_id: u64,
    #[serde(default)]
    rank: Option<u32>,
    #[serde(default)]
    is_vote: Option<bool>,
}

/// The record id hidden as "X", from the image name `TTTTT_BBBBB_RRRRRR`.
fn record_from_image_mask(mask: &str) -> Option<u64> {
    let name = mask.rsplit(['\\', '/']).next()?;
    let mut parts = name.split('_');
    let (t, b, r) = (parts.next()?, parts.next()?, parts.next()?);
    if t.len() != 5 || b.len() != 5 || !t.bytes().chain(b.bytes()).all(|c| c.is_ascii_digit()) {
        return None;
    }
    let digits: String = r.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

struct Context<'a, 'b> {
    source: Source<'a>,
    names: &'b mut DominionNames,
    contests: &'b mut Contests,
    sink: &'b mut dyn CardSink,
    diagnostics: &'b mut Diagnostics,
    file: &'b mut CvrFile,
    card: Card,
    label: String,
    /// While the sessions are read: the index of the next one, for error locations.
    in_sessions: bool,
    next_index: u64,
}

impl Context<'_, '_> {
    fn session(&mut self, index: u64, s: Session) {
        let card = &mut self.card;
        card.clear();
        card.tabulator.push_str(&s.tabulator_id.to_string());
        card.batch.push_str(&s.batch_id.to_string());
        let record = match &s.record_id {
            NumOrText::Num(n) => Some(*n),
            NumOrText::Text(t) => t
                .parse()
                .ok()
                .or_else(|| s.image_mask.as_deref().and_then(record_from_image_mask)),
        };
        card.record_id = record;
        let record_text = record.map_or_else(|| s.record_id.to_string(), |r| r.to_string());
        card.cvr_id = format!("{}-{}-{}", card.tabulator, card.batch, record_text);
        card.imprinted_id = card.cvr_id.clone();
        if let Some(g) = s.counting_group_id {
            match self.names.counting_groups.get(&g) {
                Some(name) => card.counting_group.push_str(name),
                None => card.counting_group.push_str(&g.to_string()),
            }
        }
        let at = || {
            Location::file(self.source.file)
                .in_member(self.source.member)
                .with_path(format!("Sessions[{index}]"))
        };
        if record.is_none() {
            self.diagnostics.error("dominion-json-record", at(), format!("RecordId is {:?} and the image name does not give it; every session needs its record number — export the CVRs again", s.record_id.to_string()));
        }
        // The current interpretation: Modified when it is marked current, else Original.
        let version = match (s.modified, s.original) {
            (Some(m), _) if m.is_current != Some(false) => Some(m),
            (_, Some(o)) => Some(o),
            (Some(m), None) => Some(m),
            (None, None) => None,
        };
        let Some(version) = version else {
            self.diagnostics.error("dominion-json-session", at(), "the session has neither an Original nor a Modified interpretation; export the CVRs again");
            return;
        };
        let groups: Vec<JsonContest> = match (version.cards, version.contests) {
            (Some(cards), _) => cards.into_iter().flat_map(|c| c.contests).collect(),
            (None, Some(contests)) => contests,
            (None, None) => Vec::new(),
        };
        for jc in groups {
            let max_rank = jc.marks.iter().filter_map(|m| m.rank).max().unwrap_or(1);
            let id = self.names.contest(
                jc.id,
                max_rank,
                &self.label,
                self.contests,
                self.diagnostics,
            );
            self.file.mentions(id);
            self.card.open_contest(id);
            for m in jc.marks.iter().filter(|m| m.is_vote != Some(false)) {
                let name = self.names.candidate(m.candidate_id);
                let choice = self.contests.choice(id, &name);
                self.card.mark(choice, m.rank.unwrap_or(1).max(1));
            }
            match (jc.overvotes, jc.undervotes) {
                (Some(o), Some(u)) => self.card.set_counts(o, u),
                _ => {
                    if let Some(c) = self.contests.get(id) {
                        let c = c.clone();
                        self.card.count_over_and_under(&c);
                    }
                }
            }
        }
        self.file.cards += 1;
        let origin = Origin {
            file: self.source.file,
            member: self.source.member,
            line: None,
            session: Some(index),
        };
        self.sink
            .card(&origin, self.contests, &self.card, self.diagnostics);
    }
}

struct Top<'c, 'a, 'b>(&'c mut Context<'a, 'b>);
struct Sessions<'c, 'a, 'b>(&'c mut Context<'a, 'b>);

impl<'de> DeserializeSeed<'de> for Top<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Top<'_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a Dominion CVR export object with \"Sessions\"")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut saw_sessions = false;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "Version" => self.0.file.version = map.next_value::<Option<String>>()?,
                "ElectionId" => self.0.file.election = map.next_value::<Option<String>>()?,
                "Sessions" => {
                    saw_sessions = true;
                    map.next_value_seed(Sessions(&mut *self.0))?;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if !saw_sessions {
            return Err(de::Error::custom("the export has no \"Sessions\" list"));
        }
        Ok(())
    }
}

impl<'de> DeserializeSeed<'de> for Sessions<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Sessions<'_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of sessions")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut index = 0u64;
        self.0.in_sessions = true;
        while let Some(session) = seq.next_element::<Session>()? {
            self.0.session(index, session);
            index += 1;
            self.0.next_index = index;
        }
        self.0.in_sessions = false;
        Ok(())
    }
}

fn json_error(
    source: &Source<'_>,
    err: &serde_json::Error,
    path: Option<String>,
    diagnostics: &mut Diagnostics,
) {
    let mut location = source.whole();
    location.path = path;
    if err.line() > 0 {
        location.line = Some(err.line() as u64);
        location.column = Some(err.column() as u64);
    }
    let message = if err.is_io() {
        format!("the file could not be read ({err})")
    } else if err.is_eof() {
        "the JSON ends too early; the file was cut short — copy or export it again".to_string()
    } else {
        format!(
            "the JSON is not a Dominion export as expected ({err}); export it again without editing"
        )
    };
    diagnostics.error("dominion-json", location, message);
}

/// Reads one `CvrExport*.json`, handing each session's card to `sink`.
pub fn read_dominion_json<R: Read>(
    source: Source<'_>,
    input: R,
    names: &mut DominionNames,
    contests: &mut Contests,
    sink: &mut dyn CardSink,
    diagnostics: &mut Diagnostics,
) -> Option<CvrFile> {
    let mut file = CvrFile::new("Dominion JSON CVR export");
    if names.is_empty() {
        diagnostics.warning("dominion-json-no-manifest", source.whole(), "no ContestManifest.json/CandidateManifest.json was given, so contests and candidates are shown by id; inspect the manifests exported with the CVRs together with them");
    }
    let mut context = Context {
        source,
        names,
        contests,
        sink,
        diagnostics,
        file: &mut file,
        card: Card::default(),
        label: source.label(),
        in_sessions: false,
        next_index: 0,
    };
    let mut de = serde_json::Deserializer::from_reader(BufReader::with_capacity(1 << 16, input));
    let result = Top(&mut context)
        .deserialize(&mut de)
        .and_then(|()| de.end());
    if let Err(err) = result {
        let at = context
            .in_sessions
            .then(|| format!("Sessions[{}]", context.next_index));
        json_error(&source, &err, at, context.diagnostics);
        if file.cards == 0 {
            return None;
        }
    }
    Some(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hidden_record_ids_come_from_the_image_name() {
        assert_eq!(
            record_from_image_mask(
                "D:\\NAS\\SF\\Results\\Tabulator00005\\Batch001\\Images\\00005_00001_000022*.*"
            ),
            Some(22)
        );
        assert_eq!(record_from_image_mask("nothing"), None);
    }
}
