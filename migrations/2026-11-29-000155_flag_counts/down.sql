DROP TRIGGER flag_counts_organisations ON organisations;
DROP FUNCTION flag_counts_on_organisations();
DROP TRIGGER flag_counts_insert ON flags;
DROP TRIGGER flag_counts_update ON flags;
DROP TRIGGER flag_counts_delete ON flags;
DROP FUNCTION flag_counts_on_flags();
DROP FUNCTION flag_counts_sql(text);
DROP TABLE flag_counts;
