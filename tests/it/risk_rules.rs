//! The risk rules of version 2 of the real questionnaires, through `risk::evaluate`
//! (version 3 is in `risk_rules_v3.rs`). Version 2 stays stored for campaigns pinned to
//! it, so its rules must keep scoring exactly as they did.
//!
//! Each questionnaire has a "clean site" answer set, written once as the strings a
//! respondent would type: it must submit without a single error (so it answers every
//! visible required question) and raise no flag. The red-flag tests change one or two
//! answers of that set and assert the exact flags, band and rows included.

use crate::loader::real;
use hrdd_survey::domain::answers::{parse_form, Answers, FieldError, Mode, RawInput};
use hrdd_survey::domain::i18n::{Lang, Msg};
use hrdd_survey::domain::indicator::Indicator;
use hrdd_survey::domain::questionnaire::Questionnaire;
use hrdd_survey::domain::risk::{evaluate, Band, RaisedFlag};
use serde_json::{json, Value};

const FL_V2: &str = "forced-labour.v2.yaml";
const ML_V2: &str = "migrant-labour.v2.yaml";

/// A form as typed: repeat a name for each ticked box of a multiple choice.
pub fn input(fields: &[(&str, &str)]) -> RawInput {
    let mut raw = RawInput::default();
    for (name, value) in fields {
        raw.values
            .entry(name.to_string())
            .or_default()
            .push(value.to_string());
    }
    raw
}

pub fn submit(q: &Questionnaire, fields: &[(&str, &str)]) -> (Answers, Vec<FieldError>) {
    let parsed = parse_form(
        q,
        &input(fields),
        &Answers::new(),
        Lang::En,
        Mode::Submit,
        hrdd_survey::domain::dates::Today::at(chrono::Utc::now()),
    );
    (parsed.answers, parsed.errors)
}

pub fn answers(value: Value) -> Answers {
    match value {
        Value::Object(map) => map.into_iter().collect(),
        other => panic!("not an object: {other}"),
    }
}

/// `base` with some answers replaced (or added).
pub fn with(base: &Answers, changes: &[(&str, Value)]) -> Answers {
    let mut out = base.clone();
    for (id, value) in changes {
        out.insert(id.to_string(), value.clone());
    }
    out
}

/// The flag one rule raises, every field spelled out.
#[allow(clippy::too_many_arguments)]
fn flag(
    question_id: &str,
    rule_index: usize,
    indicator: Indicator,
    severity: u8,
    likelihood: u8,
    score: u8,
    band: Band,
    critical: bool,
    answer: Value,
    rows: &[usize],
) -> RaisedFlag {
    RaisedFlag {
        question_id: question_id.to_string(),
        rule_index,
        indicator,
        severity,
        likelihood,
        score,
        band,
        critical,
        answer,
        rows: rows.to_vec(),
        affected_workers: None,
        workforce: None,
    }
}

// =======================================================================================
// forced-labour

/// A site with foreign, migrant, agency and dispatched workers, employer housing and two
/// agencies, so that nearly every conditional question is shown, each answered safely.
pub const FL_CLEAN_FORM: &[(&str, &str)] = &[
    ("total_headcount", "250"),
    ("foreign_workers", "40"),
    ("internal_migrant_workers", "30"),
    ("agency_workers", "20"),
    ("dispatched_workers", "10"),
    ("technical_interns", "15"),
    ("specified_skilled_workers", "5"),
    ("employer_housing", "yes"),
    ("worker_languages", "Japanese, Vietnamese, Indonesian"),
    ("non_local_language_pct", "20"),
    ("uses_labour_agencies", "yes"),
    ("labour_agencies_list.0.agency_name", "Hanoi Manpower JSC"),
    ("labour_agencies_list.0.agency_country", "vn"),
    ("labour_agencies_list.0.agency_role", "sending_organisation"),
    ("labour_agencies_list.0.agency_licensed", "yes"),
    ("labour_agencies_list.0.agency_workers_supplied", "25"),
    ("labour_agencies_list.0.agency_charges_workers", "no"),
    (
        "labour_agencies_list.1.agency_name",
        "Tokai Support Association",
    ),
    ("labour_agencies_list.1.agency_country", "JP"),
    (
        "labour_agencies_list.1.agency_role",
        "supervising_or_support",
    ),
    ("labour_agencies_list.1.agency_licensed", "yes"),
    ("labour_agencies_list.1.agency_charges_workers", "no"),
    ("agency_contract_safeguards", "yes"),
    ("dependency_on_employer", "no"),
    ("vulnerable_groups", "none_of_these"),
    ("equal_pay_migrants", "yes"),
    ("information_in_worker_languages", "yes"),
    ("contract_language", "all_understood_language"),
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
    ("max_weekly_hours", "58"),
    ("legal_hours_exceeded", "no"),
    ("weekly_rest_day", "yes"),
    ("overtime_voluntary", "voluntary"),
    ("overtime_paid_at_premium", "yes"),
    ("notice_period_days", "14"),
    ("resignation_consequences", "no_penalty"),
    ("resignation_obstructed", "no"),
    ("last_labour_audit_date", "2025-03-15"),
    (
        "additional_information",
        "Third-party social audit in March 2025; no findings on forced labour.",
    ),
];

