//! The rest of issue 10: the corrective-action export (CSV and XLSX, its columns), a
//! clarification re-scored like a submission (with the inherent value recorded with
//! the response), and staff uploads of plan evidence through the clamd hook and the
//! by-content type check.

use crate::exports::parse_csv;
use crate::helpers::{templates_dir, TestApp};
use crate::remedy::{member, submitted};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use hrdd_survey::auth::permissions::Role;
use hrdd_survey::db::schema::{
    action_plan_evidence, action_plans, clarification_items, clarification_requests, flags,
};
use std::path::PathBuf;
use uuid::Uuid;

#[tokio::test]
async fn corrective_actions_export_as_csv_and_xlsx_with_their_flag_and_remedy_facts() {
    let app = TestApp::spawn().await;
    hrdd_survey::demo::seed(&app.state).await.unwrap();
    let (_, viewer) = member(&app, Role::Viewer).await;

    let page = viewer
        .get(&app, "/staff/exports")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(r#"action="/staff/exports/action-plans""#),
        "{page}"
    );

    let res = viewer
        .get(&app, "/staff/exports/action-plans?format=csv&lang=ja")
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "text/csv; charset=utf-8");
    assert!(res.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment; filename=\"action-plans-ja"));
    let rows = parse_csv(&res.bytes().await.unwrap());
    assert_eq!(
        rows[0],
        [
            "Plan id",
            "Flag id",
            "Organisation",
            "Reference",
            "Kind",
            "Country",
            "Campaign",
            "Question id",
            "Question",
            "Indicator",
            "Band",
            "Score",
            "Knock-out",
            "Flag status",
            "Plan status",
            "Root cause",
            "Actions",
            "Owner",
            "Start date",
            "Due date",
            "Overdue",
            "Created (UTC)",
            "Created by",
            "Completed (UTC)",
            "Verified (UTC)",
            "Verified by",
            "Evidence files",
            "Workers affected",
            "Fees repaid",
            "Fees currency",
            "Workers repaid",
            "Fees repaid on",
            "Documents returned",
            "Documents returned on",
            "Cancelled (UTC)",
            "Cancelled by",
            "Cancel reason",
        ]
    );
    assert_eq!(rows.len(), 3, "a header and the demo's two plans: {rows:?}");
    let fees = rows
        .iter()
        .find(|r| r[7] == "recruitment_fees_paid")
        .expect("the recruitment-fee plan");
    assert_eq!(
        fees[2],
        "Illustrative supplier – Binh Duong garments (demo)"
    );
    assert_eq!(fees[5], "VN");
    assert_eq!(
        (fees[9].as_str(), fees[10].as_str()),
        ("debt_bondage", "critical")
    );
    assert_eq!(fees[12], "yes");
    assert_eq!(fees[13], "action_in_progress");
    assert_eq!(fees[14], "in_progress");
    assert!(
        fees[8].starts_with("現在当拠点で就労している労働者の中に"),
        "the question in the chosen language: {fees:?}"
    );
    assert!(fees[17].starts_with("supplier contact: binhduong.contact@example.com"));
    assert_eq!(fees[20], "no", "due in 14 days");
    assert_eq!(fees[22], "committee.a@example.com");
    assert_eq!(
        &fees[27..=30],
        ["18", "21600.00", "USD", "12"],
        "remedy facts as numbers"
    );
    assert_eq!(fees[32], "18");
    let phones = rows
        .iter()
        .find(|r| r[7] == "phone_custody")
        .expect("the phone plan");
    assert_eq!(phones[20], "yes", "past its due date and not done");
    assert!(phones[17].starts_with("staff: committee.b@example.com"));
    assert_eq!(phones[27], "", "no remedy fact recorded: empty, not 0");

    // One campaign only; XLSX.
    let mut conn = app.db.conn().await;
    let other: Uuid = hrdd_survey::db::schema::campaigns::table
        .filter(hrdd_survey::db::schema::campaigns::name.like("%production-site%"))
        .select(hrdd_survey::db::schema::campaigns::id)
        .first(&mut conn)
        .await
        .unwrap();
    let res = viewer
        .get(
            &app,
            &format!("/staff/exports/action-plans?campaign={other}"),
        )
        .await;
    assert_eq!(
        parse_csv(&res.bytes().await.unwrap()).len(),
        1,
        "no plan there"
    );
    let res = viewer
        .get(&app, "/staff/exports/action-plans?format=xlsx")
        .await;
    assert_eq!(res.status(), 200);
    assert!(res.bytes().await.unwrap().starts_with(b"PK\x03\x04"));
    let res = viewer
        .get(&app, "/staff/exports/action-plans?format=pdf")
        .await;
    assert_eq!(res.status(), 422);
}

