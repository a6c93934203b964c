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

-- As migration …000160 made it.
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

DROP FUNCTION flag_counts_apply(flags[], flags[]);