/// `FL_CLEAN_FORM` as stored answers.
fn fl_clean() -> Answers {
    answers(json!({
        "total_headcount": 250,
        "foreign_workers": 40,
        "internal_migrant_workers": 30,
        "agency_workers": 20,
        "dispatched_workers": 10,
        "technical_interns": 15,
        "specified_skilled_workers": 5,
        "employer_housing": "yes",
        "worker_languages": "Japanese, Vietnamese, Indonesian",
        "non_local_language_pct": 20.0,
        "uses_labour_agencies": "yes",
        "labour_agencies_list": [
            {
                "agency_name": "Hanoi Manpower JSC",
                "agency_country": "VN",
                "agency_role": "sending_organisation",
                "agency_licensed": "yes",
                "agency_workers_supplied": 25,
                "agency_charges_workers": "no"
            },
            {
                "agency_name": "Tokai Support Association",
                "agency_country": "JP",
                "agency_role": "supervising_or_support",
                "agency_licensed": "yes",
                "agency_charges_workers": "no"
            }
        ],
        "agency_contract_safeguards": "yes",
        "dependency_on_employer": "no",
        "vulnerable_groups": ["none_of_these"],
        "equal_pay_migrants": "yes",
        "information_in_worker_languages": "yes",
        "contract_language": "all_understood_language",
        "contract_timing": "before_departure",
        "recruitment_terms_written": "yes",
        "contract_substitution": "no",
        "leave_workplace_freely": "yes",
        "leave_dormitory_freely": "yes",
        "movement_controls": ["none_of_these"],
        "site_location": "town",
        "phone_custody": "worker_keeps",
        "outside_contact_restricted": "no",
        "anti_harassment_policy": "yes",
        "physical_punishment_used": "no",
        "violence_reports": "no",
        "disciplinary_policy": "yes",
        "disciplinary_measures": ["verbal_warning", "written_warning", "dismissal"],
        "threats_reported": ["none_known"],
        "passport_custody": "worker",
        "residence_card_custody": "worker",
        "personal_lockable_storage": "yes",
        "wage_payment_method": "worker_account",
        "bank_card_custody": "no",
        "pay_frequency": "monthly_or_more",
        "late_payment": "no",
        "wage_retention_practices": ["none_of_these"],
        "deductions_share": 15.0,
        "itemised_payslip": "yes",
        "recruitment_fees_paid": "no",
        "worker_loans": "no",
        "company_store": "no",
        "basic_needs_at_work": "yes",
        "ppe_free_of_charge": "yes",
        "migrants_in_dangerous_tasks": "no",
        "persons_per_bedroom": 4,
        "floor_space_per_person": 7.5,
        "housing_deficiencies": ["none_of_these"],
        "max_weekly_hours": 58,
        "legal_hours_exceeded": "no",
        "weekly_rest_day": "yes",
        "overtime_voluntary": "voluntary",
        "overtime_paid_at_premium": "yes",
        "notice_period_days": 14,
        "resignation_consequences": ["no_penalty"],
        "resignation_obstructed": "no",
        "last_labour_audit_date": "2025-03-15",
        "additional_information": "Third-party social audit in March 2025; no findings on forced labour."
    }))
}

