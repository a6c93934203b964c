DROP TABLE link_lookup_failures;
DELETE FROM jobs WHERE kind = 'campaign_schedule';
ALTER TABLE jobs DROP CONSTRAINT jobs_kind_check;
ALTER TABLE jobs ADD CONSTRAINT jobs_kind_check CHECK (kind IN ('send_email', 'password_reset'));
