-- Link tokens are derived: HMAC-SHA256(link key, invitation id), where the link key is
-- derived from the service's secret key and this key id. Only the token's SHA-256 is
-- stored, and a reminder recomputes the same token (services::links). NULL: an older
-- random token that cannot be recomputed (a reminder must reissue it).
ALTER TABLE invitations ADD COLUMN link_key_id integer CHECK (link_key_id >= 1);
