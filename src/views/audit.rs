//! The audit log page and its export: entries as lines with links to their subject and
//! to the entries by the same actor, with the same action and about the same subject.

use super::staff::StaffNav;
use crate::auth::principal::StaffUser;
use crate::services::audit::{actor_name, AuditLog, Entry, Verification};
use askama::Template;
use std::collections::HashMap;

/// The filter as typed, echoed in the form and carried by every link of the page.
#[derive(Debug, Clone, Default)]
pub struct AuditForm {
    pub action: String,
    pub actor: String,
    pub subject_type: String,
    pub subject_id: String,
    pub from: String,
    pub to: String,
}

impl AuditForm {
    /// The filter's query string (without `?`), with `extra` added.
    pub fn query(&self, extra: &[(&str, String)]) -> String {
        let mut pairs: Vec<(&str, String)> = [
            ("action", &self.action),
            ("actor", &self.actor),
            ("subject_type", &self.subject_type),
            ("subject_id", &self.subject_id),
            ("from", &self.from),
            ("to", &self.to),
        ]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| (k, v.clone()))
        .collect();
        pairs.extend(extra.iter().cloned());
        serde_urlencoded::to_string(pairs).unwrap_or_default()
    }

    fn href(&self, path: &str, extra: &[(&str, String)]) -> String {
        match self.query(extra) {
            q if q.is_empty() => path.to_string(),
            q => format!("{path}?{q}"),
        }
    }
}

pub struct AuditLine {
    pub id: i64,
    pub when: String,
    pub actor: String,
    pub actor_filter: String,
    pub action: String,
    pub action_filter: String,
    pub subject: String,
    /// The subject's own page, when it has one.
    pub subject_href: String,
    pub subject_filter: String,
    pub details: String,
}

#[derive(Template)]
#[template(path = "staff/audit.html")]
pub struct AuditPage {
    pub lang: String,
    pub title: String,
    pub nav: StaffNav,
    pub heads: String,
    pub heads_ok: bool,
    pub verified: String,
    pub verified_broken: bool,
    /// A verification asked for and not finished yet, in words (empty: none).
    pub under_way: String,
    pub form: AuditForm,
    pub subject_types: Vec<(String, String, bool)>,
    /// (field, message) of a filter that could not be read.
    pub errors: Vec<(String, String)>,
    pub lines: Vec<AuditLine>,
    pub newest_href: String,
    pub older_href: String,
    pub export_csv: String,
    pub export_xlsx: String,
}

impl AuditPage {
    fn errors_on(&self, field: &str) -> bool {
        self.errors.iter().any(|(f, _)| f == field)
    }

    fn error_of(&self, field: &str) -> &str {
        self.errors
            .iter()
            .find(|(f, _)| f == field)
            .map_or("", |(_, m)| m)
    }
}

const WHEN: &str = "%Y-%m-%d %H:%M:%S";

/// The actor as a person reads it: a staff member by email.
pub fn actor_text(e: &Entry, people: &HashMap<String, String>) -> String {
    match actor_name(e, people) {
        Some(name) => format!("{} {name}", e.actor_kind),
        None => e.actor_kind.clone(),
    }
}

fn line(user: &StaffUser, e: Entry, people: &HashMap<String, String>) -> AuditLine {
    let only = |pairs: &[(&str, String)]| AuditForm::default().href("/staff/audit", pairs);
    // The filter that finds this actor's entries: their email or id, else their kind.
    let who = actor_name(&e, people).unwrap_or_else(|| e.actor_kind.clone());
    AuditLine {
        id: e.id,
        when: e.occurred_at.format(WHEN).to_string(),
        actor: actor_text(&e, people),
        actor_filter: only(&[("actor", who)]),
        action_filter: only(&[("action", e.action.clone())]),
        subject: format!("{} {}", subject_label(&e.subject_type), e.subject_id),
        subject_href: subject_page(user, &e.subject_type, &e.subject_id),
        subject_filter: only(&[
            ("subject_type", e.subject_type.clone()),
            ("subject_id", e.subject_id.clone()),
        ]),
        details: details_text(&e.details),
        action: e.action,
    }
}

fn verified_text(v: &Option<Verification>) -> (String, bool) {
    match v {
        None => (
            "The whole log has not been verified yet: verify it now, or wait for the daily check."
                .into(),
            false,
        ),
        Some(v) => {
            let at = v.at.format(WHEN);
            match (&v.outcome, &v.since) {
                (_, Err(broken)) => (
                    format!(
                        "WARNING: the record of the last full verification ({at}) or an entry after it was altered ({broken}): verify the whole log again."
                    ),
                    true,
                ),
                (Ok(n), Ok(_)) => (
                    format!("Last full verification {at} by {}: all {n} entries were intact.", v.by),
                    false,
                ),
                (Err(finding), Ok(_)) => (
                    format!(
                        "WARNING: the last full verification ({at}, by {}) found that {finding}: the log was altered.",
                        v.by
                    ),
                    true,
                ),
            }
        }
    }
}

/// What a staff member may open about a subject: its page, when there is one and their
/// role opens it (a link that answers 403 is no link).
fn subject_page(user: &StaffUser, kind: &str, id: &str) -> String {
    use crate::auth::permissions::Permission as P;
    let (href, needs) = match kind {
        "organisation" => (format!("/staff/organisations/{id}"), P::ViewOrganisations),
        "campaign" => (format!("/staff/campaigns/{id}"), P::ViewCampaigns),
        "flag" => (format!("/staff/flags/{id}"), P::ViewFlags),
        "action_plan" => (format!("/staff/action-plans/{id}"), P::ViewFlags),
        "reassessment" => (format!("/staff/reassessments/{id}"), P::ViewFlags),
        "response" => (
            format!("/staff/responses/{id}/clarifications"),
            P::ViewFlags,
        ),
        "user" => ("/staff/users".into(), P::ManageUsers),
        "api_token" => ("/staff/api-tokens".into(), P::ManageApiTokens),
        "job" => ("/staff/jobs".into(), P::ManageJobs),
        _ => return String::new(),
    };
    if user.role.can(needs) {
        href
    } else {
        String::new()
    }
}

