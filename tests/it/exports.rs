//! Exports (issue 10, item 7): a campaign's responses (one row per organisation, one
//! column per question, labels in the chosen language) and its flags, as CSV and XLSX.

use crate::auth::{create_user, sign_in, PASSWORD};
use crate::helpers::{fixtures_dir, TestApp};
use crate::inherent_risk::FLAGGED;
use hrdd_survey::auth::permissions::Role;

pub(crate) fn parse_csv(bytes: &[u8]) -> Vec<Vec<String>> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").expect("a UTF-8 BOM");
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(bytes)
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect()
}

#[tokio::test]
async fn responses_and_flags_export_as_csv_and_xlsx_with_labels_in_the_chosen_language() {
    let app = TestApp::spawn_with_templates(&fixtures_dir()).await;
    create_user(&app, "viewer@example.com", Role::Viewer, Some(PASSWORD)).await;
    let member = create_user(&app, "member@example.com", Role::Committee, Some(PASSWORD)).await;
    let viewer = sign_in(&app, "viewer@example.com", PASSWORD).await;
    let campaign = app.campaign("mini").await;
    // Two organisations: one submits (flags), one is still to answer.
    let (org, contact) = app.supplier("=Formula Co", "ja").await;
    let (link, response) = app.invite(&campaign, &org, &contact).await;
    let res = app.post_form(&link, FLAGGED, "submit").await;
    assert_eq!(res.status(), 303);
    let (org2, contact2) = app.supplier("Beta Works", "en").await;
    app.invite(&campaign, &org2, &contact2).await;

    let page = viewer
        .get(&app, "/staff/exports")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains(&campaign), "{page}");

    // Responses in Japanese, CSV.
    let res = viewer
        .get(
            &app,
            &format!("/staff/exports/responses?campaign={campaign}&lang=ja&format=csv"),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "text/csv; charset=utf-8");
    assert!(res.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment; filename=\"responses-"));
    let rows = parse_csv(&res.bytes().await.unwrap());
    assert_eq!(
        rows.len(),
        3,
        "a header and one row per organisation: {rows:?}"
    );
    let header = &rows[0];
    assert_eq!(
        &header[..9],
        [
            "Organisation",
            "Reference",
            "Kind",
            "Country",
            "Sector",
            "Status",
            "Language",
            "Submitted (UTC)",
            "Questionnaire"
        ]
    );
    assert_eq!(header[9], "従業員数 [headcount]");
    assert!(
        header.contains(&"旅券は誰が保管していますか? [passports]".to_string()),
        "{header:?}"
    );
    // By organisation name: the guarded formula-like name sorts first.
    assert_eq!(rows[1][0], "'=Formula Co", "formula injection guarded");
    assert_eq!(rows[1][5], "submitted");
    assert_eq!(rows[1][8], "mini v1");
    let passports = header
        .iter()
        .position(|h| h.ends_with("[passports]"))
        .unwrap();
    assert_eq!(rows[1][passports], "雇用主", "the choice label in Japanese");
    assert_eq!(rows[1][9], "120 人");
    assert_eq!(rows[2][0], "Beta Works");
    assert_ne!(rows[2][5], "submitted");
    assert!(
        rows[2][9..].iter().all(String::is_empty),
        "nothing answered yet"
    );
    // The same columns in English, only the labels change.
    let en = parse_csv(
        &viewer
            .get(
                &app,
                &format!("/staff/exports/responses?campaign={campaign}&lang=en"),
            )
            .await
            .bytes()
            .await
            .unwrap(),
    );
    assert_eq!(en[0].len(), header.len());
    assert_eq!(en[0][9], "Number of workers [headcount]");
    assert_eq!(en[1][passports], "The employer");

    // XLSX: a real workbook (a zip with the worksheet part).
    let res = viewer
        .get(
            &app,
            &format!("/staff/exports/responses?campaign={campaign}&lang=vi&format=xlsx"),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let xlsx = res.bytes().await.unwrap();
    assert!(xlsx.starts_with(b"PK\x03\x04"), "a zip file");
    let find = |needle: &[u8]| xlsx.windows(needle.len()).any(|w| w == needle);
    assert!(find(b"xl/worksheets/sheet1.xml"));
    assert!(find(b"[Content_Types].xml"));

    // A decision on the passports flag, through the flag workflow.
    let passports_flag: uuid::Uuid = {
        use diesel::prelude::*;
        use diesel_async::RunQueryDsl;
        use hrdd_survey::db::schema::flags;
        let mut conn = app.state.pool.get().await.unwrap();
        flags::table
            .filter(flags::question_id.eq("passports"))
            .select(flags::id)
            .first(&mut conn)
            .await
            .unwrap()
    };
    {
        use hrdd_survey::domain::flag_workflow::Action;
        use hrdd_survey::services::flags::{transition, FlagActor};
        let mut conn = app.state.pool.get().await.unwrap();
        transition(
            &mut conn,
            &app.state.audit_key,
            FlagActor::Member(member),
            passports_flag,
            Some(1),
            Action::Assign { to: member },
        )
        .await
        .unwrap();
    }

    // Flags: one row per flag, with the question in the chosen language.
    let res = viewer
        .get(
            &app,
            &format!("/staff/exports/flags?campaign={campaign}&lang=ja&format=csv"),
        )
        .await;
    assert_eq!(res.status(), 200);
    let flags = parse_csv(&res.bytes().await.unwrap());
    let count = app.response_flags(&response).await.len();
    assert!(count >= 3);
    assert_eq!(flags.len(), count + 1, "{flags:?}");
    assert_eq!(flags[0][0], "Flag id");
    assert_eq!(flags[0][13], "Band");
    let passport_flag = flags
        .iter()
        .find(|r| r[6] == "passports")
        .expect("the passports flag");
    assert_eq!(passport_flag[7], "旅券は誰が保管していますか?");
    assert_eq!(passport_flag[8], "雇用主");
    assert_eq!(passport_flag[17], "in_review");
    assert_eq!(flags[0][20], "Assignee");
    assert_eq!(passport_flag[20], "Test Person <member@example.com>");
    // The decisions in the flag page's words, the member named with their address.
    assert_eq!(flags[0][21], "Last decision");
    assert!(
        passport_flag[21].starts_with(
            "assigned to Test Person <member@example.com> by Test Person <member@example.com> on "
        ) && passport_flag[21].ends_with(" UTC — no note"),
        "{passport_flag:?}"
    );
    assert!(
        passport_flag[22].contains(
            " UTC — Test Person <member@example.com>: assigned to Test Person <member@example.com> (open → in review)"
        ),
        "{passport_flag:?}"
    );
    let res = viewer.get(&app, "/staff/exports/flags?format=xlsx").await;
    assert_eq!(res.status(), 200);
    assert!(res.bytes().await.unwrap().starts_with(b"PK\x03\x04"));

    // Bad input names the field.
    for (query, field) in [
        (format!("campaign={campaign}&format=pdf"), "format"),
        (format!("campaign={campaign}&lang=xx"), "lang"),
        ("campaign=not-a-uuid".to_string(), "campaign"),
        (String::new(), "campaign"),
    ] {
        let res = viewer
            .get(&app, &format!("/staff/exports/responses?{query}"))
            .await;
        assert_eq!(res.status(), 422, "{query}");
        let body = res.text().await.unwrap();
        assert!(body.contains(field), "{query}: {body}");
    }
}
