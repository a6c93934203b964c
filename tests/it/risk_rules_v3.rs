//! Version 3 of the real questionnaires: the rule fixes of issue 11 (each with the clean
//! answer that no longer fires and the risky one that does), the new conditions, numbers
//! answered "don't know", evidence scored as missing, and ratings that rank.

use crate::loader::real;
use crate::risk_rules::{input, FL_CLEAN_FORM, ML_CLEAN_FORM};
use hrdd_survey::domain::answers::{parse_form, Answers, FieldError, Mode, RawInput, Upload};
use hrdd_survey::domain::i18n::Lang;
use hrdd_survey::domain::indicator::Indicator;
use hrdd_survey::domain::questionnaire::Questionnaire;
use hrdd_survey::domain::rating::{FlagFacts, Rating};
use hrdd_survey::domain::risk::{evaluate, Band, RaisedFlag};
use serde_json::{json, Value};

/// Answers of v2 that v3 removed, renamed or now asks differently.
const DROPPED_FROM_V2: &[&str] = &[
    "agency_contract_safeguards",
    "notice_period_days",
    "contract_language",
];

/// The evidence files a clean site sends (every evidence question it is shown).
const FL_FILES: &[&str] = &[
    "contract_template",
    "agency_licences_and_contracts_file",
    "disciplinary_policy_file",
    "payroll_sample_file",
    "dormitory_photos_file",
    "time_records_sample_file",
    "grievance_log_summary_file",
    "last_audit_report_file",
];
const ML_FILES: &[&str] = &[
    "employer_pays_policy_file",
    "agent_licences_and_contracts_file",
    "grievance_log_summary_file",
];

/// The v2 clean form with v3's new and changed answers.
fn fl_clean_form() -> Vec<(&'static str, &'static str)> {
    let mut form: Vec<(&str, &str)> = FL_CLEAN_FORM
        .iter()
        .copied()
        .filter(|(n, _)| !DROPPED_FROM_V2.contains(&n.split('.').next().unwrap()))
        .collect();
    form.extend([
        ("respondent_role", "hr_or_labour_affairs"),
        ("information_sources", "payroll_records"),
        ("information_sources", "time_records"),
        ("information_sources", "worker_interviews"),
        ("recruited_before_arrival", "yes"),
        ("women_workers", "110"),
        ("fixed_term_workers", "30"),
        ("workforce_by_nationality.0.nationality", "VN"),
        ("workforce_by_nationality.0.nationality_workers", "25"),
        ("workforce_by_nationality.1.nationality", "ID"),
        ("workforce_by_nationality.1.nationality_workers", "15"),
        ("housed_workers", "60"),
        (
            "labour_agencies_list.0.agency_licence_number",
            "123/LDTBXH-GP",
        ),
        ("labour_agencies_list.0.agency_written_contract", "yes"),
        ("labour_agencies_list.0.agency_fee_per_worker", "1200"),
        ("labour_agencies_list.1.agency_written_contract", "yes"),
        ("labour_agencies_list.1.agency_fee_per_worker", "35000"),
        ("agency_contracts_ban_fees", "yes"),
        ("agency_contracts_ban_document_retention", "yes"),
        ("agency_contracts_audit_rights", "yes"),
        ("uses_subcontractors", "yes"),
        ("requirements_passed_on", "written_and_checked"),
        ("age_verification", "original_documents_all"),
        ("state_prison_student_labour", "none_of_these"),
        ("contract_language", "all_understood_language"),
        ("contract_copy_kept", "yes"),
        ("minimum_wage_paid", "yes_after_deductions"),
        ("working_time_recording", "automatic_records"),
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
        ("last_audit_standard", "SMETA 6.1"),
        ("last_audit_open_findings", "0"),
    ]);
    form
}

