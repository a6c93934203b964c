//! The queue, heat map, dashboard and organisation page through HTTP: filters with
//! counts, worst-first key paging, bulk assignment with its refusals, heat-map cells
//! equal to the queue's counts, the year-over-year diff; and the committee pages in
//! headless Chromium with screenshots.

use crate::flags::{flagged, member};
use crate::helpers::TestApp;
use diesel::prelude::*;
use diesel_async::{RunQueryDsl, SimpleAsyncConnection};
use hrdd_survey::auth::permissions::Role;
use hrdd_survey::db::schema::flags;
use reqwest::StatusCode;
use std::collections::HashSet;
use uuid::Uuid;

/// The number the queue page says matches (`data-total`).
pub(crate) fn total_of(page: &str) -> i64 {
    let at = page
        .find("data-total=\"")
        .expect("the queue shows its total")
        + 12;
    page[at..].split('"').next().unwrap().parse().unwrap()
}

/// (href, count) of every heat-map table cell.
pub(crate) fn cells_of(page: &str) -> Vec<(String, i64)> {
    let mut out = Vec::new();
    for part in page.split("<td><a href=\"").skip(1) {
        let href = part
            .split('"')
            .next()
            .unwrap()
            .replace("&amp;", "&")
            .replace("&#38;", "&");
        if !part.contains("data-cell=") {
            continue;
        }
        let n = part.split('>').nth(1).unwrap().split('<').next().unwrap();
        out.push((href, n.parse().unwrap()));
    }
    out
}

/// Flag ids of a queue page, in order.
fn ids_of(page: &str) -> Vec<String> {
    page.split("<a href=\"/staff/flags/")
        .skip(1)
        .map(|p| p.split('"').next().unwrap().to_string())
        .filter(|id| Uuid::parse_str(id).is_ok())
        .collect()
}

fn picks_of(page: &str) -> Vec<String> {
    page.split("name=\"pick\" value=\"")
        .skip(1)
        .map(|p| p.split('"').next().unwrap().to_string())
        .collect()
}

fn next_of(page: &str) -> Option<String> {
    let at = page.find("rel=\"next\"")?;
    let before = &page[..at];
    let href = before.rsplit("href=\"").next()?.split('"').next()?;
    Some(href.replace("&amp;", "&").replace("&#38;", "&"))
}

