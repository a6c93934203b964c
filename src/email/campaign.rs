//! Campaign emails (issue 8): invitation, reminder, escalation, submission receipt,
//! clarification request and its withdrawal, the hand-over to a colleague and the news
//! of an extended deadline, each with a subject, a plain-text and an HTML part per language
//! (`templates/email/<lang>/<purpose>.{txt,html}`; subjects in
//! `templates/email/campaign.subject.txt`). The HTML has inline styles only: no script,
//! no remote images. A language without its own text (Chinese today) gets English.
//!
//! These emails carry a personal link, so they are rendered **when they are sent**
//! (`jobs::campaign_mail`), from the invitation; the link is never stored.

use super::written::{count_text, date_text};
use super::{text_lang, Email};
use crate::domain::i18n::Lang;
use askama::Template;
use chrono::NaiveDate;

/// What a campaign email is about (`jobs.purpose` of its `send_email` job).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Invitation,
    Reminder,
    Escalation,
    Receipt,
    Clarification,
    /// The committee withdrew its question: no answer is needed. No link (it is sent
    /// whatever became of the link, often expired by then).
    ClarificationWithdrawn,
    /// A contact handed the questionnaire over to a colleague: the colleague's link,
    /// naming who handed it over.
    Handover,
    /// A launched campaign's deadline was extended: the new date, with the same link
    /// (to contacts of organisations that have not submitted, when the change asks).
    DeadlineExtended,
}

impl Purpose {
    pub const ALL: [Purpose; 8] = [
        Purpose::Invitation,
        Purpose::Reminder,
        Purpose::Escalation,
        Purpose::Receipt,
        Purpose::Clarification,
        Purpose::ClarificationWithdrawn,
        Purpose::Handover,
        Purpose::DeadlineExtended,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Invitation => "invitation",
            Purpose::Reminder => "reminder",
            Purpose::Escalation => "escalation",
            Purpose::Receipt => "receipt",
            Purpose::Clarification => "clarification",
            Purpose::ClarificationWithdrawn => "clarification_withdrawn",
            Purpose::Handover => "handover",
            Purpose::DeadlineExtended => "deadline_extended",
        }
    }

    pub fn parse(s: &str) -> Option<Purpose> {
        Purpose::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// What the staff pages call it ("invitation to …" on an organisation's timeline).
    pub fn label(self) -> &'static str {
        match self {
            Purpose::Invitation => "invitation",
            Purpose::Reminder => "reminder",
            Purpose::Escalation => "overdue notice to the owner",
            Purpose::Receipt => "receipt",
            Purpose::Clarification => "clarification request",
            Purpose::ClarificationWithdrawn => "clarification withdrawn",
            Purpose::Handover => "hand-over",
            Purpose::DeadlineExtended => "new deadline",
        }
    }

    /// Whether the email carries the contact's personal link (all but the escalation,
    /// which links the staff page, and the withdrawal, which needs no answer).
    pub fn has_personal_link(self) -> bool {
        !matches!(self, Purpose::Escalation | Purpose::ClarificationWithdrawn)
    }
}

/// The overdue organisations an escalation names; the rest it counts (a campaign of
/// 45,000 suppliers listed every one: a 4.3 MB email).
pub const ESCALATION_NAMES: usize = 100;