fn ml_clean_form() -> Vec<(&'static str, &'static str)> {
    let mut form: Vec<(&str, &str)> = ML_CLEAN_FORM
        .iter()
        .copied()
        .filter(|(n, _)| !DROPPED_FROM_V2.contains(&n.split('.').next().unwrap()))
        .collect();
    form.extend([
        ("respondent_role", "hr_or_labour_affairs"),
        ("information_sources", "payroll_records"),
        ("information_sources", "worker_interviews"),
        ("information_sources", "agency_contracts"),
        ("total_headcount", "300"),
        ("women_workers", "120"),
        ("recruited_before_arrival", "yes"),
        (
            "recruitment_agents_list.0.agent_licence_number",
            "123/LDTBXH-GP",
        ),
        ("recruitment_agents_list.0.agent_written_contract", "yes"),
        ("recruitment_agents_list.0.agent_fee_per_worker", "1200"),
        ("contract_language", "all_understood_language"),
        ("contract_copy_kept", "yes"),
        ("minimum_wage_paid", "yes_after_deductions"),
        ("grievance_cases_12m", "3"),
        ("grievance_resolution_days", "20"),
        ("release_letter_practice", "not_required"),
        ("japan_scheme_workers", "20"),
        ("supervision_fees_charged_to_workers", "no"),
        ("early_return_wish_checked", "independent_check"),
        ("titp_transition_informed", "yes"),
    ]);
    form
}

fn pdf() -> Upload {
    Upload {
        file_name: "evidence.pdf".into(),
        bytes: b"%PDF-1.4 illustrative".to_vec(),
    }
}

/// Submits a form (with one PDF for each evidence question named in `files`).
fn submit_with(
    q: &Questionnaire,
    fields: &[(&str, &str)],
    files: &[&str],
) -> (Answers, Vec<FieldError>) {
    let mut raw: RawInput = input(fields);
    for f in files {
        raw.uploads.insert(f.to_string(), pdf());
    }
    let parsed = parse_form(
        q,
        &raw,
        &Answers::new(),
        Lang::En,
        Mode::Submit,
        hrdd_survey::domain::dates::Today::at(chrono::Utc::now()),
    );
    (parsed.answers, parsed.errors)
}

fn fl() -> Questionnaire {
    real("forced-labour.v3.yaml")
}
fn ml() -> Questionnaire {
    real("migrant-labour.v3.yaml")
}

fn fl_clean() -> Answers {
    let (a, errors) = submit_with(&fl(), &fl_clean_form(), FL_FILES);
    assert_eq!(errors, vec![], "the v3 clean form has errors");
    a
}
fn ml_clean() -> Answers {
    let (a, errors) = submit_with(&ml(), &ml_clean_form(), ML_FILES);
    assert_eq!(errors, vec![], "the v3 clean form has errors");
    a
}

fn with(base: &Answers, changes: &[(&str, Value)]) -> Answers {
    let mut out = base.clone();
    for (id, value) in changes {
        out.insert(id.to_string(), value.clone());
    }
    out
}

fn without(base: &Answers, ids: &[&str]) -> Answers {
    let mut out = base.clone();
    for id in ids {
        out.remove(*id);
    }
    out
}

/// `(question, rule index)` of each flag.
fn fired(flags: &[RaisedFlag]) -> Vec<(String, usize)> {
    flags
        .iter()
        .map(|f| (f.question_id.clone(), f.rule_index))
        .collect()
}

fn ids(list: &[(&str, usize)]) -> Vec<(String, usize)> {
    list.iter().map(|(q, i)| (q.to_string(), *i)).collect()
}

#[test]
fn clean_sites_submit_without_errors_and_raise_no_flag_in_either_v3_file() {
    assert_eq!(evaluate(&fl(), &fl_clean()), vec![]);
    assert_eq!(evaluate(&ml(), &ml_clean()), vec![]);
    assert_eq!(fl().version, 3);
    assert_eq!(ml().version, 3);
}

#[test]
fn a_less_favourable_contract_is_the_knock_out_not_a_different_one() {
    let q = fl();
    let label = &q.find("contract_substitution").unwrap().label;
    assert!(label.get(Lang::En).contains("less favourable"));
    assert!(label.get(Lang::Ja).contains("不利"));
    assert!(label.get(Lang::Vi).contains("kém thuận lợi hơn"));
    // A pay rise is answered "no" now, and raises nothing...
    let a = with(&fl_clean(), &[("contract_substitution", json!("no"))]);
    assert_eq!(evaluate(&q, &a), vec![]);
    // ...while worse terms are still a knock-out.
    let a = with(&fl_clean(), &[("contract_substitution", json!("yes"))]);
    let flags = evaluate(&q, &a);
    assert_eq!(fired(&flags), ids(&[("contract_substitution", 0)]));
    assert!(flags[0].critical);
    let a = with(&ml_clean(), &[("contract_substitution", json!("yes"))]);
    assert_eq!(
        fired(&evaluate(&ml(), &a)),
        ids(&[("contract_substitution", 0)])
    );
}

