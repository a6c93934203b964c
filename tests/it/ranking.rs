//! The risk ranking page (`/staff/ranking`): organisations rated as their own page rates
//! them (the worst band of the latest submitted responses, never an average), worst
//! first whatever their names; filters by band, kind and country; a filter value it
//! cannot read named beside its field with nothing listed; those not submitted counted
//! apart, not ranked.

use crate::flags::member;
use crate::helpers::TestApp;
use hrdd_survey::auth::permissions::Role;

/// The organisations' names in the ranking's order.
fn ranked(page: &str) -> Vec<String> {
    page.split(r#"<td data-label="Organisation"><a href=""#)
        .skip(1)
        .filter_map(|row| row.split('>').nth(1)?.split('<').next())
        .map(str::to_string)
        .collect()
}

#[tokio::test]
async fn organisations_rank_worst_first_by_their_rating_and_filter() {
    let app = TestApp::spawn_with_templates(&crate::helpers::fixtures_dir()).await;
    let campaign = app.campaign("mini").await;
    // (name, who keeps passports, fees paid, weekly hours): a knock-out (critical);
    // 70 hours and fees unknown (two medium flags of two indicators); fees unknown
    // alone (one: the same band, ranked after for fewer indicators); nothing.
    let mut ids = std::collections::HashMap::new();
    for (name, passports, fees, hours) in [
        ("Alpha Medium", "worker", "dont_know", "48"),
        ("Beta Clean", "worker", "no", "48"),
        ("Mu Medium Twice", "worker", "dont_know", "70"),
        ("Zeta Critical", "employer", "no", "48"),
    ] {
        let (org, contact) = app.supplier(name, "en").await;
        let (link, _) = app.invite(&campaign, &org, &contact).await;
        let answers = [
            ("headcount", "80"),
            ("passports", passports),
            ("fees_paid", fees),
            ("weekly_hours", hours),
        ];
        let res = app.post_form(&link, &answers, "submit").await;
        assert_eq!(res.status(), 303, "{name}");
        ids.insert(name, org);
    }
    let (silent, _) = app.supplier("Delta Silent", "en").await;
    let viewer = member(&app, Role::Viewer, "Vic Viewer").await;

    let (status, page) = viewer.page(&app, "/staff/ranking").await;
    assert_eq!(status, 200);
    assert_eq!(
        ranked(&page),
        [
            "Zeta Critical",
            "Mu Medium Twice",
            "Alpha Medium",
            "Beta Clean"
        ],
        "{page}"
    );
    assert!(
        page.contains("<caption>4 organisations rated</caption>"),
        "{page}"
    );
    assert!(
        page.contains("Not rated: 1 active organisation has not submitted yet."),
        "{page}"
    );
    let zeta = page
        .split("<tr><td data-label=\"Rank\">1</td>")
        .nth(1)
        .and_then(|r| r.split("</tr>").next())
        .unwrap();
    for expected in [
        r#"<span class="band band-critical">critical</span>"#,
        "Retention of identity documents",
        r#"<td data-label="Knock-outs">1</td>"#,
        r#"<td data-label="Flags in the band">1 of 1</td>"#,
        "supplier · JP · Japan",
        "/responses#rating",
    ] {
        assert!(zeta.contains(expected), "{expected} in {zeta}");
    }
    let mu = page
        .split("<tr><td data-label=\"Rank\">2</td>")
        .nth(1)
        .unwrap();
    let mu = mu.split("</tr>").next().unwrap();
    for expected in [
        r#"<span class="band band-medium">medium</span>"#,
        "Debt bondage, Excessive overtime",
        r#"<td data-label="Flags in the band">2 of 2</td>"#,
    ] {
        assert!(mu.contains(expected), "{expected} in {mu}");
    }

    for (query, expected) in [
        ("band=critical", vec!["Zeta Critical"]),
        ("band=none", vec!["Beta Clean"]),
        (
            "band=medium&kind=supplier&country=jp",
            vec!["Mu Medium Twice", "Alpha Medium"],
        ),
        ("kind=production_base", vec![]),
    ] {
        let (status, page) = viewer.page(&app, &format!("/staff/ranking?{query}")).await;
        assert_eq!(status, 200, "{query}");
        assert_eq!(ranked(&page), expected, "{query}");
    }
    let (_, page) = viewer
        .page(&app, "/staff/ranking?kind=production_base")
        .await;
    assert!(page.contains("No organisation that has submitted matches."));
    assert!(!page.contains("Not rated:"), "no production base at all");

    // Values it cannot read: each named beside its field, nothing listed.
    let (status, page) = viewer
        .page(&app, "/staff/ranking?band=purple&country=Japan")
        .await;
    assert_eq!(status, 422);
    assert!(
        page.contains(r#"<p class="error" id="r-band-error">band: give critical, high, medium, low or none</p>"#),
        "{page}"
    );
    assert!(page.contains(r#"id="r-country-error""#), "{page}");
    assert!(ranked(&page).is_empty());
    assert!(page.contains("Nothing is listed until the filter is fixed."));

    // The CSV: the same order under the same filter, every factor in its column.
    let (status, csv) = viewer.page(&app, "/staff/ranking.csv?band=medium").await;
    assert_eq!(status, 200);
    let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(lines.len(), 3, "{csv}");
    assert!(lines[0].starts_with(r#""rank","organisation","external_ref","organisation_id","kind","country","band","indicators_hit","indicators","#));
    assert!(
        lines[1].starts_with(r#""1","Mu Medium Twice","#)
            && lines[1].contains(r#","supplier","JP","medium","2","Debt bondage; Excessive overtime","100","0","0","2","2","9","1","#),
        "{csv}"
    );
    assert!(lines[2].starts_with(r#""2","Alpha Medium","#), "{csv}");
    let (_, page) = viewer.page(&app, "/staff/ranking?band=medium").await;
    assert!(
        page.contains(r#"<a href="/staff/ranking.csv?band=medium" id="ranking-csv">"#),
        "{page}"
    );

    // Each organisation's page states its rating and links to the answers behind it.
    for (org, expected) in [
        (
            &ids["Zeta Critical"],
            r#"<dd id="rating"><span class="band band-critical">critical</span> · 1 flag · <a href="#,
        ),
        (&ids["Beta Clean"], r#"<dd id="rating">no flag · <a href="#),
        (
            &silent,
            r#"<dd id="rating">not rated: nothing submitted yet</dd>"#,
        ),
    ] {
        let (_, page) = viewer
            .page(&app, &format!("/staff/organisations/{org}"))
            .await;
        assert!(page.contains(expected), "{expected} in {page}");
    }

    // The API ranks the same, with the rating's facts; the same bad values are named.
    let body: serde_json::Value = app.get("/api/v1/ranking").await.json().await.unwrap();
    let names: Vec<&str> = body["organisations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "Zeta Critical",
            "Mu Medium Twice",
            "Alpha Medium",
            "Beta Clean"
        ]
    );
    assert_eq!(body["not_rated"], 1);
    let first = &body["organisations"][0];
    assert_eq!(first["rank"], 1);
    assert_eq!(first["rating"]["band"], "critical");
    assert_eq!(first["rating"]["knock_outs"], 1);
    assert_eq!(body["organisations"][1]["rating"]["indicators_hit"], 2);
    let res = app.get("/api/v1/ranking?band=purple").await;
    assert_eq!(res.status(), 422);
    let err: serde_json::Value = res.json().await.unwrap();
    assert!(err.to_string().contains("band"), "{err}");
}
