ALTER TABLE invitations DROP COLUMN link_key_id;
