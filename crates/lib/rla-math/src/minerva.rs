//! Round-by-round ballot polling: MINERVA (athena, as Arlo calls it), r2b2 Minerva, and Providence (r2b2 Minerva2).
