-- Row triggers do not fire on TRUNCATE: without these, one statement could empty the
-- audit log (and the chain of an empty log verifies) or the stored questionnaires.
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION forbid_change();
CREATE TRIGGER template_versions_no_truncate BEFORE TRUNCATE ON template_versions
    FOR EACH STATEMENT EXECUTE FUNCTION forbid_change();
