-- A counter that every committed change to an audit's data increases (`Store::audit_revision`):
-- the workflow keeps each audit's record in memory and rebuilds it only when this has moved.
ALTER TABLE audits ADD COLUMN revision BIGINT NOT NULL DEFAULT 0;
