//! The audit log page as the committee and auditors use it: filtered by action, actor,
//! subject and dates, 100 entries a page with links to older ones, each entry linked to
//! its subject; the filtered entries exported; the signed heads checked at every view;
//! the whole log verified on demand and daily, each verification recorded with who
//! asked, and a change deep in the log found by it.

use crate::audit_chain::{append_one, entries, sql};
use crate::auth::{create_user, sign_in, PASSWORD};
use crate::helpers::TestApp;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use hrdd_survey::auth::permissions::Role;
use hrdd_survey::db::audit::Actor;
use hrdd_survey::db::schema::{audit_log, jobs};
use serde_json::json;

/// A staff page's HTML.
async fn view(app: &TestApp, who: &crate::auth::Session, path: &str) -> String {
    who.get(app, path).await.text().await.unwrap()
}

/// The entry ids listed on a page (the first cell of each row).
fn listed_ids(page: &str) -> Vec<i64> {
    page.split("<tr><td>")
        .skip(1)
        .filter_map(|row| row.split("</td>").next()?.parse().ok())
        .collect()
}

/// The `href` of the link labelled `label`.
fn link(page: &str, label: &str) -> Option<String> {
    let at = page.find(&format!(">{label}</a>"))?;
    let start = page[..at].rfind("href=\"")? + 6;
    let end = start + page[start..].find('"')?;
    Some(page[start..end].replace("&amp;", "&").replace("&#38;", "&"))
}

