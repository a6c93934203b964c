-- Back to one chain: only possible while the contact chains are empty.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM audit_log WHERE chain <> 0) THEN
        RAISE EXCEPTION 'the contact audit chains hold entries: they cannot be merged into one chain';
    END IF;
END $$;
ALTER TABLE audit_head DISABLE TRIGGER audit_head_no_delete;
DELETE FROM audit_head WHERE chain <> 0;
ALTER TABLE audit_head ENABLE TRIGGER audit_head_no_delete;
ALTER TABLE audit_head DROP CONSTRAINT audit_head_pkey;
ALTER TABLE audit_head DROP COLUMN chain;
ALTER TABLE audit_head ADD COLUMN singleton boolean NOT NULL DEFAULT true CHECK (singleton);
ALTER TABLE audit_head ADD PRIMARY KEY (singleton);
ALTER TABLE audit_log DROP CONSTRAINT audit_log_chain_seq_key;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_seq_key UNIQUE (seq);
ALTER TABLE audit_log DROP COLUMN chain;