#[test]
fn a_contract_on_arrival_flags_only_workers_recruited_before_they_travelled() {
    for (q, clean) in [(fl(), fl_clean()), (ml(), ml_clean())] {
        let at_gate = with(
            &clean,
            &[
                ("contract_timing", json!("on_arrival")),
                ("recruited_before_arrival", json!("no")),
            ],
        );
        assert_eq!(evaluate(&q, &at_gate), vec![], "{}", q.id);
        let recruited = with(&at_gate, &[("recruited_before_arrival", json!("yes"))]);
        assert_eq!(
            fired(&evaluate(&q, &recruited)),
            ids(&[("contract_timing", 1)]),
            "{}",
            q.id
        );
        let unknown = with(
            &at_gate,
            &[("recruited_before_arrival", json!("dont_know"))],
        );
        assert_eq!(
            fired(&evaluate(&q, &unknown)),
            ids(&[("contract_timing", 1), ("recruited_before_arrival", 0)])
                .into_iter()
                .filter(|(id, _)| id == "contract_timing")
                .collect::<Vec<_>>(),
            "{}",
            q.id
        );
    }
    // Version 2 flagged the worker hired at the gate.
    let v2 = real("forced-labour.v2.yaml");
    let mut a = crate::risk_rules::answers(
        json!({"foreign_workers": 0, "internal_migrant_workers": 5, "contract_timing": "on_arrival"}),
    );
    a.insert("total_headcount".into(), json!(50));
    assert_eq!(fired(&evaluate(&v2, &a)), ids(&[("contract_timing", 1)]));
}

#[test]
fn the_notice_period_is_compared_with_the_legal_notice_not_with_thirty_days() {
    let q = fl();
    // Viet Nam's 45-day statutory notice: no flag any more...
    let a = with(&fl_clean(), &[("notice_period_days", json!(45))]);
    assert_eq!(evaluate(&q, &a), vec![]);
    // ...(version 2 flagged it)...
    let v2 = real("forced-labour.v2.yaml");
    let v2_answers = crate::risk_rules::answers(json!({"notice_period_days": 45}));
    assert_eq!(
        fired(&evaluate(&v2, &v2_answers)),
        ids(&[("notice_period_days", 0)])
    );
    // ...but notice beyond the legal one is.
    let a = with(&fl_clean(), &[("notice_longer_than_legal", json!("yes"))]);
    assert_eq!(
        fired(&evaluate(&q, &a)),
        ids(&[("notice_longer_than_legal", 0)])
    );
}

#[test]
fn wages_paid_by_the_agency_that_employs_the_worker_are_not_a_third_party() {
    let q = fl();
    let a = with(
        &fl_clean(),
        &[("wage_payment_method", json!("by_employer_of_record"))],
    );
    assert_eq!(evaluate(&q, &a), vec![]);
    let a = with(
        &fl_clean(),
        &[("wage_payment_method", json!("through_third_party"))],
    );
    assert_eq!(fired(&evaluate(&q, &a)), ids(&[("wage_payment_method", 0)]));
}

#[test]
fn lockable_storage_is_asked_only_where_the_employer_provides_housing() {
    let q = fl();
    let no_housing = with(
        &fl_clean(),
        &[
            ("employer_housing", json!("no")),
            ("personal_lockable_storage", json!("no")),
        ],
    );
    assert_eq!(evaluate(&q, &no_housing), vec![]);
    let housed = with(&fl_clean(), &[("personal_lockable_storage", json!("no"))]);
    assert_eq!(
        fired(&evaluate(&q, &housed)),
        ids(&[("personal_lockable_storage", 0)])
    );
    // Version 2 asked every site.
    let v2 = real("forced-labour.v2.yaml");
    let a = crate::risk_rules::answers(
        json!({"employer_housing": "no", "personal_lockable_storage": "no"}),
    );
    assert_eq!(
        fired(&evaluate(&v2, &a)),
        ids(&[("personal_lockable_storage", 0)])
    );
}

