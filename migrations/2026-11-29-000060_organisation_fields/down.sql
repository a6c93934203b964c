DROP INDEX organisations_business_unit_idx;
DROP INDEX organisations_owner_idx;
DROP INDEX organisations_sector_idx;
DROP INDEX organisations_kind_idx;
ALTER TABLE contacts DROP COLUMN updated_at, DROP COLUMN deactivated_at;
ALTER TABLE organisations DROP COLUMN deactivated_at, DROP COLUMN owner_user_id, DROP COLUMN business_unit;
