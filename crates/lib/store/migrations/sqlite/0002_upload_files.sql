-- The files of an upload. A vendor's CVR export is often several files (Dominion JSON with its
-- Contest/Candidate manifests, ES&S CVR with its ballots files, Hart XML zips with the scanned
-- ballot information); each is kept with its SHA-256 (the file itself is in the election log's
-- artifact store). `uploads.sha256` is the file's own hash for a one-file upload, or the hash of
-- the upload's file listing for several.
CREATE TABLE upload_files (
    upload_id BIGINT NOT NULL REFERENCES uploads (id),
    idx BIGINT NOT NULL,
    name TEXT NOT NULL,
    format TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size BIGINT NOT NULL,
    PRIMARY KEY (upload_id, idx)
);
