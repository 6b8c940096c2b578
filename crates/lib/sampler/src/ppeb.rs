//! Probability-proportional-to-error-bound (PPEB) batch sampling for batch-comparison audits, as Arlo draws it.
