//! The staff pages' organisation and contact forms and the list's query: every problem
//! of a form is collected (not only the first), each on its field.

use super::Conn;
use crate::db;
use crate::db::contacts::ContactChanges;
use crate::db::models::{ContactRecord, OrgRecord};
use crate::db::organisations::{NotAnswered, OrgChanges, OrgFilter};

/// The answered filter's refusal of a value it does not offer.
pub const ANSWERED_MESSAGE: &str =
    "choose any, never answered or not answered in the last 12 months";
use crate::domain::answers::FieldError;
use crate::domain::countries;
use crate::domain::i18n::Lang;
use crate::domain::org_import::parse_kind;
use crate::domain::states::OrganisationKind;
use crate::domain::text;
use crate::error::AppError;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use uuid::Uuid;
use validator::ValidateEmail;

/// Organisations per page of the list.
pub const PAGE_SIZE: i64 = 50;

const KIND_MESSAGE: &str = "choose production_base or supplier";
const COUNTRY_MESSAGE: &str = "must be an ISO 3166-1 alpha-2 country code, e.g. JP or VN";

/// An organisation's fields as a form sends them (all text).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct OrgInput {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub country: String,
    #[serde(default)]
    pub sector: String,
    #[serde(default)]
    pub business_unit: String,
    /// The owner's user id, or empty for none.
    #[serde(default)]
    pub owner: String,
    #[serde(default)]
    pub external_ref: String,
}

impl OrgInput {
    /// The form as it shows a stored organisation.
    pub fn of_record(org: &OrgRecord) -> OrgInput {
        OrgInput {
            kind: org.kind.as_str().into(),
            name: org.name.clone(),
            country: org.country.clone(),
            sector: org.sector.clone().unwrap_or_default(),
            business_unit: org.business_unit.clone().unwrap_or_default(),
            owner: org.owner_user_id.map(|u| u.to_string()).unwrap_or_default(),
            external_ref: org.external_ref.clone().unwrap_or_default(),
        }
    }
}

/// The checked values of an [`OrgInput`].
#[derive(Debug, Clone, PartialEq)]
pub(super) struct OrgValues {
    kind: OrganisationKind,
    name: String,
    country: String,
    sector: Option<String>,
    business_unit: Option<String>,
    owner_user_id: Option<Uuid>,
    external_ref: Option<String>,
}

impl OrgValues {
    pub(super) fn changes(&self) -> OrgChanges<'_> {
        OrgChanges {
            kind: self.kind,
            name: &self.name,
            country: &self.country,
            sector: self.sector.as_deref(),
            business_unit: self.business_unit.as_deref(),
            owner_user_id: self.owner_user_id,
            external_ref: self.external_ref.as_deref(),
        }
    }

    /// The stored fields as a JSON object, for the audit entry's before/after.
    pub(super) fn as_json(&self) -> Map<String, Value> {
        org_json(&self.changes())
    }

    pub(super) fn of_record(r: &OrgRecord) -> Map<String, Value> {
        org_json(&OrgChanges {
            kind: r.kind,
            name: &r.name,
            country: &r.country,
            sector: r.sector.as_deref(),
            business_unit: r.business_unit.as_deref(),
            owner_user_id: r.owner_user_id,
            external_ref: r.external_ref.as_deref(),
        })
    }
}

fn org_json(c: &OrgChanges<'_>) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("kind".into(), json!(c.kind));
    m.insert("name".into(), json!(c.name));
    m.insert("country".into(), json!(c.country));
    m.insert("sector".into(), json!(c.sector));
    m.insert("business_unit".into(), json!(c.business_unit));
    m.insert("owner_user_id".into(), json!(c.owner_user_id));
    m.insert("external_ref".into(), json!(c.external_ref));
    m
}

/// `{field: [old, new]}` for the fields that differ.
pub fn diff(old: &Map<String, Value>, new: &Map<String, Value>) -> Map<String, Value> {
    new.iter()
        .filter(|(k, v)| old.get(*k) != Some(*v))
        .map(|(k, v)| {
            (
                k.clone(),
                json!([old.get(k).cloned().unwrap_or(Value::Null), v]),
            )
        })
        .collect()
}

/// Collects every problem of a form, not only the first.
#[derive(Default)]
struct Problems(Vec<FieldError>);

