//! The workflow's vocabulary: audit types, risk measures, interpretations, size choices — each with
//! the text it is stored and logged as.

use std::fmt;

use rla_math::plan::Method;
use serde::{Deserialize, Serialize};

use crate::AuditError;

macro_rules! text_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vdoc])* $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The text stored in the database and the log.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// Parses the stored text (or the same words with `-` for `_`).
            pub fn parse(text: &str) -> Result<$name, AuditError> {
                let wanted = text.trim().to_lowercase().replace('-', "_");
                $name::ALL
                    .iter()
                    .copied()
                    .find(|v| v.as_str() == wanted)
                    .ok_or_else(|| AuditError::Invalid(format!(
                        "{text:?} is not a known {}; use one of: {}",
                        stringify!($name),
                        $name::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", ")
                    )))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

text_enum! {
    /// What kind of audit: which evidence is compared with the paper.
    AuditType {
        /// Ballots are read without comparing to CVRs.
        BallotPolling = "ballot_polling",
        /// Each sampled ballot is compared with its cast-vote record.
        BallotComparison = "ballot_comparison",
        /// Whole batches are hand counted and compared with their reported tallies.
        BatchComparison = "batch_comparison",
        /// Ballots with CVRs compared, ballots without polled (SUITE), from one manifest whose
        /// CVR column says which batches have CVRs.
        Hybrid = "hybrid",
    }
}

text_enum! {
    /// The risk measure.
    Math {
        Bravo = "bravo",
        Minerva = "minerva",
        Providence = "providence",
        /// Kaplan–Markov "super-simple" ballot comparison (Arlo's).
        KaplanMarkov = "kaplan_markov",
        /// SHANGRLA's ALPHA for ballot comparison.
        Alpha = "alpha",
        /// MACRO batch comparison.
        Macro = "macro",
        /// SUITE: comparison and polling strata combined with Fisher's method (hybrid audits).
        Suite = "suite",
    }
}

impl Math {
    /// The default risk measure of an audit type (Arlo's defaults).
    pub fn default_for(audit_type: AuditType) -> Math {
        match audit_type {
            AuditType::BallotPolling => Math::Bravo,
            AuditType::BallotComparison => Math::KaplanMarkov,
            AuditType::BatchComparison => Math::Macro,
            AuditType::Hybrid => Math::Suite,
        }
    }

    /// Whether the measure fits the audit type.
    pub fn fits(self, audit_type: AuditType) -> bool {
        match audit_type {
            AuditType::BallotPolling => {
                matches!(self, Math::Bravo | Math::Minerva | Math::Providence)
            }
            AuditType::BallotComparison => matches!(self, Math::KaplanMarkov | Math::Alpha),
            AuditType::BatchComparison => self == Math::Macro,
            AuditType::Hybrid => self == Math::Suite,
        }
    }

    /// The ballot-level method of rla-math's `plan`, when it is one.
    pub fn plan_method(self) -> Option<Method> {
        match self {
            Math::Bravo => Some(Method::Bravo),
            Math::Minerva => Some(Method::Minerva),
            Math::Providence => Some(Method::Providence),
            Math::KaplanMarkov => Some(Method::SuperSimple),
            Math::Alpha => Some(Method::AlphaComparison),
            Math::Macro | Math::Suite => None,
        }
    }
}

text_enum! {
    /// Where an audit is.
    AuditStatus {
        /// Jurisdictions, uploads and contests are being set up.
        Setup = "setup",
        /// A round has started.
        InProgress = "in_progress",
        /// Every targeted contest met the risk limit (or was fully hand counted).
        Complete = "complete",
    }
}

text_enum! {
    /// What an audit board read for one contest on a ballot (Arlo's interpretations).
    Interpretation {
        Vote = "vote",
        Blank = "blank",
        CantAgree = "cant_agree",
        ContestNotOnBallot = "contest_not_on_ballot",
    }
}

text_enum! {
    /// Kinds of uploaded file.
    UploadKind {
        Manifest = "manifest",
        Cvrs = "cvrs",
        BatchTallies = "batch_tallies",
    }
}

/// How many draws a contest gets in a round.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SizeChoice {
    /// The default option (90 % chance where offered, else the method's estimate).
    Default,
    /// The option with this label ("ASN", "80% chance", "estimate").
    Option(String),
    /// Exactly this many draws.
    Draws(u64),
    /// One more batch (batch comparison; Arlo's answer to Loudoun County).
    OneBatch,
    /// Every ballot or batch: a full hand count.
    FullHandCount,
}

/// A ballot's contest as the audit board read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContestReading {
    pub contest: String,
    pub interpretation: Interpretation,
    /// Choice names marked (for `vote`).
    #[serde(default)]
    pub choices: Vec<String>,
    #[serde(default)]
    pub comment: String,
}

/// What an audit board reports for one sampled ballot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BallotEntry {
    NotFound,
    Read(Vec<ContestReading>),
}