#[test]
fn weekly_hours_refuse_zero_and_accept_dont_know_which_is_a_flag() {
    let q = fl();
    let form = |hours: &[(&'static str, &'static str)]| -> Vec<(&'static str, &'static str)> {
        fl_clean_form()
            .into_iter()
            .filter(|(n, _)| *n != "max_weekly_hours")
            .chain(hours.iter().copied())
            .collect()
    };
    let (_, errors) = submit_with(&q, &form(&[("max_weekly_hours", "0")]), FL_FILES);
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].field, "max_weekly_hours");
    assert!(
        errors[0].message.contains("between 1 and 168"),
        "{}",
        errors[0].message
    );
    // Blank is not an answer either.
    let (_, errors) = submit_with(&q, &form(&[]), FL_FILES);
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].field, "max_weekly_hours");
    // "Don't know" is stored as such and raises the overtime flag.
    let (answers, errors) = submit_with(
        &q,
        &form(&[("max_weekly_hours.dont_know", "yes")]),
        FL_FILES,
    );
    assert_eq!(errors, vec![]);
    assert_eq!(answers["max_weekly_hours"], json!("dont_know"));
    let flags = evaluate(&q, &answers);
    assert_eq!(fired(&flags), ids(&[("max_weekly_hours", 1)]));
    assert_eq!(flags[0].indicator, Indicator::ExcessiveOvertime);
    // A number and the box together are refused, naming the field.
    let (_, errors) = submit_with(
        &q,
        &form(&[
            ("max_weekly_hours", "50"),
            ("max_weekly_hours.dont_know", "yes"),
        ]),
        FL_FILES,
    );
    assert_eq!(
        errors,
        vec![FieldError {
            field: "max_weekly_hours".into(),
            message: hrdd_survey::domain::i18n::Msg::NumberOrDontKnow.text(Lang::En),
        }]
    );
    // The form shows the box ticked again.
    let values = hrdd_survey::domain::answers::to_form_values(&q, &answers);
    assert_eq!(
        values["max_weekly_hours.dont_know"],
        vec!["yes".to_string()]
    );
    assert!(!values.contains_key("max_weekly_hours"));
}

#[test]
fn a_dont_know_number_in_a_group_row_is_kept_and_scored() {
    let q = fl();
    let form: Vec<(&str, &str)> = fl_clean_form()
        .into_iter()
        .filter(|(n, _)| *n != "labour_agencies_list.0.agency_fee_per_worker")
        .chain([(
            "labour_agencies_list.0.agency_fee_per_worker.dont_know",
            "yes",
        )])
        .collect();
    let (answers, errors) = submit_with(&q, &form, FL_FILES);
    assert_eq!(errors, vec![]);
    let flags = evaluate(&q, &answers);
    assert_eq!(fired(&flags), ids(&[("agency_fee_per_worker", 1)]));
    assert_eq!(flags[0].rows, vec![1]);
    // An agent the site pays nothing is paid by the workers.
    let form: Vec<(&str, &str)> = fl_clean_form()
        .into_iter()
        .map(|(n, v)| {
            if n == "labour_agencies_list.1.agency_fee_per_worker" {
                (n, "0")
            } else {
                (n, v)
            }
        })
        .collect();
    let (answers, errors) = submit_with(&q, &form, FL_FILES);
    assert_eq!(errors, vec![]);
    let flags = evaluate(&q, &answers);
    assert_eq!(fired(&flags), ids(&[("agency_fee_per_worker", 0)]));
    assert_eq!(flags[0].rows, vec![2]);
}

#[test]
fn agency_contract_safeguards_are_three_questions() {
    let q = fl();
    for id in [
        "agency_contracts_ban_fees",
        "agency_contracts_ban_document_retention",
        "agency_contracts_audit_rights",
    ] {
        let a = with(&fl_clean(), &[(id, json!("no"))]);
        assert_eq!(fired(&evaluate(&q, &a)), ids(&[(id, 0)]), "{id}");
    }
}

