//! The staff outbox viewer (`SMTP_URL` unset): procurement reads the invitation a
//! campaign sent and its link opens the form; file names cannot leave the folder; the
//! HTML part is never rendered in our origin.

use crate::auth::{create_user, sign_in, PASSWORD};
use crate::helpers::{templates_dir, TestApp};
use hrdd_survey::auth::permissions::Role;
use hrdd_survey::jobs::campaign_mail;
use std::time::{Duration, Instant};

#[tokio::test]
async fn the_outbox_page_shows_the_invitation_and_its_link_opens_the_form() {
    let data = tempfile::tempdir().unwrap();
    let app = TestApp::spawn_with_settings(
        &templates_dir(),
        &[
            ("HRDD_DATA_DIR", data.path().display().to_string()),
            ("HRDD_SENDER_COMPANY", "Acme Apparel".to_string()),
        ],
    )
    .await;
    let campaign = app.campaign("forced-labour").await;
    let (org, contact) = app.supplier("Outbox Supplier", "en").await;
    let (link, response) = app.invite(&campaign, &org, &contact).await;

    // Queue the invitation email as a launch does, and wake the application's worker.
    {
        use diesel::prelude::*;
        use diesel_async::RunQueryDsl;
        use hrdd_survey::db::schema::invitations;
        let mut conn = app.state.pool.get().await.unwrap();
        let invitation: uuid::Uuid = invitations::table
            .filter(invitations::response_id.eq(response.parse::<uuid::Uuid>().unwrap()))
            .select(invitations::id)
            .first(&mut conn)
            .await
            .unwrap();
        campaign_mail::queue_invitation(&mut conn, &app.state.jobs, invitation)
            .await
            .unwrap()
            .expect("queued");
        app.state.jobs.wake();
    }
    let outbox = data.path().join("outbox");
    let started = Instant::now();
    let name = loop {
        let files: Vec<String> = std::fs::read_dir(&outbox)
            .map(|d| {
                d.flatten()
                    .map(|e| e.file_name().into_string().unwrap())
                    .filter(|n| hrdd_survey::services::outbox::valid_name(n))
                    .collect()
            })
            .unwrap_or_default();
        if let Some(f) = files.into_iter().next() {
            break f;
        }
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "no .eml written"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };

    create_user(&app, "buyer@example.com", Role::Procurement, Some(PASSWORD)).await;
    let buyer = sign_in(&app, "buyer@example.com", PASSWORD).await;
    let list = buyer.get(&app, "/staff/outbox").await;
    assert_eq!(list.status(), 200);
    let list = list.text().await.unwrap();
    assert!(
        list.contains(&format!(r#"href="/staff/outbox/{name}""#)),
        "{list}"
    );
    assert!(
        list.contains("Test campaign: questionnaire for Outbox Supplier"),
        "{list}"
    );

    let page = buyer.get(&app, &format!("/staff/outbox/{name}")).await;
    assert_eq!(page.status(), 200);
    let page = page.text().await.unwrap();
    let full_link = app.url(&link);
    assert!(
        page.contains(&format!(r#"<a href="{full_link}">{full_link}</a>"#)),
        "{page}"
    );
    assert!(page.contains("Acme Apparel"));
    assert!(page.contains("auto-generated"));
    // The HTML part is escaped source, not markup of our page.
    assert!(!page.contains(r#"<table role="presentation""#));
    assert!(
        page.contains("&#60;table role=&#34;presentation&#34;"),
        "{page}"
    );

    // Its link opens the form.
    let form = app.client.get(&full_link).send().await.unwrap();
    assert_eq!(form.status(), 200);

    // Names that leave the folder, or are not outbox files, are not found.
    for bad in [
        "..%2Fsecret_key",
        "%2E%2E%2Fsecret_key",
        "secret_key",
        "00000000-0000-0000-0000-000000000000.eml",
    ] {
        let res = buyer.get(&app, &format!("/staff/outbox/{bad}")).await;
        assert_eq!(res.status(), 404, "{bad}");
        let body = res.text().await.unwrap();
        assert!(!body.contains("test-secret-key"), "{bad}");
    }

    // A launch to thousands writes thousands of files: the page lists the newest and
    // says how many there are.
    assert!(!list.contains("outbox-count"), "{list}");
    let limit = hrdd_survey::services::outbox::LIST_LIMIT;
    let message = std::fs::read(outbox.join(&name)).unwrap();
    for _ in 0..limit + 1 {
        std::fs::write(
            outbox.join(format!("{}.eml", uuid::Uuid::new_v4())),
            &message,
        )
        .unwrap();
    }
    let list = buyer.get(&app, "/staff/outbox").await.text().await.unwrap();
    assert!(
        list.contains(&format!(
            r#"<p id="outbox-count">The newest {limit} of {} messages are listed;"#,
            hrdd_survey::email::written::count_text(limit + 2, hrdd_survey::domain::i18n::Lang::En)
        )),
        "{list}"
    );
    assert_eq!(list.matches(r#"<a href="/staff/outbox/"#).count(), limit);

    // Viewers may not read the outbox.
    create_user(&app, "viewer@example.com", Role::Viewer, Some(PASSWORD)).await;
    let viewer = sign_in(&app, "viewer@example.com", PASSWORD).await;
    assert_eq!(viewer.get(&app, "/staff/outbox").await.status(), 403);
}

/// A password reset is never on the outbox page: procurement could otherwise ask for an
/// admin's reset and follow its link (a take-over found by a security review). The
/// message is written to `outbox/account/`, which no page lists or opens.
#[tokio::test]
async fn password_resets_stay_off_the_outbox_page() {
    let data = tempfile::tempdir().unwrap();
    let app = TestApp::spawn_with_settings(
        &templates_dir(),
        &[("HRDD_DATA_DIR", data.path().display().to_string())],
    )
    .await;
    create_user(&app, "boss@example.com", Role::Admin, Some(PASSWORD)).await;
    create_user(&app, "buyer@example.com", Role::Procurement, Some(PASSWORD)).await;
    let buyer = sign_in(&app, "buyer@example.com", PASSWORD).await;
    crate::mail::request_reset(&app, &crate::helpers::web_client(), "boss@example.com").await;

    let account = data
        .path()
        .join("outbox")
        .join(hrdd_survey::email::ACCOUNT_FOLDER);
    let started = Instant::now();
    let name = loop {
        let found = std::fs::read_dir(&account)
            .map(|d| {
                d.flatten()
                    .map(|e| e.file_name().into_string().unwrap())
                    .find(|n| hrdd_survey::services::outbox::valid_name(n))
            })
            .unwrap_or_default();
        if let Some(name) = found {
            break name;
        }
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "the reset email was written to {}",
            account.display()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let eml = std::fs::read_to_string(account.join(&name)).unwrap();
    assert!(eml.contains("/password/reset/"), "{eml}");

    let list = buyer.get(&app, "/staff/outbox").await;
    assert_eq!(list.status(), 200);
    let list = list.text().await.unwrap();
    assert!(!list.contains(&name), "{list}");
    assert!(!list.contains("boss@example.com"), "{list}");
    for path in [
        format!("/staff/outbox/{name}"),
        format!("/staff/outbox/account%2F{name}"),
        "/staff/outbox/account".to_string(),
    ] {
        let res = buyer.get(&app, &path).await;
        assert_eq!(res.status(), 404, "{path}");
        assert!(!res.text().await.unwrap().contains("/password/reset/"));
    }
}
