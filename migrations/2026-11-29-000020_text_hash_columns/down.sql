ALTER TABLE audit_log DROP CONSTRAINT audit_log_hash_check,
    DROP CONSTRAINT audit_log_prev_hash_check,
    ALTER COLUMN hash TYPE char(64),
    ALTER COLUMN prev_hash TYPE char(64);
ALTER TABLE evidence_files DROP CONSTRAINT evidence_files_sha256_check,
    ALTER COLUMN sha256 TYPE char(64);
ALTER TABLE responses DROP CONSTRAINT responses_answers_sha256_check,
    ALTER COLUMN answers_sha256 TYPE char(64);
ALTER TABLE template_versions ALTER COLUMN content_sha256 TYPE char(64);
ALTER TABLE organisations ALTER COLUMN country TYPE char(2);

ALTER TABLE api_tokens ALTER COLUMN token_sha256 TYPE char(64);
ALTER TABLE password_reset_tokens ALTER COLUMN token_sha256 TYPE char(64);
ALTER TABLE staff_sessions ALTER COLUMN token_sha256 TYPE char(64);
ALTER TABLE invitations ALTER COLUMN token_sha256 TYPE char(64);
