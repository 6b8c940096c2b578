//! Synthetic elections written in each vendor's export format, deterministic from a seed, so that
//! benchmarks and tests need no downloaded data.
//!
//! Card `i` draws its marks from a generator seeded by (seed, i), so the Dominion CSV and Dominion
//! JSON exports of one [`Spec`] hold the same votes, as do its ES&S and Hart exports — which get
//! only vote-for-1 contests, since their files do not say how many votes a contest allows;
//! ClearBallot's leaves out the ranked contest. Cards fill batches of `batch_size` in order; batch `b` (numbered from 1) belongs to
//! tabulator `(b - 1) % tabulators + 1`, and record ids run from 1 in each batch. About 1 % of
//! contests on a card are overvoted and 5 % undervoted.
//!
//! The generator writes to any `Write` (a zip for Hart) and holds nothing per card.

use std::io::{self, Seek, Write};

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spec {
    pub seed: u64,
    pub cards: u64,
    /// Number of contests (at least 1); contest 1 is on every card, the others on 80 % of cards.
    pub contests: u32,
    pub tabulators: u32,
    pub batch_size: u64,
}

impl Default for Spec {
    fn default() -> Spec {
        Spec {
            seed: 1,
            cards: 1000,
            contests: 20,
            tabulators: 4,
            batch_size: 250,
        }
    }
}

/// A contest of the synthetic election.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenContest {
    pub name: String,
    pub votes_allowed: u32,
    /// Ranks, for the ranked contest; 0 otherwise.
    pub ranks: u32,
    pub choices: Vec<String>,
}

/// SplitMix64: small, fast and good enough for synthetic data (never used for audits).
#[derive(Debug, Clone)]
struct Rng(u64);

impl Rng {
    fn new(seed: u64, stream: u64) -> Rng {
        let mut r = Rng(seed ^ stream.wrapping_mul(0x9e37_79b9_7f4a_7c15));
        r.next();
        r
    }
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// A number below `n` (n > 0).
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// The marks of one contest on one card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GenMarks {
    /// Not on this card.
    Absent,
    /// Choices marked (indexes), in rank order for a ranked contest; may be empty (undervote)
    /// or longer than votes allowed (overvote).
    Marked(Vec<usize>),
}

/// Where a card is and what it says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenCard {
    pub index: u64,
    pub tabulator: u32,
    pub batch: u64,
    pub record: u64,
    pub marks: Vec<GenMarks>,
}

impl Spec {
    /// The contests; with `plurality_only`, every contest is vote-for-1 and none is ranked.
    pub fn contests(&self, plurality_only: bool) -> Vec<GenContest> {
        (1..=self.contests.max(1))
            .map(|i| {
                let ranked = !plurality_only && i == 2;
                let votes_allowed = if !plurality_only && i == 3 { 2 } else { 1 };
                let n = 2 + (i % 4) as usize + usize::from(ranked) * 2;
                GenContest {
                    name: if ranked {
                        format!("Contest {i} Ranked")
                    } else {
                        format!("Contest {i}")
                    },
                    votes_allowed,
                    ranks: if ranked { 3 } else { 0 },
                    choices: (1..=n).map(|j| format!("Candidate {i}-{j}")).collect(),
                }
            })
            .collect()
    }

    pub fn batches(&self) -> u64 {
        self.cards.div_ceil(self.batch_size.max(1))
    }

    fn batch_of(&self, batch: u64) -> (u32, u64) {
        let size = self.batch_size.max(1);
        let cards = if batch * size <= self.cards {
            size
        } else {
            self.cards - (batch - 1) * size
        };
        (
            ((batch - 1) % u64::from(self.tabulators.max(1))) as u32 + 1,
            cards,
        )
    }

