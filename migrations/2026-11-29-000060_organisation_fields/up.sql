-- Organisation details for the staff pages and the CSV import (issue 8): the business
-- unit that buys from the organisation, its internal owner (the staff member who manages
-- the relationship and is told about overdue answers), and deactivation instead of
-- deletion, since responses, links and the audit log keep referring to the row.
ALTER TABLE organisations
    ADD COLUMN business_unit  text CHECK (business_unit IS NULL OR length(btrim(business_unit)) BETWEEN 1 AND 100),
    ADD COLUMN owner_user_id  uuid REFERENCES users (id),
    ADD COLUMN deactivated_at timestamptz;

ALTER TABLE contacts
    ADD COLUMN deactivated_at timestamptz,
    ADD COLUMN updated_at     timestamptz NOT NULL DEFAULT now();

-- The list filters (kind, country, sector, owner, business unit; lower(name) and
-- (country, kind) exist already). The owner index also serves the foreign key.
CREATE INDEX organisations_kind_idx ON organisations (kind);
CREATE INDEX organisations_sector_idx ON organisations (sector) WHERE sector IS NOT NULL;
CREATE INDEX organisations_owner_idx ON organisations (owner_user_id) WHERE owner_user_id IS NOT NULL;
CREATE INDEX organisations_business_unit_idx ON organisations (business_unit) WHERE business_unit IS NOT NULL;
