-- Flag counts per facet value and state, kept by statement-level triggers, so that the
-- committee's unfiltered counts (the dashboard, the heat map, the queue's default view,
-- the trend) read a few hundred rows instead of aggregating every flag
-- (`db::flag_queue::counts`; a filter other than the state still counts the flags
-- themselves). Facets as in the queue's counts: campaign, indicator, band, country,
-- kind, status, assignee ('' = nobody), cell ('severity:likelihood'), total (''), and
-- campaign_band ('campaign id:band', the dashboard's trend).
--
-- Each count is spread over up to 16 rows (`slot`, from the writing backend's process
-- id): a transaction that adds flags updates its own slot's rows, so concurrent
-- submissions do not queue behind one "total" row until each other's commit (measured:
-- with one row per count, the flags INSERT of a submission waited 204 ms on average
-- with 50 respondents at once). Readers add the slots up (`sum(n)`).
CREATE TABLE flag_counts (
    facet  text     NOT NULL,
    value  text     NOT NULL,
    status text     NOT NULL,
    slot   smallint NOT NULL,
    n      bigint   NOT NULL,
    PRIMARY KEY (facet, value, status, slot)
);

-- The statement that adds the facet rows of `source` (flags with a `d` column: 1
-- added, -1 removed, and their organisation's `country` and `kind`), in key order so
-- that two transactions lock the rows they change in the same order. (A transition
-- table is visible only in its trigger's function, which runs the statement.)
CREATE FUNCTION flag_counts_sql(source text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT format($q$
        INSERT INTO flag_counts AS fc (facet, value, status, slot, n)
        SELECT v.facet, v.value, x.status, (pg_backend_pid() %% 16)::smallint, sum(x.d)
          FROM (%s) AS x
         CROSS JOIN LATERAL (VALUES
               ('campaign', x.campaign_id::text), ('indicator', x.indicator),
               ('band', x.band), ('country', x.country), ('kind', x.kind),
               ('status', x.status), ('assignee', coalesce(x.assignee_id::text, '')),
               ('cell', x.severity || ':' || x.likelihood), ('total', ''),
               ('campaign_band', x.campaign_id::text || ':' || x.band)) AS v(facet, value)
         GROUP BY v.facet, v.value, x.status
        HAVING sum(x.d) <> 0
         ORDER BY v.facet, v.value, x.status
        ON CONFLICT (facet, value, status, slot) DO UPDATE SET n = fc.n + EXCLUDED.n
    $q$, source)
$$;

CREATE FUNCTION flag_counts_on_flags() RETURNS trigger LANGUAGE plpgsql AS $$
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

CREATE TRIGGER flag_counts_insert AFTER INSERT ON flags
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION flag_counts_on_flags();
CREATE TRIGGER flag_counts_update AFTER UPDATE ON flags
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION flag_counts_on_flags();
CREATE TRIGGER flag_counts_delete AFTER DELETE ON flags
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION flag_counts_on_flags();

-- An organisation's new country or kind moves its flags between those facets' values.
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

-- The flags already stored.
DO $$ BEGIN
    EXECUTE flag_counts_sql(
        'SELECT f.status, f.campaign_id, f.indicator, f.band, f.assignee_id, f.severity, '
        'f.likelihood, o.country, o.kind, 1::bigint AS d '
        'FROM flags f JOIN organisations o ON o.id = f.organisation_id');
END $$;