#[tokio::test]
async fn heat_map_cells_equal_the_queue_counts() {
    let app = TestApp::spawn_with_templates(&crate::helpers::fixtures_dir()).await;
    let first = app.campaign("mini").await;
    let second = app.campaign("mini").await;
    flagged(&app, &first, "Heat One").await;
    flagged(&app, &first, "Heat Two").await;
    flagged(&app, &second, "Heat Three").await;
    let viewer = member(&app, Role::Viewer, "Hana Viewer").await;
    for filter in [
        "",
        "?band=critical",
        &format!("?campaign={first}"),
        "?status=all&kind=supplier",
    ] {
        let (status, map) = viewer.page(&app, &format!("/staff/heatmap{filter}")).await;
        assert_eq!(status, 200, "{map}");
        assert!(
            map.contains("<svg class=\"heatmap\""),
            "drawn on the server"
        );
        let cells = cells_of(&map);
        assert_eq!(cells.len(), 25, "a 5×5 table behind the map");
        let (_, queue) = viewer.page(&app, &format!("/staff/flags{filter}")).await;
        let sum: i64 = cells.iter().map(|(_, n)| n).sum();
        assert_eq!(
            sum,
            total_of(&queue),
            "the cells add up to the queue ({filter})"
        );
        for (href, n) in cells
            .iter()
            .filter(|(_, n)| *n > 0)
            .chain(cells.iter().take(2))
        {
            let (status, page) = viewer.page(&app, href).await;
            assert_eq!(status, 200);
            assert_eq!(total_of(&page), *n, "{href}");
            assert_eq!(ids_of(&page).len() as i64, *n, "{href} lists its flags");
        }
    }
    // 9 flags: each supplier raised a critical trigger (4×4) and two medium ones (3×2, 3×3).
    let (_, map) = viewer.page(&app, "/staff/heatmap").await;
    let cells = cells_of(&map);
    let count = |s: u8, l: u8| {
        cells
            .iter()
            .find(|(h, _)| h.contains(&format!("severity={s}&likelihood={l}")))
            .unwrap()
            .1
    };
    assert_eq!(
        (count(4, 4), count(3, 3), count(3, 2), count(5, 5)),
        (3, 3, 3, 0)
    );
    // A cell's queue keeps and says its filter: another filter on top does not drop it
    // (found walking the committee's path).
    let (_, queue) = viewer
        .page(&app, "/staff/flags?severity=4&likelihood=4")
        .await;
    assert!(
        queue.contains(r#"<input type="hidden" name="severity" value="4">"#)
            && queue.contains(r#"<input type="hidden" name="likelihood" value="4">"#),
        "{queue}"
    );
    assert!(
        queue.contains("Also filtered by severity 4, likelihood 4"),
        "{queue}"
    );
}

/// Seeds `n` flags over 40 organisations in two countries and kinds, two campaigns.
async fn seed_flags(app: &TestApp, n: i64) {
    let mut conn = app.db.conn().await;
    conn.batch_execute(&format!(
        r#"
INSERT INTO organisations (id, kind, name, country)
    SELECT gen_random_uuid(), CASE WHEN g % 3 = 0 THEN 'production_base' ELSE 'supplier' END,
           'Seeded ' || g, CASE WHEN g % 2 = 0 THEN 'VN' ELSE 'TH' END
    FROM generate_series(1, 40) g;
INSERT INTO campaigns (id, name, template_version_id, deadline)
    SELECT gen_random_uuid(), 'Seeded campaign ' || g, (SELECT id FROM template_versions LIMIT 1), current_date + 30
    FROM generate_series(1, 2) g;
INSERT INTO responses (id, campaign_id, organisation_id, status, submitted_at, answers_sha256)
    SELECT gen_random_uuid(), c.id, o.id, 'submitted', now(), repeat('0', 64)
    FROM campaigns c CROSS JOIN organisations o WHERE c.name LIKE 'Seeded%' AND o.name LIKE 'Seeded%';
INSERT INTO flags (id, response_id, question_id, rule_index, indicator, severity, likelihood, score, band, critical, answer, created_at)
    SELECT gen_random_uuid(), r.id, 'q' || g, 0,
           (ARRAY['debt_bondage', 'excessive_overtime', 'deception'])[1 + g % 3],
           1 + g % 5, 1 + (g / 5) % 5, (1 + g % 5) * (1 + (g / 5) % 5),
           CASE WHEN (1 + g % 5) * (1 + (g / 5) % 5) >= 15 THEN 'critical'
                WHEN (1 + g % 5) * (1 + (g / 5) % 5) >= 10 THEN 'high'
                WHEN (1 + g % 5) * (1 + (g / 5) % 5) >= 5 THEN 'medium' ELSE 'low' END,
           false, '"x"', now() - ((r.k + g) || ' days')::interval
    FROM (SELECT r.id, row_number() OVER (ORDER BY r.id) AS k FROM responses r
          JOIN organisations o ON o.id = r.organisation_id WHERE o.name LIKE 'Seeded%') r
    CROSS JOIN generate_series(1, {per}) g;
ANALYZE;
"#,
        per = (n + 79) / 80
    ))
    .await
    .unwrap();
}

#[tokio::test]
async fn the_queue_filters_pages_worst_first_and_assigns_in_bulk() {
    let app = TestApp::spawn_with_templates(&crate::helpers::fixtures_dir()).await;
    let campaign = app.campaign("mini").await;
    flagged(&app, &campaign, "Template Owner").await;
    seed_flags(&app, 160).await;
    let viewer = member(&app, Role::Viewer, "Vic Viewer").await;
    let aiko = member(&app, Role::Committee, "Aiko Member").await;

    // Key paging: every flag once, worst first, across pages.
    let (_, first) = viewer.page(&app, "/staff/flags").await;
    let total = total_of(&first);
    assert_eq!(total, 163);
    let mut seen = Vec::new();
    let mut page = first.clone();
    let mut pages = 1;
    loop {
        seen.extend(ids_of(&page));
        match next_of(&page) {
            Some(next) => {
                page = viewer.page(&app, &next).await.1;
                pages += 1;
            }
            None => break,
        }
    }
    assert_eq!(pages, 4);
    assert_eq!(seen.len() as i64, total);
    assert_eq!(
        seen.iter().collect::<HashSet<_>>().len(),
        seen.len(),
        "no flag twice"
    );
    let mut conn = app.db.conn().await;
    let ranks: Vec<i16> = {
        let mut out = Vec::new();
        for id in &seen {
            out.push(
                flags::table
                    .find(Uuid::parse_str(id).unwrap())
                    .select(flags::queue_rank)
                    .first(&mut conn)
                    .await
                    .unwrap(),
            );
        }
        out
    };
    assert!(
        ranks.windows(2).all(|w| w[0] <= w[1]),
        "worst first: {ranks:?}"
    );
    assert!(first.contains("class=\"band band-critical\""));

    // Filters and their counts agree.
    let (_, vn) = viewer.page(&app, "/staff/flags?country=VN").await;
    let (_, th) = viewer.page(&app, "/staff/flags?country=TH").await;
    let (_, jp) = viewer.page(&app, "/staff/flags?country=jp").await;
    assert_eq!(total_of(&vn) + total_of(&th) + total_of(&jp), total);
    assert!(
        first.contains(&format!("VN · Vietnam ({})", total_of(&vn))),
        "counts per value in the filter"
    );
    let (_, old) = viewer.page(&app, "/staff/flags?age=3").await;
    assert!(total_of(&old) > 0 && total_of(&old) < total);
    let (_, kind) = viewer
        .page(
            &app,
            "/staff/flags?kind=production_base&indicator=deception&band=low",
        )
        .await;
    assert!(total_of(&kind) > 0 && total_of(&kind) < total);
    let (status, bad) = viewer.page(&app, "/staff/flags?band=purple").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.contains("band: unknown band"), "{bad}");

    // Bulk assignment: all or nothing.
    let (_, first) = aiko.page(&app, "/staff/flags").await;
    let picks = picks_of(&first);
    assert!(picks.len() >= 3);
    let post = |who: &crate::flags::Member, picks: Vec<String>| {
        let mut form = vec![
            ("csrf_token".to_string(), who.csrf.clone()),
            ("back".to_string(), "?band=critical".to_string()),
            ("assignee".to_string(), aiko.id.to_string()),
        ];
        form.extend(picks.into_iter().map(|p| ("pick".to_string(), p)));
        who.client
            .post(app.url("/staff/flags/assign"))
            .form(&form)
            .send()
    };
    let res = post(&viewer, picks[..2].to_vec()).await.unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = post(&aiko, picks[..2].to_vec()).await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(res.headers()["location"]
        .to_str()
        .unwrap()
        .contains("band=critical"));
    let (_, mine) = viewer
        .page(&app, &format!("/staff/flags?assignee={}", aiko.id))
        .await;
    assert_eq!(total_of(&mine), 2);
    // The first two are now version 2: picking them again from the old page is stale,
    // and refuses the third flag as well.
    let res = post(&aiko, picks[..3].to_vec()).await.unwrap();
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let text = res.text().await.unwrap();
    assert!(text.contains("changed since you opened it"), "{text}");
    let (_, mine) = viewer
        .page(&app, &format!("/staff/flags?assignee={}", aiko.id))
        .await;
    assert_eq!(total_of(&mine), 2, "nothing written");
    let (_, nobody) = viewer.page(&app, "/staff/flags?assignee=nobody").await;
    assert_eq!(total_of(&nobody), total - 2);

    // Aiko leaves: the users page marks the flags still in her hands, linked to them,
    // and another member takes them over from there.
    let admin = member(&app, Role::Admin, "Ada Admin").await;
    let res = admin
        .client
        .post(app.url(&format!("/staff/users/{}/disable", aiko.id)))
        .form(&[("csrf_token", admin.csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, users) = admin.page(&app, "/staff/users").await;
    let hers = format!(
        r#"<strong><a href="/staff/flags?assignee={}">2 open flags assigned</a></strong>"#,
        aiko.id
    );
    assert!(users.contains(&hers), "{users}");
    let ben = member(&app, Role::Committee, "Ben Member").await;
    // The committee's overview says so, and the queue gathers every disabled member's.
    let tile = r#"<a class="tile card" href="/staff/flags?assignee=disabled"><span class="num">2</span><span>Open flags assigned to a disabled member</span></a>"#;
    let (_, home) = ben.page(&app, "/staff").await;
    assert!(home.contains(tile), "{home}");
    let (_, gathered) = ben.page(&app, "/staff/flags?assignee=disabled").await;
    assert_eq!(total_of(&gathered), 2);
    assert!(
        gathered.contains(r#"<option value="disabled" selected>a disabled member (2)"#),
        "{gathered}"
    );
    let (_, left) = ben
        .page(&app, &format!("/staff/flags?assignee={}", aiko.id))
        .await;
    assert_eq!(total_of(&left), 2);
    // The filter says whose they are, though she can no longer be assigned anything.
    assert!(
        left.contains(&format!(
            r#"<option value="{}" selected>Aiko Member (disabled)"#,
            aiko.id
        )),
        "{left}"
    );
    // Each line and each flag's page say her account is disabled.
    let marked = r#"<td data-label="Assigned to">Aiko Member <strong>(disabled)</strong></td>"#;
    assert_eq!(left.matches(marked).count(), 2, "{left}");
    let first = ids_of(&left)[0].clone();
    let (_, page) = ben.page(&app, &format!("/staff/flags/{first}")).await;
    assert!(
        page.contains(
            "<dd>Aiko Member <strong>(account disabled: assign someone else)</strong></dd>"
        ),
        "{page}"
    );
    let mut form = vec![
        ("csrf_token".to_string(), ben.csrf.clone()),
        ("assignee".to_string(), ben.id.to_string()),
    ];
    form.extend(picks_of(&left).into_iter().map(|p| ("pick".to_string(), p)));
    let res = ben
        .client
        .post(app.url("/staff/flags/assign"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, users) = admin.page(&app, "/staff/users").await;
    assert!(
        !users.contains("open flags assigned</a></strong>"),
        "{users}"
    );
    let (_, home) = ben.page(&app, "/staff").await;
    assert!(!home.contains("assigned to a disabled member"), "{home}");
    assert!(
        users.contains(&format!(
            r#"<a href="/staff/flags?assignee={}">2 open flags assigned</a>"#,
            ben.id
        )),
        "{users}"
    );
}

/// Submits the mini questionnaire through `link`, with who keeps the passports.
pub async fn submit_mini(app: &TestApp, link: &str, passports: &str) {
    let answers = [
        ("headcount", "80"),
        ("passports", passports),
        ("fees_paid", "no"),
        ("weekly_hours", "48"),
    ];
    let res = app.post_form(link, &answers, "submit").await;
    assert_eq!(res.status(), 303);
}

/// A new campaign of `questionnaire` with `org` in it, answered by `contact` with
/// `passports` and submitted; returns the response's id.
pub async fn submitted(
    app: &TestApp,
    questionnaire: &str,
    (org, contact): (&str, &str),
    passports: &str,
) -> String {
    let (link, response) = app
        .invite(&app.campaign(questionnaire).await, org, contact)
        .await;
    submit_mini(app, &link, passports).await;
    response
}

#[tokio::test]
async fn the_dashboard_and_the_organisation_page_show_the_committee_what_changed() {
    let app = TestApp::spawn_with_templates(&crate::helpers::fixtures_dir()).await;
    let (org, contact) = app.supplier("Year Over Year KK", "en").await;
    let first = app.campaign("mini").await;
    let (link, _) = app.invite(&first, &org, &contact).await;
    submit_mini(&app, &link, "worker").await;
    let second = app.campaign("mini").await;
    let (link, _) = app.invite(&second, &org, &contact).await;
    submit_mini(&app, &link, "employer").await;
    let member = member(&app, Role::Committee, "Chie Committee").await;
    let (status, page) = member
        .page(&app, &format!("/staff/organisations/{org}/responses"))
        .await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("Passports kept by the employer."),
        "the rule's explanation"
    );
    assert!(
        page.contains("1 answer changed since Test campaign"),
        "{page}"
    );
    assert!(
        page.contains("was: The worker"),
        "the earlier answer: {page}"
    );
    assert!(page.contains("class=\"flagged changed\""), "{page}");

    // A supplier who answered in Japanese: the committee reads the questions and the
    // rule in English, and the page says which language the supplier used.
    let (org_ja, contact_ja) = app.supplier("日本語 KK", "ja").await;
    let (link, _) = app.invite(&second, &org_ja, &contact_ja).await;
    submit_mini(&app, &link, "employer").await;
    let (status, page) = member
        .page(&app, &format!("/staff/organisations/{org_ja}/responses"))
        .await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("Mini check v1 · answered in Japanese"),
        "{page}"
    );
    assert!(page.contains("Who keeps passports?"), "{page}");
    assert!(page.contains("Passports kept by the employer."), "{page}");
    assert!(!page.contains("旅券は誰が保管していますか"), "{page}");

    let (status, dash) = member.page(&app, "/staff/dashboard").await;
    assert_eq!(status, 200);
    assert!(dash.contains("Critical flags not closed"));
    assert!(
        dash.contains("Retention of identity documents") || dash.contains("identity documents"),
        "{dash}"
    );
    assert!(dash.contains("Trend across campaigns"));
    assert!(dash.contains(">JP · Japan</a>"), "{dash}");
}

/// `mini` and `twin`: a second questionnaire with the same questions under another id.
pub fn mini_and_twin() -> std::path::PathBuf {
    let dir = tempfile::tempdir().unwrap().keep();
    let mini = std::fs::read_to_string(crate::helpers::fixtures_dir().join("mini.yaml")).unwrap();
    std::fs::write(dir.join("mini.yaml"), &mini).unwrap();
    let twin =
        mini.replacen("id: mini", "id: twin", 1)
            .replacen("\"Mini check\"", "\"Twin check\"", 1);
    assert_ne!(mini, twin);
    std::fs::write(dir.join("twin.yaml"), twin).unwrap();
    dir
}

#[tokio::test]
async fn each_response_is_compared_with_the_last_one_to_the_same_questionnaire() {
    let app = TestApp::spawn_with_templates(&mini_and_twin()).await;
    let (org, contact) = app.supplier("Two Questionnaires KK", "en").await;
    // Last year's mini, then this year's twin (another questionnaire: nothing to compare
    // with), then this year's mini, the same as last year's.
    let ours = (org.as_str(), contact.as_str());
    submitted(&app, "mini", ours, "worker").await;
    submitted(&app, "twin", ours, "employer").await;
    submitted(&app, "mini", ours, "worker").await;

    let member = member(&app, Role::Committee, "Chie Committee").await;
    let (status, page) = member
        .page(&app, &format!("/staff/organisations/{org}/responses"))
        .await;
    assert_eq!(status, 200, "{page}");
    let metas: Vec<&str> = page
        .split("<p class=\"meta\">")
        .skip(1)
        .map(|m| m.split("</p>").next().unwrap())
        .collect();
    assert_eq!(metas.len(), 3, "{page}");
    // Newest first: this year's mini is compared with last year's, and nothing changed.
    assert!(metas[0].starts_with("Mini check v1"), "{metas:?}");
    assert!(
        metas[0].contains("0 answers changed since Test campaign"),
        "{metas:?}"
    );
    // The twin is the first of its questionnaire: no comparison, although the mini before
    // it kept passports elsewhere.
    assert!(metas[1].starts_with("Twin check v1"), "{metas:?}");
    assert!(!metas[1].contains("changed since"), "{metas:?}");
    assert!(metas[2].starts_with("Mini check v1"), "{metas:?}");
    assert!(!metas[2].contains("changed since"), "{metas:?}");
    assert!(!page.contains("class=\"before\""), "{page}");
}

#[tokio::test]
async fn a_response_started_late_in_an_older_campaign_is_compared_with_the_submission_before_it() {
    let app = TestApp::spawn_with_templates(&crate::helpers::fixtures_dir()).await;
    let (org, contact) = app.supplier("Late Starter KK", "en").await;
    let older = app.campaign("mini").await;
    let newer = app.campaign("mini").await;
    let (link, submitted) = app.invite(&newer, &org, &contact).await;
    submit_mini(&app, &link, "worker").await;
    // Added afterwards to the older campaign, still open: a draft that differs.
    let (link, late) = app.invite(&older, &org, &contact).await;
    let draft = [
        ("headcount", "80"),
        ("passports", "employer"),
        ("fees_paid", "no"),
        ("weekly_hours", "48"),
    ];
    assert_eq!(app.post_form(&link, &draft, "save").await.status(), 303);

    let member = member(&app, Role::Committee, "Chie Committee").await;
    let (status, page) = member
        .page(&app, &format!("/staff/organisations/{org}/responses"))
        .await;
    assert_eq!(status, 200, "{page}");
    let at = |id: &str| {
        page.find(&format!(r#"id="response-{id}""#))
            .unwrap_or_else(|| panic!("{id}: {page}"))
    };
    assert!(at(&late) < at(&submitted), "the draft is listed first");
    let draft_block = &page[at(&late)..at(&submitted)];
    assert!(
        draft_block.contains("1 answer changed since Test campaign"),
        "{draft_block}"
    );
    assert!(draft_block.contains("was: The worker"), "{draft_block}");
}

#[tokio::test]
async fn the_committee_pages_in_chromium() {
    use crate::browser::{browser, click, screenshot};
    use fantoccini::Locator;
    let app = TestApp::spawn_with_templates(&crate::helpers::fixtures_dir()).await;
    let campaign = app.campaign("mini").await;
    let (_, ids) = flagged(&app, &campaign, "Screenshot Supplier").await;
    flagged(&app, &campaign, "Second Supplier").await;
    let email = format!("chromium-{}@example.com", Uuid::new_v4().simple());
    {
        let mut conn = app.state.pool.get().await.unwrap();
        hrdd_survey::services::accounts::create_user(
            &mut conn,
            &app.state.audit_key,
            &hrdd_survey::db::audit::Actor::System,
            &email,
            "Kei Committee",
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
    screenshot(c, "flag-queue.png").await;
    // Tick the two worst flags and assign them to ourselves.
    click(c, "input[name=pick]").await;
    click(c, "p.bulk button").await;
    c.wait()
        .for_element(Locator::Css(".notice.saved"))
        .await
        .unwrap();
    assert!(c.source().await.unwrap().contains("Assigned 1 flag."));

    c.goto(&app.url(&format!("/staff/flags/{}", ids[0])))
        .await
        .unwrap();
    let page = c.source().await.unwrap();
    assert!(
        page.contains("<dt>Assigned to</dt><dd>Harness admin</dd>"),
        "assigned through the bulk form (to the first member offered): {page}"
    );
    c.find(Locator::Css(".decide textarea[name=reason]"))
        .await
        .unwrap()
        .send_keys("Ask how passports are kept and whether workers can get them at any time.")
        .await
        .unwrap();
    click(c, ".decide form button[type=submit]:not(.secondary)").await;
    c.wait()
        .for_element(Locator::Css(".notice.saved"))
        .await
        .unwrap();
    assert_eq!(
        c.find(Locator::Id("status"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "clarification requested"
    );
    screenshot(c, "flag-page.png").await;

    c.goto(&app.url("/staff/heatmap")).await.unwrap();
    c.wait()
        .for_element(Locator::Css("svg.heatmap"))
        .await
        .unwrap();
    screenshot(c, "heat-map.png").await;
    // A cell is a link into the queue filtered to it.
    click(c, "svg.heatmap a[aria-label^=\"severity 4, likelihood 4\"]").await;
    c.wait().for_element(Locator::Id("total")).await.unwrap();
    let total = c
        .find(Locator::Id("total"))
        .await
        .unwrap()
        .attr("data-total")
        .await
        .unwrap();
    assert_eq!(total.as_deref(), Some("2"));

    c.goto(&app.url("/staff/dashboard")).await.unwrap();
    c.wait().for_element(Locator::Css(".tiles")).await.unwrap();
    screenshot(c, "dashboard.png").await;
    b.client.clone().close().await.unwrap();
}

#[tokio::test]
async fn the_queue_uses_its_indexes_at_100k_flags() {
    use hrdd_survey::db::flag_queue::{
        explain, page, After, AssigneeFilter, QueueFilter, StatusFilter,
    };
    use hrdd_survey::domain::risk::Band;
    let db = crate::helpers::TestDb::new().await;
    let mut conn = db.conn().await;
    diesel::sql_query("SET statement_timeout = '300s'")
        .execute(&mut conn)
        .await
        .unwrap();
    conn.batch_execute(
        r#"
INSERT INTO questionnaire_templates (id) VALUES ('plans');
INSERT INTO template_versions (id, template_id, version, title, languages, source, content_sha256)
    VALUES (gen_random_uuid(), 'plans', 1, 'Plans', '{en}', 'x', repeat('0', 64));
INSERT INTO organisations (id, kind, name, country)
    SELECT gen_random_uuid(), CASE WHEN g % 4 = 0 THEN 'production_base' ELSE 'supplier' END,
           'Org ' || g, (ARRAY['VN', 'TH', 'JP', 'CN', 'MY', 'ID'])[1 + g % 6]
    FROM generate_series(1, 2000) g;
INSERT INTO campaigns (id, name, template_version_id, deadline, created_at)
    SELECT gen_random_uuid(), 'Campaign ' || g, (SELECT id FROM template_versions), current_date + 30,
           now() - (g || ' days')::interval
    FROM generate_series(1, 5) g;
INSERT INTO responses (id, campaign_id, organisation_id, status, submitted_at, answers_sha256)
    SELECT gen_random_uuid(), c.id, o.id, 'submitted', now(), repeat('0', 64)
    FROM campaigns c CROSS JOIN organisations o;
INSERT INTO users (id, email, name, role, password_hash)
    SELECT gen_random_uuid(), 'member' || g || '@example.com', 'Member ' || g, 'committee', '$argon2id$x'
    FROM generate_series(1, 10) g;
ALTER TABLE flags DISABLE TRIGGER flags_fill_origin;
INSERT INTO flags (id, response_id, question_id, rule_index, indicator, severity, likelihood, score,
                   band, critical, answer, status, assignee_id, campaign_id, organisation_id,
                   country, kind, created_at)
    SELECT gen_random_uuid(), r.id, 'q' || g, 0,
           (ARRAY['debt_bondage', 'excessive_overtime', 'deception', 'isolation'])[1 + (g + k) % 4],
           s, l, s * l,
           CASE WHEN s * l >= 15 THEN 'critical' WHEN s * l >= 10 THEN 'high'
                WHEN s * l >= 5 THEN 'medium' ELSE 'low' END,
           false, '"x"',
           CASE WHEN (g + k) % 5 = 0 THEN 'closed' WHEN (g + k) % 5 = 1 THEN 'in_review' ELSE 'open' END,
           CASE WHEN (g + k) % 5 = 1 THEN (SELECT id FROM users WHERE email = 'member' || (1 + k % 10) || '@example.com') END,
           r.campaign_id, r.organisation_id, r.country, r.kind,
           now() - ((g * 7 + k) % 400 || ' days')::interval
    FROM (SELECT r.id, r.campaign_id, r.organisation_id, o.country, o.kind,
                 row_number() OVER (ORDER BY r.id) AS k
          FROM responses r JOIN organisations o ON o.id = r.organisation_id) r
    CROSS JOIN generate_series(1, 10) g
    CROSS JOIN LATERAL (SELECT 1 + (g * 3 + r.k) % 5 AS s, 1 + (g + r.k * 7) % 5 AS l) sl;
ALTER TABLE flags ENABLE TRIGGER flags_fill_origin;
"#,
    )
    .await
    .expect("the seed data goes in");
    // As autovacuum leaves a settled table: statistics, and the visibility map that
    // lets index-only scans skip the table.
    diesel::sql_query("VACUUM ANALYZE")
        .execute(&mut conn)
        .await
        .unwrap();
    let n: i64 = flags::table.count().get_result(&mut conn).await.unwrap();
    assert_eq!(n, 100_000);
    let campaign: Uuid =
        diesel::dsl::sql::<diesel::sql_types::Uuid>("SELECT id FROM campaigns LIMIT 1")
            .get_result(&mut conn)
            .await
            .unwrap();
    let member: Uuid = diesel::dsl::sql::<diesel::sql_types::Uuid>(
        "SELECT assignee_id FROM flags WHERE assignee_id IS NOT NULL LIMIT 1",
    )
    .get_result(&mut conn)
    .await
    .unwrap();
    let open = QueueFilter::default();
    let first = page(&mut conn, &open, None, 51).await.unwrap();
    let last = first.last().unwrap();
    let after = After {
        rank: last.queue_rank,
        created_at: last.created_at,
        id: last.id,
    };
    // (what, filter, page start, the indexes the page may walk, the facet index the
    // counts read when the filter is more than the state). A campaign's page may walk
    // the campaign's index, or the open queue's covering index when the campaign holds
    // a good share of the flags (it tests the campaign on the index entry).
    type Case<'a> = (
        &'a str,
        QueueFilter,
        Option<After>,
        &'a [&'a str],
        Option<&'a str>,
    );
    let cases: Vec<Case> = vec![
        (
            "not closed, first page",
            open.clone(),
            None,
            &["flags_open_queue_idx"],
            None,
        ),
        (
            "not closed, a later page",
            open.clone(),
            Some(after),
            &["flags_open_queue_idx"],
            None,
        ),
        (
            "all states",
            QueueFilter {
                status: StatusFilter::All,
                ..QueueFilter::default()
            },
            None,
            &["flags_queue_idx"],
            None,
        ),
        (
            "one campaign",
            QueueFilter {
                campaign: Some(campaign),
                ..QueueFilter::default()
            },
            None,
            &["flags_campaign_idx", "flags_open_queue_idx"],
            Some("flags_facets_campaign_idx"),
        ),
        (
            "one member's flags",
            QueueFilter {
                assignee: Some(AssigneeFilter::Member(member)),
                ..QueueFilter::default()
            },
            None,
            &["flags_assignee_idx"],
            None,
        ),
        (
            "critical in Viet Nam",
            QueueFilter {
                band: Some(Band::Critical),
                country: Some("VN".into()),
                ..QueueFilter::default()
            },
            None,
            &["flags_open_queue_idx"],
            Some("flags_facets_band_idx"),
        ),
        (
            "suppliers, in review, one campaign",
            QueueFilter {
                campaign: Some(campaign),
                kind: Some(hrdd_survey::domain::states::OrganisationKind::Supplier),
                status: StatusFilter::Only(hrdd_survey::domain::flag::FlagStatus::InReview),
                ..QueueFilter::default()
            },
            None,
            &["flags_campaign_idx", "flags_open_queue_idx"],
            Some("flags_facets_campaign_idx"),
        ),
    ];
    for (what, filter, after, indexes, counted_in) in cases {
        let (plan, counts) = explain(&mut conn, &filter, after.as_ref(), true)
            .await
            .unwrap();
        // The open queue's index covers every filter: its walk is index-only.
        assert!(
            indexes.iter().any(|index| {
                plan.contains(&format!("Index Scan using {index} on flags"))
                    || plan.contains(&format!("Index Only Scan using {index} on flags"))
            }),
            "{what}: the page does not walk {indexes:?}:\n{plan}"
        );
        assert!(
            !plan.contains("Seq Scan on flags"),
            "{what}: reads every flag:\n{plan}"
        );
        assert!(
            !plan.contains("Sort  ("),
            "{what}: sorts instead of walking the index:\n{plan}"
        );
        if let Some(facets) = counted_in {
            assert!(
                counts.contains(&format!("Index Only Scan using {facets} on flags")),
                "{what}: the counts do not read {facets} alone:\n{counts}"
            );
            assert!(
                !counts.contains("Seq Scan on flags") && !counts.contains("organisations"),
                "{what}: the counts read the table:\n{counts}"
            );
        }
        let ms = |p: &str| -> f64 {
            p.lines()
                .find_map(|l| l.trim().strip_prefix("Execution Time: "))
                .and_then(|t| t.trim_end_matches(" ms").parse().ok())
                .unwrap()
        };
        println!(
            "queue plan, {what}: page {:.1} ms, counts {:.1} ms",
            ms(&plan),
            ms(&counts)
        );
        // A page walks the index and stops after its rows: a few milliseconds, never a
        // whole-table read (which the assertions above exclude).
        assert!(
            ms(&plan) < 200.0,
            "{what}: page took {} ms:\n{plan}",
            ms(&plan)
        );
    }
}

/// The organisation's overall rating on its committee page: nothing to rate before a
/// submission, "no flag" for a clean one, then the worst band of the latest submitted
/// response (an earlier clean one does not soften it), what ranks it within the band,
/// and the answer that produced it, linked to its line and its flag.
#[tokio::test]
async fn the_organisation_page_rates_it_by_its_worst_flag_and_names_the_answers() {
    let app = TestApp::spawn_with_templates(&crate::helpers::fixtures_dir()).await;
    let member = member(&app, Role::Committee, "Rae Rating").await;
    let (org, contact) = app.supplier("Rated KK", "en").await;
    let path = format!("/staff/organisations/{org}/responses");
    let rating = |page: &str| -> String {
        page.split(r#"<section class="card" id="rating""#)
            .nth(1)
            .and_then(|s| s.split("</section>").next())
            .expect("the rating card")
            .to_string()
    };
    let (_, page) = member.page(&app, &path).await;
    assert!(
        rating(&page).contains("No submitted response yet"),
        "{page}"
    );

    let first = app.campaign("mini").await;
    let (link, _) = app.invite(&first, &org, &contact).await;
    submit_mini(&app, &link, "worker").await;
    let (_, page) = member.page(&app, &path).await;
    assert!(
        rating(&page).contains("No flag: no answer of the latest submitted response"),
        "{page}"
    );

    let second = app.campaign("mini").await;
    let (link, response) = app.invite(&second, &org, &contact).await;
    submit_mini(&app, &link, "employer").await;
    let (_, page) = member.page(&app, &path).await;
    let card = rating(&page);
    for expected in [
        r#"<span class="band band-critical">critical</span> the worst band"#,
        "1 forced-labour indicator in this band: Retention of identity documents",
        "1 knock-out answer (critical whatever the score)",
        "Who keeps passports?",
        "knock-out",
    ] {
        assert!(card.contains(expected), "{expected} in {card}");
    }
    let anchor = format!("a-{response}-passports");
    assert!(card.contains(&format!(r##"href="#{anchor}""##)), "{card}");
    assert!(
        page.contains(&format!(r#"<tr id="{anchor}""#)),
        "the line is there"
    );
    let flag: Uuid = flags::table
        .filter(flags::response_id.eq(Uuid::parse_str(&response).unwrap()))
        .filter(flags::question_id.eq("passports"))
        .select(flags::id)
        .first(&mut app.db.conn().await)
        .await
        .unwrap();
    assert!(
        card.contains(&format!(r#"href="/staff/flags/{flag}""#)),
        "{card}"
    );
    assert_eq!(
        card.matches("<tr><td data-label=\"Flag\">").count(),
        1,
        "only the flags of the worst band: {card}"
    );
}
