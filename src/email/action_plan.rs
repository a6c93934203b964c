//! Corrective action plan notices (issue 10, part 2): a reminder before the due date
//! and an overdue notice after it, to the plan's owner (and the overdue notice to the
//! member who made the plan), in the owner's language (English, Japanese or
//! Vietnamese; staff get English). Plain text: they carry no personal link, so the body
//! is stored with its `send_email` job as it is rendered.

use super::Email;
use crate::domain::i18n::Lang;
use crate::domain::remedy::Notice;
use askama::Template;
use chrono::NaiveDate;

/// The placeholders of a plan notice.
#[derive(Debug, Clone)]
pub struct PlanNotice {
    pub lang: Lang,
    pub notice: Notice,
    pub name: String,
    pub organisation: String,
    /// The flag's indicator in words.
    pub indicator: String,
    pub actions: String,
    pub due: NaiveDate,
    /// The staff page of the plan (staff recipients), else empty.
    pub link: String,
    pub sender_company: String,
}

#[derive(Template)]
#[template(path = "email/action_plan.txt")]
struct Text<'a> {
    m: &'a PlanNotice,
    overdue: bool,
}

#[derive(Template)]
#[template(path = "email/action_plan.subject.txt")]
struct Subject<'a> {
    m: &'a PlanNotice,
    overdue: bool,
}

impl PlanNotice {
    /// The message to `to`.
    pub fn render(&self, to: &str) -> askama::Result<Email> {
        let overdue = self.notice == Notice::Overdue;
        let subject = Subject { m: self, overdue }
            .render()?
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let text = Text { m: self, overdue }.render()?;
        Ok(Email {
            to: to.to_string(),
            subject,
            text: text.trim().to_string() + "\n",
            html: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_language_names_the_due_date_and_the_actions() {
        for lang in [Lang::En, Lang::Ja, Lang::Vi, Lang::Zh] {
            for notice in [Notice::Reminder, Notice::Overdue] {
                let m = PlanNotice {
                    lang,
                    notice,
                    name: "Lan".into(),
                    organisation: "Sông Hồng <Textiles>".into(),
                    indicator: "retention of identity documents".into(),
                    actions: "Return passports".into(),
                    due: "2027-01-24".parse().unwrap(),
                    link: String::new(),
                    sender_company: "Acme".into(),
                };
                let e = m.render("x@example.com").unwrap();
                assert!(e.text.contains("2027-01-24"), "{lang:?}: {}", e.text);
                assert!(e.text.contains("Return passports"));
                assert!(e.text.contains("Sông Hồng <Textiles>"));
                assert!(!e.subject.is_empty() && !e.subject.contains('\n'));
            }
        }
    }

    /// An overdue plan tells its supplier owner to report back, and a member of staff
    /// (who gets the plan's page) to follow it up, not to "tell us where it stands".
    #[test]
    fn the_overdue_notice_asks_the_supplier_to_report_and_staff_to_follow_up() {
        let notice = |link: &str| PlanNotice {
            lang: Lang::En,
            notice: Notice::Overdue,
            name: "Lan".into(),
            organisation: "Sông Hồng Textiles".into(),
            indicator: "Isolation".into(),
            actions: "Return passports".into(),
            due: "2027-01-24".parse().unwrap(),
            link: link.into(),
            sender_company: "Acme".into(),
        };
        let supplier = notice("").render("lan@example.com").unwrap().text;
        assert!(
            supplier.contains("Please tell us where it stands"),
            "{supplier}"
        );
        let staff = notice("https://hrdd.example/staff/action-plans/1")
            .render("member@example.com")
            .unwrap()
            .text;
        assert!(
            staff.contains("Please follow it up with the organisation"),
            "{staff}"
        );
        assert!(!staff.contains("tell us"), "{staff}");
        assert!(staff.contains("https://hrdd.example/staff/action-plans/1"));
    }
}
