DROP TRIGGER template_versions_no_truncate ON template_versions;
DROP TRIGGER audit_log_no_truncate ON audit_log;
