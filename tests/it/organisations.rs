//! Organisations and contacts on the staff pages, and the CSV import/export, through
//! HTTP with a signed-in browser: forms that name each bad field and write nothing,
//! edits and deactivation with their audit entries, list filters and paging, and the
//! import's preview (every row error, nothing written) → confirm → idempotence.

use crate::auth::{create_user, location, sign_in, Session, PASSWORD};
use crate::helpers::TestApp;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use hrdd_survey::auth::permissions::Role;
use hrdd_survey::db::schema::{audit_log, contacts, org_import_uploads, organisations};
use reqwest::StatusCode;
use std::path::Path;
use uuid::Uuid;

const EXAMPLE: &[u8] = include_bytes!("../../static/organisations-example.csv");
const ROW_ERRORS: &[u8] = include_bytes!("../fixtures/csv/row-errors.csv");
const CP932: &[u8] = include_bytes!("../fixtures/csv/organisations-cp932.csv");
const HEADER: &str = "external_ref,kind,name,country,sector,business_unit,owner_email,contact_name,contact_email,contact_language,contact_job_title";

async fn procurement(app: &TestApp) -> Session {
    create_user(app, "buyer@example.com", Role::Procurement, Some(PASSWORD)).await;
    sign_in(app, "buyer@example.com", PASSWORD).await
}

async fn count_orgs(app: &TestApp) -> i64 {
    let mut conn = app.db.conn().await;
    organisations::table
        .count()
        .get_result(&mut conn)
        .await
        .unwrap()
}

async fn count_contacts(app: &TestApp) -> i64 {
    let mut conn = app.db.conn().await;
    contacts::table.count().get_result(&mut conn).await.unwrap()
}

async fn audit_actions(app: &TestApp) -> Vec<String> {
    let mut conn = app.db.conn().await;
    audit_log::table
        .order(audit_log::seq.asc())
        .select(audit_log::action)
        .load(&mut conn)
        .await
        .unwrap()
}

/// The error shown next to a form field (`<p class="error" id="{prefix}-{field}-error">`).
fn field_error(html: &str, id: &str) -> Option<String> {
    let marker = format!("id=\"{id}-error\"");
    let at = html.find(&marker)? + marker.len();
    let start = html[at..].find('>')? + at + 1;
    let end = html[start..].find("</p>")? + start;
    Some(html[start..end].to_string())
}

