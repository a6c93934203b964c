//! Corrective action plans and remedy facts (issue 10, part 2): what a plan form must
//! hold, a plan's states, the default due date, when reminders and overdue notices are
//! due, and remedy for workers as numbers (counts, amounts in an ISO 4217 currency,
//! dates), never names. Pure: the service stores what [`parse_plan`] returns.

use super::answers::FieldError;
use super::currency::{has_no_minor_unit, is_currency};
use super::text::clean_multi_line;
use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};

/// Days from the start to the default due date of a plan on a critical flag (urgent
/// findings get days, not months).
pub const CRITICAL_DUE_DAYS: i64 = 14;
/// Days from the start to the default due date of a plan on any other flag.
pub const DEFAULT_DUE_DAYS: i64 = 60;
/// A reminder goes to the owner this many days before the due date.
pub const REMINDER_DAYS_BEFORE: i64 = 3;

/// A plan's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanStatus {
    Planned,
    InProgress,
    /// The owner says it is done (evidence attached); the committee verifies.
    Completed,
    /// Verified by the committee: final.
    Verified,
}

impl PlanStatus {
    pub const ALL: [PlanStatus; 4] = [
        PlanStatus::Planned,
        PlanStatus::InProgress,
        PlanStatus::Completed,
        PlanStatus::Verified,
    ];

    /// The states in which reminders and overdue notices apply ([`PlanStatus::is_pending`]).
    pub const PENDING: [PlanStatus; 2] = [PlanStatus::Planned, PlanStatus::InProgress];

    pub fn as_str(self) -> &'static str {
        match self {
            PlanStatus::Planned => "planned",
            PlanStatus::InProgress => "in_progress",
            PlanStatus::Completed => "completed",
            PlanStatus::Verified => "verified",
        }
    }

    pub fn parse(s: &str) -> Option<PlanStatus> {
        PlanStatus::ALL.into_iter().find(|p| p.as_str() == s)
    }

    pub fn label(self) -> String {
        self.as_str().replace('_', " ")
    }

    /// The moves a plan may make: planned → in progress → completed → verified, and
    /// completed → in progress when the committee finds the evidence insufficient.
    pub fn can_move_to(self, to: PlanStatus) -> bool {
        use PlanStatus::*;
        matches!(
            (self, to),
            (Planned, InProgress)
                | (InProgress, Completed)
                | (Completed, Verified)
                | (Completed, InProgress)
        )
    }

    /// Whether reminders and overdue notices still apply.
    pub fn is_pending(self) -> bool {
        matches!(self, PlanStatus::Planned | PlanStatus::InProgress)
    }
}

impl std::fmt::Display for PlanStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who owns a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    /// A contact of the flagged organisation.
    Contact(uuid::Uuid),
    /// A staff member.
    Staff(uuid::Uuid),
}

impl Owner {
    /// Parses the form value `contact:<uuid>` or `user:<uuid>`.
    pub fn parse(s: &str) -> Option<Owner> {
        let (kind, id) = s.trim().split_once(':')?;
        let id = id.parse().ok()?;
        match kind {
            "contact" => Some(Owner::Contact(id)),
            "user" => Some(Owner::Staff(id)),
            _ => None,
        }
    }

    pub fn form_value(self) -> String {
        match self {
            Owner::Contact(id) => format!("contact:{id}"),
            Owner::Staff(id) => format!("user:{id}"),
        }
    }
}

/// The remedy for workers: numbers and dates only.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RemedyFacts {
    pub workers_affected: Option<i32>,
    /// Recruitment fees repaid, in hundredths of the currency unit.
    pub fees_repaid_hundredths: Option<i64>,
    /// ISO 4217 code, with the amount.
    pub fees_currency: Option<String>,
    pub workers_repaid: Option<i32>,
    pub fees_repaid_on: Option<NaiveDate>,
    pub documents_returned: Option<i32>,
    pub documents_returned_on: Option<NaiveDate>,
}

/// A plan as the committee wrote it, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanInput {
    pub root_cause: String,
    pub actions: String,
    pub owner: Owner,
    pub start_date: NaiveDate,
    pub due_date: NaiveDate,
    pub remedy: RemedyFacts,
}

/// The raw fields of the plan form (every one optional text, as posted).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PlanForm {
    #[serde(default)]
    pub root_cause: String,
    #[serde(default)]
    pub actions: String,
    #[serde(default)]
    pub owner: String,
    #[serde(default)]
    pub start_date: String,
    #[serde(default)]
    pub due_date: String,
    #[serde(flatten)]
    pub remedy: RemedyForm,
}

