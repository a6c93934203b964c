//! The demo shows the committee's work (issue 10, item 8): after `serve --demo`'s
//! seeding, through the staff pages, the queue has flags of every band (computed by the
//! real rules from submitted answers), one in clarification, plans with remedy facts
//! (one overdue), the heat map and the dashboard count them, the organisations are in
//! every state; a second start adds nothing. And the pages in headless Chromium.

use crate::flag_queue::{cells_of, total_of};
use crate::flags::member;
use crate::helpers::TestApp;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use hrdd_survey::auth::permissions::Role;
use hrdd_survey::db::schema::{
    action_plan_remedies, action_plans, audit_log, campaigns, clarification_items,
    clarification_requests, flags, organisations, responses, users,
};

/// Rows that the committee's demo makes (a second seeding must not add any).
async fn made(app: &TestApp) -> [i64; 7] {
    let mut c = app.db.conn().await;
    [
        organisations::table
            .count()
            .get_result(&mut c)
            .await
            .unwrap(),
        responses::table.count().get_result(&mut c).await.unwrap(),
        flags::table.count().get_result(&mut c).await.unwrap(),
        clarification_requests::table
            .count()
            .get_result(&mut c)
            .await
            .unwrap(),
        action_plans::table
            .count()
            .get_result(&mut c)
            .await
            .unwrap(),
        users::table.count().get_result(&mut c).await.unwrap(),
        audit_log::table
            .filter(audit_log::action.eq("demo.deadline_backdated"))
            .count()
            .get_result(&mut c)
            .await
            .unwrap(),
    ]
}

#[tokio::test]
async fn a_restart_keeps_the_deadline_someone_walking_the_demo_moved() {
    let app = TestApp::spawn().await;
    hrdd_survey::demo::seed(&app.state).await.unwrap();
    let first = made(&app).await;
    // Someone walking the demo extends the overdue campaign: a restart keeps their date.
    let sites: uuid::Uuid = {
        let mut c = app.db.conn().await;
        campaigns::table
            .filter(campaigns::name.like("%production-site%"))
            .select(campaigns::id)
            .first(&mut c)
            .await
            .unwrap()
    };
    let extended = chrono::Utc::now().date_naive() + chrono::Duration::days(20);
    let res = app
        .post_json(
            &format!("/api/v1/campaigns/{sites}/deadline"),
            &serde_json::json!({"deadline": extended}),
        )
        .await;
    assert_eq!(res.status(), 200);
    hrdd_survey::demo::seed(&app.state).await.unwrap();
    let mut c = app.db.conn().await;
    let deadline: chrono::NaiveDate = campaigns::table
        .find(sites)
        .select(campaigns::deadline)
        .first(&mut c)
        .await
        .unwrap();
    assert_eq!(deadline, extended, "a restart does not backdate it again");
    assert_eq!(made(&app).await, first, "nothing added either");
}