    /// Card `index` (0-based) with its marks for `contests`.
    pub fn card(&self, index: u64, contests: &[GenContest]) -> GenCard {
        let size = self.batch_size.max(1);
        let batch = index / size + 1;
        let (tabulator, _) = self.batch_of(batch);
        let mut rng = Rng::new(self.seed, index);
        let marks = contests
            .iter()
            .enumerate()
            .map(|(c, contest)| {
                if c > 0 && rng.below(10) < 2 {
                    return GenMarks::Absent;
                }
                let n = contest.choices.len();
                let roll = rng.below(100);
                let count = if roll == 0 {
                    (contest.votes_allowed as usize + 1).min(n)
                } else if roll < 6 {
                    0
                } else if contest.ranks > 0 {
                    1 + rng.below(u64::from(contest.ranks)) as usize
                } else {
                    contest.votes_allowed as usize
                };
                let mut picked: Vec<usize> = Vec::with_capacity(count);
                while picked.len() < count.min(n) {
                    // Skewed towards the first choices so contests have clear winners.
                    let a = rng.below(n as u64) as usize;
                    let b = rng.below(n as u64) as usize;
                    let choice = a.min(b);
                    if !picked.contains(&choice) {
                        picked.push(choice);
                    }
                }
                GenMarks::Marked(picked)
            })
            .collect();
        GenCard {
            index,
            tabulator,
            batch,
            record: index % size + 1,
            marks,
        }
    }
}

/// Writes an Arlo ballot manifest matching the cards; `four_digit_tabulators` names tabulators as
/// ES&S ten-digit Tabulator CVRs do (`0001`).
pub fn write_manifest(
    spec: &Spec,
    four_digit_tabulators: bool,
    out: &mut dyn Write,
) -> io::Result<()> {
    writeln!(out, "Tabulator,Batch Name,Number of Ballots")?;
    for b in 1..=spec.batches() {
        let (t, n) = spec.batch_of(b);
        if four_digit_tabulators {
            writeln!(out, "{t:04},{b},{n}")?;
        } else {
            writeln!(out, "{t},{b},{n}")?;
        }
    }
    Ok(())
}

/// Writes a Dominion CSV export (four header rows, `="…"` ids, a ranked contest).
pub fn write_dominion_csv(spec: &Spec, out: &mut dyn Write) -> io::Result<()> {
    let contests = spec.contests(false);
    let mut columns: Vec<(usize, usize, u32)> = Vec::new();
    for (c, contest) in contests.iter().enumerate() {
        for rank in 1..=contest.ranks.max(1) {
            for j in 0..contest.choices.len() {
                columns.push((c, j, rank));
            }
        }
    }
    write!(out, "Synthetic Election {},5.10.50.85", spec.seed)?;
    writeln!(out, "{}", ",".repeat(columns.len() + 6))?;
    let meta = ",,,,,,,";
    write!(out, "{meta}")?;
    for &(c, _, _) in &columns {
        let ct = &contests[c];
        if ct.ranks > 0 {
            write!(
                out,
                ",\"{} (Number of positions=1, Number of ranks={})\"",
                ct.name, ct.ranks
            )?;
        } else {
            write!(out, ",{} (Vote For={})", ct.name, ct.votes_allowed)?;
        }
    }
    writeln!(out)?;
    write!(out, "{meta}")?;
    for &(c, j, rank) in &columns {
        let ct = &contests[c];
        if ct.ranks > 0 {
            write!(out, ",{}({rank})", ct.choices[j])?;
        } else {
            write!(out, ",{}", ct.choices[j])?;
        }
    }
    writeln!(out)?;
    write!(
        out,
        "CvrNumber,TabulatorNum,BatchId,RecordId,ImprintedId,CountingGroup,PrecinctPortion,BallotType"
    )?;
    writeln!(out, "{}", ",".repeat(columns.len()))?;
    let mut line = String::with_capacity(columns.len() * 2 + 100);
    for i in 0..spec.cards {
        let card = spec.card(i, &contests);
        line.clear();
        use std::fmt::Write as _;
        let _ = write!(
            line,
            "=\"{}\",=\"{}\",=\"{}\",=\"{}\",=\"{}-{}-{}\",Election Day,Precinct {},Ballot Style {}",
            i + 1,
            card.tabulator,
            card.batch,
            card.record,
            card.tabulator,
            card.batch,
            card.record,
            card.batch % 7 + 1,
            card.batch % 3 + 1
        );
        for &(c, j, rank) in &columns {
            match &card.marks[c] {
                GenMarks::Absent => line.push(','),
                GenMarks::Marked(m) => {
                    let marked = if contests[c].ranks > 0 {
                        m.get(rank as usize - 1) == Some(&j)
                    } else {
                        m.contains(&j)
                    };
                    line.push_str(if marked { ",1" } else { ",0" });
                }
            }
        }
        line.push('\n');
        out.write_all(line.as_bytes())?;
    }
    Ok(())
}

