//! Ballot-comparison Kaplan–Markov "super-simple" audit (Stark 2010) as Arlo computes it: discrepancies, p-value, nMin and sample sizes.
