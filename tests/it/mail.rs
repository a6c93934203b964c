//! Email through a real SMTP server (aiosmtpd, started per test): password reset links
//! and the outbox surviving an SMTP outage.

use crate::auth::{create_user, location, login, sign_in, PASSWORD};
use crate::helpers::{hidden_csrf, templates_dir, web_client, TestApp, MAIL_WAIT};
use chrono::{Duration, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use hrdd_survey::auth::permissions::Role;
use hrdd_survey::db::schema::{
    audit_log, email_outbox, jobs, password_reset_tokens, staff_sessions,
};
use hrdd_survey::email::{Mailer, Transport};
use hrdd_survey::jobs::{run_due, Jobs, RunStats, Worker};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Instant;
use tokio::process::{Child, Command};
use tokio::sync::OnceCell;
use uuid::Uuid;

const NEW_PASSWORD: &str = "a brand new passphrase 2026";
const NEUTRAL: &str = "If an account uses this address, we have sent it a link";

/// A Python with aiosmtpd: `HRDD_TEST_PYTHON`, else the repository's `.venv-test` (made
/// and filled here when missing, as `scripts/test` does), else `python3`.
async fn python() -> &'static Path {
    static PYTHON: OnceCell<PathBuf> = OnceCell::const_new();
    PYTHON
        .get_or_init(|| async {
            let has_aiosmtpd = |python: PathBuf| async move {
                Command::new(&python)
                    .args(["-c", "import aiosmtpd"])
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status()
                    .await
                    .is_ok_and(|s| s.success())
                    .then_some(python)
            };
            if let Ok(p) = std::env::var("HRDD_TEST_PYTHON") {
                if !p.is_empty() {
                    return has_aiosmtpd(PathBuf::from(&p))
                        .await
                        .unwrap_or_else(|| panic!("HRDD_TEST_PYTHON={p} cannot import aiosmtpd"));
                }
            }
            let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
            let venv_python = repo.join(".venv-test/bin/python");
            if let Some(p) = has_aiosmtpd(venv_python.clone()).await {
                return p;
            }
            if let Some(p) = has_aiosmtpd(PathBuf::from("python3")).await {
                return p;
            }
            // Make the venv, as scripts/test does.
            let ok = Command::new("python3")
                .args(["-m", "venv", ".venv-test"])
                .current_dir(repo)
                .status()
                .await
                .is_ok_and(|s| s.success());
            assert!(
                ok,
                "python3 -m venv .venv-test failed (install python3-venv)"
            );
            let ok = Command::new(repo.join(".venv-test/bin/pip"))
                .args([
                    "install",
                    "--quiet",
                    "--disable-pip-version-check",
                    "aiosmtpd",
                ])
                .status()
                .await
                .is_ok_and(|s| s.success());
            assert!(ok, "pip install aiosmtpd failed");
            has_aiosmtpd(venv_python)
                .await
                .expect("aiosmtpd importable after installing it")
        })
        .await
}

pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// An aiosmtpd server writing every message to a Maildir; killed when dropped.
pub(crate) struct SmtpServer {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
}

/// An aiosmtpd handler that refuses every recipient with a permanent (5xx) answer.
const REJECTING_HANDLER: &str = r#"
class Reject:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        return "550 5.1.1 <%s>: Recipient address rejected: no such mailbox here" % address
"#;

/// An aiosmtpd handler that keeps messages in its Maildir but refuses recipients whose
/// address starts with `nobody` (a mailbox that does not exist) with a 5xx answer.
const REFUSING_NOBODY: &str = r#"
from aiosmtpd.handlers import Mailbox

class RefuseNobody(Mailbox):
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("nobody"):
            return "550 5.1.1 <%s>: Recipient address rejected: no such mailbox here" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"
"#;

/// An aiosmtpd relay that requires a sign-in and refuses every one (`535 5.7.8
/// Authentication credentials invalid`), as a relay does after its password changed.
/// The command line has no authentication options: this module starts the server.
const REFUSING_SIGN_IN: &str = r#"
import sys, threading
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

