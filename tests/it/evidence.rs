//! Evidence files: a new upload replaces the question's earlier file (which is deleted,
//! not left downloadable), and a response's files together stay within the quota.

use crate::helpers::{fixtures_dir, TestApp};
use crate::respondent::{invite_supplier, post_with_files, stored};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use hrdd_survey::db::schema::evidence_files;
use serde_json::json;
use uuid::Uuid;

/// A PDF of about `size` bytes.
fn pdf(size: usize, fill: u8) -> Vec<u8> {
    let mut bytes = b"%PDF-1.4\n".to_vec();
    bytes.resize(size.saturating_sub(6), fill);
    bytes.extend_from_slice(b"\n%%EOF");
    bytes
}

async fn files_of(app: &TestApp, response: Uuid) -> Vec<Uuid> {
    let mut conn = app.db.conn().await;
    evidence_files::table
        .filter(evidence_files::response_id.eq(response))
        .select(evidence_files::id)
        .load(&mut conn)
        .await
        .unwrap()
}

fn file_id(answers: &std::collections::BTreeMap<String, serde_json::Value>) -> Uuid {
    answers["policy"]["file_id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap()
}

#[tokio::test]
async fn re_uploading_evidence_deletes_the_replaced_file() {
    let app = TestApp::spawn_with_templates(&fixtures_dir()).await;
    let (link, response) = invite_supplier(&app, "Re-uploader", "en").await;
    let first = pdf(2_000, b'a');
    let res = post_with_files(
        &app,
        &link,
        &[("headcount", "10")],
        &[("policy", "v1.pdf", &first)],
        "save",
    )
    .await;
    assert_eq!(res.status(), 303);
    let old = file_id(&stored(&app, response).await);
    assert_eq!(
        app.get(&format!("{link}/evidence/{old}")).await.status(),
        200
    );

    let second = pdf(3_000, b'b');
    let res = post_with_files(
        &app,
        &link,
        &[("headcount", "10")],
        &[("policy", "v2.pdf", &second)],
        "save",
    )
    .await;
    assert_eq!(res.status(), 303);
    let new = file_id(&stored(&app, response).await);
    assert_ne!(old, new);
    assert_eq!(
        app.get(&format!("{link}/evidence/{old}")).await.status(),
        404,
        "the replaced file is gone"
    );
    let res = app.get(&format!("{link}/evidence/{new}")).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.bytes().await.unwrap().as_ref(), second.as_slice());
    assert_eq!(files_of(&app, response).await, vec![new]);

    // A save without a new file keeps it.
    let res = app.post_form(&link, &[("headcount", "12")], "save").await;
    assert_eq!(res.status(), 303);
    assert_eq!(files_of(&app, response).await, vec![new]);
}

#[tokio::test]
async fn evidence_over_the_response_quota_is_refused_next_to_the_field() {
    let app = TestApp::spawn_with_settings(
        &fixtures_dir(),
        &[("HRDD_EVIDENCE_QUOTA_MB", "1".to_string())],
    )
    .await;
    let (link, response) = invite_supplier(&app, "Big Files Ltd", "en").await;
    let small = pdf(600 * 1024, b's');
    let res = post_with_files(
        &app,
        &link,
        &[("headcount", "10")],
        &[("policy", "small.pdf", &small)],
        "save",
    )
    .await;
    assert_eq!(res.status(), 303);
    let kept = file_id(&stored(&app, response).await);

    // Replacing it with a file that fits on its own is fine: the replaced one does not
    // count.
    let res = post_with_files(
        &app,
        &link,
        &[("headcount", "10")],
        &[("policy", "medium.pdf", &pdf(900 * 1024, b'm'))],
        "save",
    )
    .await;
    assert_eq!(res.status(), 303);
    let kept2 = file_id(&stored(&app, response).await);
    assert_ne!(kept, kept2);

    // Over the quota: refused next to the field, the other answers saved, the file on
    // record kept.
    let res = post_with_files(
        &app,
        &link,
        &[("headcount", "11")],
        &[("policy", "large.pdf", &pdf(1536 * 1024, b'l'))],
        "save",
    )
    .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(
        html.contains(r#"<p class="error" id="e-policy">With this file, the files of this questionnaire would exceed 1 MB in total."#),
        "{html}"
    );
    let answers = stored(&app, response).await;
    assert_eq!(answers["headcount"], json!(11), "the rest was saved");
    assert_eq!(file_id(&answers), kept2);
    assert_eq!(files_of(&app, response).await, vec![kept2]);
}

#[tokio::test]
async fn a_file_whose_question_becomes_hidden_goes_with_its_answer() {
    // The real questionnaire: the agencies' licences are asked for only when the site
    // uses labour agencies.
    let app = TestApp::spawn().await;
    let (org, contact) = app.supplier("Agency User", "en").await;
    let campaign = app.campaign("forced-labour").await;
    let (link, response) = app.invite(&campaign, &org, &contact).await;
    let response: Uuid = response.parse().unwrap();
    let res = post_with_files(
        &app,
        &link,
        &[("uses_labour_agencies", "yes")],
        &[(
            "agency_licences_and_contracts_file",
            "licences.pdf",
            &pdf(2_000, b'l'),
        )],
        "save",
    )
    .await;
    assert_eq!(res.status(), 303);
    let answers = stored(&app, response).await;
    assert!(answers.contains_key("agency_licences_and_contracts_file"));
    assert_eq!(files_of(&app, response).await.len(), 1);

    // A draft save without files that hides the question: the answer and its file go,
    // in the save's transaction (a save read without the lock takes it for this).
    // The page comes back saying so, with the file's name.
    let res = app
        .post_form(&link, &[("uses_labour_agencies", "no")], "save")
        .await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains("These answers were removed because they no longer apply:"));
    assert!(html.contains(r#"<span class="removed-value">licences.pdf</span>"#));
    let answers = stored(&app, response).await;
    assert_eq!(answers["uses_labour_agencies"], json!("no"));
    assert!(!answers.contains_key("agency_licences_and_contracts_file"));
    assert!(
        files_of(&app, response).await.is_empty(),
        "the file is deleted"
    );
}
