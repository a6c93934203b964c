-- Hashes and codes become `text` with a check, instead of `char(n)`.
--
-- diesel binds a Rust string as `text`. Against a `char(n)` column PostgreSQL then
-- compares `column::text = $1`, and no index on the column can serve that: every link
-- open, session check, reset link and API token look-up scanned its table (and, joined,
-- contacts and organisations). With `text` columns the unique indexes are used again.
-- The checks keep the values exactly as strict as `char(n)` plus the old patterns did.

ALTER TABLE invitations ALTER COLUMN token_sha256 TYPE text;
ALTER TABLE staff_sessions ALTER COLUMN token_sha256 TYPE text;
ALTER TABLE password_reset_tokens ALTER COLUMN token_sha256 TYPE text;
ALTER TABLE api_tokens ALTER COLUMN token_sha256 TYPE text;

-- Not looked up by value today, but the same trap for the next query that does.
ALTER TABLE organisations ALTER COLUMN country TYPE text;
ALTER TABLE template_versions ALTER COLUMN content_sha256 TYPE text;
ALTER TABLE responses ALTER COLUMN answers_sha256 TYPE text,
    ADD CONSTRAINT responses_answers_sha256_check
        CHECK (answers_sha256 IS NULL OR answers_sha256 ~ '^[0-9a-f]{64}$');
ALTER TABLE evidence_files ALTER COLUMN sha256 TYPE text,
    ADD CONSTRAINT evidence_files_sha256_check CHECK (sha256 ~ '^[0-9a-f]{64}$');
ALTER TABLE audit_log ALTER COLUMN prev_hash TYPE text,
    ALTER COLUMN hash TYPE text,
    ADD CONSTRAINT audit_log_prev_hash_check
        CHECK (prev_hash IS NULL OR prev_hash ~ '^[0-9a-f]{64}$'),
    ADD CONSTRAINT audit_log_hash_check CHECK (hash ~ '^[0-9a-f]{64}$');
