-- The checks as they were written before.

ALTER TABLE template_versions DROP CONSTRAINT template_versions_content_sha256_check, ADD CONSTRAINT template_versions_content_sha256_check CHECK (content_sha256 ~ '^[0-9a-f]{64}$');
ALTER TABLE responses DROP CONSTRAINT responses_answers_sha256_check, ADD CONSTRAINT responses_answers_sha256_check CHECK (answers_sha256 IS NULL OR answers_sha256 ~ '^[0-9a-f]{64}$');
ALTER TABLE invitations DROP CONSTRAINT invitations_token_sha256_check, ADD CONSTRAINT invitations_token_sha256_check CHECK (token_sha256 ~ '^[0-9a-f]{64}$');
ALTER TABLE evidence_files DROP CONSTRAINT evidence_files_sha256_check, ADD CONSTRAINT evidence_files_sha256_check CHECK (sha256 ~ '^[0-9a-f]{64}$');
ALTER TABLE audit_log DROP CONSTRAINT audit_log_hash_check, ADD CONSTRAINT audit_log_hash_check CHECK (hash ~ '^[0-9a-f]{64}$');
ALTER TABLE audit_log DROP CONSTRAINT audit_log_prev_hash_check, ADD CONSTRAINT audit_log_prev_hash_check CHECK (prev_hash IS NULL OR prev_hash ~ '^[0-9a-f]{64}$');
ALTER TABLE staff_sessions DROP CONSTRAINT staff_sessions_token_sha256_check, ADD CONSTRAINT staff_sessions_token_sha256_check CHECK (token_sha256 ~ '^[0-9a-f]{64}$');
ALTER TABLE password_reset_tokens DROP CONSTRAINT password_reset_tokens_token_sha256_check, ADD CONSTRAINT password_reset_tokens_token_sha256_check CHECK (token_sha256 ~ '^[0-9a-f]{64}$');
ALTER TABLE api_tokens DROP CONSTRAINT api_tokens_token_sha256_check, ADD CONSTRAINT api_tokens_token_sha256_check CHECK (token_sha256 ~ '^[0-9a-f]{64}$');
ALTER TABLE org_import_uploads DROP CONSTRAINT org_import_uploads_sha256_check, ADD CONSTRAINT org_import_uploads_sha256_check CHECK (sha256 ~ '^[0-9a-f]{64}$');
ALTER TABLE inherent_risk_versions DROP CONSTRAINT inherent_risk_versions_sha256_check, ADD CONSTRAINT inherent_risk_versions_sha256_check CHECK (sha256 ~ '^[0-9a-f]{64}$');
ALTER TABLE answers DROP CONSTRAINT answers_question_id_check, ADD CONSTRAINT answers_question_id_check CHECK (question_id ~ '^[a-z][a-z0-9_]{0,63}$');
ALTER TABLE clarification_items DROP CONSTRAINT clarification_items_question_id_check, ADD CONSTRAINT clarification_items_question_id_check CHECK (question_id ~ '^[a-z][a-z0-9_]{0,63}$');
ALTER TABLE audit_log DROP CONSTRAINT audit_log_action_check, ADD CONSTRAINT audit_log_action_check CHECK (action ~ '^[a-z_.]{1,64}$');
ALTER TABLE questionnaire_templates DROP CONSTRAINT questionnaire_templates_id_check, ADD CONSTRAINT questionnaire_templates_id_check CHECK (id ~ '^[a-z0-9-]{1,64}$');