/// Writes Dominion's ContestManifest.json, CandidateManifest.json and CountingGroupManifest.json
/// (in that order, to the three writers). Contest ids are 1-based positions; candidate ids are
/// `contest * 100 + choice`.
pub fn write_dominion_json_manifests(
    spec: &Spec,
    contest_out: &mut dyn Write,
    candidate_out: &mut dyn Write,
    group_out: &mut dyn Write,
) -> io::Result<()> {
    let contests = spec.contests(false);
    let items: Vec<String> = contests
        .iter()
        .enumerate()
        .map(|(c, ct)| {
            format!(
                "{{\"Description\":{},\"Id\":{},\"VoteFor\":{},\"NumOfRanks\":{}}}",
                json_string(&ct.name),
                c + 1,
                ct.votes_allowed,
                ct.ranks
            )
        })
        .collect();
    writeln!(
        contest_out,
        "{{\"Version\":\"5.10.50.85\",\"List\":[{}]}}",
        items.join(",")
    )?;
    let items: Vec<String> = contests
        .iter()
        .enumerate()
        .flat_map(|(c, ct)| {
            ct.choices.iter().enumerate().map(move |(j, name)| {
                format!(
                    "{{\"Description\":{},\"Id\":{},\"ContestId\":{},\"Type\":\"Regular\"}}",
                    json_string(name),
                    (c + 1) * 100 + j,
                    c + 1
                )
            })
        })
        .collect();
    writeln!(
        candidate_out,
        "{{\"Version\":\"5.10.50.85\",\"List\":[{}]}}",
        items.join(",")
    )?;
    writeln!(
        group_out,
        "{{\"Version\":\"5.10.50.85\",\"List\":[{{\"Description\":\"Election Day\",\"Id\":1}},{{\"Description\":\"Vote by Mail\",\"Id\":2}}]}}"
    )
}

fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Writes a Dominion JSON `CvrExport` (one session per card; overvoted marks have `IsVote` false).
pub fn write_dominion_json(spec: &Spec, out: &mut dyn Write) -> io::Result<()> {
    let contests = spec.contests(false);
    write!(
        out,
        "{{\"Version\":\"5.10.50.85\",\"ElectionId\":\"Synthetic Election {}\",\"Sessions\":[",
        spec.seed
    )?;
    let mut s = String::new();
    for i in 0..spec.cards {
        let card = spec.card(i, &contests);
        use std::fmt::Write as _;
        s.clear();
        if i > 0 {
            s.push(',');
        }
        let _ = write!(
            s,
            "{{\"TabulatorId\":{t},\"BatchId\":{b},\"RecordId\":{r},\"CountingGroupId\":{g},\"ImageMask\":\"D:\\\\Results\\\\Tabulator{t:05}\\\\Batch{b:03}\\\\Images\\\\{t:05}_{b:05}_{r:06}*.*\",\"SessionType\":\"ScannedVote\",\"Original\":{{\"PrecinctPortionId\":1,\"BallotTypeId\":1,\"IsCurrent\":true,\"Cards\":[{{\"Id\":{id},\"KeyInId\":{id},\"PaperIndex\":0,\"Contests\":[",
            t = card.tabulator,
            b = card.batch,
            r = card.record,
            g = 1 + i % 2,
            id = i + 1
        );
        let mut first = true;
        for (c, marks) in card.marks.iter().enumerate() {
            let GenMarks::Marked(m) = marks else { continue };
            let ct = &contests[c];
            let over = ct.ranks == 0 && m.len() > ct.votes_allowed as usize;
            let under = if over {
                0
            } else if ct.ranks > 0 {
                u32::from(m.is_empty())
            } else {
                ct.votes_allowed - m.len() as u32
            };
            if !first {
                s.push(',');
            }
            first = false;
            let _ = write!(
                s,
                "{{\"Id\":{},\"ManifestationId\":1,\"Undervotes\":{under},\"Overvotes\":{},\"OutstackConditionIds\":[],\"Marks\":[",
                c + 1,
                u32::from(over)
            );
            for (k, &j) in m.iter().enumerate() {
                if k > 0 {
                    s.push(',');
                }
                let rank = if ct.ranks > 0 { k + 1 } else { 1 };
                let _ = write!(
                    s,
                    "{{\"CandidateId\":{},\"ManifestationId\":1,\"PartyId\":0,\"Rank\":{rank},\"MarkDensity\":90,\"IsAmbiguous\":false,\"IsVote\":{},\"OutstackConditionIds\":[]}}",
                    (c + 1) * 100 + j,
                    !over
                );
            }
            s.push_str("]}");
        }
        s.push_str("],\"OutstackConditionIds\":[]}]}}");
        out.write_all(s.as_bytes())?;
    }
    writeln!(out, "]}}")
}

