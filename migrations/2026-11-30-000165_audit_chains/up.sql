-- Several audit chains instead of one (issue 12: every submission appended to the one
-- chain, whose head row stays locked until the commit has reached the disk, so
-- submissions committed one after another, about 100 a second at most).
--
-- Chain 0 is the chain of staff, API and system entries (the committee's decisions,
-- accounts, campaigns), exactly as before: every existing entry and the existing head
-- are chain 0. Entries made by a supplier or site contact through their link go to one
-- of 16 contact chains (1–16, by the PostgreSQL backend that writes them, so two
-- submissions on different connections never wait for each other's commit). Each chain
-- is linked and gap-free on its own (`seq` 1, 2, 3 … per chain) and has its own head,
-- signed with the service's key over its chain number (`db::audit`): deleting the
-- newest entries of any chain is detected as before. The service opens the contact
-- chains at start-up (their empty heads signed, and an `audit.chains_opened` entry in
-- chain 0 naming them), so a whole chain deleted with its head is detected too.
ALTER TABLE audit_log ADD COLUMN chain smallint NOT NULL DEFAULT 0
    CHECK (chain BETWEEN 0 AND 16);
ALTER TABLE audit_log DROP CONSTRAINT audit_log_seq_key;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_chain_seq_key UNIQUE (chain, seq);

ALTER TABLE audit_head DROP CONSTRAINT audit_head_pkey;
ALTER TABLE audit_head DROP COLUMN singleton;
ALTER TABLE audit_head ADD COLUMN chain smallint NOT NULL DEFAULT 0
    CHECK (chain BETWEEN 0 AND 16);
ALTER TABLE audit_head ADD PRIMARY KEY (chain);
