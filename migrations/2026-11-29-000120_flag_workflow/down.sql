DROP TABLE flag_decisions;
DROP TABLE flag_comments;
DROP TRIGGER flags_fill_origin ON flags;
DROP FUNCTION flags_fill_origin();
DROP INDEX flags_queue_idx;
DROP INDEX flags_open_queue_idx;
DROP INDEX flags_campaign_idx;
DROP INDEX flags_organisation_idx;
DROP INDEX flags_assignee_idx;
ALTER TABLE flags
    DROP CONSTRAINT flags_signature_pair,
    DROP COLUMN queue_rank,
    DROP COLUMN organisation_id,
    DROP COLUMN campaign_id,
    DROP COLUMN close_signed_at,
    DROP COLUMN close_signed_by,
    DROP COLUMN version,
    DROP COLUMN decision_reason,
    DROP COLUMN assignee_id;
CREATE INDEX flags_queue_idx ON flags (status, band, created_at);