#[tokio::test]
async fn the_demo_fills_every_committee_page_once() {
    let app = TestApp::spawn().await;
    hrdd_survey::demo::seed(&app.state).await.unwrap();
    let first = made(&app).await;
    assert_eq!(
        first[0], 9,
        "the quick-start supplier and eight illustrative ones"
    );
    assert_eq!((first[3], first[4], first[6]), (1, 2, 1));
    hrdd_survey::demo::seed(&app.state).await.unwrap();
    assert_eq!(made(&app).await, first, "a second start adds nothing");

    let viewer = member(&app, Role::Viewer, "Demo Viewer").await;
    // Every band, from the rules.
    for band in ["low", "medium", "high", "critical"] {
        let (status, page) = viewer
            .page(&app, &format!("/staff/flags?band={band}"))
            .await;
        assert_eq!(status, 200);
        assert!(total_of(&page) > 0, "no {band} flag in the demo");
    }
    let (_, queue) = viewer.page(&app, "/staff/flags").await;
    assert!(queue.contains("Illustrative supplier – Aichi auto parts (demo)"));
    let (_, asked) = viewer
        .page(&app, "/staff/flags?status=clarification_requested")
        .await;
    assert_eq!(total_of(&asked), 1, "one flag waits for the supplier");
    let (_, acting) = viewer
        .page(&app, "/staff/flags?status=action_in_progress")
        .await;
    assert_eq!(total_of(&acting), 2, "two flags with a plan under way");
    let (_, reviewed) = viewer.page(&app, "/staff/flags?status=in_review").await;
    assert_eq!(total_of(&reviewed), 1);

    // The question is kept with the answer it is about; the remedy facts are numbers.
    let mut c = app.db.conn().await;
    let question: String = clarification_items::table
        .select(clarification_items::question)
        .first(&mut c)
        .await
        .unwrap();
    assert!(question.contains("passports"), "{question}");
    let remedy: (Option<i32>, Option<i64>, Option<String>, Option<i32>) =
        action_plan_remedies::table
            .filter(action_plan_remedies::workers_affected.is_not_null())
            .select((
                action_plan_remedies::workers_affected,
                action_plan_remedies::fees_repaid_hundredths,
                action_plan_remedies::fees_currency,
                action_plan_remedies::documents_returned,
            ))
            .first(&mut c)
            .await
            .unwrap();
    assert_eq!(
        remedy,
        (Some(18), Some(2_160_000), Some("USD".into()), Some(18))
    );
    // Submissions in Japanese, Vietnamese and English.
    let languages: Vec<Option<String>> = responses::table
        .filter(responses::status.eq("submitted"))
        .select(responses::language)
        .order(responses::language)
        .load(&mut c)
        .await
        .unwrap();
    for lang in ["ja", "vi", "en"] {
        assert!(languages.contains(&Some(lang.into())), "{languages:?}");
    }

    // The heat map adds up to the queue, and is not empty.
    let (_, map) = viewer.page(&app, "/staff/heatmap").await;
    let sum: i64 = cells_of(&map).iter().map(|(_, n)| n).sum();
    assert!(sum > 0);
    assert_eq!(sum, total_of(&queue));

    // The dashboard: open critical flags and the overdue plan.
    let (_, dash) = viewer.page(&app, "/staff/dashboard").await;
    assert!(
        dash.contains(r#"<a class="tile card" id="overdue-plans" href="/staff/action-plans?show=overdue"><span class="num">1</span>"#),
        "{dash}"
    );
    // The tile opens the overdue plan, its days counted; the default list has both plans
    // under way, soonest due first; a made-up choice is refused by its field.
    let (_, overdue) = viewer.page(&app, "/staff/action-plans?show=overdue").await;
    let rows: Vec<&str> = overdue
        .split(r#"<tr><td data-label="Due">"#)
        .skip(1)
        .collect();
    assert_eq!(rows.len(), 1, "{overdue}");
    assert!(
        rows[0].contains("9 days overdue") && rows[0].contains("in progress"),
        "{overdue}"
    );
    assert!(
        rows[0].contains("href=\"/staff/action-plans/") && rows[0].contains("href=\"/staff/flags/")
    );
    let (_, pending) = viewer.page(&app, "/staff/action-plans").await;
    let rows: Vec<&str> = pending
        .split(r#"<tr><td data-label="Due">"#)
        .skip(1)
        .collect();
    assert_eq!(rows.len(), 2, "{pending}");
    assert!(rows[0].contains("days overdue") && !rows[1].contains("overdue"));
    // The other says how soon it is due (the demo's plan: 14 days from today).
    assert!(
        !rows[0].contains(r#"<span class="meta">(in"#)
            && rows[1].contains(r#"<span class="meta">(in 14 days)</span>"#),
        "{}",
        rows[1]
    );
    let (_, to_verify) = viewer
        .page(&app, "/staff/action-plans?show=to_verify")
        .await;
    assert!(to_verify.contains("No plan here."), "{to_verify}");
    let (status, bad) = viewer.page(&app, "/staff/action-plans?show=late").await;
    assert_eq!(status, 422);
    assert!(bad.contains("show: one of overdue, pending"), "{bad}");
    assert!(dash.contains(">JP · Japan</a>"), "{dash}");
    assert!(
        dash.contains(r#"<a class="tile card" id="ranking-tile" href="/staff/ranking">"#),
        "the dashboard leads to the ranking"
    );
    assert!(dash.contains("Illustrative 2026 supplier survey (demo data)"));
    // The trend's bars are labelled with their campaign (cut to 30 characters), their
    // total and a legend of the bands.
    let svg = &dash[dash.find(r#"<svg class="trend""#).expect("the trend chart")..];
    let svg = &svg[..svg.find("</svg>").unwrap()];
    assert!(
        svg.contains(r#"font-size="13">Illustrative 2026 supplier su…</text>"#),
        "{svg}"
    );
    assert!(svg.contains(r#"font-size="13">critical</text>"#), "{svg}");
    // Each campaign's line links to its flags in every state, as many as it counts.
    let line = dash
        .split("Flags raised per campaign")
        .nth(1)
        .and_then(|t| t.split("<tbody><tr><td><a href=\"").nth(1))
        .expect("a linked trend line");
    let href = line.split('"').next().unwrap().replace("&#38;", "&");
    let total: i64 = line
        .split("</tr>")
        .next()
        .and_then(|row| row.rsplit("<td>").next())
        .and_then(|cell| cell.trim_end_matches("</td>").parse().ok())
        .expect("the line's total");
    assert!(
        href.contains("status=all") && href.contains("campaign="),
        "{href}"
    );
    let (_, flags) = viewer.page(&app, &href).await;
    assert_eq!(crate::flag_queue::total_of(&flags), total);

    // The organisations stand in every state: the campaign pages say so.
    let (_, campaigns) = viewer.page(&app, "/staff/campaigns").await;
    assert!(campaigns.contains("Illustrative 2026 production-site survey (demo data)"));

    // The overview: what needs the member, each count as the queue's own filter gives it,
    // and the open campaigns nearest deadline first, the past one with its overdue count.
    let (_, home) = viewer.page(&app, "/staff").await;
    let (_, nobody) = viewer.page(&app, "/staff/flags?assignee=nobody").await;
    let (_, escalated) = viewer.page(&app, "/staff/flags?status=escalated").await;
    assert!(
        !home.contains("Flags assigned to you"),
        "a viewer is never assigned a flag: {home}"
    );
    assert_eq!(
        tile(&home, "Open flags nobody is assigned to"),
        total_of(&nobody)
    );
    assert!(total_of(&nobody) > 0);
    assert_eq!(tile(&home, "Escalated flags"), total_of(&escalated));
    assert_eq!(tile(&home, "Corrective action plans past due"), 1);
    let due = &home[home
        .find(r#"<table id="due""#)
        .expect("the campaigns by deadline")..];
    let past = due
        .find("Illustrative 2026 production-site survey (demo data)")
        .unwrap();
    let later = due
        .find("Illustrative 2026 supplier survey (demo data)")
        .unwrap();
    assert!(past < later, "nearest deadline first: {due}");
    assert!(
        due[past..later].contains("days ago)") && due[past..later].contains("2 overdue"),
        "{due}"
    );
    // A member's own flags: two assigned to them, one of them closed.
    let judge = member(&app, Role::Committee, "Demo Judge").await;
    let two: Vec<uuid::Uuid> = flags::table
        .select(flags::id)
        .limit(2)
        .load(&mut c)
        .await
        .unwrap();
    diesel::update(flags::table.filter(flags::id.eq_any(&two)))
        .set(flags::assignee_id.eq(judge.id))
        .execute(&mut c)
        .await
        .unwrap();
    diesel::update(flags::table.find(two[0]))
        .set(flags::status.eq("closed"))
        .execute(&mut c)
        .await
        .unwrap();
    let (_, home) = judge.page(&app, "/staff").await;
    assert_eq!(tile(&home, "Flags assigned to you"), 1, "{home}");
    assert!(home.contains(&format!("/staff/flags?assignee={}", judge.id)));
}

/// The number on the overview's tile labelled `label`.
fn tile(page: &str, label: &str) -> i64 {
    let end = page
        .find(&format!("</span><span>{label}</span>"))
        .unwrap_or_else(|| panic!("no tile {label}"));
    let start = page[..end].rfind('>').unwrap() + 1;
    page[start..end].parse().unwrap()
}

#[tokio::test]
async fn the_demo_committee_pages_in_chromium() {
    use crate::browser::{browser, click, screenshot};
    use fantoccini::Locator;
    let app = TestApp::spawn().await;
    hrdd_survey::demo::seed(&app.state).await.unwrap();
    let email = format!("demo-{}@example.com", uuid::Uuid::new_v4().simple());
    {
        let mut conn = app.state.pool.get().await.unwrap();
        hrdd_survey::services::accounts::create_user(
            &mut conn,
            &app.state.audit_key,
            &hrdd_survey::db::audit::Actor::System,
            &email,
            "Demo Member",
            Role::Committee,
            Some(crate::flags::PASSWORD),
        )
        .await
        .unwrap();
    }
    let b = browser().await;
    let c = &b.client;
    c.goto(&app.url("/login")).await.unwrap();
    c.find(Locator::Id("email"))
        .await
        .unwrap()
        .send_keys(&email)
        .await
        .unwrap();
    c.find(Locator::Id("password"))
        .await
        .unwrap()
        .send_keys(crate::flags::PASSWORD)
        .await
        .unwrap();
    click(c, "form button[type=submit]").await;
    c.wait()
        .for_element(Locator::Css(".staffnav"))
        .await
        .unwrap();
    c.goto(&app.url("/staff/flags")).await.unwrap();
    c.wait().for_element(Locator::Id("total")).await.unwrap();
    assert!(c.source().await.unwrap().contains("Illustrative supplier"));
    screenshot(c, "demo-flag-queue.png").await;
    c.goto(&app.url("/staff/heatmap")).await.unwrap();
    c.wait()
        .for_element(Locator::Css("svg.heatmap"))
        .await
        .unwrap();
    screenshot(c, "demo-heat-map.png").await;
    c.goto(&app.url("/staff/dashboard")).await.unwrap();
    c.wait().for_element(Locator::Css(".tiles")).await.unwrap();
    screenshot(c, "demo-dashboard.png").await;
    // The audit log: verified on demand, then the committee's own decisions.
    c.goto(&app.url("/staff/audit")).await.unwrap();
    click(c, "form[action=\"/staff/audit/verify\"] button").await;
    // It runs in the background: the page says so until it is done.
    let mut verified = String::new();
    for _ in 0..100 {
        c.wait().for_element(Locator::Id("verified")).await.unwrap();
        // Read in one script: an element found before a refresh may be gone by the time
        // its text is asked for.
        verified = c
            .execute(
                "const v = document.getElementById('verified'); return v ? v.textContent : '';",
                vec![],
            )
            .await
            .unwrap()
            .as_str()
            .unwrap_or_default()
            .to_string();
        if verified.contains("entries were intact") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        c.refresh().await.unwrap();
    }
    assert!(verified.contains("entries were intact"), "{verified}");
    c.goto(&app.url("/staff/action-plans?show=pending"))
        .await
        .unwrap();
    c.wait().for_element(Locator::Id("plans")).await.unwrap();
    screenshot(c, "demo-corrective-actions.png").await;
    c.goto(&app.url("/staff/audit?action=flag.")).await.unwrap();
    c.wait()
        .for_element(Locator::Css("table.audit"))
        .await
        .unwrap();
    screenshot(c, "demo-audit-log.png").await;
    // An organisation's responses: a table question's answer shows each row on its own
    // line (its text has them; the page had run them together).
    let aichi: uuid::Uuid = {
        use hrdd_survey::db::schema::organisations;
        organisations::table
            .filter(organisations::name.eq("Illustrative supplier – Aichi auto parts (demo)"))
            .select(organisations::id)
            .first(&mut app.db.conn().await)
            .await
            .unwrap()
    };
    c.goto(&app.url(&format!("/staff/organisations/{aichi}/responses")))
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Css("table.answers-table"))
        .await
        .unwrap();
    let rows = c
        .execute(
            "return Array.from(document.querySelectorAll('table.answers-table .answer')) \
               .map(function (a) { return a.innerText; }) \
               .find(function (t) { return t.indexOf('Row 2') >= 0; });",
            vec![],
        )
        .await
        .unwrap();
    let rows = rows
        .as_str()
        .expect("a table question answered with two rows");
    assert!(rows.contains("\nRow 2: "), "{rows:?}");
    screenshot(c, "demo-organisation-responses.png").await;

    // On a phone, the tables read row by row stack into "header: value" lines: the
    // flag with the longest history, the queue, the plans, a campaign's progress, the
    // organisations, the campaigns, the overview's open campaigns and the risk ranking
    // fit the width instead of scrolling sideways.
    let (flag, campaign) = {
        use hrdd_survey::db::schema::{campaigns, flag_decisions};
        let mut conn = app.db.conn().await;
        let flag: uuid::Uuid = flag_decisions::table
            .group_by(flag_decisions::flag_id)
            .select(flag_decisions::flag_id)
            .order(diesel::dsl::count_star().desc())
            .first(&mut conn)
            .await
            .unwrap();
        let campaign: uuid::Uuid = campaigns::table
            .filter(campaigns::name.eq("Illustrative 2026 supplier survey (demo data)"))
            .select(campaigns::id)
            .first(&mut conn)
            .await
            .unwrap();
        (flag, campaign)
    };
    c.set_window_size(360, 800).await.unwrap();
    for (path, table) in [
        (format!("/staff/flags/{flag}"), "table.stack"),
        ("/staff/flags".to_string(), "table.stack"),
        ("/staff/action-plans?show=pending".to_string(), "#plans"),
        (format!("/staff/campaigns/{campaign}"), "#progress"),
        ("/staff/organisations".to_string(), "table.stack"),
        ("/staff/campaigns".to_string(), "table.stack"),
        ("/staff".to_string(), "#due"),
        ("/staff/ranking".to_string(), "#ranking"),
    ] {
        c.goto(&app.url(&path)).await.unwrap();
        c.wait().for_element(Locator::Css(table)).await.unwrap();
        let fits = c
            .execute(
                "var t = document.querySelector(arguments[0]); var card = t.parentElement; \
                 var label = getComputedStyle(t.querySelector('tbody td[data-label]'), '::before').content; \
                 return [card.scrollWidth <= card.clientWidth, label];",
                vec![serde_json::json!(table)],
            )
            .await
            .unwrap();
        assert_eq!(fits[0], serde_json::json!(true), "{path}: {fits}");
        assert!(
            fits[1].as_str().is_some_and(|l| l.ends_with(": \"")),
            "{path}: the header before each value: {fits}"
        );
    }
    screenshot(c, "demo-campaign-progress-on-a-phone.png").await;
    b.client.clone().close().await.unwrap();
}
