//! Corrective action plans and remedy facts (issue 10, part 2): what a plan form must
//! hold, a plan's states (cancelled with a reason: [`parse_cancel_reason`]), the default
//! due date, when reminders and overdue notices are due, and remedy for workers as
//! numbers (counts, amounts in an ISO 4217 currency, dates), never names. Pure: the
//! service stores what [`parse_plan`] returns.

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
/// Longest reason for cancelling a plan, in characters.
pub const MAX_CANCEL_REASON: usize = 2000;

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
    /// Abandoned by the committee, with a reason (the supplier relationship ended, the
    /// plan was written against the wrong finding, the finding turned out false): final.
    /// It no longer holds its flag's close, and a new plan can be written for the flag.
    Cancelled,
}

impl PlanStatus {
    pub const ALL: [PlanStatus; 5] = [
        PlanStatus::Planned,
        PlanStatus::InProgress,
        PlanStatus::Completed,
        PlanStatus::Verified,
        PlanStatus::Cancelled,
    ];

    /// The states in which reminders and overdue notices apply ([`PlanStatus::is_pending`]).
    pub const PENDING: [PlanStatus; 2] = [PlanStatus::Planned, PlanStatus::InProgress];

    pub fn as_str(self) -> &'static str {
        match self {
            PlanStatus::Planned => "planned",
            PlanStatus::InProgress => "in_progress",
            PlanStatus::Completed => "completed",
            PlanStatus::Verified => "verified",
            PlanStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<PlanStatus> {
        PlanStatus::ALL.into_iter().find(|p| p.as_str() == s)
    }

    pub fn label(self) -> String {
        self.as_str().replace('_', " ")
    }

    /// The moves a plan may make: planned → in progress → completed → verified,
    /// completed → in progress when the committee finds the evidence insufficient, and
    /// cancelled from any state but verified (with a reason: [`parse_cancel_reason`]).
    /// Verified and cancelled are final.
    pub fn can_move_to(self, to: PlanStatus) -> bool {
        use PlanStatus::*;
        matches!(
            (self, to),
            (Planned, InProgress)
                | (InProgress, Completed)
                | (Completed, Verified)
                | (Completed, InProgress)
                | (Planned | InProgress | Completed, Cancelled)
        )
    }

    /// Whether nothing more happens to the plan (verified or cancelled): its remedy
    /// facts are final, and it is not the flag's active plan.
    pub fn is_final(self) -> bool {
        matches!(self, PlanStatus::Verified | PlanStatus::Cancelled)
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

/// The reason for cancelling a plan: cleaned (trimmed), required, at most
/// [`MAX_CANCEL_REASON`] characters; refused with the field `cancel_reason`.
pub fn parse_cancel_reason(raw: &str) -> Result<String, FieldError> {
    const FIELD: &str = "cancel_reason";
    match clean_multi_line(FIELD, raw)? {
        r if r.is_empty() => Err(err(
            FIELD,
            "cancel_reason: a reason for cancelling the plan is required (e.g. the supplier relationship ended, the finding turned out false)",
        )),
        r if r.chars().count() > MAX_CANCEL_REASON => Err(err(
            FIELD,
            format!("cancel_reason: at most {MAX_CANCEL_REASON} characters"),
        )),
        r => Ok(r),
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

/// A date something was done: not in the future. `today` is the date in UTC, and a
/// day later is still today somewhere (UTC+14), so only a date after that is refused.
fn parse_done_on(
    field: &str,
    s: &str,
    today: NaiveDate,
    errors: &mut Vec<FieldError>,
) -> Option<NaiveDate> {
    let d = parse_date(field, s, errors)?;
    if d > today + Duration::days(1) {
        errors.push(err(
            field,
            format!("{field}: a date that has come (today is {today}), not one in the future"),
        ));
        return None;
    }
    Some(d)
}

/// Reads the remedy fields; `today` (UTC) bounds the dates things were done on.
pub fn parse_remedy(
    form: &RemedyForm,
    today: NaiveDate,
    errors: &mut Vec<FieldError>,
) -> RemedyFacts {
    let mut facts = RemedyFacts {
        workers_affected: parse_count("workers_affected", &form.workers_affected, errors),
        workers_repaid: parse_count("workers_repaid", &form.workers_repaid, errors),
        documents_returned: parse_count("documents_returned", &form.documents_returned, errors),
        fees_repaid_on: parse_done_on("fees_repaid_on", &form.fees_repaid_on, today, errors),
        documents_returned_on: parse_done_on(
            "documents_returned_on",
            &form.documents_returned_on,
            today,
            errors,
        ),
        ..RemedyFacts::default()
    };
    // A repayment date says something was repaid: how much, or to how many workers.
    if facts.fees_repaid_on.is_some()
        && form.fees_repaid_amount.trim().is_empty()
        && form.workers_repaid.trim().is_empty()
    {
        errors.push(err(
            "fees_repaid_on",
            "fees_repaid_on: a repayment date needs the amount repaid or the number of workers repaid",
        ));
    }
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

/// Reads and checks a plan form. `today` is the default start and bounds the remedy
/// facts' dates; `critical` sets the
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
    let remedy = parse_remedy(&form.remedy, today, &mut errors);
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
mod tests;
