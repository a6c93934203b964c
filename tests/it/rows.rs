//! A table's rows removed by their "Remove row" button without the script (the rest of
//! the post saved, the rows after it renumbered, a note in the respondent's language,
//! the focus on the row now in its place or on "Add a row"), and answers a save
//! removes because the new answers hide their questions, in another section too:
//! listed on the page that comes back and in the autosave's reply, never dropped
//! silently.

use crate::helpers::TestApp;
use crate::respondent::stored;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use hrdd_survey::db::schema::response_events;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use uuid::Uuid;

pub(crate) fn rows_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rows")
}

/// An app with a supplier whose contact speaks `language`, invited to the `rows`
/// questionnaire: (app, link path, response id).
pub(crate) async fn invited(language: &str) -> (TestApp, String, Uuid) {
    let app = TestApp::spawn_with_templates(&rows_dir()).await;
    let (org, contact) = app.supplier("Rows Supplier", language).await;
    let campaign = app.campaign("rows").await;
    let (link, response) = app.invite(&campaign, &org, &contact).await;
    (app, link, response.parse().unwrap())
}

/// Section 1 as a browser posts it: the answer, the note, and the table's rows (each
/// with both its cells, blanks included).
pub(crate) fn section_one<'a>(
    uses: &'a str,
    note: &'a str,
    agencies: &[&'a str],
) -> Vec<(String, String)> {
    let mut out = vec![
        ("uses_agencies".to_string(), uses.to_string()),
        ("agency_note".to_string(), note.to_string()),
    ];
    for (n, name) in agencies.iter().enumerate() {
        out.push((format!("agencies.{n}.agency_name"), name.to_string()));
        out.push((format!("agencies.{n}.agency_workers"), String::new()));
    }
    out
}

async fn post(
    app: &TestApp,
    path: &str,
    fields: &[(String, String)],
    action: &str,
) -> reqwest::Response {
    let fields: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    app.post_form(path, &fields, action).await
}