#[test]
fn forced_labour_clean_site_submits_without_errors_and_raises_no_flag() {
    let q = real(FL_V2);
    let (parsed, errors) = submit(&q, FL_CLEAN_FORM);
    assert_eq!(errors, vec![], "the clean set misses a required question");
    assert_eq!(parsed, fl_clean());
    assert_eq!(evaluate(&q, &fl_clean()), vec![]);
}

#[test]
fn forced_labour_small_local_site_submits_and_raises_no_flag() {
    // No migrants, agencies or housing: every conditional question stays hidden and
    // needs no answer.
    let q = real(FL_V2);
    let hidden = [
        "labour_agencies_list",
        "agency_contract_safeguards",
        "equal_pay_migrants",
        "information_in_worker_languages",
        "contract_timing",
        "leave_dormitory_freely",
        "residence_card_custody",
        "migrants_in_dangerous_tasks",
        "persons_per_bedroom",
        "floor_space_per_person",
        "housing_deficiencies",
    ];
    let overrides = [
        ("foreign_workers", "0"),
        ("internal_migrant_workers", "0"),
        ("agency_workers", "0"),
        ("dispatched_workers", "0"),
        ("technical_interns", "0"),
        ("specified_skilled_workers", "0"),
        ("employer_housing", "no"),
        ("non_local_language_pct", "0"),
        ("uses_labour_agencies", "no"),
        ("worker_languages", "Japanese"),
    ];
    let form: Vec<(&str, &str)> = FL_CLEAN_FORM
        .iter()
        .copied()
        .filter(|(name, _)| {
            let id = name.split('.').next().unwrap();
            !hidden.contains(&id) && !overrides.iter().any(|(o, _)| o == name)
        })
        .chain(overrides)
        .collect();
    let (parsed, errors) = submit(&q, &form);
    assert_eq!(errors, vec![]);
    for id in hidden {
        assert!(!parsed.contains_key(id), "{id} should be hidden");
    }
    assert_eq!(evaluate(&q, &parsed), vec![]);
}

#[test]
fn forced_labour_submission_names_a_missing_required_answer() {
    let q = real(FL_V2);
    let form: Vec<(&str, &str)> = FL_CLEAN_FORM
        .iter()
        .copied()
        .filter(|(name, _)| {
            *name != "max_weekly_hours" && *name != "labour_agencies_list.1.agency_licensed"
        })
        .collect();
    let (_, errors) = submit(&q, &form);
    assert_eq!(
        errors,
        vec![
            FieldError {
                field: "labour_agencies_list.1.agency_licensed".into(),
                message: Msg::Required.text(Lang::En),
            },
            FieldError {
                field: "max_weekly_hours".into(),
                message: Msg::Required.text(Lang::En),
            },
        ]
    );
}

#[test]
fn passports_kept_by_the_employer_are_a_critical_flag() {
    let q = real(FL_V2);
    let a = with(
        &fl_clean(),
        &[("passport_custody", json!("employer_practice"))],
    );
    assert_eq!(
        evaluate(&q, &a),
        vec![flag(
            "passport_custody",
            0,
            Indicator::RetentionOfIdentityDocuments,
            4,
            5,
            20,
            Band::Critical,
            true,
            json!("employer_practice"),
            &[],
        )]
    );
}

#[test]
fn documents_kept_on_request_open_the_follow_up_question() {
    let q = real(FL_V2);
    // Kept on request: no flag by itself, but the return-time question is now shown...
    let a = with(
        &fl_clean(),
        &[("passport_custody", json!("employer_on_request"))],
    );
    assert_eq!(evaluate(&q, &a), vec![]);
    // ...and needing approval to get one's passport back is a knock-out.
    let a = with(&a, &[("document_return_time", json!("approval_needed"))]);
    assert_eq!(
        evaluate(&q, &a),
        vec![flag(
            "document_return_time",
            0,
            Indicator::RetentionOfIdentityDocuments,
            4,
            4,
            16,
            Band::Critical,
            true,
            json!("approval_needed"),
            &[],
        )]
    );
}

