-- Inherent country/sector risk (issue 10, item 5): operator data, never shipped. Each
-- import is a new version of the table; the newest is the current one. Versions and
-- their rows are never changed or deleted, so the value a stored flag was computed
-- with can always be found again (response_inherent_risk).
CREATE TABLE inherent_risk_versions (
    id           uuid PRIMARY KEY,
    version      integer NOT NULL UNIQUE CHECK (version >= 1),
    file_name    text CHECK (length(file_name) <= 255),
    row_count    integer NOT NULL CHECK (row_count >= 1),
    sha256       text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    imported_by  uuid REFERENCES users (id),
    imported_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE inherent_risk_rows (
    version_id  uuid NOT NULL REFERENCES inherent_risk_versions (id),
    country     text NOT NULL CHECK (country ~ '^[A-Z]{2}$'),
    -- A sector name, or '*' for every sector of the country.
    sector      text NOT NULL CHECK (length(sector) BETWEEN 1 AND 100),
    value       smallint NOT NULL CHECK (value BETWEEN 1 AND 5),
    source      text NOT NULL CHECK (length(source) BETWEEN 1 AND 300),
    year        integer NOT NULL CHECK (year BETWEEN 1990 AND 2100),
    PRIMARY KEY (version_id, country, sector)
);

CREATE TRIGGER inherent_risk_versions_immutable BEFORE UPDATE OR DELETE ON inherent_risk_versions
    FOR EACH ROW EXECUTE FUNCTION forbid_change();
CREATE TRIGGER inherent_risk_rows_immutable BEFORE UPDATE OR DELETE ON inherent_risk_rows
    FOR EACH ROW EXECUTE FUNCTION forbid_change();

-- The inherent value a submitted response's flags were computed with (no row: the
-- likelihood came from the answers alone). Re-scoring reads it back, so replacing the
-- table never changes what re-scoring a stored response gives.
CREATE TABLE response_inherent_risk (
    response_id  uuid PRIMARY KEY REFERENCES responses (id) ON DELETE CASCADE,
    version_id   uuid NOT NULL REFERENCES inherent_risk_versions (id),
    country      text NOT NULL,
    sector       text NOT NULL,
    value        smallint NOT NULL CHECK (value BETWEEN 1 AND 5)
);