/// Uploads a file on the import page (multipart, the CSRF token its first field, as
/// the page's form has it).
async fn upload(app: &TestApp, s: &Session, name: &str, bytes: Vec<u8>) -> (StatusCode, String) {
    let page = s
        .get(app, "/staff/organisations/import")
        .await
        .text()
        .await
        .unwrap();
    let form_start = page
        .find("<form method=\"post\" action=\"/staff/organisations/import\" enctype=\"multipart/form-data\"")
        .expect("the upload form");
    assert!(
        page[form_start..].starts_with(&format!(
            "<form method=\"post\" action=\"/staff/organisations/import\" enctype=\"multipart/form-data\" class=\"card create\">\n<input type=\"hidden\" name=\"csrf_token\" value=\"{}\">",
            s.csrf
        )),
        "the token is the form's first field, not in its URL"
    );
    let form = reqwest::multipart::Form::new()
        .text("csrf_token", s.csrf.clone())
        .part(
            "file",
            reqwest::multipart::Part::bytes(bytes)
                .file_name(name.to_string())
                .mime_str("text/csv")
                .unwrap(),
        );
    let res = s
        .client
        .post(app.url("/staff/organisations/import"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    (res.status(), res.text().await.unwrap())
}

/// The confirm form's action and digest on a preview page.
fn confirm_form(html: &str) -> Option<(String, String)> {
    let marker = "action=\"/staff/organisations/import/";
    let start = html.find(marker)? + "action=\"".len();
    let end = html[start..].find('"')? + start;
    let action = html[start..end].to_string();
    let dm = "name=\"digest\" value=\"";
    let ds = html.find(dm)? + dm.len();
    let de = html[ds..].find('"')? + ds;
    Some((action, html[ds..de].to_string()))
}

async fn confirm(app: &TestApp, s: &Session, html: &str) -> (StatusCode, String) {
    let (action, digest) = confirm_form(html).expect("a confirm form");
    let res = s.post(app, &action, &[("digest", &digest)]).await;
    (res.status(), res.text().await.unwrap())
}

fn org_id_from(location: &str) -> Uuid {
    let id = location
        .trim_start_matches("/staff/organisations/")
        .split('?')
        .next()
        .unwrap();
    Uuid::parse_str(id).unwrap()
}

#[tokio::test]
async fn organisation_forms_name_bad_fields_write_nothing_and_edits_are_audited() {
    let app = TestApp::spawn().await;
    let s = procurement(&app).await;
    let before = count_orgs(&app).await;

    // Every bad field is named next to it, and nothing is written.
    let res = s
        .post(
            &app,
            "/staff/organisations",
            &[
                ("name", "  "),
                ("kind", "vendor"),
                ("country", "Japan"),
                ("owner", "nobody"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(field_error(&html, "new-name")
        .unwrap()
        .contains("give a name"));
    assert!(field_error(&html, "new-kind")
        .unwrap()
        .contains("production_base or supplier"));
    assert!(field_error(&html, "new-country")
        .unwrap()
        .contains("ISO 3166-1"));
    assert!(field_error(&html, "new-owner")
        .unwrap()
        .contains("staff member"));
    assert!(html.contains("aria-invalid=\"true\""));
    assert_eq!(count_orgs(&app).await, before);

    // A valid organisation, with an owner.
    let owner = create_user(&app, "owner@example.com", Role::Procurement, Some(PASSWORD)).await;
    let res = s
        .post(
            &app,
            "/staff/organisations",
            &[
                ("name", "Example Parts"),
                ("kind", "supplier"),
                ("country", "jp"),
                ("sector", "automotive"),
                ("business_unit", "Components"),
                ("owner", &owner.to_string()),
                ("external_ref", "EX-1"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let href = location(&res);
    let id = org_id_from(&href);
    let page = s.get(&app, &href).await.text().await.unwrap();
    assert!(page.contains("Organisation added."));
    assert!(page.contains("owner@example.com"));
    assert!(page.contains("Components"));
    // "jp" as typed is stored as its code, shown with the country's name.
    assert!(
        page.contains("<dt>Country</dt><dd>JP · Japan</dd>"),
        "{page}"
    );

    // A second organisation with the same reference: named on the field.
    let res = s
        .post(
            &app,
            "/staff/organisations",
            &[
                ("name", "Other"),
                ("kind", "supplier"),
                ("country", "VN"),
                ("external_ref", "EX-1"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(field_error(&html, "new-external_ref")
        .unwrap()
        .contains("another organisation"));

    // Edit: bad input changes nothing.
    let path = format!("/staff/organisations/{id}");
    let res = s
        .post(
            &app,
            &path,
            &[("name", "Renamed"), ("kind", "supplier"), ("country", "ZZ")],
        )
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(field_error(&html, "edit-country").is_some());
    assert!(
        html.contains("value=\"Renamed\""),
        "the typed value is kept"
    );
    let mut conn = app.db.conn().await;
    let name: String = organisations::table
        .find(id)
        .select(organisations::name)
        .first(&mut conn)
        .await
        .unwrap();
    assert_eq!(name, "Example Parts");

    // A valid edit is saved and audited with the changed fields.
    let res = s
        .post(
            &app,
            &path,
            &[
                ("name", "Example Parts Osaka"),
                ("kind", "production_base"),
                ("country", "JP"),
                ("sector", "automotive"),
                ("business_unit", ""),
                ("owner", ""),
                ("external_ref", "EX-1"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (name, kind, unit, owner_now): (String, String, Option<String>, Option<Uuid>) =
        organisations::table
            .find(id)
            .select((
                organisations::name,
                organisations::kind,
                organisations::business_unit,
                organisations::owner_user_id,
            ))
            .first(&mut conn)
            .await
            .unwrap();
    assert_eq!(
        (name.as_str(), kind.as_str(), unit, owner_now),
        ("Example Parts Osaka", "production_base", None, None)
    );
    let details: serde_json::Value = audit_log::table
        .filter(audit_log::action.eq("organisation.updated"))
        .select(audit_log::details)
        .first(&mut conn)
        .await
        .unwrap();
    assert_eq!(details["changed"]["name"][1], "Example Parts Osaka");
    assert_eq!(details["changed"]["business_unit"][0], "Components");
    assert!(details["changed"].get("country").is_none());

    // Deactivate: out of the default list, in "deactivated"; then reactivate.
    let res = s.post(&app, &format!("{path}/deactivate"), &[]).await;
    assert_eq!(res.status(), 303);
    let list = s
        .get(&app, "/staff/organisations")
        .await
        .text()
        .await
        .unwrap();
    assert!(!list.contains("Example Parts Osaka"));
    let list = s
        .get(&app, "/staff/organisations?status=deactivated")
        .await
        .text()
        .await
        .unwrap();
    assert!(list.contains("Example Parts Osaka"));
    let res = s.post(&app, &format!("{path}/reactivate"), &[]).await;
    assert_eq!(res.status(), 303);
    let list = s
        .get(&app, "/staff/organisations")
        .await
        .text()
        .await
        .unwrap();
    assert!(list.contains("Example Parts Osaka"));

    // Contacts: a bad email is named and nothing is written.
    let contacts_before = count_contacts(&app).await;
    let res = s
        .post(
            &app,
            &format!("{path}/contacts"),
            &[("name", ""), ("email", "not-an-email"), ("language", "fr")],
        )
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(field_error(&html, "contact-name").is_some());
    assert!(field_error(&html, "contact-email")
        .unwrap()
        .contains("not an email address"));
    assert!(field_error(&html, "contact-language").is_some());
    assert_eq!(count_contacts(&app).await, contacts_before);

    let res = s
        .post(
            &app,
            &format!("{path}/contacts"),
            &[
                ("name", "Taro Yamada"),
                ("email", "taro@example.com"),
                ("language", "ja"),
                ("job_title", "Plant manager"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    // The same email in other case: refused on the field.
    let res = s
        .post(
            &app,
            &format!("{path}/contacts"),
            &[
                ("name", "Taro again"),
                ("email", "TARO@example.com"),
                ("language", "en"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    assert!(field_error(&res.text().await.unwrap(), "contact-email")
        .unwrap()
        .contains("already has a contact"));
    let contact: Uuid = contacts::table
        .filter(contacts::organisation_id.eq(id))
        .select(contacts::id)
        .first(&mut conn)
        .await
        .unwrap();

    // Edit the contact (preferred language), then deactivate it.
    let cpath = format!("{path}/contacts/{contact}");
    let form = s.get(&app, &cpath).await.text().await.unwrap();
    assert!(form.contains("value=\"taro@example.com\""));
    let res = s
        .post(
            &app,
            &cpath,
            &[
                ("name", "Taro Yamada"),
                ("email", "bad"),
                ("language", "vi"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    assert!(field_error(&res.text().await.unwrap(), "contact-email").is_some());
    let res = s
        .post(
            &app,
            &cpath,
            &[
                ("name", "Taro Yamada"),
                ("email", "taro@example.com"),
                ("language", "vi"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let res = s.post(&app, &format!("{cpath}/deactivate"), &[]).await;
    assert_eq!(res.status(), 303);
    let (lang, job, off): (
        String,
        Option<String>,
        Option<chrono::DateTime<chrono::Utc>>,
    ) = contacts::table
        .find(contact)
        .select((
            contacts::language,
            contacts::job_title,
            contacts::deactivated_at,
        ))
        .first(&mut conn)
        .await
        .unwrap();
    assert_eq!(lang, "vi");
    assert_eq!(job, None, "an emptied job title is cleared");
    assert!(off.is_some());
    let page = s.get(&app, &path).await.text().await.unwrap();
    assert!(page.contains("deactivated"));

    // A contact of another organisation cannot be reached through this one.
    let other = create_org_via_form(&app, &s, "Elsewhere Ltd").await;
    let res = s
        .get(
            &app,
            &format!("/staff/organisations/{other}/contacts/{contact}"),
        )
        .await;
    assert_eq!(res.status(), 404);

    let actions = audit_actions(&app).await;
    for expected in [
        "organisation.created",
        "organisation.updated",
        "organisation.deactivated",
        "organisation.reactivated",
        "contact.created",
        "contact.updated",
        "contact.deactivated",
    ] {
        assert!(
            actions.iter().any(|a| a == expected),
            "{expected} in {actions:?}"
        );
    }

    // A viewer sees the page but cannot change anything.
    create_user(&app, "viewer@example.com", Role::Viewer, Some(PASSWORD)).await;
    let v = sign_in(&app, "viewer@example.com", PASSWORD).await;
    let page = v.get(&app, &path).await;
    assert_eq!(page.status(), 200);
    assert!(!page.text().await.unwrap().contains("Edit details"));
    let res = v.post(&app, &format!("{path}/deactivate"), &[]).await;
    assert_eq!(res.status(), 403);
}

async fn create_org_via_form(app: &TestApp, s: &Session, name: &str) -> Uuid {
    let res = s
        .post(
            app,
            "/staff/organisations",
            &[("name", name), ("kind", "supplier"), ("country", "VN")],
        )
        .await;
    assert_eq!(res.status(), 303, "{name}");
    org_id_from(&location(&res))
}

#[tokio::test]
async fn the_list_filters_by_each_field_and_pages() {
    let app = TestApp::spawn().await;
    let s = procurement(&app).await;
    let owner = create_user(&app, "owner@example.com", Role::Procurement, Some(PASSWORD)).await;
    let owner = owner.to_string();
    for (name, kind, country, sector, unit, own) in [
        (
            "Alpha Steel",
            "supplier",
            "JP",
            "steel",
            "Metals",
            owner.as_str(),
        ),
        ("Beta Garments", "supplier", "VN", "textiles", "Apparel", ""),
        (
            "Gamma Plant",
            "production_base",
            "JP",
            "assembly",
            "Metals",
            "",
        ),
    ] {
        let res = s
            .post(
                &app,
                "/staff/organisations",
                &[
                    ("name", name),
                    ("kind", kind),
                    ("country", country),
                    ("sector", sector),
                    ("business_unit", unit),
                    ("owner", own),
                ],
            )
            .await;
        assert_eq!(res.status(), 303);
    }
    let shown = |html: &str| -> Vec<&'static str> {
        ["Alpha Steel", "Beta Garments", "Gamma Plant"]
            .into_iter()
            .filter(|n| html.contains(&format!(">{n}</a>")))
            .collect()
    };
    for (query, expected) in [
        ("", vec!["Alpha Steel", "Beta Garments", "Gamma Plant"]),
        ("kind=supplier", vec!["Alpha Steel", "Beta Garments"]),
        ("country=jp", vec!["Alpha Steel", "Gamma Plant"]),
        ("sector=textiles", vec!["Beta Garments"]),
        ("business_unit=Metals", vec!["Alpha Steel", "Gamma Plant"]),
        (&format!("owner={owner}"), vec!["Alpha Steel"]),
        ("q=gar", vec!["Beta Garments"]),
        ("q=%25", vec![]),
        ("kind=supplier&country=JP", vec!["Alpha Steel"]),
    ] {
        let res = s.get(&app, &format!("/staff/organisations?{query}")).await;
        assert_eq!(res.status(), 200, "{query}");
        assert_eq!(shown(&res.text().await.unwrap()), expected, "{query}");
    }
    // Countries are shown by name, and the filter offers those in use, by name.
    let html = s
        .get(&app, "/staff/organisations?country=VN")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains(r#"<td data-label="Country">VN · Vietnam</td>"#),
        "{html}"
    );
    let filter = html.split(r#"id="filter-country""#).nth(1).unwrap();
    let filter = filter.split("</select>").next().unwrap();
    assert!(
        filter.contains(r#"<option value="VN" selected>VN · Vietnam</option>"#),
        "{filter}"
    );
    assert!(filter.contains(r#"<option value="JP">JP · Japan</option>"#));
    assert!(
        !filter.contains(r#"<option value="TH""#),
        "only countries in use"
    );
    // Adding one, every country is offered by name.
    let add = html.split(r#"id="new-country""#).nth(1).unwrap();
    let add = add.split("</select>").next().unwrap();
    assert!(add.contains(r#"<option value="TH">Thailand (TH)</option>"#));
    // A bad filter is named, and matches nothing.
    let res = s.get(&app, "/staff/organisations?country=Japan").await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(field_error(&html, "filter-country").is_some());
    assert!(shown(&html).is_empty());
    // A NUL in the search is refused by its field (not sent to PostgreSQL, not
    // searched for without it, never written back into the page).
    for query in ["q=ze%00ta", "q=%00", "country=J%00P"] {
        let res = s.get(&app, &format!("/staff/organisations?{query}")).await;
        assert_eq!(res.status(), 422, "{query}");
        let html = res.text().await.unwrap();
        assert!(!html.contains('\0'), "{query}");
        assert!(shown(&html).is_empty(), "{query}");
        assert!(html.contains("must not contain"), "{query}: {html}");
    }

    // Paging: 50 a page.
    for i in 0..52 {
        create_org_via_form(&app, &s, &format!("Zeta {i:02}")).await;
    }
    let page1 = s
        .get(&app, "/staff/organisations?q=zeta")
        .await
        .text()
        .await
        .unwrap();
    assert!(page1.contains("page 1 of 2"));
    assert!(page1.contains(">Zeta 49</a>") && !page1.contains(">Zeta 50</a>"));
    let page2 = s
        .get(&app, "/staff/organisations?q=zeta&page=2")
        .await
        .text()
        .await
        .unwrap();
    assert!(page2.contains(">Zeta 50</a>") && page2.contains(">Zeta 51</a>"));
    assert!(!page2.contains(">Zeta 49</a>"));
    // A page past the end shows the last page.
    let page9 = s
        .get(&app, "/staff/organisations?q=zeta&page=9")
        .await
        .text()
        .await
        .unwrap();
    assert!(page9.contains("page 2 of 2"), "{page9}");
    assert!(page9.contains(">Zeta 51</a>"));
}

#[tokio::test]
async fn csv_import_previews_without_writing_then_confirms_once_and_is_idempotent() {
    let app = TestApp::spawn().await;
    let s = procurement(&app).await;
    create_user(&app, "owner@example.com", Role::Procurement, Some(PASSWORD)).await;
    let before = count_orgs(&app).await;

    let (status, preview) = upload(&app, &s, "organisations-example.csv", EXAMPLE.to_vec()).await;
    assert_eq!(status, 200, "{preview}");
    assert!(preview.contains("UTF-8 (with byte-order mark)"));
    assert!(preview.contains("5 to create, 0 to update, 0 unchanged."));
    assert_eq!(count_orgs(&app).await, before, "a preview writes nothing");

    let (status, done) = confirm(&app, &s, &preview).await;
    assert_eq!(status, 200, "{done}");
    assert!(done.contains("5 organisations created"), "{done}");
    assert_eq!(count_orgs(&app).await, before + 5);
    assert_eq!(count_contacts(&app).await, 6);
    // Confirming the same upload twice does nothing more.
    let (status, again) = confirm(&app, &s, &preview).await;
    assert_eq!(status, 422);
    assert!(again.contains("upload the file again"));
    assert_eq!(count_orgs(&app).await, before + 5);

    // The same file again: everything unchanged, nothing to confirm.
    let (status, preview) = upload(&app, &s, "organisations-example.csv", EXAMPLE.to_vec()).await;
    assert_eq!(status, 200);
    assert!(
        preview.contains("0 to create, 0 to update, 5 unchanged."),
        "{preview}"
    );
    assert!(confirm_form(&preview).is_none());

    // A changed line updates: a new name, a new owner, a changed and a new contact.
    let changed = String::from_utf8(EXAMPLE.to_vec())
        .unwrap()
        .replace(
            "EX-0004,supplier,Example Logistics Sdn Bhd,MY,logistics,,,,,,",
            "EX-0004,supplier,Example Logistics Malaysia Sdn Bhd,MY,logistics,,OWNER@example.com,Aminah,aminah@example.my,en,",
        )
        .replace("ken.sato@example.com,ja,総務部長", "ken.sato@example.com,en,総務部長");
    let (status, preview) = upload(&app, &s, "changed.csv", changed.into_bytes()).await;
    assert_eq!(status, 200, "{preview}");
    assert!(
        preview.contains("0 to create, 2 to update, 3 unchanged."),
        "{preview}"
    );
    assert!(preview.contains("changes name, owner_email"), "{preview}");
    assert!(preview.contains("adds contact aminah@example.my"));
    assert!(preview.contains("changes contact ken.sato@example.com (contact_language)"));
    let (status, done) = confirm(&app, &s, &preview).await;
    assert_eq!(status, 200);
    assert!(
        done.contains("2 updated, 3 unchanged; 1 contact added, 1 updated"),
        "{done}"
    );
    let mut conn = app.db.conn().await;
    let (name, owner): (String, Option<Uuid>) = organisations::table
        .filter(organisations::external_ref.eq("EX-0004"))
        .select((organisations::name, organisations::owner_user_id))
        .first(&mut conn)
        .await
        .unwrap();
    assert_eq!(name, "Example Logistics Malaysia Sdn Bhd");
    assert!(owner.is_some());
    let lang: String = contacts::table
        .filter(contacts::email.eq("ken.sato@example.com"))
        .select(contacts::language)
        .first(&mut conn)
        .await
        .unwrap();
    assert_eq!(lang, "en");
    let uploads: i64 = org_import_uploads::table
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(uploads, 0, "a confirmed upload is deleted");
    let actions = audit_actions(&app).await;
    assert_eq!(
        actions
            .iter()
            .filter(|a| *a == "organisation.imported")
            .count(),
        7
    );
    assert_eq!(
        actions
            .iter()
            .filter(|a| *a == "organisations.import_confirmed")
            .count(),
        2
    );
}

#[tokio::test]
async fn csv_import_shows_every_row_error_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let s = procurement(&app).await;
    let before = (count_orgs(&app).await, audit_actions(&app).await.len());
    let (status, html) = upload(&app, &s, "row-errors.csv", ROW_ERRORS.to_vec()).await;
    assert_eq!(status, 422);
    assert!(html.contains("nothing will be imported"));
    // Line, column and message for each problem (a sample of them).
    for (line, column, message) in [
        ("2", "external_ref", "required"),
        ("3", "kind", "is not a kind"),
        ("3", "country", "is not an ISO 3166-1"),
        ("4", "name", "required"),
        ("4", "owner_email", "is not an email address"),
        ("4", "contact_email", "is not an email address"),
        ("5", "contact_name", "single line"),
        ("8", "contact_email", "has this contact already"),
        ("9", "contact_name", "required"),
        ("11", "(whole line)", "every line needs 11"),
        ("13", "contact_language", "is not a language"),
    ] {
        let row = format!("<tr><td>{line}</td><td>{column}</td><td>");
        let at = html
            .find(&row)
            .unwrap_or_else(|| panic!("line {line} column {column} in {html}"));
        let end = html[at..].find("</tr>").unwrap() + at;
        assert!(
            html[at..end].contains(message),
            "{line} {column}: {}",
            &html[at..end]
        );
    }
    assert!(confirm_form(&html).is_none());
    assert_eq!(
        (count_orgs(&app).await, audit_actions(&app).await.len()),
        before
    );
    let mut conn = app.db.conn().await;
    let uploads: i64 = org_import_uploads::table
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(uploads, 0, "a file with errors is not kept");
}

#[tokio::test]
async fn csv_import_reads_cp932_and_refuses_bad_files_with_a_message() {
    let app = TestApp::spawn().await;
    let s = procurement(&app).await;

    let (status, preview) = upload(&app, &s, "japanese.csv", CP932.to_vec()).await;
    assert_eq!(status, 200, "{preview}");
    assert!(preview.contains("Shift_JIS (CP932)"));
    let (status, _) = confirm(&app, &s, &preview).await;
    assert_eq!(status, 200);
    let mut conn = app.db.conn().await;
    let name: String = organisations::table
        .filter(organisations::external_ref.eq("JP-001"))
        .select(organisations::name)
        .first(&mut conn)
        .await
        .unwrap();
    assert_eq!(name, "㈱例示部品製作所");
    let taka: i64 = contacts::table
        .filter(contacts::name.eq("髙橋 一郎"))
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(taka, 1);
    let before = count_orgs(&app).await;

    let file_error = |html: &str| field_error(html, "import-file").unwrap_or_default();
    // A wrong header.
    let (status, html) = upload(
        &app,
        &s,
        "wrong.csv",
        b"ref,kind,name\nA,supplier,X\n".to_vec(),
    )
    .await;
    assert_eq!(status, 422);
    assert!(file_error(&html).contains("unknown column"), "{html}");
    assert!(file_error(&html).contains("external_ref,kind,name"));
    // A file with only its header: said as such.
    let (status, html) = upload(&app, &s, "header.csv", format!("{HEADER}\n").into_bytes()).await;
    assert_eq!(status, 422);
    assert!(file_error(&html).contains("only its header line"), "{html}");
    // Duplicate external references that disagree.
    let dup =
        format!("{HEADER}\nD-1,supplier,One,JP,,,,,,,\nD-1,supplier,Another name,JP,,,,,,,\n");
    let (status, html) = upload(&app, &s, "dup.csv", dup.into_bytes()).await;
    assert_eq!(status, 422);
    assert!(html.contains("<tr><td>3</td><td>name</td>"));
    assert!(html.contains("differs from"));
    // Not UTF-8 nor CP932 (UTF-16).
    let utf16: Vec<u8> = HEADER
        .encode_utf16()
        .flat_map(|u| u.to_le_bytes())
        .collect();
    let (status, html) = upload(&app, &s, "utf16.csv", utf16).await;
    assert_eq!(status, 422);
    assert!(file_error(&html).contains("neither UTF-8 nor Shift_JIS"));
    // Oversized: refused with the limit in the message.
    let mut big = format!("{HEADER}\n").into_bytes();
    big.resize(5 * 1024 * 1024 + 1, b' ');
    let (status, html) = upload(&app, &s, "big.csv", big).await;
    assert_eq!(status, 422);
    assert!(file_error(&html).contains("larger than 5 MB"), "{html}");
    // An empty file (it said "choose a CSV file", though one was chosen), and no file.
    let (status, html) = upload(&app, &s, "empty.csv", Vec::new()).await;
    assert_eq!(status, 422);
    assert!(file_error(&html).contains("the file is empty"), "{html}");
    let (status, html) = upload(&app, &s, "", Vec::new()).await;
    assert_eq!(status, 422);
    assert!(file_error(&html).contains("choose a CSV file"), "{html}");
    assert_eq!(count_orgs(&app).await, before);

    // An upload without the CSRF token is refused before it is read.
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(EXAMPLE.to_vec()).file_name("x.csv"),
    );
    let res = s
        .client
        .post(app.url("/staff/organisations/import"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
}

#[tokio::test]
async fn csv_confirm_applies_only_the_plan_shown_and_only_for_its_uploader() {
    let app = TestApp::spawn().await;
    let s = procurement(&app).await;
    let (_, preview) = upload(&app, &s, "example.csv", EXAMPLE.to_vec()).await;
    let (action, digest) = confirm_form(&preview).unwrap();

    // Another user cannot confirm someone else's upload.
    create_user(&app, "other@example.com", Role::Procurement, Some(PASSWORD)).await;
    let other = sign_in(&app, "other@example.com", PASSWORD).await;
    let res = other.post(&app, &action, &[("digest", &digest)]).await;
    assert_eq!(res.status(), 422);
    assert_eq!(count_orgs(&app).await, 0);

    // A digest that is not the plan's (a client-edited form) applies nothing.
    let res = s.post(&app, &action, &[("digest", "0")]).await;
    assert_eq!(res.status(), 409);
    assert_eq!(count_orgs(&app).await, 0);

    // The stored organisations changed since the preview: nothing applied, new preview.
    let res = s
        .post(
            &app,
            "/staff/organisations",
            &[
                ("name", "Meanwhile"),
                ("kind", "supplier"),
                ("country", "MY"),
                ("external_ref", "EX-0004"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let res = s.post(&app, &action, &[("digest", &digest)]).await;
    assert_eq!(res.status(), 409);
    let html = res.text().await.unwrap();
    assert!(html.contains("changed since the preview"));
    assert!(
        html.contains("4 to create, 1 to update, 0 unchanged."),
        "{html}"
    );
    assert_eq!(count_orgs(&app).await, 1);
    let (status, done) = confirm(&app, &s, &html).await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(count_orgs(&app).await, 5);
}

#[tokio::test]
async fn export_is_filtered_guards_formulas_and_imports_back_unchanged() {
    let app = TestApp::spawn().await;
    let s = procurement(&app).await;
    create_user(&app, "owner@example.com", Role::Procurement, Some(PASSWORD)).await;
    let file = format!(
        "{HEADER}\nF-1,supplier,=HYPERLINK(\"http://x\"),JP,,,owner@example.com,'t Hooft,t@example.com,en,-boss\nF-2,production_base,Plain Plant,VN,textiles,Apparel,,,,,\n"
    );
    let (status, preview) = upload(&app, &s, "f.csv", file.into_bytes()).await;
    assert_eq!(status, 200, "{preview}");
    confirm(&app, &s, &preview).await;

    let res = s.get(&app, "/staff/organisations/export.csv").await;
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    assert!(res.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains("attachment"));
    let exported = res.bytes().await.unwrap().to_vec();
    assert!(exported.starts_with(b"\xEF\xBB\xBF"));
    let text = String::from_utf8(exported.clone()).unwrap();
    assert!(text.contains("\"'=HYPERLINK(\"\"http://x\"\")\""), "{text}");
    assert!(text.contains(",\"'-boss\"\r\n"), "{text}");
    assert!(text.contains("owner@example.com"));

    let (status, preview) = upload(&app, &s, "export.csv", exported).await;
    assert_eq!(status, 200, "{preview}");
    assert!(
        preview.contains("0 to create, 0 to update, 2 unchanged."),
        "{preview}"
    );

    let only = s
        .get(&app, "/staff/organisations/export.csv?kind=production_base")
        .await
        .text()
        .await
        .unwrap();
    assert!(only.contains("Plain Plant") && !only.contains("HYPERLINK"));

    let example = s.get(&app, "/staff/organisations/example.csv").await;
    assert_eq!(example.status(), 200);
    assert_eq!(example.bytes().await.unwrap().as_ref(), EXAMPLE);
}

/// The organisation pages in headless Chromium, with screenshots in
/// `target/tmp/screenshots/organisations-*.png`: sign in, the filtered list, a contact
/// form with an error next to its field, and the import (upload → preview → confirm).
#[tokio::test]
async fn organisation_pages_in_chromium() {
    use crate::browser::{browser, click, screenshot, type_into};
    use fantoccini::Locator;
    let app = TestApp::spawn().await;
    create_user(&app, "buyer@example.com", Role::Procurement, Some(PASSWORD)).await;
    let b = browser().await;
    let c = &b.client;
    c.goto(&app.url("/login")).await.unwrap();
    type_into(c, "email", "buyer@example.com").await;
    type_into(c, "password", PASSWORD).await;
    click(c, "form button[type=submit]").await;
    // Signing in hashes the password: wait for the staff pages before going on (a
    // `goto` while the sign-in is in flight cancels it).
    c.wait()
        .for_element(Locator::Css(".staffnav"))
        .await
        .unwrap();

    // Import the example file through the page.
    c.goto(&app.url("/staff/organisations/import"))
        .await
        .unwrap();
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("static/organisations-example.csv");
    c.find(Locator::Id("import-file"))
        .await
        .unwrap()
        .send_keys(example.to_str().unwrap())
        .await
        .unwrap();
    click(c, "form[enctype] button[type=submit]").await;
    c.wait().for_element(Locator::Id("preview")).await.unwrap();
    let body = c.source().await.unwrap();
    assert!(body.contains("5 to create"), "{body}");
    screenshot(c, "organisations-import-preview.png").await;
    click(c, "#preview form button[type=submit]").await;
    c.wait()
        .for_element(Locator::Css("div.notice.saved"))
        .await
        .unwrap();
    let body = c.source().await.unwrap();
    assert!(body.contains("5 organisations created"), "{body}");
    screenshot(c, "organisations-import-done.png").await;

    // The list, filtered.
    c.goto(&app.url("/staff/organisations")).await.unwrap();
    type_into(c, "filter-country", "VN").await;
    click(c, "form.filters button[type=submit]").await;
    for _ in 0..50 {
        if c.current_url()
            .await
            .unwrap()
            .as_str()
            .contains("country=VN")
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let body = c.source().await.unwrap();
    assert!(body.contains("Example Parts Vietnam") && !body.contains("Osaka Plant"));
    screenshot(c, "organisations-list.png").await;

    // An organisation's page, and a contact with a bad email.
    c.find(Locator::LinkText("Example Parts Vietnam Co. Ltd"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    // No name (the browser lets it through: the server names the field).
    type_into(c, "contact-email", "an@example.vn").await;
    click(c, "form[aria-labelledby=add-contact] button[type=submit]").await;
    let error = c
        .wait()
        .for_element(Locator::Id("contact-name-error"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(error.contains("give a name"));
    // The refusal is also said on top, where the page opens, with a way to the form.
    let summary = c
        .find(Locator::Css("div.notice.errors a[href='#add-contact']"))
        .await
        .unwrap();
    assert!(summary.text().await.unwrap().contains("fix what is marked"));
    screenshot(c, "organisations-page-error.png").await;

    // A name of 200 letters without a space wraps: the list and the organisation's page
    // stay as wide as the window (it widened the page to 3,800 px).
    c.goto(&app.url("/staff/organisations")).await.unwrap();
    type_into(c, "new-name", &"A".repeat(200)).await;
    type_into(c, "new-country", "JP").await;
    click(c, "form[aria-labelledby=add-org] button[type=submit]").await;
    c.wait()
        .for_element(Locator::Css("div.notice.saved"))
        .await
        .unwrap();
    let fits = async |c: &fantoccini::Client| {
        c.execute(
            "return document.documentElement.scrollWidth <= window.innerWidth",
            vec![],
        )
        .await
        .unwrap()
            == serde_json::json!(true)
    };
    for path in ["/staff/organisations", "/staff/organisations?q=AAAA"] {
        c.goto(&app.url(path)).await.unwrap();
        assert!(fits(c).await, "{path}");
    }
    c.find(Locator::XPath("//a[starts-with(., 'AAAAAAAAAA')]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert!(fits(c).await, "the organisation's page");
    // On a phone, an organisation with contacts: their table scrolls inside its card,
    // and the hidden name of each row's "Edit" link does not widen the page (it did,
    // to 613 px at 500, before the card was the positioned box that clips it).
    c.set_window_size(360, 800).await.unwrap();
    c.goto(&app.url("/staff/organisations?q=Osaka"))
        .await
        .unwrap();
    c.find(Locator::XPath("//a[contains(., 'Osaka Plant')]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Css("td.actions .visually-hidden"))
        .await
        .unwrap();
    assert!(fits(c).await, "the organisation's page on a phone");
    screenshot(c, "organisations-page-phone.png").await;
}

/// A deactivated contact's links stop working and it gets no new one; a deactivated
/// organisation's links stop working too (found walking procurement's path: both kept
/// answering 200, and the API issued a fresh link to a deactivated contact).
#[tokio::test]
async fn deactivating_a_contact_or_an_organisation_ends_their_links() {
    let app = TestApp::spawn().await;
    let (org, leaver) = app.supplier("Lapsed Ltd", "en").await;
    let campaign = app.campaign("forced-labour").await;
    let (leaver_link, _) = app.invite(&campaign, &org, &leaver).await;
    let stayer: serde_json::Value = app
        .post_json(
            &format!("/api/v1/organisations/{org}/contacts"),
            &serde_json::json!({"name": "Stays", "email": "stays@example.com", "language": "en"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let stayer = stayer["id"].as_str().unwrap().to_string();
    let (stayer_link, _) = app.invite(&campaign, &org, &stayer).await;
    assert_eq!(app.get(&leaver_link).await.status(), 200);
    assert_eq!(app.get(&stayer_link).await.status(), 200);

    let s = procurement(&app).await;
    let res = s
        .post(
            &app,
            &format!("/staff/organisations/{org}/contacts/{leaver}/deactivate"),
            &[],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        app.get(&leaver_link).await.status(),
        404,
        "the leaver's link ends"
    );
    assert_eq!(
        app.get(&stayer_link).await.status(),
        200,
        "the colleague's works"
    );
    let res = app
        .post_json(
            &format!("/api/v1/campaigns/{campaign}/invitations"),
            &serde_json::json!({"organisation_id": org, "contact_id": leaver}),
        )
        .await;
    assert_eq!(res.status(), 422, "no new link for a deactivated contact");

    let res = s
        .post(&app, &format!("/staff/organisations/{org}/deactivate"), &[])
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        app.get(&stayer_link).await.status(),
        404,
        "the organisation's links end"
    );
    let actions = audit_actions(&app).await;
    assert!(
        actions.contains(&"organisation.deactivated".to_string()),
        "{actions:?}"
    );
}

/// An unknown owner is reported with the line's other problems, in one preview (it was
/// reported only once the rest of the line was fixed: found walking the import).
#[tokio::test]
async fn an_unknown_owner_is_reported_with_the_lines_other_errors() {
    let app = TestApp::spawn().await;
    let s = procurement(&app).await;
    let file = format!(
        "{HEADER}\nEX-9,supplier,Nine Ltd,ZZ,,,nobody@example.com,Ann,ann@example.com,en,\n"
    );
    let (status, html) = upload(&app, &s, "owner.csv", file.into_bytes()).await;
    assert_eq!(status, 422);
    for (column, message) in [
        ("country", "is not an ISO 3166-1"),
        (
            "owner_email",
            "no staff member has the email nobody@example.com",
        ),
    ] {
        let row = format!("<tr><td>2</td><td>{column}</td><td>");
        let at = html
            .find(&row)
            .unwrap_or_else(|| panic!("{column} on line 2 in {html}"));
        let end = html[at..].find("</tr>").unwrap() + at;
        assert!(html[at..end].contains(message), "{}", &html[at..end]);
    }
}

/// "Last answered" on the list, and the filter of those never answered or not in the
/// last 12 months (a draft or a submission 400 days ago does not count as recent).
#[tokio::test]
async fn the_list_says_when_each_organisation_last_answered_and_finds_those_that_have_not() {
    let app = TestApp::spawn().await;
    let campaign = app.campaign("forced-labour").await;
    let mut submitted = Vec::new();
    for (name, days_ago) in [
        ("Recent Mills", Some(10)),
        ("Stale Dyes", Some(400)),
        ("Draft Knits", None),
    ] {
        let (org, contact) = app.supplier(name, "en").await;
        let (_, response) = app.invite(&campaign, &org, &contact).await;
        if let Some(days) = days_ago {
            app.submitted_days_ago(&response, days).await;
            let at = chrono::Utc::now() - chrono::Duration::days(days);
            submitted.push((name, at.format("%Y-%m-%d").to_string()));
        }
    }
    app.supplier("Never Asked", "en").await;
    let s = procurement(&app).await;
    let names = |html: &str| {
        ["Recent Mills", "Stale Dyes", "Draft Knits", "Never Asked"]
            .into_iter()
            .filter(|n| html.contains(&format!(">{n}</a>")))
            .collect::<Vec<_>>()
    };
    let all = s
        .get(&app, "/staff/organisations")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(names(&all).len(), 4, "{all}");
    assert!(all.contains("<th scope=\"col\">Last answered</th>"));
    for (_, date) in &submitted {
        assert!(
            all.contains(&format!(r#"<td data-label="Last answered">{date}</td>"#)),
            "{date} in {all}"
        );
    }
    assert_eq!(
        all.matches(r#"<td data-label="Last answered">never</td>"#)
            .count(),
        2
    );

    let never = s
        .get(&app, "/staff/organisations?answered=never")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(names(&never), ["Draft Knits", "Never Asked"], "{never}");
    assert!(never.contains(r#"<option value="never" selected>"#));
    let year = s
        .get(&app, "/staff/organisations?answered=year")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(
        names(&year),
        ["Stale Dyes", "Draft Knits", "Never Asked"],
        "{year}"
    );
    // The export takes the filter.
    let csv = s
        .get(&app, "/staff/organisations/export.csv?answered=never")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        csv.contains("Never Asked") && !csv.contains("Stale Dyes"),
        "{csv}"
    );
    // A value it does not offer is named beside its field and matches nothing.
    let res = s.get(&app, "/staff/organisations?answered=sometimes").await;
    let bad = res.text().await.unwrap();
    assert!(
        bad.contains("choose any, never answered or not answered in the last 12 months"),
        "{bad}"
    );
    assert!(names(&bad).is_empty());
}