#[test]
fn recruitment_fees_paid_are_critical_debt_bondage() {
    let q = real(FL_V2);
    let fees = with(&fl_clean(), &[("recruitment_fees_paid", json!("yes"))]);
    let knock_out = flag(
        "recruitment_fees_paid",
        0,
        Indicator::DebtBondage,
        4,
        5,
        20,
        Band::Critical,
        true,
        json!("yes"),
        &[],
    );
    assert_eq!(evaluate(&q, &fees), vec![knock_out.clone()]);

    // Fees of 3 months' wages are not above the threshold...
    let a = with(&fees, &[("fee_months_of_wages", json!(3.0))]);
    assert_eq!(evaluate(&q, &a), vec![knock_out.clone()]);
    // ...4 months are, and the matrix alone (5 × 4 = 20) makes that flag critical.
    let a = with(&fees, &[("fee_months_of_wages", json!(4.0))]);
    assert_eq!(
        evaluate(&q, &a),
        vec![
            knock_out,
            flag(
                "fee_months_of_wages",
                0,
                Indicator::DebtBondage,
                5,
                4,
                20,
                Band::Critical,
                false,
                json!(4.0),
                &[],
            ),
        ]
    );
}

#[test]
fn excessive_hours_above_sixty_are_a_high_overtime_flag() {
    let q = real(FL_V2);
    let at_limit = with(&fl_clean(), &[("max_weekly_hours", json!(60))]);
    assert_eq!(evaluate(&q, &at_limit), vec![]);
    let a = with(&fl_clean(), &[("max_weekly_hours", json!(72))]);
    // severity max(3, 3, 3) = 3, likelihood 4: score 12, in the 10–14 "high" band.
    assert_eq!(
        evaluate(&q, &a),
        vec![flag(
            "max_weekly_hours",
            0,
            Indicator::ExcessiveOvertime,
            3,
            4,
            12,
            Band::High,
            false,
            json!(72),
            &[],
        )]
    );
}

#[test]
fn dont_know_raises_the_lower_severity_flag() {
    let q = real(FL_V2);
    let a = with(
        &fl_clean(),
        &[("recruitment_fees_paid", json!("dont_know"))],
    );
    assert_eq!(
        evaluate(&q, &a),
        vec![flag(
            "recruitment_fees_paid",
            1,
            Indicator::DebtBondage,
            3,
            4,
            12,
            Band::High,
            false,
            json!("dont_know"),
            &[],
        )]
    );
    let a = with(&fl_clean(), &[("passport_custody", json!("dont_know"))]);
    assert_eq!(
        evaluate(&q, &a),
        vec![flag(
            "passport_custody",
            1,
            Indicator::RetentionOfIdentityDocuments,
            3,
            3,
            9,
            Band::Medium,
            false,
            json!("dont_know"),
            &[],
        )]
    );
}

#[test]
fn group_rows_with_red_flags_are_listed_by_row_number() {
    let q = real(FL_V2);
    let row = |licensed: &str, charges: &str| {
        json!({
            "agency_name": "Agency",
            "agency_country": "VN",
            "agency_role": "sending_organisation",
            "agency_licensed": licensed,
            "agency_charges_workers": charges
        })
    };
    let a = with(
        &fl_clean(),
        &[(
            "labour_agencies_list",
            json!([
                row("yes", "no"),
                row("dont_know", "yes"),
                row("no", "no"),
                row("yes", "yes"),
            ]),
        )],
    );
    // One flag per rule, in field then rule order, naming the matching rows (from 1).
    assert_eq!(
        evaluate(&q, &a),
        vec![
            flag(
                "agency_licensed",
                0,
                Indicator::ResponsibleRecruitment,
                3,
                4,
                12,
                Band::High,
                false,
                json!(["no"]),
                &[3],
            ),
            flag(
                "agency_licensed",
                1,
                Indicator::ResponsibleRecruitment,
                2,
                3,
                6,
                Band::Medium,
                false,
                json!(["dont_know"]),
                &[2],
            ),
            flag(
                "agency_charges_workers",
                0,
                Indicator::DebtBondage,
                4,
                5,
                20,
                Band::Critical,
                true,
                json!(["yes", "yes"]),
                &[2, 4],
            ),
        ]
    );
}