#[test]
fn an_agent_contract_that_allows_audits_but_not_a_fee_ban_fires() {
    let q = ml();
    let a = with(
        &ml_clean(),
        &[(
            "agent_contract_terms",
            json!(["audit_rights", "fee_reimbursement"]),
        )],
    );
    assert_eq!(
        fired(&evaluate(&q, &a)),
        ids(&[("agent_contract_terms", 0)])
    );
    let a = with(
        &ml_clean(),
        &[(
            "agent_contract_terms",
            json!(["no_worker_fees", "no_document_retention"]),
        )],
    );
    assert_eq!(
        fired(&evaluate(&q, &a)),
        ids(&[("agent_contract_terms", 1)])
    );
    let a = with(
        &ml_clean(),
        &[("agent_contract_terms", json!(["none_of_these"]))],
    );
    assert_eq!(
        fired(&evaluate(&q, &a)),
        ids(&[("agent_contract_terms", 0), ("agent_contract_terms", 1)])
    );
    // "Don't know" raises only its own rule, not the missing-terms ones.
    let a = with(
        &ml_clean(),
        &[("agent_contract_terms", json!(["dont_know"]))],
    );
    assert_eq!(
        fired(&evaluate(&q, &a)),
        ids(&[("agent_contract_terms", 2)])
    );
    // Version 2 let the audit-only contract pass.
    let v2 = real("migrant-labour.v2.yaml");
    let a = crate::risk_rules::answers(json!({
        "international_migrant_workers": 10, "uses_recruitment_agents": "yes",
        "agent_contract_terms": ["audit_rights"]
    }));
    assert!(!fired(&evaluate(&v2, &a))
        .iter()
        .any(|(q, _)| q == "agent_contract_terms"));
}

#[test]
fn a_grievance_channel_run_only_by_the_agent_fires_in_both_files() {
    for (q, clean) in [(fl(), fl_clean()), (ml(), ml_clean())] {
        let a = with(
            &clean,
            &[(
                "grievance_channels_available",
                json!(["agent_or_supervising_org"]),
            )],
        );
        assert_eq!(
            fired(&evaluate(&q, &a)),
            ids(&[("grievance_channels_available", 0)]),
            "{}",
            q.id
        );
        let a = with(
            &clean,
            &[(
                "grievance_channels_available",
                json!(["management_or_hr", "agent_or_supervising_org"]),
            )],
        );
        assert_eq!(evaluate(&q, &a), vec![], "{}", q.id);
    }
}

#[test]
fn amounts_paid_and_dont_know_now_raise_flags() {
    let q = ml();
    let paid = with(
        &ml_clean(),
        &[
            ("costs_paid_by_workers", json!(["bribes_or_kickbacks"])),
            ("workers_who_paid", json!(4)),
            ("fees_paid_where", json!(["home_country"])),
        ],
    );
    let base = fired(&evaluate(&q, &paid));
    assert_eq!(
        base,
        ids(&[("costs_paid_by_workers", 0)]),
        "a bribe is a recruitment cost"
    );
    let a = with(&paid, &[("highest_amount_paid", json!(800.0))]);
    assert_eq!(fired(&evaluate(&q, &a)), base);
    let a = with(&paid, &[("highest_amount_paid", json!(2500.0))]);
    let flags = evaluate(&q, &a);
    assert_eq!(fired(&flags)[1..], ids(&[("highest_amount_paid", 0)])[..]);
    assert_eq!(flags[1].affected_workers, Some(4));
    let a = with(&paid, &[("highest_amount_paid", json!("dont_know"))]);
    assert_eq!(
        fired(&evaluate(&q, &a))[1..],
        ids(&[("highest_amount_paid", 1)])[..]
    );
}

#[test]
fn not_knowing_about_children_undocumented_workers_or_interns_is_no_longer_low() {
    let a = with(&fl_clean(), &[("vulnerable_groups", json!(["dont_know"]))]);
    let flags = evaluate(&fl(), &a);
    assert_eq!(fired(&flags), ids(&[("vulnerable_groups", 3)]));
    assert_eq!(flags[0].band, Band::High);
    let a = with(&ml_clean(), &[("employs_titp_ssw", json!("dont_know"))]);
    let flags = evaluate(&ml(), &a);
    assert_eq!(fired(&flags), ids(&[("employs_titp_ssw", 0)]));
    assert_eq!(flags[0].band, Band::Medium);
}

#[test]
fn pay_below_the_minimum_wage_fires_in_both_files() {
    for (q, clean) in [(fl(), fl_clean()), (ml(), ml_clean())] {
        let a = with(
            &clean,
            &[("minimum_wage_paid", json!("below_after_deductions"))],
        );
        assert_eq!(
            fired(&evaluate(&q, &a)),
            ids(&[("minimum_wage_paid", 1)]),
            "{}",
            q.id
        );
        let a = with(&clean, &[("minimum_wage_paid", json!("below_minimum"))]);
        assert_eq!(
            fired(&evaluate(&q, &a)),
            ids(&[("minimum_wage_paid", 0)]),
            "{}",
            q.id
        );
    }
}