/// The page for `log` as filtered by `form` (`errors`: the filter fields that could not
/// be read; then `log` is unfiltered).
pub fn page(
    user: &StaffUser,
    log: AuditLog,
    form: AuditForm,
    errors: Vec<(String, String)>,
    before: Option<i64>,
) -> AuditPage {
    let (heads, heads_ok) = match &log.heads {
        Ok(n) => (
            format!("Quick check at this view: the newest entry of every chain matches its signed head ({n} entries in all). A change further back is found by the full verification below."),
            true,
        ),
        Err(broken) => (format!("WARNING: {broken}: the log was altered."), false),
    };
    let (verified, verified_broken) = verified_text(&log.last_verified);
    let under_way = match log.under_way {
        Some((_, true)) => "A full verification is running: reload the page in a moment to see its outcome.".to_string(),
        Some((due, false)) => format!(
            "A full verification was asked for (due {} UTC): reload the page in a moment to see its outcome.",
            due.format(WHEN)
        ),
        None => String::new(),
    };
    let subject_types = log
        .subject_types
        .iter()
        .map(|t| (t.clone(), subject_label(t), *t == form.subject_type))
        .collect();
    let people = log.people;
    let lines = log
        .entries
        .into_iter()
        .map(|e| line(user, e, &people))
        .collect();
    AuditPage {
        lang: "en".into(),
        title: "Audit log".into(),
        nav: StaffNav::new(user, "/staff/audit"),
        heads,
        heads_ok,
        verified,
        verified_broken,
        under_way,
        subject_types,
        errors,
        lines,
        newest_href: before.map_or_else(String::new, |_| form.href("/staff/audit", &[])),
        older_href: log.older.map_or_else(String::new, |id| {
            form.href("/staff/audit", &[("before", id.to_string())])
        }),
        export_csv: form.href("/staff/exports/audit", &[("format", "csv".into())]),
        export_xlsx: form.href("/staff/exports/audit", &[("format", "xlsx".into())]),
        form,
    }
}

/// The export's columns.
pub fn export_header() -> Vec<String> {
    [
        "id",
        "occurred_at_utc",
        "actor_kind",
        "actor_id",
        "actor",
        "action",
        "subject_type",
        "subject_id",
        "details_json",
        "chain",
        "seq",
        "prev_hash",
        "hash",
    ]
    .map(String::from)
    .to_vec()
}

/// An entry as an export row: everything stored, so that the chain can be recomputed
/// from the file.
pub fn export_cells(e: &Entry, people: &HashMap<String, String>) -> Vec<String> {
    vec![
        e.id.to_string(),
        e.occurred_at
            .to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        e.actor_kind.clone(),
        e.actor_id.clone().unwrap_or_default(),
        actor_text(e, people),
        e.action.clone(),
        e.subject_type.clone(),
        e.subject_id.clone(),
        e.details.to_string(),
        e.chain.to_string(),
        e.seq.to_string(),
        e.prev_hash.clone().unwrap_or_default(),
        e.hash.clone(),
    ]
}

/// A subject type as a person reads it: `action_plan` is "Action plan". The filter
/// still posts the stored name.
pub fn subject_label(subject_type: &str) -> String {
    crate::views::staff::sentence(&subject_type.replace('_', " "))
        .trim_end_matches('.')
        .to_string()
}

/// An audit entry's details for reading: `key: value` pairs separated by "; ", lists
/// with ", " (so a long entry wraps in its column instead of running off the page);
/// the stored JSON itself is what the hash chain covers and the export carries.
pub fn details_text(v: &serde_json::Value) -> String {
    use serde_json::Value;
    match v {
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| match v {
                // A nested object in parentheses, so that its pairs do not read as the
                // entry's own.
                Value::Object(inner) if !inner.is_empty() => {
                    format!("{k}: ({})", details_text(v))
                }
                _ => format!("{k}: {}", details_text(v)),
            })
            .collect::<Vec<_>>()
            .join("; "),
        Value::Array(items) => format!(
            "[{}]",
            items
                .iter()
                .map(details_text)
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Value::String(s) => s.clone(),
        Value::Null => "—".into(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::{details_text, AuditForm};
    use serde_json::json;

    #[test]
    fn audit_details_read_as_key_value_pairs_that_can_wrap() {
        let v = json!({"changed": {"name": ["Old", "New"], "country": ["JP", "VN"]}, "emails": 2, "note": null});
        assert_eq!(
            details_text(&v),
            "changed: (country: [JP, VN]; name: [Old, New]); emails: 2; note: —"
        );
        assert_eq!(details_text(&json!({})), "");
    }

    #[test]
    fn the_filter_travels_in_every_link_without_its_empty_fields() {
        let form = AuditForm {
            action: "flag.".into(),
            actor: "a&b@example.com".into(),
            ..AuditForm::default()
        };
        assert_eq!(
            form.href("/staff/audit", &[("before", "42".into())]),
            "/staff/audit?action=flag.&actor=a%26b%40example.com&before=42"
        );
        assert_eq!(
            AuditForm::default().href("/staff/audit", &[]),
            "/staff/audit"
        );
    }
}
