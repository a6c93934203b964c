-- An organisation CSV file between its preview and its confirmation (issue 8). The file
-- is kept on the server, so confirming applies exactly the bytes that were previewed
-- (planned again against the database at that moment), never a plan sent back by the
-- browser. Only its uploader may confirm it, within an hour; confirming deletes it, and
-- every new upload deletes the expired ones.
CREATE TABLE org_import_uploads (
    id          uuid PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    file_name   text NOT NULL CHECK (length(file_name) <= 255),
    sha256      text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    content     bytea NOT NULL CHECK (octet_length(content) <= 5242880),
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX org_import_uploads_created_idx ON org_import_uploads (created_at);
CREATE INDEX org_import_uploads_user_idx ON org_import_uploads (user_id);