#[test]
fn a_below_rule_and_a_multiple_choice_answer_fire_each_matching_rule() {
    let q = real(FL_V2);
    let a = with(
        &fl_clean(),
        &[
            ("floor_space_per_person", json!(3.0)),
            ("movement_controls", json!(["curfew", "locked_gates"])),
        ],
    );
    assert_eq!(
        evaluate(&q, &a),
        vec![
            flag(
                "movement_controls",
                0,
                Indicator::RestrictionOfMovement,
                4,
                5,
                20,
                Band::Critical,
                true,
                json!(["curfew", "locked_gates"]),
                &[],
            ),
            flag(
                "movement_controls",
                1,
                Indicator::RestrictionOfMovement,
                3,
                3,
                9,
                Band::Medium,
                false,
                json!(["curfew", "locked_gates"]),
                &[],
            ),
            flag(
                "floor_space_per_person",
                0,
                Indicator::AbusiveWorkingAndLivingConditions,
                3,
                4,
                12,
                Band::High,
                false,
                json!(3.0),
                &[],
            ),
        ]
    );
}

#[test]
fn answers_to_hidden_questions_raise_nothing() {
    let q = real(FL_V2);
    let red_agencies = json!([{
        "agency_name": "Shady Agency",
        "agency_country": "VN",
        "agency_role": "sending_organisation",
        "agency_licensed": "no",
        "agency_charges_workers": "yes"
    }]);
    // Each of these red-flag values sits on a question its condition hides.
    let a = with(
        &fl_clean(),
        &[
            ("uses_labour_agencies", json!("no")),
            ("labour_agencies_list", red_agencies),
            ("agency_contract_safeguards", json!("no")),
            ("employer_housing", json!("no")),
            ("leave_dormitory_freely", json!("no")),
            ("persons_per_bedroom", json!(20)),
            ("floor_space_per_person", json!(1.0)),
            ("housing_deficiencies", json!(["fire_safety_gaps"])),
            ("fee_months_of_wages", json!(12.0)),
            ("loan_repayment", json!("bound_until_repaid")),
            ("violence_reports_handling", json!("none")),
        ],
    );
    assert_eq!(evaluate(&q, &a), vec![]);

    // A hidden answer counts as unanswered for later conditions too: with no foreign
    // workers the residence-card question is hidden, so its old "on request" value does
    // not open the return-time question.
    let a = with(
        &fl_clean(),
        &[
            ("foreign_workers", json!(0)),
            ("residence_card_custody", json!("employer_practice")),
        ],
    );
    assert_eq!(evaluate(&q, &a), vec![]);
    let a = with(
        &fl_clean(),
        &[
            ("foreign_workers", json!(0)),
            ("residence_card_custody", json!("employer_on_request")),
            ("document_return_time", json!("approval_needed")),
        ],
    );
    assert_eq!(evaluate(&q, &a), vec![]);
    // The same answers with foreign workers do raise flags.
    let a = with(
        &fl_clean(),
        &[("residence_card_custody", json!("employer_practice"))],
    );
    let ids: Vec<String> = evaluate(&q, &a)
        .into_iter()
        .map(|f| f.question_id)
        .collect();
    assert_eq!(ids, vec!["residence_card_custody"]);
    let a = with(
        &fl_clean(),
        &[
            ("residence_card_custody", json!("employer_on_request")),
            ("document_return_time", json!("approval_needed")),
        ],
    );
    let ids: Vec<String> = evaluate(&q, &a)
        .into_iter()
        .map(|f| f.question_id)
        .collect();
    assert_eq!(ids, vec!["document_return_time"]);
}

#[test]
fn submitting_drops_answers_to_hidden_questions() {
    let q = real(FL_V2);
    let form: Vec<(&str, &str)> = FL_CLEAN_FORM
        .iter()
        .copied()
        .chain([
            ("fee_months_of_wages", "12"),
            ("loan_repayment", "bound_until_repaid"),
        ])
        .collect();
    let (parsed, errors) = submit(&q, &form);
    assert_eq!(errors, vec![]);
    assert_eq!(parsed, fl_clean());
}

// =======================================================================================
// migrant-labour

