//! Python's str() of the ballot-id tuples Arlo hashes, reproduced byte for byte.
