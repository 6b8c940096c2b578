//! Ballot manifests in Arlo's CSV layout.