fn names(rows: &Value) -> Vec<&str> {
    rows.as_array()
        .map(|r| {
            r.iter()
                .map(|r| r["agency_name"].as_str().unwrap())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn a_row_is_removed_without_the_script_and_the_rest_of_the_post_is_saved() {
    let (app, link, response) = invited("en").await;
    let s1 = format!("{link}/s/1");
    let res = post(
        &app,
        &s1,
        &section_one("yes", "", &["Alpha", "Beta", "Gamma"]),
        "save",
    )
    .await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        names(&stored(&app, response).await["agencies"]),
        ["Alpha", "Beta", "Gamma"]
    );

    // Each row has its button, named with its number and the table's question.
    let html = app.get(&s1).await.text().await.unwrap();
    for n in 0..3 {
        assert!(
            html.contains(&format!(
                r#"value="remove_row:agencies:{n}" class="secondary remove-row" formnovalidate>Remove row {}<span class="visually-hidden"> — Recruitment agencies</span></button>"#,
                n + 1
            )),
            "row {n}'s button"
        );
    }

    // "Remove row 2", with the first row changed meanwhile and a "don't know" on the
    // third: the change is saved, the second row goes, the third moves up with its box.
    let mut fields = section_one("yes", "", &["Alpha Ltd", "Beta", "Gamma"]);
    fields.push(("agencies.2.agency_workers.dont_know".into(), "yes".into()));
    let res = post(&app, &s1, &fields, "remove_row:agencies:1").await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert_eq!(
        stored(&app, response).await["agencies"],
        json!([{"agency_name": "Alpha Ltd"}, {"agency_name": "Gamma", "agency_workers": "dont_know"}])
    );
    assert!(
        html.contains(r#"<p class="row-note" id="rn-agencies" role="status">Row 2 removed.</p>"#)
    );
    assert!(
        html.contains(r#"name="agencies.1.agency_name" autofocus type="text" value="Gamma""#),
        "the row now second has the focus"
    );
    assert!(html.contains(r#"name="agencies.1.agency_workers.dont_know" value="yes" checked"#));
    assert!(
        !html.contains(r#"name="agencies.2.agency_name""#),
        "two rows left"
    );
    assert!(html.contains("<legend>Row 2</legend>") && !html.contains("<legend>Row 3</legend>"));

    // The last row removed: the focus goes to "Add a row".
    let res = post(
        &app,
        &s1,
        &section_one("yes", "", &["Alpha Ltd", "Gamma"]),
        "remove_row:agencies:1",
    )
    .await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert_eq!(
        names(&stored(&app, response).await["agencies"]),
        ["Alpha Ltd"]
    );
    assert!(html.contains(r#"value="add_row:agencies" class="secondary add-row" autofocus"#));
    assert!(!html.contains(" autofocus type="), "no field has the focus");

    // The only row removed: the table is empty, with its "Add a row".
    let res = post(
        &app,
        &s1,
        &section_one("yes", "", &["Alpha Ltd"]),
        "remove_row:agencies:0",
    )
    .await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(!stored(&app, response).await.contains_key("agencies"));
    assert!(
        !html.contains(r#"name="agencies.0.agency_name""#),
        "no row shown"
    );
    assert!(html.contains("Row 1 removed."));
    assert!(html.contains(r#"value="add_row:agencies""#));
    // Opened again, the table starts with one blank row as a new one does.
    let html = app.get(&s1).await.text().await.unwrap();
    assert!(html.contains(r#"name="agencies.0.agency_name" type="text" value="""#));

    // Emptying a row still removes it.
    let res = post(&app, &s1, &section_one("yes", "", &["", "Delta"]), "save").await;
    assert_eq!(res.status(), 303);
    assert_eq!(names(&stored(&app, response).await["agencies"]), ["Delta"]);

    // A row the post does not hold changes nothing but what was typed.
    let res = post(
        &app,
        &s1,
        &section_one("yes", "", &["Delta"]),
        "remove_row:agencies:7",
    )
    .await;
    assert_eq!(res.status(), 303);
    assert_eq!(names(&stored(&app, response).await["agencies"]), ["Delta"]);
}

#[tokio::test]
async fn the_one_post_form_removes_a_row_too() {
    let (app, link, response) = invited("en").await;
    let res = post(
        &app,
        &link,
        &section_one("no", "", &["Alpha", "Beta"]),
        "remove_row:agencies:0",
    )
    .await;
    assert_eq!(res.status(), 200);
    assert_eq!(names(&stored(&app, response).await["agencies"]), ["Beta"]);
    assert_eq!(stored(&app, response).await["uses_agencies"], json!("no"));
    let html = res.text().await.unwrap();
    assert!(html.contains("Row 1 removed."));
    assert!(html.contains(r#"name="agencies.0.agency_name" autofocus type="text" value="Beta""#));
}

#[tokio::test]
async fn a_save_that_hides_an_answer_of_another_section_lists_what_it_removed() {
    let (app, link, response) = invited("en").await;
    let (s1, s2) = (format!("{link}/s/1"), format!("{link}/s/2"));
    let res = post(
        &app,
        &s1,
        &section_one("yes", "Licensed ones only", &["Alpha"]),
        "save",
    )
    .await;
    assert_eq!(res.status(), 303);
    let fees = [("agency_fees".to_string(), "1500".to_string())];
    assert_eq!(post(&app, &s2, &fees, "save").await.status(), 303);
    let before = stored(&app, response).await;
    assert_eq!(before["agency_fees"], json!(1500.0));

    // "No" on section 1 hides the note beside it and the fee of section 2: the page
    // comes back (not on to section 2) and says what went, with the values.
    let res = post(
        &app,
        &s1,
        &section_one("no", "Licensed ones only", &["Alpha"]),
        "next",
    )
    .await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    let after = stored(&app, response).await;
    assert!(!after.contains_key("agency_note") && !after.contains_key("agency_fees"));
    assert_eq!(after["uses_agencies"], json!("no"));
    assert!(html.contains("These answers were removed because they no longer apply:"));
    assert!(html.contains(
        r#"<li><strong>How do you choose agencies?</strong>: <span class="removed-value">Licensed ones only</span></li>"#
    ));
    assert!(html.contains(
        r#"<li><strong>Highest fee an agency charged</strong>: <span class="removed-value">1500 USD</span></li>"#
    ));
    assert!(html.contains("To keep one, change your answer back and type it again."));
    // The fields show what is stored now: the removed note is not in its (hidden)
    // field, so changing the answer back does not silently bring it back.
    assert!(
        !html.contains(r#"value="Licensed ones only""#)
            && !html.contains(">Licensed ones only</textarea>"),
        "{html}"
    );
    // The save's timeline event records which answers went, and the organisation's
    // timeline says so.
    let mut conn = app.db.conn().await;
    let recorded: Option<Vec<String>> = response_events::table
        .filter(response_events::response_id.eq(response))
        .filter(response_events::kind.eq("saved"))
        .order(response_events::id.desc())
        .select(response_events::hidden_removed)
        .first(&mut conn)
        .await
        .unwrap();
    assert_eq!(
        recorded,
        Some(vec!["agency_note".to_string(), "agency_fees".to_string()])
    );
    let timeline = app.timeline_of(response).await;
    let saves: Vec<&str> = timeline
        .iter()
        .filter(|r| r.what == "Answers saved")
        .map(|r| r.detail.as_str())
        .collect();
    assert!(
        saves[..2].iter().all(|d| !d.contains("removed")),
        "{saves:?}"
    );
    assert!(
        saves[2].ends_with("; removed as no longer applying: agency_note, agency_fees"),
        "{saves:?}"
    );
    // Saved again unchanged, nothing more is removed: on to section 2.
    let res = post(&app, &s1, &section_one("no", "", &["Alpha"]), "next").await;
    assert_eq!(res.status(), 303);

    // Restored by changing the answer back and typing it again; then the autosave's
    // reply lists it when it is hidden again.
    post(&app, &s1, &section_one("yes", "", &["Alpha"]), "save").await;
    post(&app, &s2, &fees, "save").await;
    let res = post(&app, &s1, &section_one("no", "", &["Alpha"]), "autosave").await;
    assert_eq!(res.status(), 200);
    let reply: Value = res.json().await.unwrap();
    assert_eq!(reply["status"], json!("saved"));
    assert_eq!(
        reply["removed"],
        json!([{"label": "Highest fee an agency charged", "value": "1500 USD"}])
    );
    assert_eq!(
        reply["removed_title"],
        json!("These answers were removed because they no longer apply:")
    );
    assert!(!stored(&app, response).await.contains_key("agency_fees"));
    // An autosave that removes nothing says so with an empty list.
    let reply: Value = post(&app, &s1, &section_one("no", "", &["Alpha"]), "autosave")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(reply["removed"], json!([]));
}

#[tokio::test]
async fn the_notices_are_in_japanese_when_the_form_is() {
    let (app, link, response) = invited("ja").await;
    let (s1, s2) = (format!("{link}/s/1"), format!("{link}/s/2"));
    post(
        &app,
        &s1,
        &section_one("yes", "", &["Alpha", "Beta"]),
        "save",
    )
    .await;
    post(
        &app,
        &s2,
        &[("agency_fees".to_string(), "200".to_string())],
        "save",
    )
    .await;
    let html = app.get(&s1).await.text().await.unwrap();
    assert!(html.contains(
        r#"formnovalidate>行 2 を削除<span class="visually-hidden"> — 人材紹介会社</span>"#
    ));

    let res = post(
        &app,
        &s1,
        &section_one("yes", "", &["Alpha", "Beta"]),
        "remove_row:agencies:0",
    )
    .await;
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("行 1 を削除しました。"));
    assert_eq!(names(&stored(&app, response).await["agencies"]), ["Beta"]);

    let res = post(&app, &s1, &section_one("no", "", &["Beta"]), "save").await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains("次の回答は、該当しなくなったため削除されました:"));
    assert!(html.contains(
        r#"<li><strong>紹介会社の最高手数料</strong>: <span class="removed-value">200 米ドル</span></li>"#
    ));
    // The script's words for the notes it writes, in Japanese too.
    assert!(html
        .contains("data-hides-one=\"この回答により、回答済みの質問 1 問が表示されなくなります。"));
    assert!(html.contains(r#"data-row-removed="行 {n} を削除しました。""#));
}
