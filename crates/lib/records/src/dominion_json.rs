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
//! The export is scanned one session at a time from a buffer of the file (the `json` module): each
//! session's fields are read in place (numbers parsed, strings left in the buffer until a card
//! needs them, everything else skipped), so memory does not grow with the size of the export and
//! nothing is allocated per card. Dominion's contest and candidate ids map to ours through
//! vectors indexed by id, so a mark costs no hashing. The manifests are small and are read with
//! serde_json.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{BufReader, Read};

use serde::Deserialize;

use crate::csvutil::Source;
use crate::cvr::CvrFile;
use crate::json::{self, Cursor, Scan, Stop, Str};
use crate::model::{Card, CardSink, ChoiceId, Contest, ContestId, Contests, Origin};
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

/// Our index for each of Dominion's ids. Dominion numbers contests and candidates from 1, so a
/// vector indexed by id finds them without hashing; an id too large to index goes to a map.
#[derive(Debug, Clone)]
struct IdMap<T> {
    dense: Vec<Option<T>>,
    sparse: HashMap<u64, T>,
}

impl<T> Default for IdMap<T> {
    fn default() -> Self {
        IdMap {
            dense: Vec::new(),
            sparse: HashMap::new(),
        }
    }
}

impl<T: Copy> IdMap<T> {
    /// Ids below this are kept in the vector (at most 65,536 entries, well under a megabyte).
    const DENSE: u64 = 1 << 16;

    fn get(&self, id: u64) -> Option<T> {
        if id < Self::DENSE {
            self.dense.get(id as usize).copied().flatten()
        } else {
            self.sparse.get(&id).copied()
        }
    }

    fn insert(&mut self, id: u64, value: T) {
        if id < Self::DENSE {
            let i = id as usize;
            if self.dense.len() <= i {
                self.dense.resize(i + 1, None);
            }
            if let Some(slot) = self.dense.get_mut(i) {
                *slot = Some(value);
            }
        } else {
            self.sparse.insert(id, value);
        }
    }
}

/// The id → name tables of Dominion's JSON manifests, and which of our contests and choices each
/// Dominion id became.
#[derive(Debug, Default, Clone)]
pub struct DominionNames {
    contests: HashMap<u64, ContestEntry>,
    candidates: HashMap<u64, (u64, String)>,
    counting_groups: HashMap<u64, String>,
    /// Our contest id for each Dominion contest id, assigned on first sight.
    ids: IdMap<ContestId>,
    /// Our contest and choice for each Dominion candidate id, assigned on first sight.
    choices: IdMap<(ContestId, ChoiceId)>,
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
                json_error(&source, &err, diagnostics);
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
        if let Some(c) = self.ids.get(id) {
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

    /// Our choice for Dominion candidate `candidate` marked in our contest `contest`, added to
    /// the contest on first sight.
    fn choice(&mut self, contest: ContestId, candidate: u64, contests: &mut Contests) -> ChoiceId {
        if let Some((c, choice)) = self.choices.get(candidate)
            && c == contest
        {
            return choice;
        }
        let choice = contests.choice(contest, &self.candidate(candidate));
        self.choices.insert(candidate, (contest, choice));
        choice
    }
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

/// TabulatorId, BatchId and RecordId: numbers, or text (RecordId is "X" when hidden).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum RawId {
    #[default]
    Missing,
    Number(u64),
    Text(Str),
}

/// One contest of a session as the file has it; its marks are a range of [`RawVersion::marks`].
#[derive(Debug, Clone, Copy)]
struct RawContest {
    id: u64,
    undervotes: Option<u32>,
    overvotes: Option<u32>,
    /// True when listed in a card (5.10 and later), false when directly in the version (5.2).
    in_card: bool,
    first_mark: usize,
    marks: usize,
}

#[derive(Debug, Clone, Copy)]
struct RawMark {
    candidate: u64,
    rank: Option<u32>,
    is_vote: Option<bool>,
}

/// An interpretation of a session (`Original` or `Modified`).
#[derive(Debug, Default)]
struct RawVersion {
    present: bool,
    is_current: Option<bool>,
    /// A `Cards` list was given; then its contests are the ones counted.
    has_cards: bool,
    contests: Vec<RawContest>,
    marks: Vec<RawMark>,
}

impl RawVersion {
    fn clear(&mut self) {
        self.present = false;
        self.is_current = None;
        self.has_cards = false;
        self.contests.clear();
        self.marks.clear();
    }