impl Problems {
    fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0.push(FieldError {
            field: field.into(),
            message: message.into(),
        });
    }

    /// A cleaned one-line value; `None` (recorded) when cleaning refuses it or it is
    /// longer than `max` characters.
    fn line(&mut self, field: &str, value: &str, max: usize) -> Option<String> {
        match text::clean_single_line(field, value) {
            Err(e) => {
                self.0.push(e);
                None
            }
            Ok(v) if v.chars().count() > max => {
                self.add(field, format!("at most {max} characters"));
                None
            }
            Ok(v) => Some(v),
        }
    }

    fn required(&mut self, field: &str, value: &str, max: usize, what: &str) -> Option<String> {
        let v = self.line(field, value, max)?;
        if v.is_empty() {
            self.add(field, format!("give {what}"));
            return None;
        }
        Some(v)
    }

    fn optional(&mut self, field: &str, value: &str, max: usize) -> Result<Option<String>, ()> {
        self.line(field, value, max)
            .map(|v| (!v.is_empty()).then_some(v))
            .ok_or(())
    }

    fn finish<T>(self, value: Option<T>) -> Result<T, AppError> {
        match value {
            Some(v) if self.0.is_empty() => Ok(v),
            _ => Err(AppError::Validation(self.0)),
        }
    }
}

pub(super) async fn check_org(conn: &mut Conn, input: &OrgInput) -> Result<OrgValues, AppError> {
    let mut p = Problems::default();
    let kind = parse_kind(&input.kind);
    if kind.is_none() {
        p.add("kind", KIND_MESSAGE);
    }
    let name = p.required("name", &input.name, 200, "a name of 1 to 200 characters");
    let code = input.country.trim().to_ascii_uppercase();
    let country = if countries::is_code(&code) {
        Some(code)
    } else {
        p.add("country", COUNTRY_MESSAGE);
        None
    };
    let sector = p.optional("sector", &input.sector, 100);
    let business_unit = p.optional("business_unit", &input.business_unit, 100);
    let external_ref = p.optional("external_ref", &input.external_ref, 100);
    let owner = input.owner.trim();
    let owner_user_id = if owner.is_empty() {
        Ok(None)
    } else {
        let staff = db::users::staff_members(conn).await?;
        match Uuid::parse_str(owner)
            .ok()
            .filter(|id| staff.iter().any(|s| s.id == *id))
        {
            Some(id) => Ok(Some(id)),
            None => {
                p.add("owner", "choose a staff member (or none)");
                Err(())
            }
        }
    };
    let values = (|| {
        Some(OrgValues {
            kind: kind?,
            name: name?,
            country: country?,
            sector: sector.ok()?,
            business_unit: business_unit.ok()?,
            owner_user_id: owner_user_id.ok()?,
            external_ref: external_ref.ok()?,
        })
    })();
    p.finish(values)
}

/// A contact's fields as a form sends them.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ContactInput {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub language: String,
    #[serde(default)]
    pub job_title: String,
}

impl ContactInput {
    /// The form as it shows a stored contact.
    pub fn of_record(c: &ContactRecord) -> ContactInput {
        ContactInput {
            name: c.name.clone(),
            email: c.email.clone(),
            language: c.language.code().into(),
            job_title: c.job_title.clone().unwrap_or_default(),
        }
    }
}

#[derive(Debug, Clone)]
pub(super) struct ContactValues {
    name: String,
    email: String,
    language: Lang,
    job_title: Option<String>,
}

impl ContactValues {
    pub(super) fn changes(&self) -> ContactChanges<'_> {
        ContactChanges {
            name: &self.name,
            email: &self.email,
            language: self.language,
            job_title: self.job_title.as_deref(),
        }
    }

    pub(super) fn as_json(&self) -> Map<String, Value> {
        contact_json(&self.changes())
    }

    pub(super) fn of_record(c: &ContactRecord) -> Map<String, Value> {
        contact_json(&ContactChanges {
            name: &c.name,
            email: &c.email,
            language: c.language,
            job_title: c.job_title.as_deref(),
        })
    }
}

fn contact_json(c: &ContactChanges<'_>) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("name".into(), json!(c.name));
    m.insert("email".into(), json!(c.email));
    m.insert("language".into(), json!(c.language.code()));
    m.insert("job_title".into(), json!(c.job_title));
    m
}

