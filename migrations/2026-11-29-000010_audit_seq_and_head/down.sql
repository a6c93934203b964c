DROP TABLE audit_head;
DROP INDEX audit_log_prev_hash_key;
ALTER TABLE audit_log DROP CONSTRAINT audit_log_first_has_no_prev;
ALTER TABLE audit_log DROP CONSTRAINT audit_log_seq_positive;
ALTER TABLE audit_log DROP CONSTRAINT audit_log_seq_key;
ALTER TABLE audit_log DROP COLUMN seq;