/// A site with international and internal migrants, one vetted agent, employer housing,
/// fees found in the past and fully repaid, and technical interns: every conditional
/// question is shown and answered safely.
pub const ML_CLEAN_FORM: &[(&str, &str)] = &[
    ("international_migrant_workers", "40"),
    ("internal_migrant_workers", "10"),
    ("migrants_recruited_12m", "12"),
    ("main_origin_country", "vn"),
    ("employer_pays_policy", "yes"),
    ("costs_paid_by_workers", "none_of_these"),
    ("internal_migrant_costs", "no"),
    ("recruitment_loans", "no"),
    ("fee_verification", "confidential_interviews"),
    ("uses_recruitment_agents", "yes"),
    ("recruitment_agents_list.0.agent_name", "Hanoi Manpower JSC"),
    ("recruitment_agents_list.0.agent_origin_country", "VN"),
    ("recruitment_agents_list.0.agent_licensed", "yes"),
    ("recruitment_agents_list.0.agent_vetting", "iris_certified"),
    ("recruitment_agents_list.0.agent_workers_recruited", "30"),
    ("recruitment_agents_list.0.agent_uses_subagents", "no"),
    ("agent_contract_terms", "no_worker_fees"),
    ("agent_contract_terms", "no_document_retention"),
    ("agent_contract_terms", "fee_reimbursement"),
    ("agent_contract_terms", "audit_rights"),
    ("agent_fees_paid_by_company", "yes"),
    ("contract_language", "understood_language"),
    ("contract_timing", "before_departure"),
    ("contract_substitution", "no"),
    ("passport_custody", "worker"),
    ("residence_card_custody", "worker"),
    ("documents_held_by_recruiters", "no"),
    ("deposits_required", "no"),
    ("wage_deductions", "housing"),
    ("wage_deductions", "utilities_and_food"),
    ("deductions_share", "12.5"),
    ("deductions_agreed", "yes"),
    ("migrant_housing", "employer_provided"),
    ("housing_optional", "yes"),
    ("housing_charge_fair", "yes"),
    ("housing_standard_met", "yes"),
    ("leave_housing_freely", "yes"),
    ("travel_permission_needed", "no"),
    ("phones_collected", "no"),
    ("grievance_channels_available", "third_party_hotline"),
    ("grievance_channels_available", "worker_representatives"),
    ("grievance_in_worker_languages", "yes"),
    ("grievance_anonymous_no_retaliation", "yes"),
    ("fees_identified", "yes"),
    ("workers_found_paid", "6"),
    ("workers_repaid_in_full", "6"),
    ("workers_awaiting_repayment", "0"),
    ("amount_repaid", "5400.5"),
    ("repayment_completion_date", "2025-06-30"),
    (
        "remediation_description",
        "Six workers had paid a sending agency for training; we repaid them in full and ended the contract.",
    ),
    ("return_travel_cost", "employer_always"),
    ("early_return_supported", "yes"),
    ("final_pay_before_departure", "yes"),
    ("employs_titp_ssw", "yes"),
    ("japan_scheme_types", "technical_intern"),
    ("japan_scheme_types", "specified_skilled_1"),
    ("sending_org_fees", "no"),
    ("guarantee_money", "no"),
    ("penalty_contract", "no"),
    ("japan_items_held", "none_of_these"),
    ("private_life_restrictions", "none_of_these"),
    ("change_of_employer", "informed_and_supported"),
    ("supervising_org_audits", "every_three_months"),
    ("audit_worker_interviews", "yes"),
    ("authority_findings", "no"),
    ("workers_disappeared", "0"),
];

