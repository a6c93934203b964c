//! The demo's answer forms for the current forced-labour questionnaire, as a respondent
//! would post them: a "clean site" (every shown required question answered, no flag)
//! and, per illustrative organisation, the answers that differ from it. The flags come
//! from the questionnaire's own rules when these forms are submitted.

use crate::domain::answers::{RawInput, Upload};

/// A site with foreign, migrant and agency workers, employer housing and two agencies,
/// each practice answered safely.
const CLEAN: &[(&str, &str)] = &[
    ("respondent_role", "hr_or_labour_affairs"),
    ("information_sources", "payroll_records"),
    ("information_sources", "time_records"),
    ("information_sources", "worker_interviews"),
    ("total_headcount", "250"),
    ("foreign_workers", "40"),
    ("internal_migrant_workers", "30"),
    ("recruited_before_arrival", "yes"),
    ("women_workers", "110"),
    ("fixed_term_workers", "30"),
    ("agency_workers", "20"),
    ("dispatched_workers", "10"),
    ("technical_interns", "15"),
    ("specified_skilled_workers", "5"),
    ("workforce_by_nationality.0.nationality", "VN"),
    ("workforce_by_nationality.0.nationality_workers", "25"),
    ("workforce_by_nationality.1.nationality", "ID"),
    ("workforce_by_nationality.1.nationality_workers", "15"),
    ("employer_housing", "yes"),
    ("housed_workers", "60"),
    ("worker_languages", "Japanese, Vietnamese, Indonesian"),
    ("non_local_language_pct", "20"),
    ("uses_labour_agencies", "yes"),
    (
        "labour_agencies_list.0.agency_name",
        "Illustrative sending agency A",
    ),
    ("labour_agencies_list.0.agency_country", "VN"),
    ("labour_agencies_list.0.agency_role", "sending_organisation"),
    ("labour_agencies_list.0.agency_licensed", "yes"),
    (
        "labour_agencies_list.0.agency_licence_number",
        "ILLUSTRATIVE-001",
    ),
    ("labour_agencies_list.0.agency_written_contract", "yes"),
    ("labour_agencies_list.0.agency_fee_per_worker", "1200"),
    ("labour_agencies_list.0.agency_workers_supplied", "25"),
    ("labour_agencies_list.0.agency_charges_workers", "no"),
    (
        "labour_agencies_list.1.agency_name",
        "Illustrative support organisation B",
    ),
    ("labour_agencies_list.1.agency_country", "JP"),
    (
        "labour_agencies_list.1.agency_role",
        "supervising_or_support",
    ),
    ("labour_agencies_list.1.agency_licensed", "yes"),
    ("labour_agencies_list.1.agency_written_contract", "yes"),
    ("labour_agencies_list.1.agency_fee_per_worker", "35000"),
    ("labour_agencies_list.1.agency_charges_workers", "no"),
    ("agency_contracts_ban_fees", "yes"),
    ("agency_contracts_ban_document_retention", "yes"),
    ("agency_contracts_audit_rights", "yes"),
    ("uses_subcontractors", "yes"),
    ("requirements_passed_on", "written_and_checked"),
    ("dependency_on_employer", "no"),
    ("vulnerable_groups", "none_of_these"),
    ("age_verification", "original_documents_all"),
    ("state_prison_student_labour", "none_of_these"),
    ("equal_pay_migrants", "yes"),
    ("information_in_worker_languages", "yes"),
    ("contract_language", "all_understood_language"),
    ("contract_copy_kept", "yes"),
    ("contract_timing", "before_departure"),
    ("recruitment_terms_written", "yes"),
    ("contract_substitution", "no"),
    ("leave_workplace_freely", "yes"),
    ("leave_dormitory_freely", "yes"),
    ("movement_controls", "none_of_these"),
    ("site_location", "town"),
    ("phone_custody", "worker_keeps"),
    ("outside_contact_restricted", "no"),
    ("anti_harassment_policy", "yes"),
    ("physical_punishment_used", "no"),
    ("violence_reports", "no"),
    ("disciplinary_policy", "yes"),
    ("disciplinary_measures", "verbal_warning"),
    ("disciplinary_measures", "written_warning"),
    ("disciplinary_measures", "dismissal"),
    ("threats_reported", "none_known"),
    ("passport_custody", "worker"),
    ("residence_card_custody", "worker"),
    ("personal_lockable_storage", "yes"),
    ("wage_payment_method", "worker_account"),
    ("minimum_wage_paid", "yes_after_deductions"),
    ("bank_card_custody", "no"),
    ("pay_frequency", "monthly_or_more"),
    ("late_payment", "no"),
    ("wage_retention_practices", "none_of_these"),
    ("deductions_share", "15"),
    ("itemised_payslip", "yes"),
    ("recruitment_fees_paid", "no"),
    ("worker_loans", "no"),
    ("company_store", "no"),
    ("basic_needs_at_work", "yes"),
    ("ppe_free_of_charge", "yes"),
    ("migrants_in_dangerous_tasks", "no"),
    ("persons_per_bedroom", "4"),
    ("floor_space_per_person", "7.5"),
    ("housing_deficiencies", "none_of_these"),
    ("working_time_recording", "automatic_records"),
    ("max_weekly_hours", "58"),
    ("legal_hours_exceeded", "no"),
    ("weekly_rest_day", "yes"),
    ("overtime_voluntary", "voluntary"),
    ("overtime_paid_at_premium", "yes"),
    ("paid_leave", "yes"),
    ("worker_representation", "elected_representatives"),
    ("association_restricted", "no"),
    ("grievance_channels_available", "third_party_hotline"),
    ("grievance_channels_available", "worker_representatives"),
    ("grievance_in_worker_languages", "yes"),
    ("grievance_anonymous_no_retaliation", "yes"),
    ("grievance_cases_12m", "4"),
    ("grievance_resolution_days", "12"),
    ("notice_period_days", "14"),
    ("notice_longer_than_legal", "no"),
    ("resignation_consequences", "no_penalty"),
    ("resignation_obstructed", "no"),
    ("last_labour_audit_date", "2025-03-15"),
    ("last_audit_standard", "SMETA 6.1"),
    ("last_audit_open_findings", "0"),
];