#[test]
fn evidence_is_optional_but_scored_as_missing_where_a_practice_is_claimed() {
    let q = fl();
    for file in FL_FILES
        .iter()
        .filter(|f| **f != "contract_template" && **f != "disciplinary_policy_file")
    {
        let flags = evaluate(&q, &without(&fl_clean(), &[file]));
        assert_eq!(fired(&flags), ids(&[(file, 0)]), "{file}");
        assert_eq!(flags[0].band, Band::Low, "{file}");
    }
    // No claim, no request: without housing the photos are not asked for.
    let a = without(
        &with(&fl_clean(), &[("employer_housing", json!("no"))]),
        &["dormitory_photos_file"],
    );
    assert_eq!(evaluate(&q, &a), vec![]);
    for file in ML_FILES {
        let flags = evaluate(&ml(), &without(&ml_clean(), &[file]));
        assert_eq!(fired(&flags), ids(&[(file, 0)]), "{file}");
    }
}

#[test]
fn new_practices_raise_their_flags() {
    let q = fl();
    for (id, value, rule) in [
        ("age_verification", json!("direct_hires_only"), 1),
        ("state_prison_student_labour", json!(["prison_labour"]), 0),
        ("state_prison_student_labour", json!(["student_workers"]), 1),
        ("requirements_passed_on", json!("not_passed_on"), 0),
        ("working_time_recording", json!("not_for_all"), 0),
        ("paid_leave", json!("no"), 0),
        ("worker_representation", json!("management_appointed"), 0),
        ("association_restricted", json!("yes"), 0),
        ("contract_copy_kept", json!("no"), 0),
        ("grievance_resolution_days", json!(90), 0),
    ] {
        let a = with(&fl_clean(), &[(id, value)]);
        let got = fired(&evaluate(&q, &a));
        // Prison labour is a knock-out; the other answers raise their own rule only.
        assert_eq!(got, ids(&[(id, rule)]), "{id}");
    }
    let a = with(
        &fl_clean(),
        &[(
            "state_prison_student_labour",
            json!(["state_labour_transfer"]),
        )],
    );
    assert!(evaluate(&q, &a)[0].critical);
}

#[test]
fn japan_esd_questions_fire_on_their_red_flags() {
    let q = ml();
    let esd = with(
        &ml_clean(),
        &[
            (
                "japan_scheme_types",
                json!(["employment_for_skill_development"]),
            ),
            ("supervision_support_org_permit", json!("yes")),
            ("esd_job_change_own_wish", json!("informed_and_supported")),
        ],
    );
    assert_eq!(evaluate(&q, &esd), vec![]);
    let a = with(&esd, &[("esd_job_change_own_wish", json!("obstructed"))]);
    let flags = evaluate(&q, &a);
    assert_eq!(fired(&flags), ids(&[("esd_job_change_own_wish", 0)]));
    assert!(flags[0].critical);
    assert_eq!(flags[0].affected_workers, Some(20));
    for (id, value) in [
        ("supervision_support_org_permit", json!("no")),
        ("supervision_fees_charged_to_workers", json!("yes")),
        ("early_return_wish_checked", json!("not_checked")),
    ] {
        let a = with(&esd, &[(id, value)]);
        assert_eq!(fired(&evaluate(&q, &a)), ids(&[(id, 0)]), "{id}");
    }
    // The amount paid to the sending organisation: "don't know" is a flag; the legal
    // ceiling itself is not written into a rule.
    let a = with(
        &ml_clean(),
        &[
            ("sending_org_fees", json!("yes")),
            ("sending_org_fee_amount", json!("dont_know")),
        ],
    );
    assert_eq!(
        fired(&evaluate(&q, &a)),
        ids(&[("sending_org_fees", 0), ("sending_org_fee_amount", 1)])
    );
    let a = with(&ml_clean(), &[("titp_transition_informed", json!("no"))]);
    assert_eq!(
        fired(&evaluate(&q, &a)),
        ids(&[("titp_transition_informed", 0)])
    );
}

