//! The staff outbox viewer's pages (`routes::outbox`).

use super::staff::StaffNav;
use askama::Template;

/// A row of the list.
pub struct OutboxRow {
    pub name: String,
    pub written: String,
    pub to: String,
    pub subject: String,
}

#[derive(Template)]
#[template(path = "staff/outbox.html")]
pub struct OutboxPage {
    pub lang: String,
    pub title: String,
    pub nav: StaffNav,
    /// Mail goes to an SMTP server: there is no local outbox to show.
    pub smtp: bool,
    pub rows: Vec<OutboxRow>,
    /// How many messages the folder holds (more than `rows` when the oldest are left
    /// out).
    pub total: usize,
}

impl OutboxPage {
    /// [`OutboxPage::total`] as people write it ("10,000").
    pub fn total_text(&self) -> String {
        super::staff::number(self.total)
    }
}

#[derive(Template)]
#[template(path = "staff/outbox_message.html")]
pub struct OutboxMessagePage {
    pub lang: String,
    pub title: String,
    pub nav: StaffNav,
    pub headers: Vec<(String, String)>,
    /// The plain-text part as runs of text and links to our own pages (clickable).
    pub text: Vec<(String, bool)>,
    /// The HTML part, shown as escaped source, never rendered.
    pub html: Option<String>,
}