/// The placeholders of a campaign email.
#[derive(Debug, Clone)]
pub struct CampaignEmail {
    pub lang: Lang,
    pub purpose: Purpose,
    /// The contact's name (unused in the escalation, which goes to the owner).
    pub contact: String,
    pub organisation: String,
    pub campaign: String,
    pub deadline: NaiveDate,
    /// The personal link (the campaign's staff page in the escalation; empty in the
    /// withdrawal).
    pub link: String,
    /// `HRDD_SENDER_COMPANY`.
    pub sender_company: String,
    /// The campaign's message (invitation, reminder) or the committee's questions
    /// (clarification, withdrawal).
    pub message: Option<String>,
    /// Sent after the deadline (a reminder, an invitation or a hand-over): the email
    /// says when the deadline was and asks for answers soon.
    pub overdue: bool,
    /// Escalation: the organisations that have not submitted, by name, the first
    /// [`ESCALATION_NAMES`] of them.
    pub organisations: Vec<String>,
    /// Escalation: how many more have not submitted than are listed (the campaign page
    /// and its CSV export list them all).
    pub organisations_more: usize,
    /// Whether a reply reaches a person (the campaign has an owner, the Reply-To): only
    /// then does the email invite one, since the sender is a no-reply address.
    pub can_reply: bool,
    /// Hand-over: the name and email of the contact who handed the questionnaire over
    /// (empty in the other emails).
    pub from_name: String,
    pub from_email: String,
    /// Invitation: when the organisation last submitted this questionnaire, if the form
    /// will offer to start from those answers ("Start from your last answers").
    pub last_submitted: Option<NaiveDate>,
    /// Escalation: when the overdue organisations' contacts get their next scheduled
    /// reminder (`None`: none is left; the email says extending the deadline restarts
    /// them).
    pub next_reminder: Option<NaiveDate>,
    /// Escalation: the campaign has no active owner, so it goes to the administrators
    /// and says so.
    pub no_owner: bool,
    /// Escalation: the organisations listed were added to the campaign after the
    /// deadline's notice went (a follow-up naming only them).
    pub added_after: bool,
}

#[derive(Template)]
#[template(path = "email/campaign.subject.txt")]
struct Subject<'a> {
    m: &'a CampaignEmail,
}

#[derive(Template)]
#[template(path = "email/campaign.txt")]
struct Text<'a> {
    m: &'a CampaignEmail,
}

#[derive(Template)]
#[template(path = "email/campaign.html")]
struct Html<'a> {
    m: &'a CampaignEmail,
    lang_code: &'a str,
    subject: &'a str,
}

impl CampaignEmail {
    /// The deadline as people write it in the email's language.
    pub fn deadline_text(&self) -> String {
        date_text(self.deadline, self.lang)
    }

    /// The organisation's last submission's date as people write it in the email's
    /// language (empty when there is none).
    pub fn last_submitted_text(&self) -> String {
        self.last_submitted
            .map(|d| date_text(d, self.lang))
            .unwrap_or_default()
    }

    /// The next scheduled reminder's date as people write it in the email's language
    /// (empty when there is none).
    pub fn next_reminder_text(&self) -> String {
        self.next_reminder
            .map(|d| date_text(d, self.lang))
            .unwrap_or_default()
    }

    /// Escalation: how many organisations have not submitted, listed or not.
    pub fn overdue_count(&self) -> usize {
        self.organisations.len() + self.organisations_more
    }

    /// Escalation: [`CampaignEmail::overdue_count`] as people write the number in the
    /// email's language ("45,000").
    pub fn overdue_count_text(&self) -> String {
        count_text(self.overdue_count(), self.lang)
    }

    /// Escalation: how many are not listed, as [`CampaignEmail::overdue_count_text`].
    pub fn more_text(&self) -> String {
        count_text(self.organisations_more, self.lang)
    }

