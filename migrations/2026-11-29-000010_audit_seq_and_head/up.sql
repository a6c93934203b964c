-- The audit chain gets a gap-free sequence number (ids come from a sequence, which
-- skips values on rolled-back transactions) and an anchored head, so deleting the newest
-- entries is detected: `audit_head` holds the last entry's seq and hash with an HMAC
-- under the service's secret key, which is not in the database.

ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only;
ALTER TABLE audit_log ADD COLUMN seq bigint;
UPDATE audit_log SET seq = numbered.n
    FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM audit_log) AS numbered
    WHERE audit_log.id = numbered.id;
ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only;
ALTER TABLE audit_log ALTER COLUMN seq SET NOT NULL;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_seq_key UNIQUE (seq);
ALTER TABLE audit_log ADD CONSTRAINT audit_log_seq_positive CHECK (seq >= 1);
-- Only the first entry has no predecessor.
ALTER TABLE audit_log ADD CONSTRAINT audit_log_first_has_no_prev
    CHECK ((seq = 1) = (prev_hash IS NULL));

-- Two entries with the same predecessor are a fork. A log forked by the old race (append
-- outside a transaction) keeps its history: the rule then starts after its last entry.
DO $$
DECLARE
    last bigint;
BEGIN
    IF EXISTS (SELECT 1 FROM audit_log GROUP BY prev_hash HAVING count(*) > 1 AND prev_hash IS NOT NULL) THEN
        SELECT max(seq) INTO last FROM audit_log;
        EXECUTE format('CREATE UNIQUE INDEX audit_log_prev_hash_key ON audit_log (prev_hash) WHERE seq > %s', last);
    ELSE
        CREATE UNIQUE INDEX audit_log_prev_hash_key ON audit_log (prev_hash);
    END IF;
END $$;

-- One row: the newest entry's seq and hash, and their HMAC (NULL until the service
-- first signs it; an empty string marks a head that failed verification when appended to).
CREATE TABLE audit_head (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    seq       bigint NOT NULL CHECK (seq >= 0),
    hash      text CHECK (hash IS NULL OR length(hash) = 64),
    mac       text,
    CHECK ((seq = 0) = (hash IS NULL))
);
INSERT INTO audit_head (seq, hash)
    SELECT coalesce(max(seq), 0), (SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1)
    FROM audit_log;
CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head
    FOR EACH ROW EXECUTE FUNCTION forbid_change();
CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON audit_head
    FOR EACH STATEMENT EXECUTE FUNCTION forbid_change();
