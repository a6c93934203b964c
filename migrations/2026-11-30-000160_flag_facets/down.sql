ALTER TABLE flags RESET (autovacuum_vacuum_scale_factor, autovacuum_vacuum_insert_scale_factor);

DROP INDEX flags_open_queue_idx;
CREATE INDEX flags_open_queue_idx ON flags (queue_rank, created_at, id) WHERE status <> 'closed';
DROP INDEX flags_facets_campaign_idx;
DROP INDEX flags_facets_band_idx;

DROP TRIGGER flags_follow_organisation ON organisations;
DROP FUNCTION flags_follow_organisation();

-- As migration …000155 made them.
CREATE OR REPLACE FUNCTION flag_counts_on_flags() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    cols text := 'f.status, f.campaign_id, f.indicator, f.band, f.assignee_id, '
                 'f.severity, f.likelihood, o.country, o.kind';
    added text := format('SELECT %s, 1::bigint AS d FROM new_rows f '
                         'JOIN organisations o ON o.id = f.organisation_id', cols);
    removed text := format('SELECT %s, -1::bigint AS d FROM old_rows f '
                           'JOIN organisations o ON o.id = f.organisation_id', cols);
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

CREATE FUNCTION flag_counts_on_organisations() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    moved text := 'FROM flags f JOIN new_orgs n ON n.id = f.organisation_id '
                  'JOIN old_orgs p ON p.id = n.id '
                  'WHERE (n.country, n.kind) IS DISTINCT FROM (p.country, p.kind)';
BEGIN
    EXECUTE format($q$
        INSERT INTO flag_counts AS fc (facet, value, status, slot, n)
        SELECT v.facet, v.value, x.status, (pg_backend_pid() %% 16)::smallint, sum(x.d)
          FROM (SELECT f.status, n.country AS new_country, n.kind AS new_kind,
                       p.country AS old_country, p.kind AS old_kind %s) AS y
         CROSS JOIN LATERAL (VALUES
               (y.status, y.new_country, y.new_kind, 1::bigint),
               (y.status, y.old_country, y.old_kind, -1::bigint)) AS x(status, country, kind, d)
         CROSS JOIN LATERAL (VALUES ('country', x.country), ('kind', x.kind)) AS v(facet, value)
         GROUP BY v.facet, v.value, x.status
        HAVING sum(x.d) <> 0
         ORDER BY v.facet, v.value, x.status
        ON CONFLICT (facet, value, status, slot) DO UPDATE SET n = fc.n + EXCLUDED.n
    $q$, moved);
    RETURN NULL;
END $$;

CREATE TRIGGER flag_counts_organisations AFTER UPDATE ON organisations
    REFERENCING OLD TABLE AS old_orgs NEW TABLE AS new_orgs
    FOR EACH STATEMENT EXECUTE FUNCTION flag_counts_on_organisations();

CREATE OR REPLACE FUNCTION flags_fill_origin() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT r.campaign_id, r.organisation_id INTO NEW.campaign_id, NEW.organisation_id
        FROM responses r WHERE r.id = NEW.response_id;
    RETURN NEW;
END $$;

ALTER TABLE flags DROP COLUMN country, DROP COLUMN kind;
