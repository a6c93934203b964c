-- The same checks, cheaper to run. PostgreSQL's regular expressions unroll a bounded
-- repetition ({64}, {0,63}, {1,64}) into as many copies of its pattern, and build the
-- matching automaton anew at every evaluation: `x ~ '^[0-9a-f]{64}$'` costs about
-- 11 µs a row, `length(x) = 64 AND x ~ '^[0-9a-f]*$'` about 2 µs, for exactly the same
-- accepted values (measured over 200,000 rows; see BENCHMARKS.md, respondent saves).
-- These checks run on every row written: an answer's question id at every save, a
-- link's token hash when it is first opened and at every launch, the audit entry's
-- hashes and action at every entry. Short bounds ({2}, {3}) cost nothing and stay.

ALTER TABLE template_versions DROP CONSTRAINT template_versions_content_sha256_check, ADD CONSTRAINT template_versions_content_sha256_check CHECK (length(content_sha256) = 64 AND content_sha256 ~ '^[0-9a-f]*$');
ALTER TABLE responses DROP CONSTRAINT responses_answers_sha256_check, ADD CONSTRAINT responses_answers_sha256_check CHECK (answers_sha256 IS NULL OR (length(answers_sha256) = 64 AND answers_sha256 ~ '^[0-9a-f]*$'));
ALTER TABLE invitations DROP CONSTRAINT invitations_token_sha256_check, ADD CONSTRAINT invitations_token_sha256_check CHECK (length(token_sha256) = 64 AND token_sha256 ~ '^[0-9a-f]*$');
ALTER TABLE evidence_files DROP CONSTRAINT evidence_files_sha256_check, ADD CONSTRAINT evidence_files_sha256_check CHECK (length(sha256) = 64 AND sha256 ~ '^[0-9a-f]*$');
ALTER TABLE audit_log DROP CONSTRAINT audit_log_hash_check, ADD CONSTRAINT audit_log_hash_check CHECK (length(hash) = 64 AND hash ~ '^[0-9a-f]*$');
ALTER TABLE audit_log DROP CONSTRAINT audit_log_prev_hash_check, ADD CONSTRAINT audit_log_prev_hash_check CHECK (prev_hash IS NULL OR (length(prev_hash) = 64 AND prev_hash ~ '^[0-9a-f]*$'));
ALTER TABLE staff_sessions DROP CONSTRAINT staff_sessions_token_sha256_check, ADD CONSTRAINT staff_sessions_token_sha256_check CHECK (length(token_sha256) = 64 AND token_sha256 ~ '^[0-9a-f]*$');
ALTER TABLE password_reset_tokens DROP CONSTRAINT password_reset_tokens_token_sha256_check, ADD CONSTRAINT password_reset_tokens_token_sha256_check CHECK (length(token_sha256) = 64 AND token_sha256 ~ '^[0-9a-f]*$');
ALTER TABLE api_tokens DROP CONSTRAINT api_tokens_token_sha256_check, ADD CONSTRAINT api_tokens_token_sha256_check CHECK (length(token_sha256) = 64 AND token_sha256 ~ '^[0-9a-f]*$');
ALTER TABLE org_import_uploads DROP CONSTRAINT org_import_uploads_sha256_check, ADD CONSTRAINT org_import_uploads_sha256_check CHECK (length(sha256) = 64 AND sha256 ~ '^[0-9a-f]*$');
ALTER TABLE inherent_risk_versions DROP CONSTRAINT inherent_risk_versions_sha256_check, ADD CONSTRAINT inherent_risk_versions_sha256_check CHECK (length(sha256) = 64 AND sha256 ~ '^[0-9a-f]*$');
ALTER TABLE answers DROP CONSTRAINT answers_question_id_check, ADD CONSTRAINT answers_question_id_check CHECK (length(question_id) <= 64 AND question_id ~ '^[a-z][a-z0-9_]*$');
ALTER TABLE clarification_items DROP CONSTRAINT clarification_items_question_id_check, ADD CONSTRAINT clarification_items_question_id_check CHECK (length(question_id) <= 64 AND question_id ~ '^[a-z][a-z0-9_]*$');
ALTER TABLE audit_log DROP CONSTRAINT audit_log_action_check, ADD CONSTRAINT audit_log_action_check CHECK (length(action) <= 64 AND action ~ '^[a-z_.]+$');
ALTER TABLE questionnaire_templates DROP CONSTRAINT questionnaire_templates_id_check, ADD CONSTRAINT questionnaire_templates_id_check CHECK (length(id) <= 64 AND id ~ '^[a-z0-9-]+$');