    /// The message to `to`.
    pub fn render(&self, to: &str) -> askama::Result<Email> {
        Email::assemble(
            to,
            &Subject { m: self }.render()?,
            &Text { m: self }.render()?,
            |subject| {
                Html {
                    m: self,
                    lang_code: text_lang(self.lang).code(),
                    subject,
                }
                .render()
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn email(lang: Lang, purpose: Purpose) -> CampaignEmail {
        CampaignEmail {
            lang,
            purpose,
            contact: "Lan <Nguyen>".into(),
            organisation: "Sông Hồng Textiles & Co".into(),
            campaign: "Supplier survey 2027".into(),
            deadline: "2027-03-31".parse().unwrap(),
            link: "https://survey.example/r/abcDEF123".into(),
            sender_company: "Acme Apparel".into(),
            message: Some("Please answer <all> questions".into()),
            overdue: false,
            organisations: vec!["Org A".into(), "Org <B>".into()],
            organisations_more: 0,
            can_reply: true,
            from_name: "Anh <Tran>".into(),
            from_email: "anh@song-hong.example".into(),
            last_submitted: None,
            next_reminder: None,
            no_owner: false,
            added_after: false,
        }
    }

    #[test]
    fn an_escalation_names_some_overdue_organisations_and_counts_the_rest() {
        let cases = [
            (
                Lang::En,
                "Overdue: 45,000 organisations have not answered",
                "… and 44,998 more.",
            ),
            (Lang::Ja, "未回答の取引先 45,000 社", "ほか 44,998 社。"),
            (
                Lang::Vi,
                "Quá hạn: 45.000 tổ chức",
                "… và 44.998 tổ chức khác.",
            ),
        ];
        for (lang, subject, more) in cases {
            let mut m = email(lang, Purpose::Escalation);
            m.organisations_more = 44_998;
            let e = m.render("owner@example.com").unwrap();
            assert!(e.subject.contains(subject), "{}", e.subject);
            assert!(e.text.contains(more), "{}", e.text);
            assert!(e.html.unwrap().contains(more));
            m.organisations_more = 0;
            let e = m.render("owner@example.com").unwrap();
            assert!(!e.text.contains(more), "{}", e.text);
        }
        let mut m = email(Lang::En, Purpose::Escalation);
        m.organisations.truncate(1);
        let e = m.render("owner@example.com").unwrap();
        assert!(
            e.subject
                .starts_with("Overdue: 1 organisation has not answered"),
            "{}",
            e.subject
        );
    }

    #[test]
    fn an_invitation_reminder_or_hand_over_says_when_the_organisation_last_submitted_only_if_it_did(
    ) {
        assert_eq!(
            crate::db::campaign_mail::LAST_ANSWERS_PURPOSES.map(Purpose::parse),
            [
                Some(Purpose::Invitation),
                Some(Purpose::Reminder),
                Some(Purpose::Handover)
            ],
            "the purposes the batch's read looks for"
        );
        let cases = [
            (
                Lang::En,
                "The form offers to start from those answers",
                "3 December 2026",
            ),
            (Lang::Ja, "前回の回答から始める", "2026年12月3日"),
            (
                Lang::Vi,
                "Bắt đầu từ câu trả lời lần trước",
                "ngày 3 tháng 12 năm 2026",
            ),
        ];
        for purpose in [Purpose::Invitation, Purpose::Reminder, Purpose::Handover] {
            for (lang, words, date) in cases {
                check_last_answers(lang, purpose, words, date);
            }
        }
    }

    fn check_last_answers(lang: Lang, purpose: Purpose, words: &str, date: &str) {
        let mut m = email(lang, purpose);
        m.organisation = "Sông Hồng <Textiles>".into();
        let without = m.render("x@example.com").unwrap();
        assert!(!without.text.contains(words), "{}", without.text);
        assert!(!without.html.unwrap().contains(words));
        m.last_submitted = Some("2026-12-03".parse().unwrap());
        let with = m.render("x@example.com").unwrap();
        for part in [with.text.as_str(), with.html.as_deref().unwrap()] {
            assert!(part.contains(words), "{lang:?}: {part}");
            assert!(part.contains(date), "{lang:?}: {part}");
        }
        assert!(!with.text.contains("\n\n\n"), "{}", with.text);
        let html = with.html.unwrap();
        assert!(
            !html.contains("<Textiles>") && html.contains("Sông Hồng &#60;Textiles&#62;"),
            "the organisation's name escaped: {html}"
        );
        // The shared paragraph is escaped in the HTML part only.
        assert!(!with.text.contains("&#60;"), "{}", with.text);
    }

    #[test]
    fn every_purpose_and_language_has_subject_text_html_and_the_link() {
        for purpose in Purpose::ALL {
            let mut subjects = std::collections::BTreeSet::new();
            for lang in [Lang::En, Lang::Ja, Lang::Vi] {
                let e = email(lang, purpose).render("x@example.com").unwrap();
                assert!(!e.subject.is_empty() && !e.subject.contains('\n'));
                subjects.insert(e.subject.clone());
                // The withdrawal has nothing to answer: no link, even one given.
                let linked = purpose != Purpose::ClarificationWithdrawn;
                assert_eq!(
                    e.text.contains("https://survey.example/r/abcDEF123"),
                    linked,
                    "{lang:?} {purpose:?}"
                );
                assert!(e.text.contains("Acme Apparel"), "{lang:?} {purpose:?}");
                assert!(!e.text.contains("\n\n\n"), "{}", e.text);
                let html = e.html.unwrap();
                assert!(html.contains(&format!(r#"<html lang="{}">"#, lang.code())));
                assert_eq!(
                    html.contains(r#"href="https://survey.example/r/abcDEF123""#),
                    linked
                );
                assert!(linked || !html.contains("href="), "{html}");
                let lower = html.to_lowercase();
                for forbidden in ["<script", "<img", "<link", "<style", "url(", "javascript:"] {
                    assert!(!lower.contains(forbidden), "{forbidden} in {html}");
                }
                if purpose == Purpose::Escalation {
                    assert!(e.text.contains("- Org A\n- Org <B>\n"), "{}", e.text);
                    assert!(html.contains("<li>Org &#60;B&#62;</li>"), "{html}");
                } else {
                    assert!(e.text.contains("Lan <Nguyen>"));
                    assert!(html.contains("Lan &#60;Nguyen&#62;"));
                }
            }
            assert_eq!(subjects.len(), 3, "{purpose:?}: one subject per language");
        }
    }

    #[test]
    fn the_escalation_says_when_the_next_reminder_goes_or_that_none_is_left() {
        for (lang, next, none) in [
            (
                Lang::En,
                "next reminder on 7 April 2027",
                "extend the deadline: its reminders then start again",
            ),
            (
                Lang::Ja,
                "2027年4月7日に各担当者へ",
                "リマインダーが再開されます",
            ),
            (
                Lang::Vi,
                "vào ngày 7 tháng 4 năm 2027",
                "để các lời nhắc bắt đầu lại",
            ),
        ] {
            let mut m = email(lang, Purpose::Escalation);
            m.next_reminder = Some("2027-04-07".parse().unwrap());
            let e = m.render("owner@example.com").unwrap();
            assert!(e.text.contains(next), "{}", e.text);
            assert!(e.html.unwrap().contains(next));
            assert!(!e.text.contains(none), "{}", e.text);
            m.next_reminder = None;
            let e = m.render("owner@example.com").unwrap();
            assert!(e.text.contains(none), "{}", e.text);
            assert!(e.html.unwrap().contains(none));
            assert!(!e.text.contains(next), "{}", e.text);
        }
    }

    #[test]
    fn a_follow_up_escalation_says_its_organisations_were_added_after_the_notice() {
        for (lang, added, deadline_passed) in [
            (
                Lang::En,
                "were added to the campaign",
                "The deadline of the campaign",
            ),
            (Lang::Ja, "次の取引先が追加されました", "を過ぎました"),
            (Lang::Vi, "được thêm vào chiến dịch", "đã hết hạn vào"),
        ] {
            let mut m = email(lang, Purpose::Escalation);
            let e = m.render("owner@example.com").unwrap();
            assert!(!e.text.contains(added), "{}", e.text);
            assert!(e.text.contains(deadline_passed), "{}", e.text);
            m.added_after = true;
            let e = m.render("owner@example.com").unwrap();
            assert!(e.text.contains(added), "{}", e.text);
            assert!(!e.text.contains(deadline_passed), "{}", e.text);
            assert!(e.html.unwrap().contains(added));
        }
    }

    #[test]
    fn the_escalation_to_an_administrator_says_the_campaign_has_no_owner() {
        for (lang, words) in [
            (Lang::En, "You receive this as an administrator"),
            (Lang::Ja, "管理者の方にお送りしています"),
            (Lang::Vi, "với tư cách quản trị viên"),
        ] {
            let mut m = email(lang, Purpose::Escalation);
            let e = m.render("owner@example.com").unwrap();
            assert!(!e.text.contains(words), "{}", e.text);
            m.no_owner = true;
            let e = m.render("admin@example.com").unwrap();
            assert!(e.text.contains(words), "{}", e.text);
            assert!(e.html.unwrap().contains(words));
        }
    }

    #[test]
    fn the_hand_over_names_who_handed_it_over_and_where_it_belongs() {
        for (lang, words) in [
            (Lang::En, "has handed over to you"),
            (Lang::Ja, "引き継がれました"),
            (Lang::Vi, "đã chuyển cho quý vị"),
        ] {
            let e = email(lang, Purpose::Handover)
                .render("x@example.com")
                .unwrap();
            assert!(e.subject.contains("Anh <Tran>"), "{}", e.subject);
            for part in [
                words,
                "Anh <Tran>",
                "anh@song-hong.example",
                "Sông Hồng Textiles & Co",
                "Supplier survey 2027",
            ] {
                assert!(e.text.contains(part), "{lang:?} {part}: {}", e.text);
            }
            let html = e.html.unwrap();
            assert!(html.contains("Anh &#60;Tran&#62;"), "{html}");
            assert!(html.contains("anh@song-hong.example"), "{html}");
        }
    }

    #[test]
    fn message_is_optional_and_escaped_in_html() {
        let with = email(Lang::En, Purpose::Invitation)
            .render("x@example.com")
            .unwrap();
        assert!(with.text.contains("Please answer <all> questions"));
        assert!(with
            .html
            .unwrap()
            .contains("Please answer &#60;all&#62; questions"));
        let mut m = email(Lang::En, Purpose::Invitation);
        m.message = None;
        let without = m.render("x@example.com").unwrap();
        assert!(!without.text.contains("Message from"));
        assert!(!without.html.unwrap().contains("Message from"));
    }

    #[test]
    fn a_reply_is_invited_only_when_it_reaches_a_person() {
        let replies = [
            (Lang::En, "reply to this email"),
            (Lang::Ja, "ご返信"),
            (Lang::Vi, "trả lời email này"),
        ];
        for purpose in [
            Purpose::Invitation,
            Purpose::Reminder,
            Purpose::Clarification,
        ] {
            for (lang, reply) in replies {
                let mut m = email(lang, purpose);
                let with = m.render("x@example.com").unwrap();
                assert!(
                    with.text.contains(reply),
                    "{lang:?} {purpose:?}: {}",
                    with.text
                );
                assert!(with.html.unwrap().contains(reply), "{lang:?} {purpose:?}");
                m.can_reply = false;
                let without = m.render("x@example.com").unwrap();
                assert!(
                    !without.text.contains(reply),
                    "{lang:?} {purpose:?}: {}",
                    without.text
                );
                assert!(
                    !without.html.unwrap().contains(reply),
                    "{lang:?} {purpose:?}"
                );
                assert!(without.text.contains("https://survey.example/r/abcDEF123"));
            }
        }
    }

    #[test]
    fn overdue_reminders_say_so() {
        let mut m = email(Lang::En, Purpose::Reminder);
        let before = m.render("x@example.com").unwrap();
        m.overdue = true;
        let after = m.render("x@example.com").unwrap();
        assert!(before.text.contains("is due by 31 March 2027"));
        assert!(after.text.contains("was 31 March 2027"));
        assert_eq!(
            before.subject,
            "Reminder: Supplier survey 2027 for Sông Hồng Textiles & Co (due 31 March 2027)"
        );
    }

    #[test]
    fn an_invitation_or_hand_over_sent_after_the_deadline_asks_for_answers_soon() {
        for purpose in [Purpose::Invitation, Purpose::Handover] {
            for (lang, due, late, subject_late) in [
                (
                    Lang::En,
                    "Please answer by 31 March 2027.",
                    "The deadline was 31 March 2027; please answer as soon as you can.",
                    "the deadline was 31 March 2027: please answer soon",
                ),
                (
                    Lang::Ja,
                    "2027年3月31日までにご回答ください。",
                    "回答期限（2027年3月31日）を過ぎていますが、できるだけ早くご回答ください。",
                    "期限：2027年3月31日・期限超過",
                ),
                (
                    Lang::Vi,
                    "Vui lòng trả lời trước ngày 31 tháng 3 năm 2027.",
                    "Hạn trả lời là ngày 31 tháng 3 năm 2027 và đã qua",
                    "hạn ngày 31 tháng 3 năm 2027, đã qua",
                ),
            ] {
                let mut m = email(lang, purpose);
                let before = m.render("x@example.com").unwrap();
                m.overdue = true;
                let after = m.render("x@example.com").unwrap();
                let what = format!("{lang:?} {purpose:?}");
                assert!(before.text.contains(due), "{what}: {}", before.text);
                assert!(!before.text.contains(late), "{what}");
                assert!(!before.subject.contains(subject_late), "{what}");
                assert!(after.text.contains(late), "{what}: {}", after.text);
                assert!(after.html.unwrap().contains(late), "{what}");
                assert!(!after.text.contains(due), "{what}: {}", after.text);
                assert!(
                    after.subject.contains(subject_late),
                    "{what}: {}",
                    after.subject
                );
            }
        }
    }
}
