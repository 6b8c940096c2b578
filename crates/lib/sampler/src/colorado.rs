//! ColoradoRLA's pseudo-random generator: SHA256(seed + "," + count) as a big-endian integer mod the range.
