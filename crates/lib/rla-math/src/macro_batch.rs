//! Batch-comparison MACRO (Stark 2008, maximum across-contest relative overstatement) as Arlo computes it.