#[tokio::test]
async fn the_audit_page_filters_pages_links_and_exports_the_entries() {
    let app = TestApp::spawn().await;
    create_user(&app, "auditor@example.com", Role::Admin, Some(PASSWORD)).await;
    let auditor = sign_in(&app, "auditor@example.com", PASSWORD).await;
    let res = app
        .post_json(
            "/api/v1/organisations",
            &json!({"kind": "supplier", "name": "Filtered Ltd", "country": "VN"}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let org: serde_json::Value = res.json().await.unwrap();
    let org_id = org["id"].as_str().unwrap().to_string();
    let key = app.state.audit_key.clone();
    let mut conn = app.db.conn().await;
    for i in 0..130 {
        append_one(
            &mut conn,
            &key,
            Actor::System,
            "test.paged",
            format!("p{i}"),
        )
        .await;
    }

    // Unfiltered: the newest 100, newest first, and a link to the older ones.
    let page = view(&app, &auditor, "/staff/audit").await;
    let first = listed_ids(&page);
    assert_eq!(first.len(), 100, "{page}");
    assert!(first.windows(2).all(|w| w[0] > w[1]), "newest first");
    let older = link(&page, "Older entries").expect("a link to older entries");
    let page2 = view(&app, &auditor, &older).await;
    let second = listed_ids(&page2);
    assert!(
        !second.is_empty() && second[0] < *first.last().unwrap(),
        "{older}: {second:?} after {first:?}"
    );
    assert!(link(&page2, "Newest entries").is_some());
    let total = entries(&mut conn).await;
    let mut all = first.clone();
    let mut next = Some(older);
    while let Some(href) = next {
        let p = view(&app, &auditor, &href).await;
        all.extend(listed_ids(&p));
        next = link(&p, "Older entries");
    }
    assert_eq!(all.len(), total, "every entry on exactly one page");

    // By action (a prefix), keeping the filter across pages.
    let page = view(&app, &auditor, "/staff/audit?action=test.").await;
    assert_eq!(listed_ids(&page).len(), 100);
    let older = link(&page, "Older entries").unwrap();
    assert!(older.contains("action=test."), "{older}");
    let page2 = view(&app, &auditor, &older).await;
    assert_eq!(listed_ids(&page2).len(), 30, "{older}");
    assert!(!page2.contains("organisation.created"));

    // By subject: the organisation's history, its entry linked to its page.
    let page = auditor
        .get(
            &app,
            &format!("/staff/audit?subject_type=organisation&subject_id={org_id}"),
        )
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(listed_ids(&page).len(), 1, "{page}");
    assert!(page.contains(&format!("href=\"/staff/organisations/{org_id}\"")));
    assert!(page.contains("<option value=\"organisation\" selected>Organisation</option>"));
    assert!(
        page.contains(&format!(">Organisation {org_id}</a>")),
        "the subject as a person reads it: {page}"
    );

    // By actor: the system, or a staff member by email (nobody's email matches nothing).
    let page = view(
        &app,
        &auditor,
        "/staff/audit?actor=system&action=test.paged",
    )
    .await;
    assert_eq!(listed_ids(&page).len(), 100);
    let page = view(&app, &auditor, "/staff/audit?actor=nobody%40example.com").await;
    assert!(page.contains("No entry matches this filter."), "{page}");

    // By dates: today has everything, yesterday nothing; a bad date is shown by its field.
    let today = chrono::Utc::now().date_naive();
    let yesterday = today - chrono::Duration::days(1);
    let page = auditor
        .get(
            &app,
            &format!("/staff/audit?action=test.paged&from={today}&to={today}"),
        )
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(listed_ids(&page).len(), 100);
    let page = view(&app, &auditor, &format!("/staff/audit?to={yesterday}")).await;
    assert!(page.contains("No entry matches this filter."));
    let res = auditor.get(&app, "/staff/audit?from=31/12/2026").await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains("id=\"from-error\""), "{page}");
    assert!(page.contains("not a date (31/12/2026): use YYYY-MM-DD"));
    assert!(page.contains("aria-invalid=\"true\""));
    let res = auditor
        .get(
            &app,
            &format!("/staff/audit?action=test.&from={today}&to={yesterday}"),
        )
        .await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(
        page.contains("To (inclusive): the end is before the start"),
        "{page}"
    );
    assert!(
        listed_ids(&page).is_empty() && !page.contains("Download every entry"),
        "a filter that cannot be read lists nothing: {page}"
    );
    // A NUL, a year out of range, an unreadable page start: a page that says what is
    // wrong, never an error page; a repeated field counts once.
    for (query, says) in [
        ("action=%00", "Action starts with: contains a character"),
        ("subject_id=a%00b", "Subject id: contains a character"),
        ("from=-2026-01-01", "From: not a date"),
        ("before=abc", "Older entries: not an entry number"),
    ] {
        let res = auditor.get(&app, &format!("/staff/audit?{query}")).await;
        assert_eq!(res.status(), 422, "{query}");
        assert!(res.text().await.unwrap().contains(says), "{query}");
    }
    let res = auditor
        .get(&app, "/staff/audit?action=test.&action=zzz")
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(listed_ids(&res.text().await.unwrap()).len(), 100);

    // The export: the filter's entries, every one (not a page), every stored column.
    let page = view(&app, &auditor, "/staff/audit?action=test.paged").await;
    let csv_href = link(&page, "Download every entry of this filter (CSV)").unwrap();
    assert!(csv_href.starts_with("/staff/exports/audit?action=test.paged"));
    let res = auditor.get(&app, &csv_href).await;
    assert_eq!(res.status(), 200);
    let csv = res.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(csv.trim_start_matches('\u{feff}').as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(header[0], "id");
    assert!(header.contains(&"prev_hash".to_string()));
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 130);
    assert!(rows
        .iter()
        .all(|r| &r[5] == "test.paged" && &r[2] == "system"));
    let res = auditor.get(&app, "/staff/exports/audit?format=xlsx").await;
    assert_eq!(res.status(), 200);
    assert!(res.bytes().await.unwrap().starts_with(b"PK"));

    // A viewer may not read the log, export it or verify it.
    create_user(&app, "viewer@example.com", Role::Viewer, Some(PASSWORD)).await;
    let viewer = sign_in(&app, "viewer@example.com", PASSWORD).await;
    let res = viewer.get(&app, "/staff/audit").await;
    assert_eq!(res.status(), 403);
    let page = res.text().await.unwrap();
    assert!(
        page.contains("Not allowed")
            && page.contains("Your role does not allow this.")
            && page.contains("Back to the overview"),
        "the staff area's own page, with the way back: {page}"
    );
    assert_eq!(viewer.get(&app, "/staff/exports/audit").await.status(), 403);
    assert_eq!(
        viewer.post(&app, "/staff/audit/verify", &[]).await.status(),
        403
    );
}

#[tokio::test]
async fn verifying_the_whole_log_is_recorded_and_finds_a_change_the_heads_cannot() {
    let app = TestApp::spawn().await;
    create_user(&app, "auditor@example.com", Role::Admin, Some(PASSWORD)).await;
    let auditor = sign_in(&app, "auditor@example.com", PASSWORD).await;
    let key = app.state.audit_key.clone();
    let mut conn = app.db.conn().await;
    for i in 0..20 {
        append_one(&mut conn, &key, Actor::System, "test.deep", format!("d{i}")).await;
    }
    let page = view(&app, &auditor, "/staff/audit").await;
    assert!(
        page.contains("The whole log has not been verified yet"),
        "{page}"
    );

    // Verify now: a job (one at a time), recorded in the log by this member, with the
    // count; the page says it is under way until it is done.
    let n = entries(&mut conn).await;
    let res = auditor.post(&app, "/staff/audit/verify", &[]).await;
    assert_eq!(res.status(), 303);
    let page = until(&app, &auditor, "by auditor@example.com: all").await;
    assert!(
        page.contains(&format!("all {n} entries were intact")),
        "{page}"
    );
    assert!(!page.contains("id=\"under-way\""), "{page}");
    let recorded: (String, Option<String>) = audit_log::table
        .filter(audit_log::action.eq("audit.verified"))
        .select((audit_log::actor_kind, audit_log::actor_id))
        .first(&mut conn)
        .await
        .unwrap();
    assert_eq!(recorded.0, "staff");

    // A superuser rewrites an entry in the middle (triggers off): the heads still
    // match, so the page's quick check cannot see it; the full verification does.
    sql(&mut conn, "SET session_replication_role = replica").await;
    let changed = sql(
        &mut conn,
        "UPDATE audit_log SET details = '{\"rewritten\": true}' \
          WHERE id = (SELECT id FROM audit_log WHERE action = 'test.deep' AND subject_id = 'd5')",
    )
    .await;
    assert_eq!(changed, 1);
    let id: i64 = audit_log::table
        .filter(audit_log::subject_id.eq("d5"))
        .select(audit_log::id)
        .first(&mut conn)
        .await
        .unwrap();
    let page = view(&app, &auditor, "/staff/audit").await;
    assert!(page.contains("matches its signed head"), "{page}");
    auditor.post(&app, "/staff/audit/verify", &[]).await;
    let page = until(&app, &auditor, "WARNING: the last full verification (").await;
    assert!(
        page.contains(&format!(
            "the hash chain breaks at entry {id}: the log was altered"
        )),
        "{page}"
    );

    // The record of a verification is itself checked at every view, up to the signed
    // head: rewritten to say "intact" (with a later entry, so the heads still match),
    // it is reported.
    append_one(&mut conn, &key, Actor::System, "test.after", "a".into()).await;
    sql(
        &mut conn,
        "UPDATE audit_log SET details = '{\"entries\": 20, \"finding\": null}' \
          WHERE id = (SELECT max(id) FROM audit_log WHERE action = 'audit.verified')",
    )
    .await;
    let page = view(&app, &auditor, "/staff/audit").await;
    assert!(page.contains("matches its signed head"), "{page}");
    assert!(
        page.contains("WARNING: the record of the last full verification (")
            && page.contains("was altered (the hash chain breaks at entry"),
        "{page}"
    );
}

/// The audit page once it contains `needle` (the verification runs as a job), within
/// 30 seconds.
async fn until(app: &TestApp, who: &crate::auth::Session, needle: &str) -> String {
    let mut page = String::new();
    for _ in 0..150 {
        page = view(app, who, "/staff/audit").await;
        if page.contains(needle) {
            return page;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    panic!("no {needle:?} on the audit page: {page}");
}

#[tokio::test]
async fn the_daily_check_verifies_the_log_as_the_system_once_a_day() {
    let app = TestApp::spawn().await;
    let worker = app.worker("smtp://127.0.0.1:9");
    let mut conn = app.db.conn().await;
    // Queued for an hour later (not during start-up), once.
    assert!(
        hrdd_survey::jobs::audit_verify::ensure_queued(&worker)
            .await
            .unwrap()
            || pending_verifications(&mut conn).await == 1
    );
    assert!(!hrdd_survey::jobs::audit_verify::ensure_queued(&worker)
        .await
        .unwrap());
    assert_eq!(pending_verifications(&mut conn).await, 1);
    hrdd_survey::jobs::run_due(&worker).await.unwrap();
    assert_eq!(verified_by_system(&mut conn).await, 0, "not due yet");

    // An hour on, it runs and records itself as the system's.
    diesel::update(jobs::table.filter(jobs::kind.eq("audit_verify")))
        .set(jobs::run_at.eq(chrono::Utc::now()))
        .execute(&mut conn)
        .await
        .unwrap();
    let stats = hrdd_survey::jobs::run_due(&worker).await.unwrap();
    assert!(stats.done >= 1, "{stats:?}");
    assert_eq!(verified_by_system(&mut conn).await, 1);
    // The next one waits for a day after it.
    assert!(!hrdd_survey::jobs::audit_verify::ensure_queued(&worker)
        .await
        .unwrap());
}

async fn pending_verifications(conn: &mut diesel_async::AsyncPgConnection) -> i64 {
    jobs::table
        .filter(jobs::kind.eq("audit_verify"))
        .filter(jobs::state.eq("pending"))
        .count()
        .get_result(conn)
        .await
        .unwrap()
}

async fn verified_by_system(conn: &mut diesel_async::AsyncPgConnection) -> i64 {
    audit_log::table
        .filter(audit_log::action.eq("audit.verified"))
        .filter(audit_log::actor_kind.eq("system"))
        .count()
        .get_result(conn)
        .await
        .unwrap()
}

/// A supplier's entry names the contact by email, as a staff member's does (it showed
/// "contact 70e95e92-…", found walking the committee's path).
#[tokio::test]
async fn a_suppliers_entry_names_the_contact() {
    let app = TestApp::spawn_with_templates(&crate::helpers::fixtures_dir()).await;
    let (org, contact) = app.supplier("Named Contact KK", "en").await;
    let campaign = app.campaign("mini").await;
    let (link, _) = app.invite(&campaign, &org, &contact).await;
    let res = app
        .post_form(
            &link,
            &[
                ("headcount", "12"),
                ("passports", "worker"),
                ("fees_paid", "no"),
                ("weekly_hours", "48"),
            ],
            "submit",
        )
        .await;
    assert_eq!(res.status(), 303);
    let mut conn = app.db.conn().await;
    let email: String = hrdd_survey::db::schema::contacts::table
        .filter(hrdd_survey::db::schema::contacts::id.eq(uuid::Uuid::parse_str(&contact).unwrap()))
        .select(hrdd_survey::db::schema::contacts::email)
        .first(&mut conn)
        .await
        .unwrap();
    create_user(&app, "auditor-c@example.com", Role::Admin, Some(PASSWORD)).await;
    let auditor = sign_in(&app, "auditor-c@example.com", PASSWORD).await;
    let page = view(&app, &auditor, "/staff/audit?action=response.submitted").await;
    assert!(page.contains(&format!("contact {email}")), "{page}");
}