fn ml_clean() -> Answers {
    answers(json!({
        "international_migrant_workers": 40,
        "internal_migrant_workers": 10,
        "migrants_recruited_12m": 12,
        "main_origin_country": "VN",
        "employer_pays_policy": "yes",
        "costs_paid_by_workers": ["none_of_these"],
        "internal_migrant_costs": "no",
        "recruitment_loans": "no",
        "fee_verification": "confidential_interviews",
        "uses_recruitment_agents": "yes",
        "recruitment_agents_list": [{
            "agent_name": "Hanoi Manpower JSC",
            "agent_origin_country": "VN",
            "agent_licensed": "yes",
            "agent_vetting": "iris_certified",
            "agent_workers_recruited": 30,
            "agent_uses_subagents": "no"
        }],
        "agent_contract_terms": ["no_worker_fees", "no_document_retention", "fee_reimbursement", "audit_rights"],
        "agent_fees_paid_by_company": "yes",
        "contract_language": "understood_language",
        "contract_timing": "before_departure",
        "contract_substitution": "no",
        "passport_custody": "worker",
        "residence_card_custody": "worker",
        "documents_held_by_recruiters": "no",
        "deposits_required": "no",
        "wage_deductions": ["housing", "utilities_and_food"],
        "deductions_share": 12.5,
        "deductions_agreed": "yes",
        "migrant_housing": "employer_provided",
        "housing_optional": "yes",
        "housing_charge_fair": "yes",
        "housing_standard_met": "yes",
        "leave_housing_freely": "yes",
        "travel_permission_needed": "no",
        "phones_collected": "no",
        "grievance_channels_available": ["third_party_hotline", "worker_representatives"],
        "grievance_in_worker_languages": "yes",
        "grievance_anonymous_no_retaliation": "yes",
        "fees_identified": "yes",
        "workers_found_paid": 6,
        "workers_repaid_in_full": 6,
        "workers_awaiting_repayment": 0,
        "amount_repaid": 5400.5,
        "repayment_completion_date": "2025-06-30",
        "remediation_description": "Six workers had paid a sending agency for training; we repaid them in full and ended the contract.",
        "return_travel_cost": "employer_always",
        "early_return_supported": "yes",
        "final_pay_before_departure": "yes",
        "employs_titp_ssw": "yes",
        "japan_scheme_types": ["technical_intern", "specified_skilled_1"],
        "sending_org_fees": "no",
        "guarantee_money": "no",
        "penalty_contract": "no",
        "japan_items_held": ["none_of_these"],
        "private_life_restrictions": ["none_of_these"],
        "change_of_employer": "informed_and_supported",
        "supervising_org_audits": "every_three_months",
        "audit_worker_interviews": "yes",
        "authority_findings": "no",
        "workers_disappeared": 0
    }))
}

#[test]
fn migrant_labour_clean_site_submits_without_errors_and_raises_no_flag() {
    let q = real(ML_V2);
    let (parsed, errors) = submit(&q, ML_CLEAN_FORM);
    assert_eq!(errors, vec![], "the clean set misses a required question");
    assert_eq!(parsed, ml_clean());
    assert_eq!(evaluate(&q, &ml_clean()), vec![]);
}

#[test]
fn migrant_labour_site_without_migrants_only_answers_the_japan_questions() {
    let q = real(ML_V2);
    let form = [
        ("international_migrant_workers", "0"),
        ("internal_migrant_workers", "0"),
        ("employs_titp_ssw", "no"),
    ];
    let (parsed, errors) = submit(&q, &form);
    assert_eq!(errors, vec![]);
    assert_eq!(
        parsed,
        answers(json!({
            "international_migrant_workers": 0,
            "internal_migrant_workers": 0,
            "employs_titp_ssw": "no"
        }))
    );
    assert_eq!(evaluate(&q, &parsed), vec![]);
}

#[test]
fn migrant_workers_paying_recruitment_costs_is_critical_debt_bondage() {
    let q = real(ML_V2);
    let paid = with(
        &ml_clean(),
        &[("costs_paid_by_workers", json!(["agency_fees", "travel"]))],
    );
    let knock_out = flag(
        "costs_paid_by_workers",
        0,
        Indicator::DebtBondage,
        4,
        5,
        20,
        Band::Critical,
        true,
        json!(["agency_fees", "travel"]),
        &[],
    );
    assert_eq!(evaluate(&q, &paid), vec![knock_out.clone()]);
    let a = with(&paid, &[("workers_who_paid", json!(10))]);
    assert_eq!(evaluate(&q, &a), vec![knock_out.clone()]);
    let a = with(&paid, &[("workers_who_paid", json!(25))]);
    assert_eq!(
        evaluate(&q, &a),
        vec![
            knock_out,
            flag(
                "workers_who_paid",
                0,
                Indicator::DebtBondage,
                5,
                5,
                25,
                Band::Critical,
                false,
                json!(25),
                &[],
            ),
        ]
    );
    // Not knowing what workers paid is the lower, non-critical flag.
    let a = with(
        &ml_clean(),
        &[("costs_paid_by_workers", json!(["dont_know"]))],
    );
    assert_eq!(
        evaluate(&q, &a),
        vec![flag(
            "costs_paid_by_workers",
            1,
            Indicator::DebtBondage,
            3,
            4,
            12,
            Band::High,
            false,
            json!(["dont_know"]),
            &[],
        )]
    );
}