#[tokio::test]
async fn a_clarification_is_rescored_with_the_inherent_value_of_the_submission() {
    let app = TestApp::spawn_with_templates(&crate::helpers::fixtures_dir()).await;
    {
        let mut conn = app.state.pool.get().await.unwrap();
        hrdd_survey::services::inherent_risk::import(
            &mut conn,
            &app.state.audit_key,
            &hrdd_survey::db::audit::Actor::System,
            Some("illustrative.csv"),
            b"country,sector,value,source,year\nJP,electronics,5,Illustrative test value,2025\n",
        )
        .await
        .unwrap();
    }
    // A JP electronics supplier: passports kept by the employer, likelihood 4 + 2.
    let (link, response, _) = submitted(&app).await;
    let mut conn = app.db.conn().await;
    let stored: i16 = flags::table
        .filter(flags::response_id.eq(response))
        .filter(flags::question_id.eq("passports"))
        .select(flags::score)
        .first(&mut conn)
        .await
        .unwrap();
    assert_eq!(stored, 20, "4 × (4 + 2 capped at 5)");
    let (_, a) = member(&app, Role::Committee).await;
    let res = a
        .post(
            &app,
            &format!("/staff/responses/{response}/clarifications"),
            &[("question.passports", "Who holds the passports now?")],
        )
        .await;
    assert_eq!(res.status(), 200);
    let before: i16 = clarification_requests::table
        .select(clarification_requests::score_before)
        .first(&mut conn)
        .await
        .unwrap();
    assert_eq!(before, stored, "scored as the submission was");

    // The supplier confirms the answer: the score stays what the submission gave.
    let page = app
        .client
        .get(app.url(&format!("{link}/clarification")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = crate::helpers::hidden_csrf(&page);
    let form = reqwest::multipart::Form::new()
        .text("csrf_token", csrf)
        .text("passports", "employer");
    let res = app
        .client
        .post(app.url(&format!("{link}/clarification")))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
    let after: (Option<i16>, Option<i32>) = clarification_requests::table
        .select((
            clarification_requests::score_after,
            clarification_requests::flags_after,
        ))
        .first(&mut conn)
        .await
        .unwrap();
    assert_eq!(after, (Some(20), Some(1)));
    let item: Option<i16> = clarification_items::table
        .select(clarification_items::score_after)
        .first(&mut conn)
        .await
        .unwrap();
    assert_eq!(item, Some(20));
}

#[tokio::test]
async fn staff_plan_evidence_goes_through_clamd_and_the_type_check() {
    let dir = tempfile::tempdir().unwrap();
    let socket: PathBuf = dir.path().join("clamd.sock");
    let clamd = crate::receipt::fake_clamd(&socket).await;
    let app = TestApp::spawn_with_settings(
        &templates_dir(),
        &[("HRDD_CLAMD_SOCKET", socket.display().to_string())],
    )
    .await;
    hrdd_survey::demo::seed(&app.state).await.unwrap();
    let mut conn = app.db.conn().await;
    let plan: Uuid = action_plans::table
        .inner_join(flags::table)
        .filter(flags::question_id.eq("recruitment_fees_paid"))
        .select(action_plans::id)
        .first(&mut conn)
        .await
        .unwrap();
    let (_, a) = member(&app, Role::Committee).await;
    let upload = |name: &'static str, bytes: Vec<u8>| {
        let form = reqwest::multipart::Form::new()
            .text("csrf_token", a.csrf.clone())
            .part(
                "evidence",
                reqwest::multipart::Part::bytes(bytes).file_name(name),
            );
        a.client
            .post(app.url(&format!("/staff/action-plans/{plan}/evidence")))
            .multipart(form)
            .send()
    };
    let files = || async {
        let mut conn = app.db.conn().await;
        action_plan_evidence::table
            .filter(action_plan_evidence::plan_id.eq(plan))
            .count()
            .get_result::<i64>(&mut conn)
            .await
            .unwrap()
    };
    let mut infected = b"%PDF-1.4 receipts\n".to_vec();
    infected.extend_from_slice(
        b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*",
    );
    let res = upload("receipts.pdf", infected).await.unwrap();
    assert_eq!(res.status(), 422);
    let body = res.text().await.unwrap();
    assert!(body.contains("The virus scan found malware"), "{body}");
    assert_eq!(files().await, 0);

    // Decided by content: an executable named .pdf is refused.
    let res = upload("receipts.pdf", b"MZ\x90\x00\x03\x00\x00\x00".to_vec())
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    assert_eq!(files().await, 0);

    let res = upload("receipts.pdf", b"%PDF-1.4 fees repaid".to_vec())
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(files().await, 1);

    // clamd gone: nothing unscanned is stored.
    clamd.abort();
    std::fs::remove_file(&socket).unwrap();
    let res = upload("more.pdf", b"%PDF-1.4 more".to_vec()).await.unwrap();
    assert_eq!(res.status(), 422);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("could not be checked for viruses"));
    assert_eq!(files().await, 1);
}

