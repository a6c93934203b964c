-- A comment's form token: the flag page's comment form carries one, new at each page
-- view, so that a double click (two identical posts at once) stores the comment once
-- (services::flags::comment: the second post, serialised on the flag's row lock, finds
-- the token and writes nothing). The index is the backstop.
ALTER TABLE flag_comments ADD COLUMN form_token uuid;
CREATE UNIQUE INDEX flag_comments_form_token_idx ON flag_comments (author_id, form_token)
    WHERE form_token IS NOT NULL;