/// Writes one Hart CVR XML document per card into a zip (`CVRs/<guid>.xml`), stored or deflated.
pub fn write_hart_zip<W: Write + Seek>(spec: &Spec, deflate: bool, out: W) -> io::Result<W> {
    let contests = spec.contests(true);
    let mut zip = zip::ZipWriter::new(out);
    let options = zip::write::SimpleFileOptions::default().compression_method(if deflate {
        zip::CompressionMethod::Deflated
    } else {
        zip::CompressionMethod::Stored
    });
    let mut s = String::new();
    for i in 0..spec.cards {
        let card = spec.card(i, &contests);
        use std::fmt::Write as _;
        s.clear();
        let guid = format!("{}-{}-{}", card.tabulator, card.batch, card.record);
        s.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Cvr xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\" xmlns=\"http://tempuri.org/CVRDesign.xsd\">\n  <Contests>\n");
        for (c, marks) in card.marks.iter().enumerate() {
            let GenMarks::Marked(m) = marks else { continue };
            let ct = &contests[c];
            let _ = write!(
                s,
                "    <Contest>\n      <Name>{}</Name>\n      <Id>contest-{}</Id>\n      <Options>\n",
                ct.name,
                c + 1
            );
            for &j in m {
                let _ = write!(
                    s,
                    "        <Option>\n          <Name>{}</Name>\n          <Id>choice-{}-{}</Id>\n          <Value>1</Value>\n        </Option>\n",
                    ct.choices[j],
                    c + 1,
                    j + 1
                );
            }
            s.push_str("      </Options>\n");
            if m.is_empty() {
                s.push_str("      <Undervotes>1</Undervotes>\n");
            }
            s.push_str("    </Contest>\n");
        }
        let _ = write!(
            s,
            "  </Contests>\n  <BatchSequence>{}</BatchSequence>\n  <SheetNumber>1</SheetNumber>\n  <PrecinctSplit>\n    <Name>{}</Name>\n    <Id>precinct-{}</Id>\n  </PrecinctSplit>\n  <BatchNumber>{}</BatchNumber>\n  <CvrGuid>{guid}</CvrGuid>\n</Cvr>\n",
            card.record,
            card.batch % 7 + 1,
            card.batch % 7 + 1,
            card.batch
        );
        zip.start_file(format!("CVRs/{guid}.xml"), options)
            .map_err(io::Error::other)?;
        zip.write_all(s.as_bytes())?;
    }
    zip.finish().map_err(io::Error::other)
}