    /// The contests that count: those of the cards when there are cards.
    fn counted(&self) -> impl Iterator<Item = (&RawContest, &[RawMark])> {
        let cards = self.has_cards;
        self.contests
            .iter()
            .filter(move |c| c.in_card == cards)
            .map(|c| {
                let marks = self
                    .marks
                    .get(c.first_mark..c.first_mark + c.marks)
                    .unwrap_or(&[]);
                (c, marks)
            })
    }
}

/// What a session says, as positions in the buffer and numbers; reused for every session, so
/// reading allocates nothing per card.
#[derive(Debug, Default)]
struct RawSession {
    tabulator: RawId,
    batch: RawId,
    record: RawId,
    counting_group: Option<u64>,
    image_mask: Option<Str>,
    original: RawVersion,
    modified: RawVersion,
}

/// Which known field a key names, by position in `names`.
#[inline]
fn field(c: &Cursor<'_>, key: Str, names: &[&str]) -> Option<usize> {
    if key.escaped {
        return names.iter().position(|n| c.key_is(key, n));
    }
    let raw = c.raw(key);
    names.iter().position(|n| n.as_bytes() == raw)
}

/// Records that field `which` of an object was read, refusing it twice (serde's "duplicate field").
fn once(c: &Cursor<'_>, seen: &mut u32, which: usize, name: &str) -> Scan<()> {
    let bit = 1u32 << which;
    if *seen & bit != 0 {
        return Err(c.bad(format_args!("{name} is given twice in one object")));
    }
    *seen |= bit;
    Ok(())
}

#[inline]
fn raw_id(c: &mut Cursor<'_>, name: &str) -> Scan<RawId> {
    match c.peek()? {
        b'"' => c.string().map(RawId::Text),
        b'-' | b'0'..=b'9' => {
            let at = c.pos;
            c.number()?.map(RawId::Number).ok_or_else(|| {
                Cursor::bad_at(
                    at,
                    format_args!("{name} should be a whole number or a text"),
                )
            })
        }
        _ => Err(c.bad(format_args!("{name} should be a whole number or a text"))),
    }
}

#[inline]
fn opt_u64(c: &mut Cursor<'_>, name: &str) -> Scan<Option<u64>> {
    if c.null()? {
        return Ok(None);
    }
    if !matches!(c.peek()?, b'-' | b'0'..=b'9') {
        return Err(c.bad(format_args!("{name} should be a whole number")));
    }
    let at = c.pos;
    c.number()?
        .map(Some)
        .ok_or_else(|| Cursor::bad_at(at, format_args!("{name} should be a whole number")))
}

#[inline]
fn whole(c: &mut Cursor<'_>, name: &str) -> Scan<u64> {
    let at = c.pos;
    opt_u64(c, name)?
        .ok_or_else(|| Cursor::bad_at(at, format_args!("{name} should be a whole number")))
}

#[inline]
fn opt_u32(c: &mut Cursor<'_>, name: &str) -> Scan<Option<u32>> {
    let at = c.pos;
    match opt_u64(c, name)? {
        None => Ok(None),
        Some(n) => u32::try_from(n)
            .map(Some)
            .map_err(|_| Cursor::bad_at(at, format_args!("{name} is {n}, which is too large"))),
    }
}

#[inline]
fn opt_bool(c: &mut Cursor<'_>, name: &str) -> Scan<Option<bool>> {
    if c.null()? {
        return Ok(None);
    }
    match c.boolean()? {
        Some(b) => Ok(Some(b)),
        None => Err(c.bad(format_args!("{name} should be true or false"))),
    }
}

#[inline]
fn opt_string(c: &mut Cursor<'_>, name: &str) -> Scan<Option<Str>> {
    if c.null()? {
        return Ok(None);
    }
    if c.peek()? != b'"' {
        return Err(c.bad(format_args!("{name} should be a text")));
    }
    c.string().map(Some)
}

fn required<T>(c: &Cursor<'_>, value: Option<T>, name: &str, object: &str) -> Scan<T> {
    value.ok_or_else(|| c.bad(format_args!("{object} has no {name}")))
}

/// Reads one session object (the cursor before it); `depth` containers enclose it.
fn parse_session(c: &mut Cursor<'_>, s: &mut RawSession, depth: usize) -> Scan<()> {
    const NAMES: [&str; 7] = [
        "TabulatorId",
        "BatchId",
        "RecordId",
        "CountingGroupId",
        "ImageMask",
        "Original",
        "Modified",
    ];
    s.tabulator = RawId::Missing;
    s.batch = RawId::Missing;
    s.record = RawId::Missing;
    s.counting_group = None;
    s.image_mask = None;
    s.original.clear();
    s.modified.clear();
    if !c.object()? {
        return Err(c.bad("each session should be an object {…}"));
    }
    let inner = depth + 1;
    let (mut first, mut seen) = (true, 0u32);
    while let Some(key) = c.next_key(&mut first)? {
        let Some(which) = field(c, key, &NAMES) else {
            c.skip_value(inner)?;
            continue;
        };
        let name = NAMES.get(which).copied().unwrap_or("");
        once(c, &mut seen, which, name)?;
        match which {
            0 => s.tabulator = raw_id(c, name)?,
            1 => s.batch = raw_id(c, name)?,
            2 => s.record = raw_id(c, name)?,
            3 => s.counting_group = opt_u64(c, name)?,
            4 => s.image_mask = opt_string(c, name)?,
            5 => parse_version(c, &mut s.original, inner)?,
            _ => parse_version(c, &mut s.modified, inner)?,
        }
    }
    for (id, name) in [
        (s.tabulator, "TabulatorId"),
        (s.batch, "BatchId"),
        (s.record, "RecordId"),
    ] {
        if id == RawId::Missing {
            return Err(c.bad(format_args!("the session has no {name}")));
        }
    }
    Ok(())
}

/// Reads `Original` or `Modified` (`null`, or an object).
fn parse_version(c: &mut Cursor<'_>, v: &mut RawVersion, depth: usize) -> Scan<()> {
    if c.null()? {
        return Ok(());
    }
    if !c.object()? {
        return Err(c.bad("Original and Modified should be objects {…}"));
    }
    v.present = true;
    let inner = depth + 1;
    let (mut first, mut seen) = (true, 0u32);
    const NAMES: [&str; 3] = ["IsCurrent", "Cards", "Contests"];
    while let Some(key) = c.next_key(&mut first)? {
        let Some(which) = field(c, key, &NAMES) else {
            c.skip_value(inner)?;
            continue;
        };
        let name = NAMES.get(which).copied().unwrap_or("");
        once(c, &mut seen, which, name)?;
        match which {
            0 => v.is_current = opt_bool(c, name)?,
            1 => {
                if c.null()? {
                    continue;
                }
                if !c.array()? {
                    return Err(c.bad("Cards should be a list"));
                }
                v.has_cards = true;
                let mut first_card = true;
                while c.next_item(&mut first_card)? {
                    parse_card(c, v, inner + 1)?;
                }
            }
            _ => {
                if c.null()? {
                    continue;
                }
                parse_contests(c, v, false, inner)?;
            }
        }
    }
    Ok(())
}

/// Reads one card of `Cards`: its `Contests`.
fn parse_card(c: &mut Cursor<'_>, v: &mut RawVersion, depth: usize) -> Scan<()> {
    if !c.object()? {
        return Err(c.bad("each card should be an object {…}"));
    }
    let inner = depth + 1;
    let (mut first, mut seen) = (true, 0u32);
    while let Some(key) = c.next_key(&mut first)? {
        if field(c, key, &["Contests"]).is_none() {
            c.skip_value(inner)?;
            continue;
        }
        once(c, &mut seen, 0, "Contests")?;
        parse_contests(c, v, true, inner)?;
    }
    Ok(())
}

/// Reads a `Contests` list; `depth` containers enclose the list.
fn parse_contests(c: &mut Cursor<'_>, v: &mut RawVersion, in_card: bool, depth: usize) -> Scan<()> {
    if !c.array()? {
        return Err(c.bad("Contests should be a list"));
    }
    let depth = depth + 1;
    let mut first = true;
    while c.next_item(&mut first)? {
        if !c.object()? {
            return Err(c.bad("each contest should be an object {…}"));
        }
        let inner = depth + 1;
        let mut contest = RawContest {
            id: 0,
            undervotes: None,
            overvotes: None,
            in_card,
            first_mark: v.marks.len(),
            marks: 0,
        };
        let mut id = None;
        let (mut first_key, mut seen) = (true, 0u32);
        const NAMES: [&str; 4] = ["Id", "Undervotes", "Overvotes", "Marks"];
        while let Some(key) = c.next_key(&mut first_key)? {
            let Some(which) = field(c, key, &NAMES) else {
                c.skip_value(inner)?;
                continue;
            };
            let name = NAMES.get(which).copied().unwrap_or("");
            once(c, &mut seen, which, name)?;
            match which {
                0 => id = Some(whole(c, name)?),
                1 => contest.undervotes = opt_u32(c, name)?,
                2 => contest.overvotes = opt_u32(c, name)?,
                _ => parse_marks(c, v, inner)?,
            }
        }
        contest.id = required(c, id, "Id", "a contest")?;
        contest.marks = v.marks.len() - contest.first_mark;
        v.contests.push(contest);
    }
    Ok(())
}

/// Reads a `Marks` list; `depth` containers enclose the list.
fn parse_marks(c: &mut Cursor<'_>, v: &mut RawVersion, depth: usize) -> Scan<()> {
    if !c.array()? {
        return Err(c.bad("Marks should be a list"));
    }
    let inner = depth + 2;
    let mut first = true;
    const NAMES: [&str; 3] = ["CandidateId", "Rank", "IsVote"];
    while c.next_item(&mut first)? {
        if !c.object()? {
            return Err(c.bad("each mark should be an object {…}"));
        }
        let mut mark = RawMark {
            candidate: 0,
            rank: None,
            is_vote: None,
        };
        let mut candidate = None;
        let (mut first_key, mut seen) = (true, 0u32);
        while let Some(key) = c.next_key(&mut first_key)? {
            let Some(which) = field(c, key, &NAMES) else {
                c.skip_value(inner)?;
                continue;
            };
            let name = NAMES.get(which).copied().unwrap_or("");
            once(c, &mut seen, which, name)?;
            match which {
                0 => candidate = Some(whole(c, name)?),
                1 => mark.rank = opt_u32(c, name)?,
                _ => mark.is_vote = opt_bool(c, name)?,
            }
        }
        mark.candidate = required(c, candidate, "CandidateId", "a mark")?;
        v.marks.push(mark);
    }
    Ok(())
}

/// Reports a manifest that serde_json could not read.
fn json_error(source: &Source<'_>, err: &serde_json::Error, diagnostics: &mut Diagnostics) {
    let mut location = source.whole();
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

/// Appends `n` in decimal.
fn push_number(out: &mut String, n: u64) {
    let _ = write!(out, "{n}");
}

/// Appends an id as the card shows it: the number, or the text.
fn push_id(c: &Cursor<'_>, id: RawId, out: &mut String, scratch: &mut String) -> Scan<()> {
    match id {
        RawId::Number(n) => push_number(out, n),
        RawId::Text(s) => {
            c.text_into(s, scratch)?;
            out.push_str(scratch);
        }
        RawId::Missing => {}
    }
    Ok(())
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
    scratch: String,
    record_text: String,
}

impl Context<'_, '_> {
    /// Turns a session read whole into a card and hands it to the sink.
    fn session(&mut self, c: &Cursor<'_>, index: u64, s: &RawSession) -> Scan<()> {
        // Every text is decoded before anything is counted, so a bad one stops reading cleanly.
        let card = &mut self.card;
        card.clear();
        push_id(c, s.tabulator, &mut card.tabulator, &mut self.scratch)?;
        push_id(c, s.batch, &mut card.batch, &mut self.scratch)?;
        self.record_text.clear();
        push_id(c, s.record, &mut self.record_text, &mut self.scratch)?;
        let record = match s.record {
            RawId::Number(n) => Some(n),
            _ => match self.record_text.parse().ok() {
                Some(n) => Some(n),
                None => match s.image_mask {
                    Some(mask) => {
                        c.text_into(mask, &mut self.scratch)?;
                        record_from_image_mask(&self.scratch)
                    }
                    None => None,
                },
            },
        };
        card.record_id = record;
        card.cvr_id.push_str(&card.tabulator);
        card.cvr_id.push('-');
        card.cvr_id.push_str(&card.batch);
        card.cvr_id.push('-');
        match record {
            Some(r) => push_number(&mut card.cvr_id, r),
            None => card.cvr_id.push_str(&self.record_text),
        }
        card.imprinted_id.push_str(&card.cvr_id);
        if let Some(g) = s.counting_group {
            match self.names.counting_groups.get(&g) {
                Some(name) => card.counting_group.push_str(name),
                None => push_number(&mut card.counting_group, g),
            }
        }
        let at = || {
            Location::file(self.source.file)
                .in_member(self.source.member)
                .with_path(format!("Sessions[{index}]"))
        };
        if record.is_none() {
            self.diagnostics.error("dominion-json-record", at(), format!("RecordId is {:?} and the image name does not give it; every session needs its record number — export the CVRs again", self.record_text));
        }
        // The current interpretation: Modified when it is marked current, else Original.
        let (m, o) = (&s.modified, &s.original);
        let version = if m.present && m.is_current != Some(false) {
            m
        } else if o.present {
            o
        } else if m.present {
            m
        } else {
            self.diagnostics.error("dominion-json-session", at(), "the session has neither an Original nor a Modified interpretation; export the CVRs again");
            return Ok(());
        };
        for (jc, marks) in version.counted() {
            let id = match self.names.ids.get(jc.id) {
                Some(id) => id,
                None => {
                    let max_rank = marks.iter().filter_map(|m| m.rank).max().unwrap_or(1);
                    self.names.contest(
                        jc.id,
                        max_rank,
                        &self.label,
                        self.contests,
                        self.diagnostics,
                    )
                }
            };
            self.file.mentions(id);
            self.card.open_contest(id);
            for m in marks.iter().filter(|m| m.is_vote != Some(false)) {
                let choice = self.names.choice(id, m.candidate, self.contests);
                self.card.mark(choice, m.rank.unwrap_or(1).max(1));
            }
            match (jc.overvotes, jc.undervotes) {
                (Some(o), Some(u)) => self.card.set_counts(o, u),
                _ => {
                    if let Some(contest) = self.contests.get(id) {
                        self.card.count_over_and_under(contest);
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
        Ok(())
    }
}

/// The file in a buffer that holds at least the value being scanned: scanned bytes are dropped
/// and more read as scanning needs them, so memory is about one chunk plus the largest session.
/// The buffer starts small (a zip may hold thousands of small exports) and doubles on each read
/// up to `chunk`, and beyond only when one value does not fit.
struct Stream<R> {
    input: R,
    /// `bytes[..filled]` are bytes of the file not yet dropped; the rest is room to read into
    /// (zeroed once, when the buffer grows, not on every read).
    bytes: Vec<u8>,
    filled: usize,
    chunk: usize,
    /// Where scanning goes on.
    pos: usize,
    eof: bool,
    /// Newlines in the bytes already dropped, and bytes since the last of them, for positions.
    lines_before: u64,
    column_before: u64,
}

/// The size the buffer grows to (from [`FIRST_CHUNK`]); past it, it doubles only when one value
/// does not fit.
const CHUNK: usize = 1 << 20;
const FIRST_CHUNK: usize = 16 << 10;
/// A single session (or other value) larger than this is refused: no real session comes near,
/// and memory must stay bounded whatever the file holds.
const MAX_VALUE: usize = 256 << 20;

impl<R: Read> Stream<R> {
    /// A stream whose buffer grows to `chunk` bytes as it is read.
    fn new(input: R, chunk: usize) -> Stream<R> {
        Stream {
            input,
            bytes: Vec::new(),
            chunk: chunk.max(1),
            filled: 0,
            pos: 0,
            eof: false,
            lines_before: 0,
            column_before: 0,
        }
    }

    fn data(&self) -> &[u8] {
        self.bytes.get(..self.filled).unwrap_or(&[])
    }

    /// Bytes read but not yet scanned past.
    fn pending(&self) -> usize {
        self.filled.saturating_sub(self.pos)
    }

    /// Drops what was scanned and reads until the buffer is full or the file ends. False at the
    /// end of the file.
    fn refill(&mut self) -> std::io::Result<bool> {
        if self.pos > 0 {
            let done = self.bytes.get(..self.pos.min(self.filled)).unwrap_or(&[]);
            let (mut newlines, mut last) = (0u64, None);
            for nl in memchr::memchr_iter(b'\n', done) {
                newlines += 1;
                last = Some(nl);
            }
            self.lines_before += newlines;
            self.column_before = match last {
                Some(nl) => (done.len() - nl - 1) as u64,
                None => self.column_before + done.len() as u64,
            };
            let pending = self.pending();
            self.bytes.copy_within(self.pos..self.filled, 0);
            self.filled = pending;
            self.pos = 0;
        }
        if self.filled == self.bytes.len() || self.bytes.len() < self.chunk {
            let grow = self.bytes.len().max(self.chunk.min(FIRST_CHUNK));
            self.bytes.resize(self.bytes.len() + grow, 0);
        }
        let mut got = 0;
        while let Some(room) = self.bytes.get_mut(self.filled..).filter(|r| !r.is_empty()) {
            match self.input.read(room) {
                Ok(0) => break,
                Ok(n) => {
                    self.filled += n;
                    got += n;
                }
                Err(err) if err.kind() == std::io::ErrorKind::Interrupted => {}
                Err(err) => return Err(err),
            }
        }
        self.eof = got == 0;
        Ok(got > 0)
    }

    fn location(&self, source: &Source<'_>, at: usize, path: Option<String>) -> Location {
        let (line, column) =
            json::line_and_column(self.data(), at, self.lines_before, self.column_before);
        let mut location = source.whole();
        location.path = path;
        location.line = Some(line);
        location.column = Some(column);
        location
    }
}

/// Where reading is in the export's top-level object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum At {
    Start,
    Members { first: bool },
    Sessions { first: bool },
    Done,
}

/// Scans what comes next at `at` (a top-level member, or one session, which goes to the context)
/// and returns where reading is then. Nothing is changed unless the step completes, so a step cut
/// off by the end of the buffer can be scanned again once more of the file is read.
fn step(
    c: &mut Cursor<'_>,
    at: At,
    context: &mut Context<'_, '_>,
    raw: &mut RawSession,
    index: u64,
    saw_sessions: &mut bool,
) -> Scan<At> {
    match at {
        At::Start => {
            if !c.object()? {
                return Err(c.bad("the export should be an object {…} with \"Sessions\""));
            }
            Ok(At::Members { first: true })
        }
        At::Members { mut first } => {
            let Some(key) = c.next_key(&mut first)? else {
                if !*saw_sessions {
                    return Err(c.bad("the export has no \"Sessions\" list"));
                }
                return Ok(At::Done);
            };
            if c.key_is(key, "Sessions") {
                if !c.array()? {
                    return Err(c.bad("Sessions should be a list"));
                }
                *saw_sessions = true;
                return Ok(At::Sessions { first: true });
            }
            let (slot, name) = if c.key_is(key, "Version") {
                (Some(&mut context.file.version), "Version")
            } else if c.key_is(key, "ElectionId") {
                (Some(&mut context.file.election), "ElectionId")
            } else {
                (None, "")
            };
            match slot {
                None => c.skip_value(1)?,
                Some(slot) => {
                    *slot = match opt_string(c, name)? {
                        None => None,
                        Some(s) => {
                            let mut text = String::new();
                            c.text_into(s, &mut text)?;
                            Some(text)
                        }
                    };
                }
            }
            Ok(At::Members { first: false })
        }
        At::Sessions { mut first } => {
            if !c.next_item(&mut first)? {
                return Ok(At::Members { first: false });
            }
            parse_session(c, raw, 2)?;
            context.session(c, index, raw)?;
            Ok(At::Sessions { first: false })
        }
        At::Done => {
            if c.at_end() {
                Err(Stop::End)
            } else {
                Err(c.bad("there is more after the export's closing '}'"))
            }
        }
    }
}

/// Reads one `CvrExport*.json`, handing each session's card to `sink`.
///
/// `names` remembers which of `contests`' ids it gave Dominion's contest and candidate ids, so
/// every export of an election must be read with the same `names` and `contests`.
pub fn read_dominion_json<R: Read>(
    source: Source<'_>,
    input: R,
    names: &mut DominionNames,
    contests: &mut Contests,
    sink: &mut dyn CardSink,
    diagnostics: &mut Diagnostics,
) -> Option<CvrFile> {
    read_in_chunks(source, input, names, contests, sink, diagnostics, CHUNK)
}

/// [`read_dominion_json`] with a buffer of `chunk` bytes (small in tests, so that sessions
/// straddle every possible boundary between reads).
fn read_in_chunks<R: Read>(
    source: Source<'_>,
    input: R,
    names: &mut DominionNames,
    contests: &mut Contests,
    sink: &mut dyn CardSink,
    diagnostics: &mut Diagnostics,
    chunk: usize,
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
        scratch: String::new(),
        record_text: String::new(),
    };
    let mut stream = Stream::new(input, chunk);
    let mut raw = RawSession::default();
    let (mut at, mut index, mut saw_sessions) = (At::Start, 0u64, false);
    // The failure, if any: where (a byte of the buffer), and what to tell the clerk.
    let failure: Option<(Option<usize>, String)> = loop {
        let mut c = Cursor::new(stream.data(), stream.pos);
        let result = step(&mut c, at, &mut context, &mut raw, index, &mut saw_sessions);
        match result {
            Ok(next) => {
                if matches!((at, next), (At::Sessions { .. }, At::Sessions { .. })) {
                    index += 1;
                }
                stream.pos = c.pos;
                at = next;
            }
            Err(Stop::End) if stream.eof => {
                if at == At::Done {
                    break None;
                }
                break Some((
                    Some(stream.filled),
                    "the JSON ends too early; the file was cut short — copy or export it again"
                        .to_string(),
                ));
            }
            Err(Stop::End) => {
                if stream.pending() > MAX_VALUE {
                    break Some((
                        Some(stream.pos),
                        format!(
                            "one value is larger than {} MB, which no Dominion session is; export the CVRs again",
                            MAX_VALUE >> 20
                        ),
                    ));
                }
                if let Err(err) = stream.refill() {
                    break Some((None, format!("the file could not be read ({err})")));
                }
            }
            Err(Stop::Bad(bad)) => {
                break Some((
                    Some(bad.at),
                    format!(
                        "the JSON is not a Dominion export as expected ({}); export it again without editing",
                        bad.message
                    ),
                ));
            }
        }
    };
    if let Some((place, message)) = failure {
        let path = matches!(at, At::Sessions { .. }).then(|| format!("Sessions[{index}]"));
        let location = match place {
            Some(p) => stream.location(&source, p, path),
            None => {
                let mut location = source.whole();
                location.path = path;
                location
            }
        };
        context
            .diagnostics
            .error("dominion-json", location, message);
        if file.cards == 0 {
            return None;
        }
    }
    Some(file)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::{self, Spec};
    use crate::model::CollectCards;

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

    /// What reading gave: the cards, the problems as the clerk sees them, the contests with their
    /// choices, and the file summary.
    type Outcome = (
        Vec<Card>,
        Vec<String>,
        Vec<(String, Vec<String>)>,
        Option<CvrFile>,
    );

    fn read(bytes: &[u8], manifests: &[(&str, &[u8])], chunk: usize) -> Outcome {
        let mut names = DominionNames::new();
        let mut d = Diagnostics::new();
        for (name, m) in manifests {
            names.read_manifest(Source::new(name), *m, &mut d);
        }
        let mut contests = Contests::new();
        let mut sink = CollectCards::default();
        let file = read_in_chunks(
            Source::new("CvrExport_0.json"),
            bytes,
            &mut names,
            &mut contests,
            &mut sink,
            &mut d,
            chunk,
        );
        let problems = d.into_problems().iter().map(|p| p.to_string()).collect();
        let defined = contests
            .iter()
            .map(|(_, c)| (c.name.clone(), c.choices.clone()))
            .collect();
        (sink.0, problems, defined, file)
    }

    fn generated(cards: u64) -> (Vec<u8>, [Vec<u8>; 3]) {
        let spec = Spec {
            cards,
            contests: 5,
            ..Spec::default()
        };
        let (mut a, mut b, mut c, mut json) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        generate::write_dominion_json_manifests(&spec, &mut a, &mut b, &mut c).unwrap();
        generate::write_dominion_json(&spec, &mut json).unwrap();
        (json, [a, b, c])
    }

    /// Sessions cut by the end of the buffer are scanned again once more is read; whatever the
    /// size of the reads, the cards, the problems and their lines and columns are the same —
    /// for a whole export, a pretty-printed one, and cut or damaged ones.
    #[test]
    fn chunk_boundaries_change_nothing() {
        let (json, [a, b, c]) = generated(12);
        let manifests: [(&str, &[u8]); 3] = [
            ("ContestManifest.json", &a),
            ("CandidateManifest.json", &b),
            ("CountingGroupManifest.json", &c),
        ];
        let value: serde_json::Value = serde_json::from_slice(&json).unwrap();
        let pretty = serde_json::to_vec_pretty(&value).unwrap();
        let mut damaged = pretty.clone();
        if let Some(at) = damaged.len().checked_sub(3000) {
            damaged[at] = b'@';
        }
        let cut = &pretty[..pretty.len() / 2];
        for (what, bytes) in [
            ("compact", json.as_slice()),
            ("pretty", &pretty),
            ("damaged", &damaged),
            ("cut", cut),
        ] {
            let whole = read(bytes, &manifests, CHUNK);
            assert!(whole.0.len() >= 6, "{what}: {:?}", whole.1);
            for chunk in [1, 2, 3, 7, 64, 1000] {
                assert_eq!(
                    read(bytes, &manifests, chunk),
                    whole,
                    "{what}, chunk {chunk}"
                );
            }
        }
        let (cards, problems, ..) = read(cut, &manifests, CHUNK);
        assert!(cards.len() < 12);
        assert!(
            problems.iter().any(|p| p.contains("cut short")),
            "{problems:?}"
        );
    }

    /// Field forms the scanner must read as serde did: white space anywhere, keys in any order,
    /// `null` for optional fields, escaped keys and texts, `Cards: null` falling back to
    /// `Contests`, an `IsCurrent` Modified version, `IsVote: false` marks, unknown fields of any
    /// shape skipped.
    #[test]
    fn session_forms() {
        let json = br#" {
            "Extra": {"a": [1, 2.5e3, {"b": null}], "c": "\u00e9"},
            "Sessions" : [
              { "RecordId": 3, "BatchId": "B\u0031", "Tabul\u0061torId": 7,
                "CountingGroupId": null, "ImageMask": null,
                "Original": {"Cards": null, "Contests": [
                    {"Id": 1, "Marks": [{"CandidateId": 10, "Rank": null, "IsVote": true},
                                        {"IsVote": false, "CandidateId": 11}],
                     "Undervotes": 0, "Overvotes": 0}]},
                "Modified": null },
              { "TabulatorId": 7, "BatchId": 1, "RecordId": "X",
                "ImageMask": "C:\\x\\00007_00001_000009.tif",
                "Original": {"IsCurrent": false, "Cards": [{"Contests": [
                    {"Id": 1, "Marks": [{"CandidateId": 10}]}]}]},
                "Modified": {"IsCurrent": true, "Cards": [{"Contests": [
                    {"Id": 1, "Marks": [{"CandidateId": 11, "Rank": 1}], "Overvotes": 0,
                     "Undervotes": 0}]}]} }
            ],
            "Version": "5.2", "ElectionId": null
        } "#;
        let (cards, problems, contests, file) = read(json, &[], CHUNK);
        assert_eq!(
            problems,
            vec![
                "CvrExport_0.json: warning: no ContestManifest.json/CandidateManifest.json was given, so contests and candidates are shown by id; inspect the manifests exported with the CVRs together with them"
            ]
        );
        let file = file.unwrap();
        assert_eq!(
            (file.cards, file.version.as_deref(), file.election),
            (2, Some("5.2"), None)
        );
        assert_eq!(
            contests,
            vec![(
                "Contest 1".to_string(),
                vec!["Candidate 10".to_string(), "Candidate 11".to_string()]
            )]
        );
        assert_eq!(cards[0].cvr_id, "7-B1-3");
        assert_eq!(cards[0].marks.len(), 1);
        assert_eq!(cards[1].cvr_id, "7-1-9");
        assert_eq!(cards[1].record_id, Some(9));
        // The Modified version is counted: candidate 11.
        assert_eq!(
            cards[1].marks.iter().map(|m| m.choice).collect::<Vec<_>>(),
            vec![1]
        );
    }

    /// What serde refused, the scanner refuses too, at the place of the fault and naming the
    /// session.
    #[test]
    fn malformed_sessions_are_located() {
        let cases: [(&str, &str); 9] = [
            (
                r#"{"Sessions":[{"TabulatorId":1,"BatchId":1}]}"#,
                "the session has no RecordId",
            ),
            (
                r#"{"Sessions":[{"TabulatorId":true,"BatchId":1,"RecordId":1}]}"#,
                "TabulatorId should be a whole number or a text",
            ),
            (
                r#"{"Sessions":[{"TabulatorId":-1,"BatchId":1,"RecordId":1}]}"#,
                "TabulatorId should be a whole number or a text",
            ),
            (
                r#"{"Sessions":[{"TabulatorId":1,"TabulatorId":1,"BatchId":1,"RecordId":1}]}"#,
                "TabulatorId is given twice",
            ),
            (
                r#"{"Sessions":[{"TabulatorId":1,"BatchId":1,"RecordId":1,"Original":{"Cards":[{"Contests":[{"Marks":[]}]}]}}]}"#,
                "a contest has no Id",
            ),
            (
                r#"{"Sessions":[{"TabulatorId":1,"BatchId":1,"RecordId":1,"Original":{"Contests":[{"Id":1,"Overvotes":4294967296}]}}]}"#,
                "Overvotes is 4294967296, which is too large",
            ),
            (
                r#"{"Sessions":[{"TabulatorId":1,"BatchId":1,"RecordId":1,"Original":{"Contests":[{"Id":1,"Marks":null}]}}]}"#,
                "Marks should be a list",
            ),
            (
                r#"{"Sessions":[{"TabulatorId":1,"BatchId":1,"RecordId":1}],}"#,
                "expected a key in quotes",
            ),
            (r#"{"Version":"5"}"#, "the export has no \"Sessions\" list"),
        ];
        for (json, expected) in cases {
            let (_, problems, ..) = read(json.as_bytes(), &[], CHUNK);
            let error = problems.last().unwrap();
            assert!(error.contains(expected), "{json}: {error}");
            assert!(
                error.starts_with("CvrExport_0.json, line 1, column "),
                "{error}"
            );
        }
        let (_, problems, ..) = read(
            br#"{"Sessions":[{"TabulatorId":1,"BatchId":1,"RecordId":1},
{"TabulatorId":1,"BatchId":1,"RecordId":2,"IsVote":tru}]}"#,
            &[],
            CHUNK,
        );
        assert_eq!(
            problems.last().unwrap(),
            "CvrExport_0.json, line 2, column 55, at Sessions[1]: error: the JSON is not a Dominion export as expected (expected a value); export it again without editing"
        );
    }
}
