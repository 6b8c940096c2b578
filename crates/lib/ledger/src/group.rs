//! Group commit: many threads (web requests, audit boards) each append one entry and wait for it
//! to be durable; whoever finds no write in progress takes everything queued so far and writes it as
//! one batch with one `fdatasync`, and the others wait for that batch. Throughput then grows with
//! the number of concurrent callers instead of being one `fdatasync` per entry, and every caller
//! still gets its acknowledgement only once its entry is on disk.
//!
//! Entries queued while a batch is being written go into the next batch, in arrival order; the
//! log's order is the order in which callers took the queue lock.

use std::collections::BTreeMap;
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::SystemTime;

use crate::entry::NewEntry;
use crate::store::{Ledger, LedgerError};

/// A [`Ledger`] shared between threads with group commit.
#[derive(Debug)]
pub struct SharedLedger {
    queue: Mutex<Queue>,
    written: Condvar,
    ledger: Mutex<Ledger>,
}

#[derive(Debug, Default)]
struct Queue {
    pending: Vec<NewEntry>,
    /// Ticket of `pending[0]`.
    first_ticket: u64,
    next_ticket: u64,
    writing: bool,
    /// Outcome per ticket: the entry's index, or why its batch failed.
    results: BTreeMap<u64, Result<u64, String>>,
}

fn poisoned<T>(_: T) -> LedgerError {
    LedgerError::Internal("a thread panicked while appending to the ledger".into())
}

impl SharedLedger {
    pub fn new(ledger: Ledger) -> SharedLedger {
        SharedLedger {
            queue: Mutex::new(Queue::default()),
            written: Condvar::new(),
            ledger: Mutex::new(ledger),
        }
    }

    /// Appends one entry and returns its index once it is durable.
    pub fn append(&self, entry: NewEntry) -> Result<u64, LedgerError> {
        // Refuse a bad entry here, so it cannot fail the batch of other callers.
        entry.encode(SystemTime::now())?;
        let mut queue = self.queue.lock().map_err(poisoned)?;
        let ticket = queue.next_ticket;
        queue.next_ticket += 1;
        queue.pending.push(entry);
        loop {
            if let Some(result) = queue.results.remove(&ticket) {
                return result.map_err(LedgerError::BatchFailed);
            }
            if queue.writing {
                queue = self.written.wait(queue).map_err(poisoned)?;
                continue;
            }
            queue = self.write_pending(queue)?;
        }
    }

    /// Takes the queue, writes it without holding the queue lock, records the outcomes.
    fn write_pending<'a>(
        &'a self,
        mut queue: MutexGuard<'a, Queue>,
    ) -> Result<MutexGuard<'a, Queue>, LedgerError> {
        queue.writing = true;
        let batch = std::mem::take(&mut queue.pending);
        let first = queue.first_ticket;
        queue.first_ticket = queue.next_ticket;
        drop(queue);
        let result = self
            .ledger
            .lock()
            .map_err(poisoned)
            .and_then(|mut ledger| ledger.append_batch(&batch));
        let mut queue = self.queue.lock().map_err(poisoned)?;
        for offset in 0..batch.len() as u64 {
            let outcome = match &result {
                Ok(range) => Ok(range.start + offset),
                Err(e) => Err(e.to_string()),
            };
            queue.results.insert(first + offset, outcome);
        }
        queue.writing = false;
        self.written.notify_all();
        Ok(queue)
    }

    /// Runs `f` on the ledger (for checkpoints, proofs, exports) between batches.
    pub fn with_ledger<T>(&self, f: impl FnOnce(&mut Ledger) -> T) -> Result<T, LedgerError> {
        let mut ledger = self.ledger.lock().map_err(poisoned)?;
        Ok(f(&mut ledger))
    }
}