/// The raw remedy fields.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct RemedyForm {
    #[serde(default)]
    pub workers_affected: String,
    #[serde(default)]
    pub fees_repaid_amount: String,
    #[serde(default)]
    pub fees_currency: String,
    #[serde(default)]
    pub workers_repaid: String,
    #[serde(default)]
    pub fees_repaid_on: String,
    #[serde(default)]
    pub documents_returned: String,
    #[serde(default)]
    pub documents_returned_on: String,
}

fn err(field: &str, message: impl Into<String>) -> FieldError {
    FieldError {
        field: field.into(),
        message: message.into(),
    }
}

/// The default due date of a plan that starts on `start`.
pub fn default_due(start: NaiveDate, critical: bool) -> NaiveDate {
    let days = if critical {
        CRITICAL_DUE_DAYS
    } else {
        DEFAULT_DUE_DAYS
    };
    start
        .checked_add_signed(Duration::days(days))
        .unwrap_or(start)
}

fn parse_date(field: &str, s: &str, errors: &mut Vec<FieldError>) -> Option<NaiveDate> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        Ok(d) if d < super::dates::earliest_answer() || d > super::dates::latest() => {
            errors.push(err(
                field,
                format!(
                    "{field}: a date between {} and {}",
                    super::dates::earliest_answer(),
                    super::dates::latest()
                ),
            ));
            None
        }
        Ok(d) => Some(d),
        Err(_) => {
            errors.push(err(field, format!("{field}: a date as YYYY-MM-DD")));
            None
        }
    }
}

/// A count of workers or documents: a whole number, 0 or more. Names are refused by
/// construction: only digits are accepted.
fn parse_count(field: &str, s: &str, errors: &mut Vec<FieldError>) -> Option<i32> {
    let s = normalise_digits(s);
    if s.is_empty() {
        return None;
    }
    match s.parse::<i32>() {
        Ok(n) if n >= 0 => Some(n),
        _ => {
            errors.push(err(
                field,
                format!("{field}: a whole number of 0 or more (numbers only, never names)"),
            ));
            None
        }
    }
}

/// Full-width digits become ASCII; spaces and thousands separators are dropped.
fn normalise_digits(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && *c != ',' && *c != '，')
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            '．' => '.',
            _ => c,
        })
        .collect()
}

/// An amount with at most two decimals, in hundredths ("1234.5" → 123450).
pub fn parse_amount(s: &str) -> Option<i64> {
    let s = normalise_digits(s);
    let (whole, frac) = match s.split_once('.') {
        Some((w, f)) => (w, f),
        None => (s.as_str(), ""),
    };
    if whole.is_empty()
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || frac.len() > 2
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let whole: i64 = whole.parse().ok()?;
    let frac: i64 = format!("{frac:0<2}").parse().ok()?;
    whole.checked_mul(100)?.checked_add(frac)
}

/// Hundredths as an amount in `currency` ("123450" → "1234.50"; a whole amount in a
/// currency without minor units, such as JPY or VND, "1234"; one stored with decimals
/// before they were refused keeps them, so that a form filled with it saves it as it is).
pub fn format_amount(hundredths: i64, currency: Option<&str>) -> String {
    if hundredths % 100 == 0 && currency.is_some_and(has_no_minor_unit) {
        format!("{}", hundredths / 100)
    } else {
        format!("{}.{:02}", hundredths / 100, hundredths % 100)
    }
}

/// An amount for people to read: [`format_amount`] with its whole part in groups of
/// three digits ("1,250,000.00", "¥"-style "1,250,000"); forms and exports keep the
/// plain form.
pub fn display_amount(hundredths: i64, currency: Option<&str>) -> String {
    let plain = format_amount(hundredths, currency);
    let (whole, cents) = match plain.split_once('.') {
        Some((w, c)) => (w, Some(c)),
        None => (plain.as_str(), None),
    };
    let grouped = super::text::grouped_digits(whole);
    match cents {
        Some(cents) => format!("{grouped}.{cents}"),
        None => grouped,
    }
}