class Accept:
    async def handle_DATA(self, server, session, envelope):
        return "250 OK"

def refuse(server, session, envelope, mechanism, auth_data):
    return AuthResult(success=False, handled=False)

Controller(Accept(), hostname="127.0.0.1", port=int(sys.argv[1]), authenticator=refuse,
           auth_require_tls=False, auth_required=True).start()
threading.Event().wait()
"#;

/// What a test SMTP server does with what it is sent.
#[derive(Clone, Copy)]
enum Kind {
    /// Keeps every message in a Maildir.
    Mailbox,
    /// Refuses every recipient ([`REJECTING_HANDLER`]).
    Rejecting,
    /// Refuses every sign-in ([`REFUSING_SIGN_IN`]).
    RefusingSignIn,
    /// Keeps messages but to `nobody…` addresses ([`REFUSING_NOBODY`]).
    RefusingNobody,
}

impl SmtpServer {
    pub(crate) async fn start() -> SmtpServer {
        Self::start_with(Kind::Mailbox).await
    }

    /// A relay that refuses this service's sign-in with `535` (see [`REFUSING_SIGN_IN`]).
    pub(crate) async fn start_refusing_sign_in() -> SmtpServer {
        Self::start_with(Kind::RefusingSignIn).await
    }

    /// A server that keeps every message, but answers a recipient whose address starts
    /// with `nobody` with `550 5.1.1 … no such mailbox here`.
    pub(crate) async fn start_refusing_nobody() -> SmtpServer {
        Self::start_with(Kind::RefusingNobody).await
    }

    /// A server that answers every recipient with `550 5.1.1 … no such mailbox here`.
    pub(crate) async fn start_rejecting() -> SmtpServer {
        Self::start_with(Kind::Rejecting).await
    }

