-- The committee's filtered counts and pages without joining organisations, from
-- indexes alone (issue 10's benchmark: the queue filtered on band, country, campaign,
-- kind, and the heat map of one campaign's critical flags, at 100,000 flags).
--
-- 1. Each flag carries its organisation's `country` and `kind` (like `campaign_id` and
--    `organisation_id`, migration …000120): filled on insert by `flags_fill_origin`,
--    and moved with the organisation by `flags_follow_organisation` (an organisation's
--    new country or kind updates its flags, whose own trigger then moves the kept
--    counts in `flag_counts`).
ALTER TABLE flags ADD COLUMN country text, ADD COLUMN kind text;

-- The backfill changes no count: `flag_counts` already counts the organisation's
-- country and kind.
ALTER TABLE flags DISABLE TRIGGER flag_counts_update;
UPDATE flags f SET country = o.country, kind = o.kind
    FROM organisations o WHERE o.id = f.organisation_id;
ALTER TABLE flags ENABLE TRIGGER flag_counts_update;
ALTER TABLE flags ALTER COLUMN country SET NOT NULL,
                  ALTER COLUMN kind SET NOT NULL;

CREATE OR REPLACE FUNCTION flags_fill_origin() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT r.campaign_id, r.organisation_id, o.country, o.kind
      INTO NEW.campaign_id, NEW.organisation_id, NEW.country, NEW.kind
      FROM responses r JOIN organisations o ON o.id = r.organisation_id
     WHERE r.id = NEW.response_id;
    RETURN NEW;
END $$;

-- The kept counts read the flag's own columns (no join on every flag write).
CREATE OR REPLACE FUNCTION flag_counts_on_flags() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    cols text := 'status, campaign_id, indicator, band, assignee_id, '
                 'severity, likelihood, country, kind';
    added text := format('SELECT %s, 1::bigint AS d FROM new_rows', cols);
    removed text := format('SELECT %s, -1::bigint AS d FROM old_rows', cols);
BEGIN
    IF TG_OP = 'INSERT' THEN
        EXECUTE flag_counts_sql(added);
    ELSIF TG_OP = 'DELETE' THEN
        EXECUTE flag_counts_sql(removed);
    ELSE
        EXECUTE flag_counts_sql(added || ' UNION ALL ' || removed);
    END IF;
    RETURN NULL;
END $$;

DROP TRIGGER flag_counts_organisations ON organisations;
DROP FUNCTION flag_counts_on_organisations();

CREATE FUNCTION flags_follow_organisation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE flags f SET country = n.country, kind = n.kind
      FROM new_orgs n JOIN old_orgs p ON p.id = n.id
     WHERE f.organisation_id = n.id
       AND (n.country, n.kind) IS DISTINCT FROM (p.country, p.kind);
    RETURN NULL;
END $$;

CREATE TRIGGER flags_follow_organisation AFTER UPDATE ON organisations
    REFERENCING OLD TABLE AS old_orgs NEW TABLE AS new_orgs
    FOR EACH STATEMENT EXECUTE FUNCTION flags_follow_organisation();

-- 2. Counts as index-only scans (`db::flag_queue::counts`): every column the counts
--    group or filter by (but the age and the organisation) is a key column, so a
--    filtered count reads only index entries, and only the matching ones when the
--    filter names the leading column (band, then country; or campaign, then state).
--    Key columns only (no INCLUDE) keep deduplication: about 5 MB each at 100,000
--    flags, a quarter of the table.
CREATE INDEX flags_facets_band_idx ON flags
    (band, country, status, kind, campaign_id, indicator, severity, likelihood, assignee_id);
CREATE INDEX flags_facets_campaign_idx ON flags
    (campaign_id, status, band, country, kind, indicator, severity, likelihood, assignee_id);

-- 3. The open queue's page walk (`db::flag_queue::page`) tests every filter on the
--    index entry and reads a flag's row only for the page's own rows.
DROP INDEX flags_open_queue_idx;
CREATE INDEX flags_open_queue_idx ON flags (queue_rank, created_at, id)
    INCLUDE (campaign_id, indicator, band, country, kind, status, assignee_id, severity, likelihood)
    WHERE status <> 'closed';

-- Index-only scans skip the table only for pages the visibility map marks all-visible:
-- vacuum flags after 2 % of them changed or were added (the default is 20 %).
ALTER TABLE flags SET (autovacuum_vacuum_scale_factor = 0.02,
                       autovacuum_vacuum_insert_scale_factor = 0.02);
