//! Issue 9, the receipt and evidence by content: the receipt PDF (from the link after
//! submission, for staff, and attached to the receipt email at a real SMTP server, its
//! text extracted with poppler's `pdftotext`), evidence typed from its bytes (a renamed
//! program or web page refused in the respondent's language, a picture named `.pdf`
//! kept as the picture it is), downloads only through the right link or role, and the
//! clamd hook against a test-local server speaking clamd's INSTREAM protocol.

use crate::auth::{create_user, sign_in, PASSWORD};
use crate::helpers::{fixtures_dir, TestApp};
use crate::mail::{decode_base64, header, text_body, SmtpServer};
use crate::respondent::{invite_supplier, post_with_files, stored};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use hrdd_survey::auth::permissions::Role;
use hrdd_survey::db::schema::{evidence_files, responses};
use std::path::{Path, PathBuf};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use uuid::Uuid;

/// Answers of the `mini` questionnaire that pass submission, with a Japanese note.
const JAPANESE_NOTE: &str = "寮の門限はありません。旅券は本人が保管しています。";

fn valid<'a>() -> Vec<(&'a str, &'a str)> {
    vec![
        ("headcount", "120"),
        ("passports", "worker"),
        ("fees_paid", "no"),
        ("weekly_hours", "48"),
        ("notes", JAPANESE_NOTE),
        ("agents.0.agent_name", "Good Agency"),
    ]
}