#[tokio::test]
async fn the_kept_counts_equal_the_counts_of_the_flags_themselves() {
    use diesel_async::SimpleAsyncConnection;
    use hrdd_survey::db::flag_queue::{counts, counts_by_scan, QueueFilter, StatusFilter};
    use hrdd_survey::domain::flag::FlagStatus;
    let app = TestApp::spawn().await;
    // Flags in several states, assigned and not, from the demo's submissions and
    // decisions; then an organisation moves country and kind, flags change state and
    // one is deleted (as only a database operator would).
    hrdd_survey::demo::seed(&app.state).await.unwrap();
    let mut conn = app.db.conn().await;
    let same = |mut a: Vec<hrdd_survey::db::flag_queue::FacetCount>,
                mut b: Vec<hrdd_survey::db::flag_queue::FacetCount>| {
        a.sort_by(|x, y| (&x.facet, &x.value).cmp(&(&y.facet, &y.value)));
        b.sort_by(|x, y| (&x.facet, &x.value).cmp(&(&y.facet, &y.value)));
        a.retain(|c| c.n != 0);
        b.retain(|c| c.n != 0);
        (a, b)
    };
    let check = |label: &'static str| {
        let app = &app;
        async move {
            let mut conn = app.state.pool.get().await.unwrap();
            for status in [
                StatusFilter::Open,
                StatusFilter::All,
                StatusFilter::Only(FlagStatus::InReview),
                StatusFilter::Only(FlagStatus::Closed),
            ] {
                let filter = QueueFilter {
                    status,
                    ..QueueFilter::default()
                };
                let kept = counts(&mut conn, &filter).await.unwrap();
                let scanned = counts_by_scan(&mut conn, &filter).await.unwrap();
                let (kept, scanned) = same(kept, scanned);
                assert!(!scanned.is_empty() || status != StatusFilter::All);
                assert_eq!(kept, scanned, "{label}, {status:?}");
            }
            let trend = hrdd_survey::db::flag_queue::per_campaign_and_band(&mut conn)
                .await
                .unwrap();
            let total: i64 = trend.iter().map(|t| t.n).sum();
            let flags: i64 = flags::table.count().get_result(&mut conn).await.unwrap();
            assert_eq!(total, flags, "{label}: the trend counts every flag");
        }
    };
    check("after the demo").await;
    conn.batch_execute(
        "UPDATE organisations SET country = 'TH', kind = 'production_base' \
          WHERE external_ref = 'demo-illustrative-jp-aichi'; \
         UPDATE flags SET status = 'closed' \
          WHERE id = (SELECT id FROM flags WHERE status = 'open' ORDER BY id LIMIT 1); \
         UPDATE flags SET assignee_id = (SELECT id FROM users ORDER BY email LIMIT 1), \
                          status = 'in_review' \
          WHERE id IN (SELECT id FROM flags WHERE status = 'open' ORDER BY id LIMIT 2); \
         DELETE FROM flags WHERE id = (SELECT id FROM flags WHERE status = 'open' \
                                        AND id NOT IN (SELECT flag_id FROM action_plans) \
                                        ORDER BY id DESC LIMIT 1);",
    )
    .await
    .unwrap();
    check("after changes").await;
    let counted: i64 = hrdd_survey::db::flag_queue::counts(&mut conn, &QueueFilter::default())
        .await
        .unwrap()
        .into_iter()
        .filter(|c| c.facet == "country" && c.value.as_deref() == Some("TH"))
        .map(|c| c.n)
        .sum();
    assert!(
        counted >= 5,
        "the moved organisation's flags count under TH: {counted}"
    );
    // Each flag carries its organisation's country and kind (migration …000160), and a
    // filtered count (from the flags' own columns) equals the count through the
    // organisations, for every country and kind filter alone and together.
    let astray: i64 = diesel::dsl::sql::<diesel::sql_types::BigInt>(
        "SELECT count(*) FROM flags f JOIN organisations o ON o.id = f.organisation_id \
          WHERE (f.country, f.kind) IS DISTINCT FROM (o.country, o.kind)",
    )
    .get_result(&mut conn)
    .await
    .unwrap();
    assert_eq!(astray, 0, "flags follow their organisation");
    use hrdd_survey::domain::states::OrganisationKind;
    for country in [None, Some("TH"), Some("JP"), Some("VN")] {
        for kind in [
            None,
            Some(OrganisationKind::Supplier),
            Some(OrganisationKind::ProductionBase),
        ] {
            let filter = QueueFilter {
                country: country.map(str::to_string),
                kind,
                status: StatusFilter::All,
                ..QueueFilter::default()
            };
            let total: i64 = counts(&mut conn, &filter)
                .await
                .unwrap()
                .into_iter()
                .filter(|c| c.facet == "total")
                .map(|c| c.n)
                .sum();
            let joined: i64 = diesel::sql_query(
                "SELECT count(*) AS n FROM flags f JOIN organisations o ON o.id = f.organisation_id \
                  WHERE ($1::text IS NULL OR o.country = $1) AND ($2::text IS NULL OR o.kind = $2)",
            )
            .bind::<diesel::sql_types::Nullable<diesel::sql_types::Text>, _>(country)
            .bind::<diesel::sql_types::Nullable<diesel::sql_types::Text>, _>(kind.map(|k| k.as_str()))
            .get_result::<Count>(&mut conn)
            .await
            .unwrap()
            .n;
            assert_eq!(total, joined, "{country:?} {kind:?}");
        }
    }
}

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}