    async fn start_with(kind: Kind) -> SmtpServer {
        let python = python().await;
        let module_dir = tempfile::Builder::new()
            .prefix("hrdd-test-smtp-handler-")
            .tempdir()
            .unwrap();
        let module = module_dir.path().join("hrdd_test_handler.py");
        match kind {
            Kind::Mailbox => {}
            Kind::Rejecting => std::fs::write(&module, REJECTING_HANDLER).unwrap(),
            Kind::RefusingSignIn => std::fs::write(&module, REFUSING_SIGN_IN).unwrap(),
            Kind::RefusingNobody => std::fs::write(&module, REFUSING_NOBODY).unwrap(),
        }
        for _ in 0..5 {
            let dir = tempfile::Builder::new()
                .prefix("hrdd-test-mail-")
                .tempdir()
                .unwrap();
            // Python's Maildir makes these only when the folder itself is missing.
            for sub in ["tmp", "new", "cur"] {
                std::fs::create_dir(dir.path().join(sub)).unwrap();
            }
            let port = free_port();
            let mut command = Command::new(python);
            let listen = format!("127.0.0.1:{port}");
            match kind {
                Kind::Mailbox => command
                    .args(["-m", "aiosmtpd", "-n", "-l", &listen])
                    .args(["-c", "aiosmtpd.handlers.Mailbox"])
                    .arg(dir.path()),
                Kind::Rejecting => command
                    .args(["-m", "aiosmtpd", "-n", "-l", &listen])
                    .env("PYTHONPATH", module_dir.path())
                    .args(["-c", "hrdd_test_handler.Reject"]),
                Kind::RefusingNobody => command
                    .args(["-m", "aiosmtpd", "-n", "-l", &listen])
                    .env("PYTHONPATH", module_dir.path())
                    .args(["-c", "hrdd_test_handler.RefuseNobody"])
                    .arg(dir.path()),
                Kind::RefusingSignIn => command.arg(&module).arg(port.to_string()),
            };
            let mut child = command
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .kill_on_drop(true)
                .spawn()
                .expect("aiosmtpd starts");
            let started = Instant::now();
            while started.elapsed() < std::time::Duration::from_secs(15) {
                if child.try_wait().unwrap().is_some() {
                    break; // e.g. the port was taken meanwhile: try another
                }
                if tokio::net::TcpStream::connect(("127.0.0.1", port))
                    .await
                    .is_ok()
                {
                    return SmtpServer { child, port, dir };
                }
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            let _ = child.kill().await;
        }
        panic!("aiosmtpd did not start");
    }

    pub(crate) fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// The messages received, in the order they arrived: Python's Maildir names a file
    /// `{seconds}.M{microseconds}P{pid}Q{count}.{host}`, the microseconds not padded (so
    /// names within one second do not sort by time) and the count one per delivery of
    /// the server's process; sorted by that count.
    pub(crate) fn messages(&self) -> Vec<String> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(self.dir.path().join("new"))
            .map(|d| d.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        let count = |f: &PathBuf| -> u64 {
            let name = f.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            name.split_once('Q')
                .and_then(|(_, rest)| rest.split('.').next())
                .and_then(|n| n.parse().ok())
                .unwrap_or(u64::MAX)
        };
        files.sort_by_key(|f| (count(f), f.clone()));
        files
            .into_iter()
            .map(|f| std::fs::read_to_string(f).unwrap())
            .collect()
    }

    /// Waits (up to [`MAIL_WAIT`]) until `n` messages have arrived; returns them.
    pub(crate) async fn wait_for(&self, n: usize) -> Vec<String> {
        let started = Instant::now();
        loop {
            let messages = self.messages();
            if messages.len() >= n {
                return messages;
            }
            assert!(
                started.elapsed() < MAIL_WAIT,
                "{n} message(s) expected, {} arrived",
                messages.len()
            );
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }

    pub(crate) async fn stop(mut self) {
        let _ = self.child.kill().await;
    }
}

/// A job worker of its own (beside the application's) delivering to `smtp`.
fn smtp_worker(app: &TestApp, smtp: &SmtpServer) -> Worker {
    Worker::new(
        app.state.pool.clone(),
        Jobs::new(),
        Mailer {
            transport: Transport::from_settings(Some(smtp.url().as_str()), &std::env::temp_dir())
                .unwrap(),
            from: "HRDD Survey <no-reply@hrdd-survey.invalid>"
                .parse()
                .unwrap(),
        },
        app.state.audit_key.clone(),
        app.address.clone(),
    )
}

/// A message's header value (first occurrence, unfolded).
pub(crate) fn header(message: &str, name: &str) -> Option<String> {
    let message = message.replace("\r\n", "\n");
    let head = message.split("\n\n").next()?;
    let unfolded = head.replace("\n ", " ").replace("\n\t", " ");
    unfolded.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.eq_ignore_ascii_case(name).then(|| v.trim().to_string())
    })
}

/// The decoded text body of a message (7bit or quoted-printable): the message itself,
/// or its `text/plain` part when it is multipart.
pub(crate) fn text_body(message: &str) -> String {
    let message = message.replace("\r\n", "\n");
    if let Some(boundary) = header(&message, "Content-Type").and_then(|t| {
        t.split("boundary=")
            .nth(1)
            .map(|b| b.trim_matches('"').to_string())
    }) {
        let part = message
            .split(&format!("--{boundary}"))
            .skip(1)
            .find(|p| {
                header(p.trim_start_matches('\n'), "Content-Type").is_some_and(|t| {
                    t.starts_with("text/plain") || t.starts_with("multipart/alternative")
                })
            })
            .expect("a text/plain part");
        return text_body(part.trim_start_matches('\n'));
    }
    let body = message.split_once("\n\n").expect("a body").1;
    match header(&message, "Content-Transfer-Encoding")
        .unwrap_or_default()
        .to_ascii_lowercase()
        .as_str()
    {
        "" | "7bit" | "8bit" => body.to_string(),
        "quoted-printable" => {
            let joined = body.replace("=\n", "");
            let bytes = joined.as_bytes();
            let mut out = Vec::new();
            let mut i = 0;
            while i < bytes.len() {
                if bytes[i] == b'=' && i + 3 <= bytes.len() {
                    let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                    if let Ok(b) = u8::from_str_radix(hex, 16) {
                        out.push(b);
                        i += 3;
                        continue;
                    }
                }
                out.push(bytes[i]);
                i += 1;
            }
            String::from_utf8(out).unwrap()
        }
        "base64" => String::from_utf8(decode_base64(body)).unwrap(),
        other => panic!("unexpected Content-Transfer-Encoding {other}"),
    }
}