/// A 1×1 PNG.
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\rIDATx\x9cc\xf8\xff\xff?\0\x05\xfe\x02\xfe\xa7\x35\x81\x84\0\0\0\0IEND\xaeB`\x82";
/// The start of a Windows program.
const EXE: &[u8] = b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff\0\0\xb8\0\0\0\0\0\0\0@\0\0\0";
const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n";

/// The text of a PDF, by poppler's `pdftotext` (scripts/test installs poppler-utils).
fn pdf_text(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("receipt.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext runs (apt-get install poppler-utils)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

async fn fingerprint(app: &TestApp, response: Uuid) -> String {
    let mut conn = app.db.conn().await;
    responses::table
        .find(response)
        .select(responses::answers_sha256)
        .first::<Option<String>>(&mut conn)
        .await
        .unwrap()
        .expect("submitted")
}

async fn files(app: &TestApp, response: Uuid) -> Vec<(Uuid, String, String)> {
    let mut conn = app.db.conn().await;
    evidence_files::table
        .filter(evidence_files::response_id.eq(response))
        .select((
            evidence_files::id,
            evidence_files::file_name,
            evidence_files::content_type,
        ))
        .load(&mut conn)
        .await
        .unwrap()
}

#[tokio::test]
async fn the_receipt_pdf_is_there_after_submission_only_with_the_fingerprint_and_the_answers() {
    let app = TestApp::spawn_with_templates(&fixtures_dir()).await;
    let (link, response) = invite_supplier(&app, "東京部品株式会社", "ja").await;
    let (other_link, _) = invite_supplier(&app, "Other Supplier", "en").await;
    assert_eq!(
        app.get(&format!("{link}/receipt.pdf")).await.status(),
        404,
        "not before submit"
    );

    let res = app.post_form(&link, &valid(), "submit").await;
    assert_eq!(res.status(), 303);
    let receipt_page = app.get(&link).await.text().await.unwrap();
    assert!(
        receipt_page.contains(&format!(r#"href="{link}/receipt.pdf?lang=ja""#)),
        "{receipt_page}"
    );

    // The declaration signed with the submission (set here as the form records it).
    {
        let mut conn = app.db.conn().await;
        diesel::update(responses::table.find(response))
            .set((
                responses::signatory_name.eq("山田 花子"),
                responses::signatory_title.eq("人事部長"),
                responses::declared_at.eq(chrono::Utc::now()),
            ))
            .execute(&mut conn)
            .await
            .unwrap();
    }
    let res = app.get(&format!("{link}/receipt.pdf?lang=ja")).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/pdf");
    let disposition = res.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        disposition.starts_with("attachment; filename=\"receipt-"),
        "{disposition}"
    );
    let pdf = res.bytes().await.unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    let text = pdf_text(&pdf);
    assert!(text.contains(&fingerprint(&app, response).await), "{text}");
    assert!(text.contains(JAPANESE_NOTE), "{text}");
    for shown in [
        "ミニチェック",
        "東京部品株式会社",
        "従業員数",
        "120 人",
        "本人",
        "提出日時",
        "宣言",
        "山田 花子（人事部長）",
    ] {
        assert!(text.contains(shown), "{shown} in {text}");
    }
    // The same receipt in English, on request.
    let en = pdf_text(
        &app.get(&format!("{link}/receipt.pdf?lang=en"))
            .await
            .bytes()
            .await
            .unwrap(),
    );
    assert!(
        en.contains("Number of workers") && en.contains("120 workers"),
        "{en}"
    );
    // The signatory as each language writes it: the title in brackets in Japanese.
    assert!(en.contains("山田 花子, 人事部長"), "{en}");

    // Another organisation's link has no receipt, and cannot reach this one.
    assert_eq!(
        app.get(&format!("{other_link}/receipt.pdf")).await.status(),
        404
    );
    let guessed = format!("/r/{}/receipt.pdf", "Q".repeat(43));
    assert_eq!(app.get(&guessed).await.status(), 404);

    // Staff who may see answers download it from the response.
    let email = format!("viewer-{}@example.com", Uuid::new_v4().simple());
    create_user(&app, &email, Role::Viewer, Some(PASSWORD)).await;
    let viewer = sign_in(&app, &email, PASSWORD).await;
    let res = viewer
        .client
        .get(app.url(&format!("/staff/responses/{response}/receipt.pdf")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let staff_text = pdf_text(&res.bytes().await.unwrap());
    assert!(
        staff_text.contains(JAPANESE_NOTE),
        "the language it was submitted in"
    );
    let missing = format!("/staff/responses/{}/receipt.pdf", Uuid::new_v4());
    let res = viewer.client.get(app.url(&missing)).send().await.unwrap();
    assert_eq!(res.status(), 404);
}

#[tokio::test]
async fn the_receipt_email_carries_the_pdf_with_the_fingerprint_and_the_japanese_answer() {
    let smtp = SmtpServer::start().await;
    let app = TestApp::spawn_with_settings(&fixtures_dir(), &[("SMTP_URL", smtp.url())]).await;
    let (link, response) = invite_supplier(&app, "大阪繊維", "ja").await;
    let res = app.post_form(&link, &valid(), "submit").await;
    assert_eq!(res.status(), 303);
    // A second submit (a double click) queues nothing more.
    app.post_form(&link, &valid(), "submit").await;

    let messages = smtp.wait_for(1).await;
    assert_eq!(messages.len(), 1);
    let message = &messages[0];
    assert!(
        header(message, "Content-Type")
            .unwrap()
            .starts_with("multipart/mixed"),
        "{message}"
    );
    assert!(
        text_body(message).contains(&link),
        "the receipt email links to the form"
    );
    let pdf = attachment(message, "application/pdf").expect("a PDF attached");
    assert!(pdf.starts_with(b"%PDF-"));
    let text = pdf_text(&pdf);
    assert!(text.contains(&fingerprint(&app, response).await), "{text}");
    assert!(text.contains(JAPANESE_NOTE), "{text}");
    assert!(text.contains("大阪繊維"), "{text}");
    // The outbox row stays small: no PDF stored.
    let mut conn = app.db.conn().await;
    let stored_body: String = hrdd_survey::db::schema::email_outbox::table
        .filter(hrdd_survey::db::schema::email_outbox::purpose.eq("receipt"))
        .select(hrdd_survey::db::schema::email_outbox::text_body)
        .first(&mut conn)
        .await
        .unwrap();
    assert!(stored_body.len() < 1000);
    let queued: i64 = hrdd_survey::db::schema::email_outbox::table
        .filter(hrdd_survey::db::schema::email_outbox::purpose.eq("receipt"))
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(queued, 1, "one receipt email per submission");
    smtp.stop().await;
}

/// A contact invited in English who answers in Japanese gets the receipt, email and
/// PDF, in Japanese: the language they submitted in (it followed the invitation's).
#[tokio::test]
async fn the_receipt_is_in_the_language_the_response_was_submitted_in() {
    let smtp = SmtpServer::start().await;
    let app = TestApp::spawn_with_settings(&fixtures_dir(), &[("SMTP_URL", smtp.url())]).await;
    let (link, _) = invite_supplier(&app, "Switcher Ltd", "en").await;
    let res = app
        .post_form(&format!("{link}?lang=ja"), &valid(), "submit")
        .await;
    assert_eq!(res.status(), 303);
    let messages = smtp.wait_for(1).await;
    let text = text_body(&messages[0]);
    assert!(text.contains("ご回答を受け付けました"), "{text}");
    let pdf = pdf_text(&attachment(&messages[0], "application/pdf").expect("a PDF"));
    assert!(pdf.contains("旅券は誰が保管していますか"), "{pdf}");
    smtp.stop().await;
}

#[actix_web::test]
async fn the_timeline_shows_the_submission_before_its_receipt_email() {
    let app = TestApp::spawn_with_templates(&fixtures_dir()).await;
    let (link, response) = invite_supplier(&app, "Timeline Ltd", "en").await;
    assert_eq!(app.post_form(&link, &valid(), "submit").await.status(), 303);
    let submitted: Option<chrono::DateTime<chrono::Utc>> = responses::table
        .find(response)
        .select(responses::submitted_at)
        .first(&mut app.db.conn().await)
        .await
        .unwrap();
    let timeline = app.timeline_of(response).await;
    let at = |what: &str, detail: &str| {
        timeline
            .iter()
            .position(|r| r.what == what && r.detail.starts_with(detail))
            .unwrap_or_else(|| panic!("{what} {detail}: {timeline:?}"))
    };
    let (done, receipt) = (at("Submitted", ""), at("Email queued", "receipt to "));
    assert!(done < receipt, "{timeline:?}");
    // One instant: the receipt's job was written in the submission's transaction.
    assert_eq!(Some(timeline[receipt].at), submitted, "{timeline:?}");
    assert!(at("Link issued", "") < at("Answers saved", "") && at("Answers saved", "") < done);
}

/// The decoded part of `message` whose type starts with `content_type`.
fn attachment(message: &str, content_type: &str) -> Option<Vec<u8>> {
    let message = message.replace("\r\n", "\n");
    message.split("\n--").find_map(|part| {
        let part = part.split_once('\n')?.1;
        let kind = header(part, "Content-Type")?;
        if !kind.starts_with(content_type) {
            return None;
        }
        assert_eq!(
            header(part, "Content-Transfer-Encoding").as_deref(),
            Some("base64")
        );
        let body = part.split_once("\n\n")?.1;
        Some(decode_base64(body))
    })
}

#[tokio::test]
async fn a_renamed_program_or_web_page_is_refused_next_to_the_field_in_the_respondents_language() {
    let app = TestApp::spawn_with_templates(&fixtures_dir()).await;
    let (link, response) = invite_supplier(&app, "Renamer Ltd", "ja").await;
    let res = post_with_files(
        &app,
        &link,
        &[("headcount", "10")],
        &[("policy", "就業規則.pdf", EXE)],
        "save",
    )
    .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(
        html.contains(r#"<p class="error" id="e-policy">このファイルは文書ではなくプログラムのため、受け付けられません。"#),
        "{html}"
    );
    let res = post_with_files(
        &app,
        &format!("{link}?lang=en"),
        &[("headcount", "10")],
        &[(
            "policy",
            "policy.pdf",
            b"<!doctype html><script>alert(1)</script>",
        )],
        "save",
    )
    .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(
        html.contains(r#"<p class="error" id="e-policy">This file is a web page (HTML), which cannot be accepted."#),
        "{html}"
    );
    assert!(files(&app, response).await.is_empty(), "nothing stored");
    assert!(!stored(&app, response).await.contains_key("policy"));
    assert_eq!(
        stored(&app, response).await["headcount"],
        10,
        "the rest saved"
    );
}

#[tokio::test]
async fn a_picture_named_pdf_is_kept_as_the_picture_it_is_and_only_the_right_people_download_it() {
    let app = TestApp::spawn_with_templates(&fixtures_dir()).await;
    let (link, response) = invite_supplier(&app, "Photo Co", "en").await;
    let (other_link, other_response) = invite_supplier(&app, "Other Co", "en").await;
    let res = post_with_files(
        &app,
        &link,
        &[("headcount", "10")],
        &[("policy", "scan.pdf", PNG)],
        "save",
    )
    .await;
    assert_eq!(res.status(), 303);
    let stored_files = files(&app, response).await;
    assert_eq!(stored_files.len(), 1);
    let (file, name, content_type) = stored_files[0].clone();
    assert_eq!(
        (name.as_str(), content_type.as_str()),
        ("scan.png", "image/png")
    );
    let res = app.get(&format!("{link}/evidence/{file}")).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "image/png");
    assert!(res.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains("scan.png"));
    assert_eq!(res.bytes().await.unwrap().as_ref(), PNG);

    // Another organisation's link: 404, with or without a file of its own.
    assert_eq!(
        app.get(&format!("{other_link}/evidence/{file}"))
            .await
            .status(),
        404
    );
    post_with_files(
        &app,
        &other_link,
        &[("headcount", "5")],
        &[("policy", "p.pdf", PDF)],
        "save",
    )
    .await;
    assert_eq!(files(&app, other_response).await.len(), 1);
    assert_eq!(
        app.get(&format!("{other_link}/evidence/{file}"))
            .await
            .status(),
        404
    );

    // Staff who may see answers, from the response the file belongs to only.
    let email = format!("committee-{}@example.com", Uuid::new_v4().simple());
    create_user(&app, &email, Role::Committee, Some(PASSWORD)).await;
    let staff = sign_in(&app, &email, PASSWORD).await;
    let get = |path: String| {
        let client = staff.client.clone();
        let url = app.url(&path);
        async move { client.get(url).send().await.unwrap() }
    };
    let res = get(format!("/staff/responses/{response}/evidence/{file}")).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "image/png");
    assert_eq!(res.bytes().await.unwrap().as_ref(), PNG);
    let res = get(format!("/staff/responses/{other_response}/evidence/{file}")).await;
    assert_eq!(res.status(), 404, "not through another response");
    // Anonymous: to the sign-in page.
    let res = crate::helpers::web_client()
        .get(app.url(&format!("/staff/responses/{response}/evidence/{file}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
}

/// A stand-in for clamd on a Unix socket: reads `zINSTREAM\0` and the chunks, answers
/// FOUND when the stream holds the EICAR test string, else OK.
pub(crate) async fn fake_clamd(path: &Path) -> tokio::task::JoinHandle<()> {
    let listener = tokio::net::UnixListener::bind(path).unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let mut command = [0u8; 10];
                stream.read_exact(&mut command).await.unwrap();
                assert_eq!(&command, b"zINSTREAM\0");
                let mut data = Vec::new();
                loop {
                    let mut len = [0u8; 4];
                    stream.read_exact(&mut len).await.unwrap();
                    let len = u32::from_be_bytes(len) as usize;
                    if len == 0 {
                        break;
                    }
                    let mut chunk = vec![0u8; len];
                    stream.read_exact(&mut chunk).await.unwrap();
                    data.extend(chunk);
                }
                let eicar = b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE";
                let reply: &[u8] = if data.windows(eicar.len()).any(|w| w == eicar) {
                    b"stream: Eicar-Test-Signature FOUND\0"
                } else {
                    b"stream: OK\0"
                };
                stream.write_all(reply).await.unwrap();
            });
        }
    })
}

#[tokio::test]
async fn with_clamd_configured_an_infected_upload_is_refused_and_a_clean_one_kept() {
    let dir = tempfile::tempdir().unwrap();
    let socket: PathBuf = dir.path().join("clamd.sock");
    let clamd = fake_clamd(&socket).await;
    let app = TestApp::spawn_with_settings(
        &fixtures_dir(),
        &[("HRDD_CLAMD_SOCKET", socket.display().to_string())],
    )
    .await;
    let (link, response) = invite_supplier(&app, "Scanned Ltd", "en").await;
    let mut infected = PDF.to_vec();
    infected.extend_from_slice(
        b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*",
    );
    let res = post_with_files(
        &app,
        &link,
        &valid(),
        &[("policy", "p.pdf", &infected)],
        "submit",
    )
    .await;
    assert_eq!(res.status(), 422, "not submitted with a refused file");
    let html = res.text().await.unwrap();
    assert!(
        html.contains(r#"<p class="error" id="e-policy">The virus scan found malware in this file; it was not accepted.</p>"#),
        "{html}"
    );
    assert!(files(&app, response).await.is_empty());
    assert_eq!(
        stored(&app, response).await["notes"],
        JAPANESE_NOTE,
        "the rest saved"
    );

    let res = post_with_files(
        &app,
        &link,
        &[("headcount", "10")],
        &[("policy", "p.pdf", PDF)],
        "save",
    )
    .await;
    assert_eq!(res.status(), 303);
    assert_eq!(files(&app, response).await.len(), 1);

    // clamd gone: nothing unscanned is taken.
    clamd.abort();
    std::fs::remove_file(&socket).unwrap();
    let res = post_with_files(
        &app,
        &link,
        &[("headcount", "10")],
        &[("policy", "q.pdf", PDF)],
        "save",
    )
    .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("could not be checked for viruses"), "{html}");
    let kept = files(&app, response).await;
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].1, "p.pdf", "the file on record stays");
}

/// The worker reads the receipts of a whole batch of receipt emails at once (one
/// transaction); each email still carries its own response's receipt: its
/// organisation and fingerprint, and no other's.
#[tokio::test]
async fn a_batch_of_receipt_emails_each_carries_its_own_receipt() {
    use hrdd_survey::db::schema::jobs;
    use hrdd_survey::jobs::run_due;
    // Nobody listens at first: the service's own worker tries each receipt once, then
    // leaves it for later.
    let down = format!("smtp://127.0.0.1:{}", crate::mail::free_port());
    let app = TestApp::spawn_with_settings(
        &fixtures_dir(),
        &[
            ("SMTP_URL", down),
            ("HRDD_JOB_POLL_SECONDS", "3600".to_string()),
        ],
    )
    .await;
    let names = ["大阪繊維", "Leeds Mills", "神戸ボタン"];
    let mut responses = Vec::new();
    for (name, lang) in names.iter().zip(["ja", "en", "ja"]) {
        let (link, response) = invite_supplier(&app, name, lang).await;
        let res = app.post_form(&link, &valid(), "submit").await;
        assert_eq!(res.status(), 303);
        responses.push(response);
    }
    let mut conn = app.db.conn().await;
    let waiting = std::time::Instant::now();
    loop {
        let tried: i64 = jobs::table
            .filter(jobs::purpose.eq("receipt"))
            .filter(jobs::state.eq("pending"))
            .filter(jobs::last_error.is_not_null())
            .count()
            .get_result(&mut conn)
            .await
            .unwrap();
        if tried == 3 {
            break;
        }
        assert!(waiting.elapsed() < crate::helpers::MAIL_WAIT);
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }

    // The server is back: one worker's pass takes the three in one batch.
    let smtp = SmtpServer::start().await;
    diesel::update(jobs::table.filter(jobs::purpose.eq("receipt")))
        .set(jobs::run_at.eq(chrono::Utc::now()))
        .execute(&mut conn)
        .await
        .unwrap();
    let worker = app
        .campaign_worker(&smtp.url())
        .with_receipts(app.state.registry.clone(), app.state.receipt_font.clone());
    let stats = run_due(&worker).await.unwrap();
    assert_eq!(stats.done, 3, "{stats:?}");
    let messages = smtp.wait_for(3).await;
    assert_eq!(messages.len(), 3);
    for (name, response) in names.iter().zip(&responses) {
        let own = fingerprint(&app, *response).await;
        let texts: Vec<String> = messages
            .iter()
            .map(|m| pdf_text(&attachment(m, "application/pdf").expect("a PDF")))
            .filter(|t| t.contains(name))
            .collect();
        assert_eq!(texts.len(), 1, "one receipt names {name}");
        assert!(
            texts[0].contains(&own),
            "{name}'s own fingerprint: {}",
            texts[0]
        );
        for other in names.iter().filter(|n| *n != name) {
            assert!(!texts[0].contains(other), "{name}'s receipt names {other}");
        }
    }
    smtp.stop().await;
}

#[tokio::test]
async fn a_receipt_downloaded_again_is_the_same_and_follows_a_change_of_its_facts() {
    let app = TestApp::spawn_with_templates(&fixtures_dir()).await;
    let (link, response) = invite_supplier(&app, "Kept Supplier Ltd", "en").await;
    assert_eq!(app.post_form(&link, &valid(), "submit").await.status(), 303);
    let download = || async {
        let res = app.get(&format!("{link}/receipt.pdf?lang=en")).await;
        assert_eq!(res.status(), 200);
        res.bytes().await.unwrap().to_vec()
    };
    let first = download().await;
    assert!(!pdf_text(&first).contains("Renamed Supplier KK"));
    assert_eq!(download().await, first, "the same receipt, byte for byte");

    // The organisation renamed: the next download names it as it is now.
    {
        use hrdd_survey::db::schema::organisations;
        let mut conn = app.db.conn().await;
        let org: Uuid = responses::table
            .find(response)
            .select(responses::organisation_id)
            .first(&mut conn)
            .await
            .unwrap();
        diesel::update(organisations::table.find(org))
            .set(organisations::name.eq("Renamed Supplier KK"))
            .execute(&mut conn)
            .await
            .unwrap();
    }
    let renamed = pdf_text(&download().await);
    assert!(renamed.contains("Renamed Supplier KK"), "{renamed}");
    assert!(renamed.contains(&fingerprint(&app, response).await));
}