/// The evidence questions a clean site is shown; each gets a small illustrative PDF.
const FILES: &[&str] = &[
    "contract_template",
    "agency_licences_and_contracts_file",
    "disciplinary_policy_file",
    "payroll_sample_file",
    "dormitory_photos_file",
    "time_records_sample_file",
    "grievance_log_summary_file",
    "last_audit_report_file",
];

/// The bytes of every demo evidence file: a one-line PDF saying what it is.
const ILLUSTRATIVE_PDF: &[u8] =
    b"%PDF-1.4\n% Illustrative demo evidence file: not a real document.\n";

/// The clean form with `changes` applied: a changed field replaces every value of its
/// name (a multiple choice is given as several pairs of the same name), and `omit`
/// drops evidence uploads (a missing file is scored where the practice is claimed).
pub fn form(changes: &[(&str, &str)], omit_files: &[&str]) -> RawInput {
    let mut raw = RawInput::default();
    for (name, value) in CLEAN {
        if changes.iter().any(|(n, _)| n == name) {
            continue;
        }
        raw.values
            .entry(name.to_string())
            .or_default()
            .push(value.to_string());
    }
    for (name, value) in changes {
        raw.values
            .entry(name.to_string())
            .or_default()
            .push(value.to_string());
    }
    for file in FILES.iter().filter(|f| !omit_files.contains(f)) {
        raw.uploads.insert(
            file.to_string(),
            Upload {
                file_name: format!("{file}-illustrative.pdf"),
                bytes: ILLUSTRATIVE_PDF.to_vec(),
            },
        );
    }
    raw
}

/// A draft: only the first answers of the site profile.
pub fn draft() -> RawInput {
    let mut raw = RawInput::default();
    for (name, value) in CLEAN.iter().take(10) {
        raw.values
            .entry(name.to_string())
            .or_default()
            .push(value.to_string());
    }
    raw
}

/// The declaration fields of a submission.
pub fn declare(raw: &mut RawInput, name: &str, title: &str) {
    use crate::domain::declaration::{AGREE, NAME, TITLE};
    raw.values.insert(NAME.into(), vec![name.into()]);
    raw.values.insert(TITLE.into(), vec![title.into()]);
    raw.values.insert(AGREE.into(), vec!["yes".into()]);
}
