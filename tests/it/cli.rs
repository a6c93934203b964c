//! The `hrdd-survey` command itself: `check-templates`, settings errors, `user add` and
//! `worker`.

use crate::loader::{broken_dir, survey_templates};
use std::process::{Command, Output};

/// The built binary, with no setting inherited from the caller's environment.
fn hrdd_survey() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_hrdd-survey"));
    for var in [
        "HRDD_CONFIG",
        "HRDD_LISTEN",
        "DATABASE_URL",
        "SMTP_URL",
        "HRDD_PUBLIC_URL",
        "HRDD_DATA_DIR",
        "HRDD_TEMPLATES_DIR",
        "HRDD_LOG_FORMAT",
        "RUST_LOG",
    ] {
        cmd.env_remove(var);
    }
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"));
    cmd
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

fn run(cmd: &mut Command) -> (Output, String, String) {
    let out = cmd.output().unwrap();
    let stdout = text(&out.stdout);
    let stderr = text(&out.stderr);
    (out, stdout, stderr)
}

#[test]
fn check_templates_passes_on_the_real_questionnaires() {
    let dir = survey_templates();
    let (out, stdout, stderr) = run(hrdd_survey().arg("check-templates").arg(&dir));
    assert_eq!(
        out.status.code(),
        Some(0),
        "stdout:\n{stdout}\nstderr:\n{stderr}"
    );
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 6, "{stdout}");
    for (line, (file, id)) in lines.iter().zip([
        ("forced-labour.v2.yaml", "forced-labour"),
        ("forced-labour.v3.yaml", "forced-labour"),
        ("forced-labour.yaml", "forced-labour"),
        ("migrant-labour.v2.yaml", "migrant-labour"),
        ("migrant-labour.v3.yaml", "migrant-labour"),
        ("migrant-labour.yaml", "migrant-labour"),
    ]) {
        let prefix = format!("ok  {}: {id} v", dir.join(file).display());
        assert!(line.starts_with(&prefix), "{line}");
        assert!(line.ends_with(", languages en/ja/vi)"), "{line}");
    }
    assert_eq!(stderr, "");
}

#[test]
fn check_templates_reports_broken_files_as_file_colon_line() {
    let (out, stdout, stderr) = run(hrdd_survey()
        .arg("check-templates")
        .arg("tests/fixtures/broken"));
    assert_eq!(
        out.status.code(),
        Some(1),
        "stdout:\n{stdout}\nstderr:\n{stderr}"
    );
    assert_eq!(stdout, "");
    let lines: Vec<&str> = stderr.lines().collect();
    for expected in [
        "tests/fixtures/broken/duplicate-question-id.yaml:16: duplicate question id \"headcount\"",
        "tests/fixtures/broken/missing-translation.yaml:12: missing translation \"ja\" for label of question passport_holder",
        "tests/fixtures/broken/version-zero.yaml:3: version must be a positive integer, not 0",
        "tests/fixtures/broken/severity-out-of-range.yaml:14: question fees_paid: severity.scale must be between 1 and 5, not 6",
    ] {
        assert!(lines.contains(&expected), "missing {expected:?} in:\n{stderr}");
    }
    // One `<path>:<line>: <message>` line per problem, then the count.
    let problems = &lines[..lines.len() - 1];
    let files = std::fs::read_dir(broken_dir()).unwrap().count();
    assert!(problems.len() >= files, "{stderr}");
    for line in problems {
        let (path, rest) = line
            .split_once(".yaml:")
            .unwrap_or_else(|| panic!("{line}"));
        assert!(path.starts_with("tests/fixtures/broken/"), "{line}");
        let (number, message) = rest.split_once(": ").unwrap_or_else(|| panic!("{line}"));
        assert!(number.parse::<u64>().unwrap() >= 1, "{line}");
        assert!(!message.is_empty(), "{line}");
    }
    assert_eq!(
        lines.last().unwrap(),
        &format!("{} problem(s) found", problems.len())
    );
}

#[test]
fn check_templates_with_an_absolute_path_names_the_file_by_that_path() {
    let dir = broken_dir();
    let (out, _, stderr) = run(hrdd_survey().arg("check-templates").arg(&dir));
    assert_eq!(out.status.code(), Some(1));
    let expected = format!(
        "{}:3: version must be a positive integer, not 0",
        dir.join("version-zero.yaml").display()
    );
    assert!(stderr.lines().any(|l| l == expected), "{stderr}");
}

#[test]
fn check_templates_uses_the_configured_folder_by_default() {
    let (out, stdout, stderr) = run(hrdd_survey()
        .arg("check-templates")
        .env("HRDD_TEMPLATES_DIR", "tests/fixtures/templates"));
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stdout.starts_with("ok  tests/fixtures/templates/mini.yaml: mini v1 "),
        "{stdout}"
    );
}

