//! The plan form, remedy facts and notices, without a database.

use super::*;

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn form() -> PlanForm {
    PlanForm {
        root_cause: "Passports kept in the office safe".into(),
        actions: "Return passports; lockers in the dormitory".into(),
        owner: format!("contact:{}", uuid::Uuid::nil()),
        ..PlanForm::default()
    }
}

#[test]
fn critical_flags_default_to_fourteen_days() {
    let p = parse_plan(&form(), d("2027-01-10"), true).unwrap();
    assert_eq!(p.start_date, d("2027-01-10"));
    assert_eq!(p.due_date, d("2027-01-24"));
    let p = parse_plan(&form(), d("2027-01-10"), false).unwrap();
    assert_eq!(p.due_date, d("2027-03-11"));
    assert_eq!(p.owner, Owner::Contact(uuid::Uuid::nil()));
}

#[test]
fn every_bad_field_is_named() {
    let mut f = PlanForm {
        owner: "someone".into(),
        start_date: "2027-02-10".into(),
        due_date: "2027-02-01".into(),
        ..PlanForm::default()
    };
    f.remedy.workers_affected = "Nguyen Van A".into();
    f.remedy.fees_repaid_amount = "12.345".into();
    f.remedy.fees_currency = "XXY".into();
    f.remedy.documents_returned_on = "soon".into();
    let errors = parse_plan(&f, d("2027-01-10"), true).unwrap_err();
    let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "root_cause",
            "actions",
            "owner",
            "due_date",
            "workers_affected",
            "documents_returned_on",
            "fees_repaid_amount",
            "fees_currency"
        ]
    );
    assert!(errors.iter().all(|e| e.message.starts_with(&e.field)));
}

#[test]
fn remedy_facts_are_numbers_with_an_iso_currency() {
    let mut f = form();
    f.remedy = RemedyForm {
        workers_affected: "４２".into(),
        fees_repaid_amount: "1,250,000".into(),
        fees_currency: "jpy".into(),
        workers_repaid: "40".into(),
        fees_repaid_on: "2027-01-09".into(),
        documents_returned: "42".into(),
        documents_returned_on: "2027-01-08".into(),
    };
    let p = parse_plan(&f, d("2027-01-10"), true).unwrap();
    assert_eq!(p.remedy.workers_affected, Some(42));
    assert_eq!(p.remedy.fees_repaid_hundredths, Some(125_000_000));
    assert_eq!(p.remedy.fees_currency.as_deref(), Some("JPY"));
    assert_eq!(format_amount(125_000_000, Some("USD")), "1250000.00");
    assert_eq!(display_amount(125_000_000, Some("USD")), "1,250,000.00");
    assert_eq!(display_amount(99_999, None), "999.99");
    assert_eq!(display_amount(100_000, Some("EUR")), "1,000.00");
    assert_eq!(display_amount(5, None), "0.05");
    assert_eq!(format_amount(125_000_000, Some("JPY")), "1250000");
    assert_eq!(display_amount(125_000_000, Some("VND")), "1,250,000");
    assert_eq!(format_amount(125_000_050, Some("JPY")), "1250000.50");
    // Yen have no decimals: 1,250,000.50 JPY is refused, by its field; dollars have.
    f.remedy.fees_repaid_amount = "1250000.50".into();
    let e = parse_plan(&f, d("2027-01-10"), true).unwrap_err();
    assert_eq!(e[0].field, "fees_repaid_amount");
    assert!(
        e[0].message.contains("JPY has no decimals"),
        "{}",
        e[0].message
    );
    f.remedy.fees_currency = "usd".into();
    let p = parse_plan(&f, d("2027-01-10"), true).unwrap();
    assert_eq!(p.remedy.fees_repaid_hundredths, Some(125_000_050));
    f.remedy.workers_repaid = "43".into();
    let e = parse_plan(&f, d("2027-01-10"), true).unwrap_err();
    assert_eq!(e[0].field, "workers_repaid");
    f.remedy.workers_repaid = String::new();
    f.remedy.fees_currency = String::new();
    assert_eq!(
        parse_plan(&f, d("2027-01-10"), true).unwrap_err()[0].field,
        "fees_currency"
    );
}

