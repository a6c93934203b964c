//! Email bodies from askama templates in `templates/email/`: for each email a subject,
//! a plain-text and an HTML part, each per language (`templates/email/<lang>/…`). The
//! HTML has inline styles only: no script, no remote images. A language without its own
//! text (Chinese today) gets English.

use super::{text_lang, Email};
use crate::domain::i18n::Lang;
use askama::Template;

/// The password-reset email.
pub struct PasswordReset {
    pub lang: Lang,
    pub name: String,
    pub link: String,
    /// How long the link works.
    pub minutes: i64,
}

#[derive(Template)]
#[template(path = "email/password_reset.subject.txt")]
struct ResetSubject<'a> {
    m: &'a PasswordReset,
}

#[derive(Template)]
#[template(path = "email/password_reset.txt")]
struct ResetText<'a> {
    m: &'a PasswordReset,
}

#[derive(Template)]
#[template(path = "email/password_reset.html")]
struct ResetHtml<'a> {
    m: &'a PasswordReset,
    lang_code: &'a str,
    subject: &'a str,
}

impl PasswordReset {
    /// The message to `to`.
    pub fn render(&self, to: &str) -> askama::Result<Email> {
        Email::assemble(
            to,
            &ResetSubject { m: self }.render()?,
            &ResetText { m: self }.render()?,
            |subject| {
                ResetHtml {
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

    fn reset(lang: Lang, name: &str) -> Email {
        PasswordReset {
            lang,
            name: name.into(),
            link: "https://survey.example/password/reset/abc".into(),
            minutes: 30,
        }
        .render("x@example.com")
        .unwrap()
    }

    #[test]
    fn english_text_is_unchanged() {
        let e = reset(Lang::En, "Rosa");
        assert_eq!(e.subject, "Reset your HRDD Survey password");
        assert_eq!(
            e.text,
            "Hello Rosa,\n\nSomeone (hopefully you) asked to reset the password of your HRDD Survey account.\n\nOpen this link within 30 minutes to choose a new password:\n\nhttps://survey.example/password/reset/abc\n\nThe link works once. If you did not ask for this, ignore this email: your password stays as it is.\n\nHRDD Survey\n"
        );
    }

    #[test]
    fn every_language_has_its_own_subject_text_and_html() {
        let en = reset(Lang::En, "N");
        for lang in [Lang::Ja, Lang::Vi] {
            let e = reset(lang, "N");
            assert_ne!(e.subject, en.subject, "{lang:?}");
            assert_ne!(e.text, en.text, "{lang:?}");
            let html = e.html.unwrap();
            assert!(html.contains(&format!(r#"<html lang="{}">"#, lang.code())));
            assert!(html.contains("https://survey.example/password/reset/abc"));
            assert!(e.text.contains("https://survey.example/password/reset/abc"));
            assert!(e.text.contains("30"));
        }
        assert_eq!(
            reset(Lang::Zh, "N").subject,
            en.subject,
            "falls back to English"
        );
    }

    #[test]
    fn html_is_escaped_inline_styled_and_without_script_or_remote_images() {
        let e = reset(Lang::En, "<b>Rosa</b> & co");
        let html = e.html.unwrap();
        assert!(
            html.contains("Hello &#60;b&#62;Rosa&#60;/b&#62; &#38; co,"),
            "{html}"
        );
        assert!(
            e.text.contains("<b>Rosa</b> & co"),
            "the text part is not HTML-escaped"
        );
        let lower = html.to_lowercase();
        for forbidden in ["<script", "<img", "<link", "<style", "url(", "javascript:"] {
            assert!(!lower.contains(forbidden), "{forbidden} in {html}");
        }
        assert!(lower.contains("style=\""));
    }
}