/// Standard base64, whitespace ignored (lettre encodes mostly non-ASCII text so).
pub(crate) fn decode_base64(text: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0);
    for c in text
        .bytes()
        .filter(|c| !c.is_ascii_whitespace() && *c != b'=')
    {
        let v = ALPHABET.iter().position(|a| *a == c).expect("base64 digit") as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

/// The path of the reset link in a message (`/password/reset/<token>`), checking that
/// the link is on the application's address.
fn reset_path(app: &TestApp, message: &str) -> String {
    let body = text_body(message);
    let prefix = format!("{}/password/reset/", app.address);
    let start = body
        .find(&prefix)
        .unwrap_or_else(|| panic!("no reset link in {body}"));
    let token: String = body[start + prefix.len()..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect();
    assert_eq!(token.len(), 43, "{body}");
    format!("/password/reset/{token}")
}

/// Asks for a reset link for `email` from the reset page; returns the page shown.
pub(crate) async fn request_reset(app: &TestApp, client: &reqwest::Client, email: &str) -> String {
    let page = client.get(app.url("/password/reset")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let csrf = hidden_csrf(&page.text().await.unwrap());
    let res = client
        .post(app.url("/password/reset"))
        .form(&[("csrf_token", csrf.as_str()), ("email", email)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{email}");
    res.text().await.unwrap()
}

/// Opens a reset link and posts a new password: the response of the post.
async fn complete_reset(app: &TestApp, path: &str, new_password: &str) -> reqwest::Response {
    let client = web_client();
    let form = client.get(app.url(path)).send().await.unwrap();
    assert_eq!(form.status(), 200);
    let html = form.text().await.unwrap();
    assert!(html.contains(&format!(r#"action="{path}""#)), "{html}");
    let csrf = hidden_csrf(&html);
    client
        .post(app.url(path))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("new_password", new_password),
        ])
        .send()
        .await
        .unwrap()
}

async fn outbox_rows(app: &TestApp) -> Vec<(String, Option<chrono::DateTime<Utc>>)> {
    let mut conn = app.db.conn().await;
    email_outbox::table
        .order(email_outbox::created_at.asc())
        .select((email_outbox::to_address, email_outbox::sent_at))
        .load(&mut conn)
        .await
        .unwrap()
}

async fn live_sessions(app: &TestApp, user: Uuid) -> i64 {
    let mut conn = app.db.conn().await;
    staff_sessions::table
        .filter(staff_sessions::user_id.eq(user))
        .filter(staff_sessions::revoked_at.is_null())
        .count()
        .get_result(&mut conn)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_password_reset_link_arrives_by_smtp_and_works_once() {
    let smtp = SmtpServer::start().await;
    let app = TestApp::spawn_with_settings(&templates_dir(), &[("SMTP_URL", smtp.url())]).await;
    let user = create_user(&app, "rosa@example.com", Role::Committee, Some(PASSWORD)).await;
    let desk = sign_in(&app, "rosa@example.com", PASSWORD).await;
    let laptop = sign_in(&app, "rosa@example.com", PASSWORD).await;
    assert_eq!(live_sessions(&app, user).await, 2);

    // The same neutral page for an unknown and a known address.
    let client = web_client();
    let unknown = request_reset(&app, &client, "nobody@example.com").await;
    let known = request_reset(&app, &client, "Rosa@Example.com").await;
    assert!(known.contains(NEUTRAL), "{known}");
    assert_eq!(
        unknown, known,
        "the page does not tell whether the account exists"
    );

    let messages = smtp.wait_for(1).await;
    let message = &messages[0];
    assert_eq!(
        header(message, "To").as_deref(),
        Some("rosa@example.com"),
        "{message}"
    );
    assert_eq!(
        header(message, "Subject").as_deref(),
        Some("Reset your HRDD Survey password")
    );
    let path = reset_path(&app, message);
    // Only the known address got mail: one queued message, marked sent (the worker
    // records that just after the server accepted the message).
    let started = Instant::now();
    let rows = loop {
        let rows = outbox_rows(&app).await;
        assert_eq!(rows.len(), 1, "{rows:?}");
        assert_eq!(rows[0].0, "rosa@example.com");
        if rows[0].1.is_some() {
            break rows;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(15),
            "marked sent"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert!(rows[0].1.is_some());
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(smtp.messages().len(), 1, "nothing for the unknown address");

    // A password the policy refuses leaves the link usable.
    let res = complete_reset(&app, &path, "short").await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("at least 12 characters"));
    assert_eq!(live_sessions(&app, user).await, 2);

    let res = complete_reset(&app, &path, NEW_PASSWORD).await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/login");

    // Every session of the user ended; the new password works, the old does not.
    assert_eq!(live_sessions(&app, user).await, 0);
    for s in [&desk, &laptop] {
        let res = s.get(&app, "/staff").await;
        assert_eq!(res.status(), 303);
        assert_eq!(location(&res), "/login?next=%2Fstaff");
    }
    assert_eq!(
        login(&app, &web_client(), "rosa@example.com", PASSWORD)
            .await
            .status(),
        401
    );
    let res = login(&app, &web_client(), "rosa@example.com", NEW_PASSWORD).await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/staff");

    // The link works once.
    let c = web_client();
    let res = c.get(app.url(&path)).send().await.unwrap();
    assert_eq!(res.status(), 400);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("expired or was already used"));
    let csrf = hidden_csrf(
        &c.get(app.url("/login"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    );
    let res = c
        .post(app.url(&path))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("new_password", "yet another passphrase"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(
        login(
            &app,
            &web_client(),
            "rosa@example.com",
            "yet another passphrase"
        )
        .await
        .status(),
        401
    );

    let mut conn = app.db.conn().await;
    let actions: Vec<String> = audit_log::table
        .filter(audit_log::subject_id.eq(user.to_string()))
        .filter(audit_log::action.like("password%"))
        .order(audit_log::id.asc())
        .select(audit_log::action)
        .load(&mut conn)
        .await
        .unwrap();
    assert_eq!(actions, ["password_reset.requested", "password.reset"]);
    smtp.stop().await;
}

#[tokio::test]
async fn an_expired_reset_link_is_refused() {
    let smtp = SmtpServer::start().await;
    let app = TestApp::spawn_with_settings(&templates_dir(), &[("SMTP_URL", smtp.url())]).await;
    let user = create_user(&app, "omar@example.com", Role::Viewer, Some(PASSWORD)).await;
    let session = sign_in(&app, "omar@example.com", PASSWORD).await;
    let page = request_reset(&app, &web_client(), "omar@example.com").await;
    assert!(page.contains(NEUTRAL));
    let messages = smtp.wait_for(1).await;
    let path = reset_path(&app, &messages[0]);

    // Issued 31 minutes ago, so expired a minute ago.
    let mut conn = app.db.conn().await;
    let n = diesel::update(
        password_reset_tokens::table.filter(password_reset_tokens::user_id.eq(user)),
    )
    .set((
        password_reset_tokens::created_at.eq(Utc::now() - Duration::minutes(31)),
        password_reset_tokens::expires_at.eq(Utc::now() - Duration::minutes(1)),
    ))
    .execute(&mut conn)
    .await
    .unwrap();
    assert_eq!(n, 1);

    let c = web_client();
    let res = c.get(app.url(&path)).send().await.unwrap();
    assert_eq!(res.status(), 400);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("expired or was already used"));
    let csrf = hidden_csrf(
        &c.get(app.url("/login"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    );
    let res = c
        .post(app.url(&path))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("new_password", NEW_PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);

    // Nothing changed: the old password works, the session lives on.
    assert_eq!(session.get(&app, "/staff").await.status(), 200);
    assert_eq!(
        login(&app, &web_client(), "omar@example.com", NEW_PASSWORD)
            .await
            .status(),
        401
    );
    assert_eq!(
        login(&app, &web_client(), "omar@example.com", PASSWORD)
            .await
            .status(),
        303
    );
    smtp.stop().await;
}

#[tokio::test]
async fn mail_queued_during_an_smtp_outage_is_delivered_later() {
    // Nothing listens on this port.
    let closed = free_port();
    let app = TestApp::spawn_with_settings(
        &templates_dir(),
        &[("SMTP_URL", format!("smtp://127.0.0.1:{closed}"))],
    )
    .await;
    create_user(&app, "li@example.com", Role::Viewer, Some(PASSWORD)).await;
    let page = request_reset(&app, &web_client(), "li@example.com").await;
    assert!(
        page.contains(NEUTRAL),
        "the request succeeds despite the outage"
    );

    // The worker tries, fails, and keeps the message for a retry.
    let started = Instant::now();
    let (id, attempts, last_error) = loop {
        let mut conn = app.db.conn().await;
        // The worker queues the message after handling the request.
        type Row = (Uuid, i32, Option<String>, Option<chrono::DateTime<Utc>>);
        let row: Option<Row> = email_outbox::table
            .inner_join(jobs::table)
            .select((
                jobs::id,
                jobs::attempts,
                email_outbox::last_error,
                email_outbox::sent_at,
            ))
            .first(&mut conn)
            .await
            .optional()
            .unwrap();
        if let Some(row) = row {
            assert!(row.3.is_none(), "not sent during the outage");
            // The attempt counts when claimed; the error is recorded when it failed.
            if row.1 >= 1 && row.2.is_some() {
                break (row.0, row.1, row.2);
            }
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(15),
            "the worker tried to deliver"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert!(attempts >= 1);
    assert!(
        last_error.as_deref().is_some_and(|e| !e.is_empty()),
        "{last_error:?}"
    );
    let mut conn = app.db.conn().await;
    let next: chrono::DateTime<Utc> = jobs::table
        .find(id)
        .select(jobs::run_at)
        .first(&mut conn)
        .await
        .unwrap();
    assert!(next > Utc::now(), "a retry is scheduled later");

    // SMTP is back: a worker delivering to it sends the queued message.
    let smtp = SmtpServer::start().await;
    let worker = smtp_worker(&app, &smtp);
    let started = Instant::now();
    loop {
        // The application's own worker (still pointed at the dead port) may claim the
        // message between the update and the delivery: then simply go again.
        diesel::update(jobs::table.find(id))
            .set(jobs::run_at.eq(Utc::now()))
            .execute(&mut conn)
            .await
            .unwrap();
        let stats = run_due(&worker).await.unwrap();
        if stats.done == 1 {
            break;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(15),
            "delivered once SMTP is back"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let (sent_at, attempts_after, error_after): (
        Option<chrono::DateTime<Utc>>,
        i32,
        Option<String>,
    ) = email_outbox::table
        .inner_join(jobs::table)
        .filter(jobs::id.eq(id))
        .select((
            email_outbox::sent_at,
            jobs::attempts,
            email_outbox::last_error,
        ))
        .first(&mut conn)
        .await
        .unwrap();
    assert!(sent_at.is_some());
    assert!(attempts_after > attempts);
    assert!(error_after.is_none());

    let messages = smtp.wait_for(1).await;
    assert_eq!(messages.len(), 1);
    assert_eq!(
        header(&messages[0], "To").as_deref(),
        Some("li@example.com")
    );
    let path = reset_path(&app, &messages[0]);
    // The delayed link still works.
    let res = complete_reset(&app, &path, NEW_PASSWORD).await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        login(&app, &web_client(), "li@example.com", NEW_PASSWORD)
            .await
            .status(),
        303
    );
    // Sent once: another round finds nothing to do.
    assert_eq!(run_due(&worker).await.unwrap(), RunStats::default());
    smtp.stop().await;
}