/// Reads the remedy fields.
pub fn parse_remedy(form: &RemedyForm, errors: &mut Vec<FieldError>) -> RemedyFacts {
    let mut facts = RemedyFacts {
        workers_affected: parse_count("workers_affected", &form.workers_affected, errors),
        workers_repaid: parse_count("workers_repaid", &form.workers_repaid, errors),
        documents_returned: parse_count("documents_returned", &form.documents_returned, errors),
        fees_repaid_on: parse_date("fees_repaid_on", &form.fees_repaid_on, errors),
        documents_returned_on: parse_date(
            "documents_returned_on",
            &form.documents_returned_on,
            errors,
        ),
        ..RemedyFacts::default()
    };
    let amount = form.fees_repaid_amount.trim();
    let currency = form.fees_currency.trim().to_ascii_uppercase();
    match (amount.is_empty(), currency.is_empty()) {
        (true, true) => {}
        (false, true) => errors.push(err(
            "fees_currency",
            "fees_currency: the ISO 4217 code of the amount repaid (e.g. JPY, USD, VND)",
        )),
        (true, false) => errors.push(err(
            "fees_repaid_amount",
            "fees_repaid_amount: the amount repaid, with its currency",
        )),
        (false, false) => {
            let parsed = parse_amount(amount);
            if parsed.is_none() {
                errors.push(err(
                    "fees_repaid_amount",
                    "fees_repaid_amount: an amount of 0 or more with at most two decimals",
                ));
            }
            if !is_currency(&currency) {
                errors.push(err(
                    "fees_currency",
                    format!("fees_currency: {currency:?} is not an ISO 4217 currency code"),
                ));
            } else if parsed.is_some_and(|a| a % 100 != 0) && has_no_minor_unit(&currency) {
                errors.push(err(
                    "fees_repaid_amount",
                    format!("fees_repaid_amount: {currency} has no decimals: enter a whole amount"),
                ));
            } else if parsed.is_some() {
                facts.fees_repaid_hundredths = parsed;
                facts.fees_currency = Some(currency);
            }
        }
    }
    if let (Some(affected), Some(repaid)) = (facts.workers_affected, facts.workers_repaid) {
        if repaid > affected {
            errors.push(err(
                "workers_repaid",
                "workers_repaid: cannot be more than the workers affected",
            ));
        }
    }
    facts
}

/// Reads and checks a plan form. `today` is the default start; `critical` sets the
/// default due date. Every problem is reported with its field; `Err` holds them all.
pub fn parse_plan(
    form: &PlanForm,
    today: NaiveDate,
    critical: bool,
) -> Result<PlanInput, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut text = |field: &str, value: &str, max: usize| -> String {
        match clean_multi_line(field, value) {
            Ok(v) if v.is_empty() => {
                errors.push(err(field, format!("{field}: required")));
                String::new()
            }
            Ok(v) if v.chars().count() > max => {
                errors.push(err(field, format!("{field}: at most {max} characters")));
                String::new()
            }
            Ok(v) => v,
            Err(e) => {
                errors.push(e);
                String::new()
            }
        }
    };
    let root_cause = text("root_cause", &form.root_cause, 4000);
    let actions = text("actions", &form.actions, 10_000);
    let owner = Owner::parse(&form.owner);
    if owner.is_none() {
        errors.push(err(
            "owner",
            "owner: choose a contact of the organisation or a staff member",
        ));
    }
    let start = parse_date("start_date", &form.start_date, &mut errors).unwrap_or(today);
    let due = if form.due_date.trim().is_empty() {
        default_due(start, critical)
    } else {
        parse_date("due_date", &form.due_date, &mut errors).unwrap_or(start)
    };
    if due < start {
        errors.push(err("due_date", "due_date: on or after the start date"));
    }
    let remedy = parse_remedy(&form.remedy, &mut errors);
    match owner {
        Some(owner) if errors.is_empty() => Ok(PlanInput {
            root_cause,
            actions,
            owner,
            start_date: start,
            due_date: due,
            remedy,
        }),
        _ => Err(errors),
    }
}

/// Which notice a pending plan is due on `today`: a reminder from
/// [`REMINDER_DAYS_BEFORE`] days before the due date, an overdue notice after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    Reminder,
    Overdue,
}

impl Notice {
    pub fn purpose(self) -> &'static str {
        match self {
            Notice::Reminder => "action_plan_reminder",
            Notice::Overdue => "action_plan_overdue",
        }
    }
}

pub fn notice_due(due: NaiveDate, today: NaiveDate) -> Option<Notice> {
    if today > due {
        Some(Notice::Overdue)
    } else if today >= due - Duration::days(REMINDER_DAYS_BEFORE) {
        Some(Notice::Reminder)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
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
            fees_repaid_on: "2027-01-20".into(),
            documents_returned: "42".into(),
            documents_returned_on: "2027-01-12".into(),
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
}
