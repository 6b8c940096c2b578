//! NumPy's SeedSequence, PCG64 and Generator.choice, reproduced so that Arlo's PPEB batch draws can be re-derived.