/// Writes an ES&S CVR file and its ballots file (ten-digit Tabulator CVRs).
pub fn write_ess(
    spec: &Spec,
    cvr_out: &mut dyn Write,
    ballots_out: &mut dyn Write,
) -> io::Result<()> {
    let contests = spec.contests(true);
    write!(cvr_out, "Cast Vote Record,Precinct,Ballot Style")?;
    for ct in &contests {
        write!(cvr_out, ",{}", ct.name)?;
    }
    writeln!(cvr_out)?;
    writeln!(
        ballots_out,
        "Cast Vote Record,Batch,Ballot Status,Original Ballot Exception,Remaining Ballot Exception,Write-in Type,Results Report,Reporting Group,Tabulator CVR,Precinct ID"
    )?;
    for i in 0..spec.cards {
        let card = spec.card(i, &contests);
        let mut line = format!(
            "{},Precinct {},Style {}",
            i + 1,
            card.batch % 7 + 1,
            card.batch % 3 + 1
        );
        for (c, marks) in card.marks.iter().enumerate() {
            line.push(',');
            match marks {
                GenMarks::Absent => {}
                GenMarks::Marked(m) if m.is_empty() => line.push_str("undervote"),
                GenMarks::Marked(m) if m.len() > 1 => line.push_str("overvote"),
                GenMarks::Marked(m) => line.push_str(&contests[c].choices[m[0]]),
            }
        }
        writeln!(cvr_out, "{line}")?;
        writeln!(
            ballots_out,
            "{},{},Not Reviewed,,,,N,Election Day,{:04}{:06},p",
            i + 1,
            card.batch,
            card.tabulator,
            card.record
        )?;
    }
    writeln!(ballots_out, "Total : {},,,,,,,,,", spec.cards)
}

/// Writes a ClearBallot CSV export.
pub fn write_clearballot(spec: &Spec, out: &mut dyn Write) -> io::Result<()> {
    let contests: Vec<GenContest> = spec
        .contests(false)
        .into_iter()
        .filter(|c| c.ranks == 0)
        .collect();
    write!(
        out,
        "RowNumber,BoxID,BoxPosition,BallotID,PrecinctID,BallotStyleID,PrecinctStyleName,ScanComputerName,Status,Remade"
    )?;
    for (c, ct) in contests.iter().enumerate() {
        for (j, choice) in ct.choices.iter().enumerate() {
            write!(
                out,
                ",Choice_{}_{}:{}:Vote For {}:{}:Non-Partisan",
                c * 10 + j,
                1,
                ct.name,
                ct.votes_allowed,
                choice
            )?;
        }
    }
    writeln!(out)?;
    for i in 0..spec.cards {
        let card = spec.card(i, &contests);
        let mut line = format!(
            "{},{},{},{}-{}-{},p,bs,ps,{},s,r",
            i + 1,
            card.batch,
            card.record,
            card.tabulator,
            card.batch,
            card.record,
            card.tabulator
        );
        for (c, ct) in contests.iter().enumerate() {
            for j in 0..ct.choices.len() {
                line.push_str(match &card.marks[c] {
                    GenMarks::Absent => ",",
                    GenMarks::Marked(m) if m.contains(&j) => ",1",
                    GenMarks::Marked(_) => ",0",
                });
            }
        }
        writeln!(out, "{line}")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cards_are_deterministic_and_fill_batches() {
        let spec = Spec {
            cards: 10,
            batch_size: 4,
            tabulators: 2,
            ..Spec::default()
        };
        let contests = spec.contests(false);
        assert_eq!(spec.card(5, &contests), spec.card(5, &contests));
        assert_ne!(spec.card(5, &contests).marks, spec.card(6, &contests).marks);
        let c = spec.card(9, &contests);
        assert_eq!((c.batch, c.tabulator, c.record), (3, 1, 2));
        let mut m = Vec::new();
        write_manifest(&spec, false, &mut m).unwrap();
        assert_eq!(
            String::from_utf8(m).unwrap(),
            "Tabulator,Batch Name,Number of Ballots\n1,1,4\n2,2,4\n1,3,2\n"
        );
    }
}