#[test]
fn migrant_documents_held_are_critical_and_one_answer_can_raise_several_indicators() {
    let q = real(ML_V2);
    let a = with(
        &ml_clean(),
        &[("passport_custody", json!("employer_practice"))],
    );
    assert_eq!(
        evaluate(&q, &a),
        vec![flag(
            "passport_custody",
            0,
            Indicator::RetentionOfIdentityDocuments,
            4,
            5,
            20,
            Band::Critical,
            true,
            json!("employer_practice"),
            &[],
        )]
    );
    let held = json!(["passports_held", "phones_held_or_banned"]);
    let a = with(&ml_clean(), &[("japan_items_held", held.clone())]);
    assert_eq!(
        evaluate(&q, &a),
        vec![
            flag(
                "japan_items_held",
                0,
                Indicator::RetentionOfIdentityDocuments,
                4,
                5,
                20,
                Band::Critical,
                true,
                held.clone(),
                &[],
            ),
            flag(
                "japan_items_held",
                1,
                Indicator::Isolation,
                4,
                5,
                20,
                Band::Critical,
                true,
                held,
                &[],
            ),
        ]
    );
}

#[test]
fn migrant_agent_rows_with_red_flags_are_listed_by_row_number() {
    let q = real(ML_V2);
    let mut rows = ml_clean()["recruitment_agents_list"].clone();
    let mut second = rows[0].clone();
    second["agent_name"] = json!("Subcontracted Recruiter");
    second["agent_vetting"] = json!("not_vetted");
    second["agent_uses_subagents"] = json!("yes");
    rows.as_array_mut().unwrap().push(second);
    let a = with(&ml_clean(), &[("recruitment_agents_list", rows)]);
    assert_eq!(
        evaluate(&q, &a),
        vec![
            flag(
                "agent_vetting",
                0,
                Indicator::ResponsibleRecruitment,
                3,
                4,
                12,
                Band::High,
                false,
                json!(["not_vetted"]),
                &[2],
            ),
            flag(
                "agent_uses_subagents",
                0,
                Indicator::ResponsibleRecruitment,
                3,
                3,
                9,
                Band::Medium,
                false,
                json!(["yes"]),
                &[2],
            ),
        ]
    );
}

#[test]
fn workers_still_awaiting_repayment_is_a_critical_remedy_flag() {
    let q = real(ML_V2);
    let a = with(
        &ml_clean(),
        &[
            ("workers_repaid_in_full", json!(4)),
            ("workers_awaiting_repayment", json!(2)),
        ],
    );
    assert_eq!(
        evaluate(&q, &a),
        vec![flag(
            "workers_awaiting_repayment",
            0,
            Indicator::GrievanceAndRemedy,
            4,
            4,
            16,
            Band::Critical,
            false,
            json!(2),
            &[],
        )]
    );
}

#[test]
fn migrant_questions_hidden_without_migrants_raise_nothing() {
    let q = real(ML_V2);
    // Red-flag answers everywhere, but with no migrant workers and no Japanese schemes
    // every question that carries them is hidden.
    let a = with(
        &ml_clean(),
        &[
            ("international_migrant_workers", json!(0)),
            ("internal_migrant_workers", json!(0)),
            ("employs_titp_ssw", json!("no")),
            ("costs_paid_by_workers", json!(["agency_fees"])),
            ("workers_who_paid", json!(50)),
            ("passport_custody", json!("employer_practice")),
            ("phones_collected", json!("yes")),
            ("workers_awaiting_repayment", json!(5)),
            ("guarantee_money", json!("yes")),
            ("workers_disappeared", json!(3)),
        ],
    );
    assert_eq!(evaluate(&q, &a), vec![]);
}
