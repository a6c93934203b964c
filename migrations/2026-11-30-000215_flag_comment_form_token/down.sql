DROP INDEX IF EXISTS flag_comments_form_token_idx;
ALTER TABLE flag_comments DROP COLUMN IF EXISTS form_token;
