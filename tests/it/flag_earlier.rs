//! "This question before" on the flag page: the organisation's earlier answers to the
//! flagged question in its submissions of the same questionnaire, with the flags they
//! raised and where those stand, and which one the response was copied from.

use crate::exports::parse_csv;
use crate::flag_queue::{mini_and_twin, submit_mini, submitted};
use crate::flags::member;
use crate::helpers::TestApp;
use hrdd_survey::auth::permissions::Role;

/// The response's flag on `passports`.
async fn passports_flag(app: &TestApp, response: &str) -> String {
    let flags = app.response_flags(response).await;
    flags
        .iter()
        .find(|f| f["question_id"] == "passports")
        .unwrap_or_else(|| panic!("no passports flag: {flags:?}"))["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// The `#earlier` card of a page.
fn earlier(page: &str) -> &str {
    let start = page
        .find(r#"id="earlier""#)
        .unwrap_or_else(|| panic!("no #earlier: {page}"));
    let rest = &page[start..];
    &rest[..rest.find("</div>").unwrap()]
}

#[tokio::test]
async fn a_flag_shows_the_organisations_earlier_answers_to_its_question() {
    let app = TestApp::spawn_with_templates(&mini_and_twin()).await;
    let (org, contact) = app.supplier("Recurring KK", "en").await;
    let member = member(&app, Role::Committee, "Rie Committee").await;

    // Last year: the employer kept passports (a flag).
    let first = submitted(&app, "mini", (&org, &contact), "employer").await;
    let first_flag = passports_flag(&app, &first).await;
    let (status, page) = member
        .page(&app, &format!("/staff/flags/{first_flag}"))
        .await;
    assert_eq!(status, 200, "{page}");
    assert!(
        earlier(&page).contains("No earlier submission of this questionnaire by Recurring KK"),
        "{page}"
    );

    // Another questionnaire in between, answered differently: never listed.
    submitted(&app, "twin", (&org, &contact), "worker").await;

    // This year: started from last year's answers, submitted unchanged.
    let (link, second) = app
        .invite(&app.campaign("mini").await, &org, &contact)
        .await;
    let csrf = app.form_csrf(&link).await;
    let res = app
        .client
        .post(app.url(&format!("{link}/carry-over")))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    submit_mini(&app, &link, "employer").await;
    let second_flag = passports_flag(&app, &second).await;

    let (status, page) = member
        .page(&app, &format!("/staff/flags/{second_flag}"))
        .await;
    assert_eq!(status, 200, "{page}");
    let card = earlier(&page);
    assert_eq!(
        card.matches("<tr>").count(),
        2,
        "a header and one row: {card}"
    );
    assert!(
        card.contains(&format!(
            r#"<a href="/staff/organisations/{org}/responses#a-{first}-passports">The employer</a> <strong class="same">same answer</strong>"#
        )),
        "{card}"
    );
    assert!(
        card.contains("this response was started from these answers"),
        "{card}"
    );
    assert!(
        card.contains(&format!(r#"<a href="/staff/flags/{first_flag}">"#)),
        "last year's flag, linked: {card}"
    );
    assert!(card.contains("</a> open"), "its state now: {card}");
    assert!(!card.contains("The worker"), "the twin's answer: {card}");
    let on = chrono::Utc::now().date_naive().to_string();
    assert!(card.contains(&format!(">{on}</td>")), "{card}");
}

/// The queue's line of `flag` (from its link to the end of its row).
fn queue_line<'a>(page: &'a str, flag: &str) -> &'a str {
    let start = page
        .find(&format!(r#"<a href="/staff/flags/{flag}">"#))
        .unwrap_or_else(|| panic!("{flag} not in the queue: {page}"));
    let rest = &page[start..];
    &rest[..rest.find("</tr>").unwrap()]
}

#[tokio::test]
async fn the_queue_and_the_flag_export_mark_a_question_flagged_last_time_too() {
    let app = TestApp::spawn_with_templates(&mini_and_twin()).await;
    let (org, contact) = app.supplier("Again KK", "en").await;
    let (other, other_contact) = app.supplier("First Time KK", "en").await;
    let (fixed, fixed_contact) = app.supplier("Newly Flagged KK", "en").await;
    let member = member(&app, Role::Committee, "Rin Committee").await;

    let again = (org.as_str(), contact.as_str());
    // Last year: passports kept by the employer (a flag), corrective action required.
    let first = submitted(&app, "mini", again, "employer").await;
    let first_flag = passports_flag(&app, &first).await;
    {
        use hrdd_survey::domain::flag_workflow::Action;
        use hrdd_survey::services::flags::{transition, FlagActor};
        let mut conn = app.state.pool.get().await.unwrap();
        for (version, action) in [
            (1, Action::Assign { to: member.id }),
            (
                2,
                Action::RequireAction {
                    reason: "Return the passports <all of them>".into(),
                },
            ),
        ] {
            transition(
                &mut conn,
                &app.state.audit_key,
                FlagActor::Member(member.id),
                first_flag.parse().unwrap(),
                Some(version),
                action,
            )
            .await
            .unwrap();
        }
    }
    // Another questionnaire in between, with the same answer: not "last time".
    let twin_flag = passports_flag(&app, &submitted(&app, "twin", again, "employer").await).await;
    // This year: the same answer again.
    let second = submitted(&app, "mini", again, "employer").await;
    let second_flag = passports_flag(&app, &second).await;
    // Another organisation's first submission, the same answer: nothing before it.
    let other = (other.as_str(), other_contact.as_str());
    let alone_flag = passports_flag(&app, &submitted(&app, "mini", other, "employer").await).await;
    // One whose previous submission did not raise this flag.
    let fixed = (fixed.as_str(), fixed_contact.as_str());
    submitted(&app, "mini", fixed, "worker").await;
    let newly = submitted(&app, "mini", fixed, "employer").await;
    let newly_flag = passports_flag(&app, &newly).await;

    let (status, page) = member.page(&app, "/staff/flags?status=all").await;
    assert_eq!(status, 200, "{page}");
    let today = chrono::Utc::now().date_naive();
    let line = queue_line(&page, &second_flag);
    assert!(
        line.contains(&format!(
            r#"<a class="recurring" href="/staff/flags/{first_flag}">Flagged last time too (submitted {today}; now corrective action required)</a>"#
        )),
        "{line}"
    );
    for flag in [&first_flag, &twin_flag, &alone_flag, &newly_flag] {
        let line = queue_line(&page, flag);
        assert!(!line.contains("recurring"), "{flag}: {line}");
    }

    // So does the API, on the flags of a response.
    let flags = app.response_flags(&second).await;
    let passports = flags
        .iter()
        .find(|f| f["id"] == second_flag.as_str())
        .unwrap();
    assert_eq!(passports["previous"]["id"], first_flag.as_str());
    assert_eq!(
        passports["previous"]["status"],
        "corrective_action_required"
    );
    assert!(
        passports["previous"]["submitted_at"].is_string(),
        "{passports}"
    );
    for (response, flag) in [(&first, &first_flag), (&newly, &newly_flag)] {
        let flags = app.response_flags(response).await;
        let f = flags.iter().find(|f| f["id"] == flag.as_str()).unwrap();
        assert!(f["previous"].is_null(), "{f}");
    }

    // The export says the same, in two columns at the end.
    let res = member
        .client
        .get(app.url("/staff/exports/flags?format=csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let rows = parse_csv(&res.bytes().await.unwrap());
    let header = &rows[0];
    let n = header.len();
    assert_eq!(header[n - 2], "Previous submission's flag id");
    assert_eq!(header[n - 1], "Previous submission's flag status");
    let row = |flag: &str| rows.iter().find(|r| r[0] == flag).unwrap().clone();
    assert_eq!(
        row(&second_flag)[n - 2..],
        [first_flag.clone(), "corrective_action_required".into()]
    );
    for flag in [&first_flag, &twin_flag, &alone_flag, &newly_flag] {
        assert_eq!(row(flag)[n - 2..], [String::new(), String::new()], "{flag}");
    }

    // The flag page says why, last time, corrective action was required.
    let (status, page) = member
        .page(&app, &format!("/staff/flags/{second_flag}"))
        .await;
    assert_eq!(status, 200, "{page}");
    assert!(
        earlier(&page).contains(
            "</a> corrective action required: <q>Return the passports &#60;all of them&#62;</q>"
        ),
        "{}",
        earlier(&page)
    );
}
