DROP TABLE org_import_uploads;
