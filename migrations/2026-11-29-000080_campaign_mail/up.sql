-- Campaign mail (issue 8): the periodic scheduler pass (reminders and escalation) is a
-- job kind of its own; campaign emails themselves are `send_email` jobs whose
-- `email_outbox` row says what they are about (purpose, campaign, invitation, contact,
-- reminder step) and whose body is rendered when it is sent (the link is never stored).
ALTER TABLE jobs DROP CONSTRAINT jobs_kind_check;
ALTER TABLE jobs ADD CONSTRAINT jobs_kind_check
    CHECK (kind IN ('send_email', 'password_reset', 'campaign_schedule'));

-- Failed respondent-link look-ups per client address, in one-minute buckets, so that
-- several service instances on one database share the count (auth::link_throttle).
CREATE TABLE link_lookup_failures (
    address  text NOT NULL CHECK (length(address) BETWEEN 1 AND 64),
    bucket   timestamptz NOT NULL,
    failures integer NOT NULL DEFAULT 1 CHECK (failures >= 0),
    PRIMARY KEY (address, bucket)
);
CREATE INDEX link_lookup_failures_bucket_idx ON link_lookup_failures (bucket);
