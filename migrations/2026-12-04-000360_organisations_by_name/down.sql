DROP INDEX organisations_by_name_idx;