pub(super) fn check_contact(input: &ContactInput) -> Result<ContactValues, AppError> {
    let mut p = Problems::default();
    let name = p.required("name", &input.name, 200, "a name of 1 to 200 characters");
    let email = p
        .required("email", &input.email, 254, "an email address")
        .filter(|e| {
            let ok = e.validate_email();
            if !ok {
                p.add("email", format!("\"{e}\" is not an email address"));
            }
            ok
        });
    let language = match input.language.trim() {
        "" => Some(Lang::En),
        code => {
            let lang = Lang::parse(code).filter(|l| l.code() == code);
            if lang.is_none() {
                p.add("language", "choose one of en, ja, vi, zh");
            }
            lang
        }
    };
    let job_title = p.optional("job_title", &input.job_title, 200);
    let values = (|| {
        Some(ContactValues {
            name: name?,
            email: email?,
            language: language?,
            job_title: job_title.ok()?,
        })
    })();
    p.finish(values)
}

/// The list's query string: every filter is optional.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub country: String,
    #[serde(default)]
    pub sector: String,
    #[serde(default)]
    pub business_unit: String,
    #[serde(default)]
    pub owner: String,
    #[serde(default)]
    pub q: String,
    /// `active` (default), `deactivated` or `all`.
    #[serde(default)]
    pub status: String,
    /// `never` (never submitted a response) or `year` (nothing submitted in the last
    /// 12 months, never included); empty: any.
    #[serde(default)]
    pub answered: String,
    #[serde(default)]
    pub page: Option<i64>,
}

impl ListQuery {
    /// The filter, or a field error for a value that cannot match anything sensible.
    pub fn filter(&self) -> Result<OrgFilter, AppError> {
        let mut p = Problems::default();
        // A NUL or another control character (PostgreSQL refuses a NUL: a 500 before)
        // is refused by its field, like a stored value's; it is never searched for
        // without it, which would widen the search.
        let [kind, country, owner, q, sector, business_unit] = [
            ("kind", &self.kind),
            ("country", &self.country),
            ("owner", &self.owner),
            ("q", &self.q),
            ("sector", &self.sector),
            ("business_unit", &self.business_unit),
        ]
        .map(|(field, v)| p.line(field, v, 1000).filter(|v| !v.is_empty()));
        let kind = kind.and_then(|k| {
            let kind = parse_kind(&k);
            if kind.is_none() {
                p.add("kind", KIND_MESSAGE);
            }
            kind
        });
        let country = country.map(|c| c.to_ascii_uppercase());
        if country.as_deref().is_some_and(|c| !countries::is_code(c)) {
            p.add("country", COUNTRY_MESSAGE);
        }
        let owner = owner.and_then(|o| {
            let id = Uuid::parse_str(&o).ok();
            if id.is_none() {
                p.add("owner", "choose a staff member");
            }
            id
        });
        let active = match self.status.trim() {
            "" | "active" => Some(true),
            "deactivated" => Some(false),
            "all" => None,
            _ => {
                p.add("status", "choose active, deactivated or all");
                None
            }
        };
        let not_answered = match self.answered.trim() {
            "" => None,
            "never" => Some(NotAnswered::Ever),
            "year" => Some(NotAnswered::Since(
                chrono::Utc::now() - chrono::Duration::days(365),
            )),
            _ => {
                p.add("answered", ANSWERED_MESSAGE);
                None
            }
        };
        let filter = OrgFilter {
            not_answered,
            kind,
            country,
            sector,
            business_unit,
            owner,
            text: q,
            active,
        };
        p.finish(Some(filter))
    }

    pub fn page(&self) -> i64 {
        self.page.unwrap_or(1).clamp(1, 1_000_000)
    }

    /// The filter as a query string, without the page (for paging and export links).
    pub fn query_string(&self) -> String {
        serde_urlencoded::to_string([
            ("q", self.q.as_str()),
            ("kind", self.kind.as_str()),
            ("country", self.country.as_str()),
            ("sector", self.sector.as_str()),
            ("business_unit", self.business_unit.as_str()),
            ("owner", self.owner.as_str()),
            ("status", self.status.as_str()),
            ("answered", self.answered.as_str()),
        ])
        .unwrap_or_default()
    }
}
