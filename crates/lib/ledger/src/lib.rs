//! ballotproof's tamper-evident election record on disk.
//!
//! Every artifact and event of an election (uploaded manifests and cast-vote records, contest
//! definitions, seeds, samples, audit-board entries, reports, logins and permission changes,
//! voter-roll snapshot commitments, software manifests) is appended as a typed [`Entry`] to an
//! append-only RFC 9162 Merkle log whose signed checkpoints can be published; anyone can then prove
//! offline that a record is in the log and that the log only grew.
//!
//! * [`Ledger`] ([`store`]): open (with crash recovery), durable and batched appends, artifacts by
//!   content hash, signed checkpoints, tlog-proofs; [`Ledger::export`] ([`export`]) writes a static
//!   C2SP tlog-tiles directory.
//! * [`SharedLedger`] ([`group`]): group commit for many threads appending single entries.
//! * [`verify`]: offline verification of an export.
//! * [`witness`]: a witness that cosigns exports after checking consistency.
//! * [`entry`]: the entry format and kinds; [`frame`]: the entries file format and its recovery
//!   rule; [`keys`]: key files.
//!
//! **Storage decision: plain files beside ballotproof's other data, not SQLite.** ballotproof has
//! no database yet; issue 6 brings SQLite through sqlx, which is async and would tie the record to
//! a runtime and to one driver (sqlx and rusqlite cannot share a binary). The log needs nothing a
//! database gives — one writer, appends only, reads by index — and what it needs most, an
//! acknowledgement only after `fdatasync` and a recovery rule that can be argued byte by byte
//! ([`frame`]), is simplest with one append-only file. Keeping the record outside the audit
//! database also means a damaged or restored database cannot take the record with it, and the
//! record can be copied, backed up and inspected with ordinary tools. The cost: the whole entries
//! file is read and hashed on open (about a second per million entries; a county's election has
//! thousands to hundreds of thousands), and entries are held in memory.
//!
//! **Architecture Invariant:** the ledger depends on `tlog` for all hashing, proofs and formats and
//! on nothing of the audit workflow; other components add entries through [`NewEntry`] with their
//! own `kind`s.

pub mod entry;
pub mod export;
pub mod frame;
mod fsutil;
pub mod group;
pub mod keys;
pub mod store;
pub mod verify;
pub mod witness;

pub use entry::{Entry, EntryError, NewEntry, kinds};
pub use export::ExportSummary;
pub use group::SharedLedger;
pub use store::{DEFAULT_ORIGIN, Ledger, LedgerError, Recovery};
pub use verify::{DirSource, VerifyError, VerifyOptions, VerifyReport, verify_export};
pub use witness::{CosignReport, WitnessHome};