#[test]
fn an_invalid_setting_exits_with_code_2_and_says_how_to_fix_it() {
    let (out, stdout, stderr) = run(hrdd_survey()
        .arg("check-templates")
        .env("HRDD_LISTEN", "nonsense"));
    assert_eq!(out.status.code(), Some(2), "stderr:\n{stderr}");
    assert_eq!(stdout, "");
    let message = stderr.trim_end();
    assert!(
        message.starts_with("hrdd-survey: invalid setting HRDD_LISTEN: \"nonsense\""),
        "{message}"
    );
    assert!(message.contains(". Fix: "), "{message}");
    assert_eq!(message.lines().count(), 1, "{message}");
}

/// The README's first-run path: `user add` creates the first admin with a one-time
/// password, who can then sign in and is sent to choose a new password.
#[tokio::test]
async fn user_add_creates_the_first_admin_who_must_change_the_password() {
    use crate::helpers::{fixtures_dir, hidden_csrf, web_client, TestApp, TestDb};
    let db = TestDb::new().await;
    let (out, stdout, stderr) = run(hrdd_survey()
        .args([
            "user",
            "add",
            "--email",
            "First.Admin@example.com",
            "--role",
            "admin",
        ])
        .env("DATABASE_URL", &db.url)
        .env("HRDD_TEMPLATES_DIR", fixtures_dir()));
    assert!(out.status.success(), "{stderr}");
    assert!(
        stdout.contains("created first.admin@example.com (admin)"),
        "{stdout}"
    );
    let password = stdout
        .lines()
        .find_map(|l| l.strip_prefix("one-time password: "))
        .expect("prints the one-time password")
        .trim()
        .to_string();
    assert_eq!(password.len(), 20);

    // A second admin with the same address is refused with a clear message.
    let (again, _, err) = run(hrdd_survey()
        .args([
            "user",
            "add",
            "--email",
            "first.admin@example.com",
            "--role",
            "admin",
        ])
        .env("DATABASE_URL", &db.url)
        .env("HRDD_TEMPLATES_DIR", fixtures_dir()));
    assert!(!again.status.success());
    assert!(
        err.contains("email: an account with this email already exists"),
        "{err}"
    );
    let (bad_role, _, err) = run(hrdd_survey()
        .args(["user", "add", "--email", "x@example.com", "--role", "boss"])
        .env("DATABASE_URL", &db.url));
    assert!(!bad_role.status.success());
    assert!(err.contains("unknown role \"boss\""), "{err}");

    let app = TestApp::spawn_on(db, &fixtures_dir()).await;
    let client = web_client();
    let page = client
        .get(app.url("/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = hidden_csrf(&page);
    let res = client
        .post(app.url("/login"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("email", "first.admin@example.com"),
            ("password", password.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/account/password");
}

/// `hrdd-survey worker` runs the jobs without the web service: here it delivers a queued
/// message to the outbox folder (no SMTP_URL).
#[tokio::test]
async fn the_worker_command_delivers_queued_mail() {
    use crate::helpers::TestDb;
    use diesel_async::scoped_futures::ScopedFutureExt;
    use diesel_async::{AsyncConnection, AsyncPgConnection};
    use hrdd_survey::email::Email;
    use hrdd_survey::jobs::send_email;

    struct Running(std::process::Child);
    impl Drop for Running {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }

    let db = TestDb::new().await;
    let data = tempfile::tempdir().unwrap();
    let _worker = Running(
        hrdd_survey()
            .arg("worker")
            .env("DATABASE_URL", &db.url)
            .env("HRDD_DATA_DIR", data.path())
            .env("HRDD_JOB_POLL_SECONDS", "0.2")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    let mut conn = AsyncPgConnection::establish(&db.url).await.unwrap();
    let id = conn
        .transaction::<_, diesel::result::Error, _>(|conn| {
            async move {
                let email = Email {
                    to: "worker-test@example.com".into(),
                    subject: "From the worker".into(),
                    text: "Delivered by hrdd-survey worker.\n".into(),
                    html: None,
                };
                send_email::queue(conn, &email, None).await
            }
            .scope_boxed()
        })
        .await
        .unwrap()
        .unwrap();
    // Mail queued without a campaign purpose is account mail: `outbox/account/`.
    let outbox = data
        .path()
        .join("outbox")
        .join(hrdd_survey::email::ACCOUNT_FOLDER);
    let started = std::time::Instant::now();
    let message_id = format!("<{id}@hrdd-survey.invalid>");
    let message = loop {
        let found = std::fs::read_dir(&outbox)
            .map(|d| d.flatten().map(|e| e.path()).collect::<Vec<_>>())
            .unwrap_or_default();
        // Complete messages only: a message is written under a hidden name, then renamed.
        if let Some(m) = found
            .into_iter()
            .filter(|p| p.extension().is_some_and(|e| e == "eml"))
            .filter_map(|p| std::fs::read_to_string(p).ok())
            .find(|m| m.contains(&message_id) && m.contains("Delivered by hrdd-survey worker."))
        {
            break m;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(30),
            "the worker delivered the message"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert!(message.contains("Subject: From the worker"), "{message}");
}