#[test]
fn remedy_dates_are_not_in_the_future_and_a_repayment_says_what_was_repaid() {
    let today = d("2027-01-10");
    let mut f = form();
    f.remedy.fees_repaid_amount = "100".into();
    f.remedy.fees_currency = "USD".into();
    f.remedy.fees_repaid_on = "2027-01-20".into();
    f.remedy.documents_returned = "3".into();
    f.remedy.documents_returned_on = "2027-02-01".into();
    let e = parse_plan(&f, today, true).unwrap_err();
    let fields: Vec<&str> = e.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["fees_repaid_on", "documents_returned_on"]);
    assert!(
        e[0].message.contains("not one in the future"),
        "{}",
        e[0].message
    );
    // Today, and tomorrow (already today east of UTC), are accepted.
    f.remedy.fees_repaid_on = "2027-01-10".into();
    f.remedy.documents_returned_on = "2027-01-11".into();
    assert!(parse_plan(&f, today, true).is_ok());
    // A repayment date with neither an amount nor a number of workers repaid.
    f.remedy.fees_repaid_amount = String::new();
    f.remedy.fees_currency = String::new();
    let e = parse_plan(&f, today, true).unwrap_err();
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!(e[0].field, "fees_repaid_on");
    assert!(e[0]
        .message
        .contains("the amount repaid or the number of workers repaid"));
    f.remedy.workers_repaid = "4".into();
    assert!(parse_plan(&f, today, true).is_ok());
    let mut errors = Vec::new();
    parse_remedy(
        &RemedyForm {
            fees_repaid_on: "2027-01-05".into(),
            ..RemedyForm::default()
        },
        today,
        &mut errors,
    );
    assert_eq!(errors.len(), 1);
}

#[test]
fn amounts_parse_to_hundredths() {
    assert_eq!(parse_amount("0"), Some(0));
    assert_eq!(parse_amount("12.5"), Some(1250));
    assert_eq!(parse_amount("１２．０５"), Some(1205));
    assert_eq!(parse_amount("-3"), None);
    assert_eq!(parse_amount("1e3"), None);
    assert_eq!(parse_amount(".5"), None);
    assert!(is_currency("VND") && is_currency("USD") && !is_currency("ABC"));
}

#[test]
fn notices_follow_the_due_date() {
    let due = d("2027-01-24");
    assert_eq!(notice_due(due, d("2027-01-20")), None);
    assert_eq!(notice_due(due, d("2027-01-21")), Some(Notice::Reminder));
    assert_eq!(notice_due(due, d("2027-01-24")), Some(Notice::Reminder));
    assert_eq!(notice_due(due, d("2027-01-25")), Some(Notice::Overdue));
}

#[test]
fn plan_moves() {
    use PlanStatus::*;
    assert!(Planned.can_move_to(InProgress));
    assert!(!Planned.can_move_to(Verified));
    assert!(Completed.can_move_to(InProgress));
    for s in PlanStatus::ALL {
        assert!(!Verified.can_move_to(s));
        assert_eq!(PlanStatus::parse(s.as_str()), Some(s));
    }
}

#[test]
fn a_plan_is_cancelled_from_any_state_but_verified_and_stays_cancelled() {
    use PlanStatus::*;
    for s in [Planned, InProgress, Completed] {
        assert!(s.can_move_to(Cancelled), "{s} → cancelled");
        assert!(!s.is_final());
    }
    assert!(!Verified.can_move_to(Cancelled));
    assert!(!Cancelled.can_move_to(Cancelled));
    for s in PlanStatus::ALL {
        assert!(!Cancelled.can_move_to(s), "cancelled is final: not → {s}");
    }
    assert!(Cancelled.is_final() && Verified.is_final());
    // Reminders and overdue notices stop: it is not pending.
    assert!(!Cancelled.is_pending());
    assert!(!PlanStatus::PENDING.contains(&Cancelled));
    assert_eq!(PlanStatus::parse("cancelled"), Some(Cancelled));
    assert_eq!(Cancelled.label(), "cancelled");
}

#[test]
fn a_cancel_reason_is_required_trimmed_and_bounded() {
    assert_eq!(
        parse_cancel_reason("  The supplier relationship ended.\r\n").unwrap(),
        "The supplier relationship ended."
    );
    for empty in ["", "   ", "\n\t"] {
        let e = parse_cancel_reason(empty).unwrap_err();
        assert_eq!(e.field, "cancel_reason");
        assert!(e.message.contains("required"), "{}", e.message);
    }
    assert!(parse_cancel_reason(&"x".repeat(MAX_CANCEL_REASON)).is_ok());
    let e = parse_cancel_reason(&"é".repeat(MAX_CANCEL_REASON + 1)).unwrap_err();
    assert!(e.message.contains("at most 2000"), "{}", e.message);
    assert_eq!(
        parse_cancel_reason("a\u{0}b").unwrap_err().field,
        "cancel_reason"
    );
}
