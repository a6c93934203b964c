-- Back to text columns with a CHECK each, as migration …000180 left them.

ALTER TABLE inherent_risk_versions ALTER COLUMN sha256 TYPE text,
    ADD CONSTRAINT inherent_risk_versions_sha256_check CHECK (length(sha256) = 64 AND sha256 ~ '^[0-9a-f]*$');
ALTER TABLE org_import_uploads ALTER COLUMN sha256 TYPE text,
    ADD CONSTRAINT org_import_uploads_sha256_check CHECK (length(sha256) = 64 AND sha256 ~ '^[0-9a-f]*$');
ALTER TABLE api_tokens ALTER COLUMN token_sha256 TYPE text,
    ADD CONSTRAINT api_tokens_token_sha256_check CHECK (length(token_sha256) = 64 AND token_sha256 ~ '^[0-9a-f]*$');
ALTER TABLE password_reset_tokens ALTER COLUMN token_sha256 TYPE text,
    ADD CONSTRAINT password_reset_tokens_token_sha256_check CHECK (length(token_sha256) = 64 AND token_sha256 ~ '^[0-9a-f]*$');
ALTER TABLE staff_sessions ALTER COLUMN token_sha256 TYPE text,
    ADD CONSTRAINT staff_sessions_token_sha256_check CHECK (length(token_sha256) = 64 AND token_sha256 ~ '^[0-9a-f]*$');
ALTER TABLE evidence_files ALTER COLUMN sha256 TYPE text,
    ADD CONSTRAINT evidence_files_sha256_check CHECK (length(sha256) = 64 AND sha256 ~ '^[0-9a-f]*$');
ALTER TABLE template_versions ALTER COLUMN content_sha256 TYPE text,
    ADD CONSTRAINT template_versions_content_sha256_check CHECK (length(content_sha256) = 64 AND content_sha256 ~ '^[0-9a-f]*$');
ALTER TABLE audit_log ALTER COLUMN hash TYPE text, ALTER COLUMN prev_hash TYPE text,
    ADD CONSTRAINT audit_log_hash_check CHECK (length(hash) = 64 AND hash ~ '^[0-9a-f]*$'),
    ADD CONSTRAINT audit_log_prev_hash_check CHECK (prev_hash IS NULL OR (length(prev_hash) = 64 AND prev_hash ~ '^[0-9a-f]*$'));

ALTER TABLE contacts ALTER COLUMN language TYPE text,
    ADD CONSTRAINT contacts_language_check CHECK (language IN ('en', 'ja', 'vi', 'zh'));
ALTER TABLE invitations
    ALTER COLUMN language TYPE text,
    ALTER COLUMN chosen_language TYPE text,
    ALTER COLUMN token_sha256 TYPE text,
    ADD CONSTRAINT invitations_language_check CHECK (language IN ('en', 'ja', 'vi', 'zh')),
    ADD CONSTRAINT invitations_chosen_language_check CHECK (chosen_language IN ('en', 'ja', 'vi', 'zh')),
    ADD CONSTRAINT invitations_token_sha256_check CHECK (length(token_sha256) = 64 AND token_sha256 ~ '^[0-9a-f]*$');

ALTER TABLE clarification_items ALTER COLUMN question_id TYPE text,
    ADD CONSTRAINT clarification_items_question_id_check CHECK (length(question_id) <= 64 AND question_id ~ '^[a-z][a-z0-9_]*$');
ALTER TABLE answers ALTER COLUMN question_id TYPE text,
    ADD CONSTRAINT answers_question_id_check CHECK (length(question_id) <= 64 AND question_id ~ '^[a-z][a-z0-9_]*$');

ALTER TABLE responses
    DROP CONSTRAINT responses_declaration_complete,
    ALTER COLUMN status TYPE text,
    ALTER COLUMN language TYPE text,
    ALTER COLUMN answers_sha256 TYPE text,
    ALTER COLUMN signatory_name TYPE text,
    ALTER COLUMN signatory_title TYPE text,
    ADD CONSTRAINT responses_status_check CHECK (status IN ('draft', 'submitted')),
    ADD CONSTRAINT responses_language_check CHECK (language IN ('en', 'ja', 'vi', 'zh')),
    ADD CONSTRAINT responses_answers_sha256_check CHECK (answers_sha256 IS NULL OR (length(answers_sha256) = 64 AND answers_sha256 ~ '^[0-9a-f]*$')),
    ADD CONSTRAINT responses_signatory_name_check CHECK (length(signatory_name) BETWEEN 1 AND 200),
    ADD CONSTRAINT responses_signatory_title_check CHECK (length(signatory_title) BETWEEN 1 AND 200),
    ADD CONSTRAINT responses_declaration_complete CHECK (
        (signatory_name IS NULL AND signatory_title IS NULL AND declared_at IS NULL)
        OR (signatory_name IS NOT NULL AND signatory_title IS NOT NULL AND declared_at IS NOT NULL));

DROP DOMAIN signatory_text;
DROP DOMAIN response_status;
DROP DOMAIN question_key;
DROP DOMAIN sha256_hex;
DROP DOMAIN language_code;
