-- A county's sign-off of its work in a round: its jurisdiction administrator attests, once every
-- audit board of the county has signed off, that the county's part of the round is complete.
CREATE TABLE jurisdiction_sign_offs (
    round_id BIGINT NOT NULL REFERENCES rounds (id),
    jurisdiction_id BIGINT NOT NULL REFERENCES jurisdictions (id),
    signed_off_at BIGINT NOT NULL,
    signed_off_by TEXT NOT NULL,
    PRIMARY KEY (round_id, jurisdiction_id)
);
