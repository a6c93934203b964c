-- The shapes of value that several columns share become domains: a language code, a
-- SHA-256 in hex, a question id, a response's status, a signatory's name or title.
-- One definition each instead of a CHECK per column, and cheaper to enforce:
-- PostgreSQL compiles a table's CHECK constraints from their stored text at every
-- statement that writes a row of it, all of them, whatever columns the statement sets
-- (a draft save's UPDATE of `responses`, which sets its language and revision,
-- compiled all seven), while a domain's check is compiled once per session and run
-- only on a value assigned to the column. The values accepted are exactly the same.
-- Constraints across columns stay table CHECKs; the declaration's is written shorter.

CREATE DOMAIN language_code AS text CHECK (VALUE IN ('en', 'ja', 'vi', 'zh'));
CREATE DOMAIN sha256_hex AS text CHECK (length(VALUE) = 64 AND VALUE ~ '^[0-9a-f]*$');
CREATE DOMAIN question_key AS text CHECK (length(VALUE) <= 64 AND VALUE ~ '^[a-z][a-z0-9_]*$');
CREATE DOMAIN response_status AS text CHECK (VALUE IN ('draft', 'submitted'));
CREATE DOMAIN signatory_text AS text CHECK (length(VALUE) BETWEEN 1 AND 200);

ALTER TABLE responses
    DROP CONSTRAINT responses_status_check,
    DROP CONSTRAINT responses_language_check,
    DROP CONSTRAINT responses_answers_sha256_check,
    DROP CONSTRAINT responses_signatory_name_check,
    DROP CONSTRAINT responses_signatory_title_check,
    DROP CONSTRAINT responses_declaration_complete,
    ALTER COLUMN status TYPE response_status,
    ALTER COLUMN language TYPE language_code,
    ALTER COLUMN answers_sha256 TYPE sha256_hex,
    ALTER COLUMN signatory_name TYPE signatory_text,
    ALTER COLUMN signatory_title TYPE signatory_text,
    ADD CONSTRAINT responses_declaration_complete
        CHECK (num_nulls(signatory_name, signatory_title, declared_at) IN (0, 3));

ALTER TABLE answers
    DROP CONSTRAINT answers_question_id_check,
    ALTER COLUMN question_id TYPE question_key;
ALTER TABLE clarification_items
    DROP CONSTRAINT clarification_items_question_id_check,
    ALTER COLUMN question_id TYPE question_key;

ALTER TABLE invitations
    DROP CONSTRAINT invitations_language_check,
    DROP CONSTRAINT invitations_chosen_language_check,
    DROP CONSTRAINT invitations_token_sha256_check,
    ALTER COLUMN language TYPE language_code,
    ALTER COLUMN chosen_language TYPE language_code,
    ALTER COLUMN token_sha256 TYPE sha256_hex;
ALTER TABLE contacts
    DROP CONSTRAINT contacts_language_check,
    ALTER COLUMN language TYPE language_code;

ALTER TABLE audit_log
    DROP CONSTRAINT audit_log_hash_check,
    DROP CONSTRAINT audit_log_prev_hash_check,
    ALTER COLUMN hash TYPE sha256_hex,
    ALTER COLUMN prev_hash TYPE sha256_hex;
ALTER TABLE template_versions
    DROP CONSTRAINT template_versions_content_sha256_check,
    ALTER COLUMN content_sha256 TYPE sha256_hex;
ALTER TABLE evidence_files
    DROP CONSTRAINT evidence_files_sha256_check,
    ALTER COLUMN sha256 TYPE sha256_hex;
ALTER TABLE staff_sessions
    DROP CONSTRAINT staff_sessions_token_sha256_check,
    ALTER COLUMN token_sha256 TYPE sha256_hex;
ALTER TABLE password_reset_tokens
    DROP CONSTRAINT password_reset_tokens_token_sha256_check,
    ALTER COLUMN token_sha256 TYPE sha256_hex;
ALTER TABLE api_tokens
    DROP CONSTRAINT api_tokens_token_sha256_check,
    ALTER COLUMN token_sha256 TYPE sha256_hex;
ALTER TABLE org_import_uploads
    DROP CONSTRAINT org_import_uploads_sha256_check,
    ALTER COLUMN sha256 TYPE sha256_hex;
ALTER TABLE inherent_risk_versions
    DROP CONSTRAINT inherent_risk_versions_sha256_check,
    ALTER COLUMN sha256 TYPE sha256_hex;