#[test]
fn questions_in_both_files_share_ids_and_choice_ids() {
    let (a, b) = (fl(), ml());
    let mut shared = 0;
    for q in a.questions() {
        if let Some(other) = b.find(&q.id) {
            shared += 1;
            assert_eq!(q.kind, other.kind, "{}", q.id);
            assert_eq!(q.choice_ids(), other.choice_ids(), "{}", q.id);
        }
    }
    assert!(shared >= 10, "{shared}");
    let contract = b.find("contract_language").unwrap();
    assert_eq!(
        contract.choice_ids(),
        vec![
            "all_understood_language",
            "local_language_only",
            "not_all_workers",
            "dont_know"
        ]
    );
}

#[test]
fn flags_carry_their_scope_and_the_rating_ranks_by_it() {
    let q = fl();
    // Residence cards concern the 40 foreign workers of 250.
    let a = with(
        &fl_clean(),
        &[("residence_card_custody", json!("employer_practice"))],
    );
    let flags = evaluate(&q, &a);
    assert_eq!(flags.len(), 1);
    assert_eq!(
        (flags[0].affected_workers, flags[0].workforce),
        (Some(40), Some(250))
    );
    assert_eq!(flags[0].share_affected(), Some(0.16));
    let cards = Rating::of(&flags.iter().map(FlagFacts::from).collect::<Vec<_>>());
    assert_eq!(
        (cards.band, cards.knock_outs, cards.matrix_critical),
        (Some(Band::Critical), 1, 0)
    );
    // Locked gates concern everyone: same band, larger share, so it ranks first.
    let a = with(&fl_clean(), &[("leave_workplace_freely", json!("no"))]);
    let gates = Rating::of(
        &evaluate(&q, &a)
            .iter()
            .map(FlagFacts::from)
            .collect::<Vec<_>>(),
    );
    assert_eq!(gates.share_affected, 1.0);
    let mut ranked = vec![("cards", cards.clone()), ("gates", gates)];
    hrdd_survey::domain::rating::rank(&mut ranked);
    assert_eq!(ranked[0].0, "gates");
    // Two indicators outrank one within the critical band.
    let a = with(
        &fl_clean(),
        &[
            ("residence_card_custody", json!("employer_practice")),
            ("phone_custody", json!("held_by_employer")),
        ],
    );
    let two = Rating::of(
        &evaluate(&q, &a)
            .iter()
            .map(FlagFacts::from)
            .collect::<Vec<_>>(),
    );
    assert_eq!(two.indicators_hit, 2);
    let mut ranked = vec![("cards", cards), ("two", two)];
    hrdd_survey::domain::rating::rank(&mut ranked);
    assert_eq!(ranked[0].0, "two");
}

/// A group's row limit holds in a draft too: 61 nationalities (the limit is 60) are
/// refused by the group's field, in the respondent's language; 60 are kept as a draft.
#[test]
fn a_draft_with_more_rows_than_the_group_allows_is_refused() {
    let q = fl();
    let rows = |n: usize| -> Vec<(String, String)> {
        let mut fields = vec![("foreign_workers".to_string(), "500".to_string())];
        for i in 0..n {
            fields.push((
                format!("workforce_by_nationality.{i}.nationality"),
                "VN".into(),
            ));
            fields.push((
                format!("workforce_by_nationality.{i}.nationality_workers"),
                "5".into(),
            ));
        }
        fields
    };
    let draft = |n: usize, lang: Lang| {
        let fields = rows(n);
        let typed: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        parse_form(
            &q,
            &input(&typed),
            &Answers::new(),
            lang,
            Mode::Draft,
            hrdd_survey::domain::dates::Today::at(chrono::Utc::now()),
        )
    };
    let too_many = draft(61, Lang::Ja);
    let error = too_many
        .errors
        .iter()
        .find(|e| e.field == "workforce_by_nationality")
        .expect("the group's error");
    assert_eq!(error.message, "入力できるのは 60 行までです。");
    assert!(!too_many.answers.contains_key("workforce_by_nationality"));
    let at_limit = draft(60, Lang::En);
    assert!(at_limit.errors.is_empty(), "{:?}", at_limit.errors);
    assert_eq!(
        at_limit.answers["workforce_by_nationality"]
            .as_array()
            .unwrap()
            .len(),
        60
    );
}
