//! Rivest's consistent sampler (votingworks/consistent_sampler) as Arlo's draw_sample calls it: SHA-256 ticket numbers, repeat draws and rounds.
