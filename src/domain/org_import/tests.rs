use super::*;

const HEADER: &str = "external_ref,kind,name,country,sector,business_unit,owner_email,contact_name,contact_email,contact_language,contact_job_title";
const CP932_FIXTURE: &[u8] = include_bytes!("../../../tests/fixtures/csv/organisations-cp932.csv");
const ERRORS_FIXTURE: &[u8] = include_bytes!("../../../tests/fixtures/csv/row-errors.csv");
const EXAMPLE: &[u8] = include_bytes!("../../../static/organisations-example.csv");

fn file(lines: &[&str]) -> Vec<u8> {
    let mut text = String::from(HEADER);
    for line in lines {
        text.push('\n');
        text.push_str(line);
    }
    text.push('\n');
    text.into_bytes()
}

fn errors(preview: &ImportPreview) -> Vec<(u64, &'static str)> {
    preview.errors.iter().map(|e| (e.line, e.column)).collect()
}

/// What the service would store after applying a clean preview.
fn stored(preview: &ImportPreview) -> Vec<ExistingOrg> {
    preview
        .organisations
        .iter()
        .map(|o| ExistingOrg {
            id: OrganisationId::random(),
            external_ref: o.external_ref.clone(),
            fields: o.fields.clone(),
            contacts: o
                .contacts
                .iter()
                .map(|c| ExistingContact {
                    id: ContactId::random(),
                    fields: c.fields.clone(),
                })
                .collect(),
        })
        .collect()
}

#[test]
fn utf8_file_with_several_contacts_per_organisation() {
    let preview = parse(&file(&[
        "S-1,supplier,Công ty Ví Dụ,vn,textiles,Apparel,Owner@Example.com,Nguyễn Thị Lan,lan@example.net,vi,Giám đốc",
        "S-1,supplier,Công ty Ví Dụ,VN,textiles,Apparel,owner@example.com,Lan Two,lan2@example.net,,",
        "P-1,production_base,Example Parts Ltd,JP,,,,,,,",
    ]))
    .unwrap();
    assert_eq!(preview.encoding, SourceEncoding::Utf8);
    assert!(preview.is_clean(), "{:?}", preview.errors);
    assert_eq!(preview.organisations.len(), 2);
    let s1 = &preview.organisations[0];
    assert_eq!((s1.line, s1.external_ref.as_str()), (2, "S-1"));
    assert_eq!(s1.fields.kind, OrganisationKind::Supplier);
    assert_eq!(s1.fields.name, "Công ty Ví Dụ");
    assert_eq!(s1.fields.country, "VN");
    assert_eq!(s1.fields.business_unit.as_deref(), Some("Apparel"));
    assert_eq!(s1.fields.owner_email.as_deref(), Some("owner@example.com"));
    assert_eq!(s1.contacts.len(), 2);
    assert_eq!(s1.contacts[0].fields.language, Lang::Vi);
    assert_eq!(s1.contacts[1].line, 3);
    assert_eq!(s1.contacts[1].fields.language, Lang::En, "empty means en");
    assert_eq!(s1.contacts[1].fields.job_title, None);
    let p1 = &preview.organisations[1];
    assert_eq!(p1.fields.kind, OrganisationKind::ProductionBase);
    assert_eq!((p1.fields.sector.as_ref(), p1.contacts.len()), (None, 0));
    assert_eq!(preview.contact_count(), 2);
    assert_eq!(preview.external_refs(), ["S-1", "P-1"]);
}

#[test]
fn utf8_with_bom_and_a_header_in_any_order_and_case() {
    let text = "\u{FEFF} Name ,KIND,external_ref,country,sector,business_unit,owner_email,contact_name,contact_email,contact_language,Contact_Job_Title\r\n\
                Example Parts Ltd,supplier,X-1,JP,,,,山田 太郎,taro@example.com,ja,工場長\r\n";
    let preview = parse(text.as_bytes()).unwrap();
    assert_eq!(preview.encoding, SourceEncoding::Utf8Bom);
    assert!(preview.is_clean(), "{:?}", preview.errors);
    let org = &preview.organisations[0];
    assert_eq!(org.external_ref, "X-1");
    assert_eq!(org.fields.name, "Example Parts Ltd");
    assert_eq!(org.contacts[0].fields.name, "山田 太郎");
    assert_eq!(org.contacts[0].fields.job_title.as_deref(), Some("工場長"));
}

#[test]
fn excel_japanese_export_in_cp932_is_decoded() {
    assert!(
        String::from_utf8(CP932_FIXTURE.to_vec()).is_err(),
        "not UTF-8"
    );
    let preview = parse(CP932_FIXTURE).unwrap();
    assert_eq!(preview.encoding, SourceEncoding::ShiftJis);
    assert_eq!(preview.encoding.label(), "Shift_JIS (CP932)");
    assert!(preview.is_clean(), "{:?}", preview.errors);
    let names: Vec<&str> = preview
        .organisations
        .iter()
        .map(|o| o.fields.name.as_str())
        .collect();
    // ㈱ is an NEC special character and 髙 an IBM extension: CP932, not plain JIS.
    assert_eq!(names, ["㈱例示部品製作所", "例示工業株式会社 九州工場"]);
    let first = &preview.organisations[0];
    assert_eq!(first.fields.sector.as_deref(), Some("自動車部品"));
    assert_eq!(first.contacts[0].fields.name, "髙橋 一郎");
    assert_eq!(
        first.contacts[1].fields.job_title.as_deref(),
        Some("人事部 課長")
    );
    assert_eq!(preview.contact_count(), 2);
}

#[test]
fn a_file_in_another_encoding_is_refused_naming_the_accepted_ones() {
    // UTF-16 (Excel's "Unicode text"), and Latin-1 bytes that are not CP932 either.
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(HEADER.encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    let latin1 = [HEADER.as_bytes(), b"\nX,supplier,Caf\xE9\n"].concat();
    for bytes in [&utf16[..], &latin1[..], b"\xEF\xBB\xBFname\xFF"] {
        let error = parse(bytes).unwrap_err();
        assert_eq!(error, FileError::Undecodable);
        let message = error.to_string();
        assert!(
            message.contains("UTF-8") && message.contains("Shift_JIS (CP932"),
            "{message}"
        );
    }
}

#[test]
fn a_wrong_header_is_a_file_error_listing_the_columns() {
    let cases = [
        (
            HEADER.replace("sector", "industry"),
            "unknown column \"industry\"",
        ),
        (
            HEADER.replace(",owner_email", ""),
            "missing column owner_email",
        ),
        (
            HEADER.replace(",sector,business_unit", ""),
            "missing columns sector, business_unit",
        ),
        (HEADER.replace("sector", "name"), "\"name\" appears twice"),
        (HEADER.replace(',', ";"), "separated by semicolons"),
        (format!("{HEADER},"), "column 12 has no name"),
        ("S-1,supplier,Acme".to_string(), "unknown column \"s-1\""),
    ];
    for (header, expected) in cases {
        let error = parse(format!("{header}\nS-1,supplier\n").as_bytes()).unwrap_err();
        let message = error.to_string();
        assert!(matches!(error, FileError::Header { .. }), "{message}");
        assert!(message.contains(expected), "{message}");
        assert!(message.starts_with("line 1: "), "{message}");
        assert!(message.contains(&COLUMNS.join(",")), "{message}");
    }
    assert_eq!(parse(b"").unwrap_err(), FileError::Empty);
    assert_eq!(parse(b"\xEF\xBB\xBF").unwrap_err(), FileError::Empty);
    let header_only = format!("{}\r\n,,,,,,,,,,\r\n", COLUMNS.join(","));
    assert_eq!(
        parse(header_only.as_bytes()).unwrap_err(),
        FileError::NoRows
    );
}

#[test]
fn lines_of_one_organisation_must_agree() {
    let preview = parse(&file(&[
        "S-1,supplier,Acme,JP,textiles,,,A,a@example.com,,",
        "S-2,supplier,Other,JP,,,,,,,",
        "S-1,production_base,Acme,VN,textiles,,,B,b@example.com,,",
        "S-1,supplier,Acme,JP,textiles,,,C,c@example.com,,",
    ]))
    .unwrap();
    assert_eq!(errors(&preview), [(4, "kind"), (4, "country")]);
    assert!(preview.errors[1]
        .message
        .contains("\"VN\" differs from \"JP\" on line 2"));
    // The conflicting organisation is not previewed; the other one is.
    let refs = preview.external_refs();
    assert_eq!(refs, ["S-2"]);
}

#[test]
fn every_row_error_is_reported_with_its_line_and_column() {
    let preview = parse(ERRORS_FIXTURE).unwrap();
    let found: Vec<String> = preview
        .errors
        .iter()
        .map(|e| format!("{}:{}: {}", e.line, e.column, e.message))
        .collect();
    let expected = [
        "2:external_ref: required",
        "3:kind: \"vendor\" is not a kind: write production_base or supplier",
        "3:country: \"Japan\" is not an ISO 3166-1 alpha-2 country code, e.g. JP or VN",
        "4:name: required",
        "4:owner_email: \"nobody\" is not an email address",
        "4:contact_email: \"not-an-email\" is not an email address",
        // A quoted value over two lines: the error is on the line where it starts,
        // and the lines after it keep their physical numbers.
        "5:contact_name: must be a single line (no line breaks)",
        "8:contact_email: this organisation has this contact already, on line 7",
        "9:contact_name: required",
        "9:contact_email: required",
        "10:sector: at most 100 characters (this one has 101)",
        "11:: has 3 values; every line needs 11 (one per column)",
        "12:name: must not contain control characters (such as NUL or tab)",
        "13:contact_language: \"fr\" is not a language: write en, ja, vi, zh (empty means en)",
    ];
    assert_eq!(found, expected);
    // Organisations with valid fields are still previewed, without the invalid
    // contacts (but nothing may be imported while there are errors).
    let refs = preview.external_refs();
    assert_eq!(refs, ["S-4", "S-7", "S-13"]);
    let contacts: Vec<usize> = preview
        .organisations
        .iter()
        .map(|o| o.contacts.len())
        .collect();
    assert_eq!(contacts, [0, 1, 0]);
}

#[test]
fn blank_lines_are_skipped_but_count_as_lines() {
    let preview = parse(&file(&[",,,,,,,,,,", "", "S-1,supplier,Acme,XX,,,,,,,"])).unwrap();
    assert_eq!(errors(&preview), [(4, "country")]);
    // CRLF, a lone CR, blank lines between records and a value over two lines.
    let text = format!(
        "{HEADER}\r\n\r\nS-1,supplier,Acme,XX,,,,,,,\r\n\r\n\r\n\
         S-2,supplier,\"Two\r\nLines\",JP,,,,,,,\r\nS-3,supplier,Acme,YY,,,,,,,\r\r\
         S-4,supplier,Acme,ZZ,,,,,,,\r\n"
    );
    let preview = parse(text.as_bytes()).unwrap();
    assert_eq!(
        errors(&preview),
        [(3, "country"), (6, "name"), (8, "country"), (10, "country")]
    );
}

#[test]
fn the_example_file_imports_cleanly() {
    let preview = parse(EXAMPLE).unwrap();
    assert_eq!(preview.encoding, SourceEncoding::Utf8Bom);
    assert!(preview.is_clean(), "{:?}", preview.errors);
    assert_eq!(preview.organisations.len(), 5);
    assert_eq!(preview.contact_count(), 6);
    assert!(plan(&preview, &stored(&preview)).is_empty());
}

#[test]
fn size_and_row_limits() {
    let mut big = file(&[]);
    big.resize(MAX_FILE_BYTES + 1, b'\n');
    let error = parse(&big).unwrap_err();
    assert_eq!(
        error,
        FileError::TooLarge {
            size: MAX_FILE_BYTES + 1
        }
    );
    assert!(error.to_string().contains("5 MB"), "{error}");

    let line = "S-1,supplier,Acme,JP,,,,A,a@example.com,,";
    let at_limit = file(&vec![line; MAX_ROWS]);
    assert!(at_limit.len() <= MAX_FILE_BYTES);
    let preview = parse(&at_limit).unwrap();
    assert_eq!(
        preview.errors.len(),
        MAX_ROWS - 1,
        "duplicate contacts, no limit"
    );
    let over = file(&vec![line; MAX_ROWS + 1]);
    let error = parse(&over).unwrap_err();
    assert_eq!(error, FileError::TooManyRows);
    assert!(error.to_string().contains("20000"), "{error}");
}

#[test]
fn the_same_file_twice_plans_nothing() {
    let bytes = file(&[
        "S-1,supplier,Acme,JP,textiles,Apparel,owner@example.com,A,a@example.com,ja,Boss",
        "S-1,supplier,Acme,JP,textiles,Apparel,owner@example.com,B,B@Example.com,,",
        "S-2,production_base,Example Parts,VN,,,,,,,",
    ]);
    let first = plan(&parse(&bytes).unwrap(), &[]);
    assert_eq!(first.create.len(), 2);
    assert!(first.update.is_empty() && first.unchanged.is_empty());

    let preview = parse(&bytes).unwrap();
    let mut db = stored(&preview);
    // The database may hold the owner and an email in another case.
    db[0].fields.owner_email = Some("Owner@Example.com".into());
    let again = plan(&parse(&bytes).unwrap(), &db);
    assert!(again.is_empty(), "{again:?}");
    assert_eq!(again.unchanged, ["S-1", "S-2"]);
}

#[test]
fn a_changed_line_plans_an_update_naming_the_fields() {
    let before = parse(&file(&[
        "S-1,supplier,Acme,JP,textiles,,,A,a@example.com,ja,Boss",
        "S-2,supplier,Same,JP,,,,,,,",
    ]))
    .unwrap();
    let db = stored(&before);
    let after = parse(&file(&[
        "S-1,supplier,Acme,JP,garments,Apparel,,A,A@example.com,vi,Boss",
        "S-1,supplier,Acme,JP,garments,Apparel,,New,new@example.com,,",
        "S-2,supplier,Same,JP,,,,,,,",
        "S-3,supplier,Fresh,JP,,,,,,,",
    ]))
    .unwrap();
    let result = plan(&after, &db);
    assert_eq!(result.unchanged, ["S-2"]);
    assert_eq!(result.create.len(), 1);
    assert_eq!(result.create[0].external_ref, "S-3");
    let update = &result.update[0];
    assert_eq!(update.id, db[0].id);
    assert_eq!(update.changed, ["sector", "business_unit"]);
    assert_eq!(update.new_contacts.len(), 1);
    assert_eq!(update.new_contacts[0].fields.email, "new@example.com");
    let contact = &update.changed_contacts[0];
    assert_eq!(contact.id, db[0].contacts[0].id);
    assert_eq!(contact.changed, ["contact_email", "contact_language"]);

    // A stored contact that the file leaves out stays (the import only adds).
    let fewer = parse(&file(&["S-1,supplier,Acme,JP,textiles,,,,,,"])).unwrap();
    assert!(plan(&fewer, &db).is_empty());
}

fn tricky_orgs() -> Vec<ExistingOrg> {
    let contact = |name: &str, email: &str, language, job_title: Option<&str>| ExistingContact {
        id: ContactId::random(),
        fields: ContactFields {
            name: name.into(),
            email: email.into(),
            language,
            job_title: job_title.map(Into::into),
        },
    };
    vec![
        ExistingOrg {
            id: OrganisationId::random(),
            external_ref: "=1+2".into(),
            fields: OrgFields {
                kind: OrganisationKind::Supplier,
                name: "=HYPERLINK(\"http://evil.example\",\"click\")".into(),
                country: "JP".into(),
                sector: Some("-textiles, \"woven\"".into()),
                business_unit: Some("@Apparel".into()),
                owner_email: Some("owner@example.com".into()),
            },
            contacts: vec![
                contact("+Plus", "a@example.com", Lang::Ja, Some("'=already quoted")),
                contact("'t Hooft", "b@example.com", Lang::Vi, None),
                contact("Nguyễn Thị Lan", "c@example.com", Lang::En, Some("'")),
            ],
        },
        ExistingOrg {
            id: OrganisationId::random(),
            external_ref: "P-1".into(),
            fields: OrgFields {
                kind: OrganisationKind::ProductionBase,
                name: "例示工業 株式会社".into(),
                country: "VN".into(),
                sector: None,
                business_unit: None,
                owner_email: None,
            },
            contacts: vec![],
        },
    ]
}

#[test]
fn export_then_import_plans_nothing() {
    let db = tricky_orgs();
    let export: Vec<ExportOrg> = db.iter().map(ExportOrg::from).collect();
    let bytes = export_csv(&export);
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "a BOM for Excel");
    let text = std::str::from_utf8(&bytes[3..]).unwrap();
    let quoted: Vec<String> = HEADER.split(',').map(|h| format!("\"{h}\"")).collect();
    assert!(
        text.starts_with(&format!("{}\r\n", quoted.join(","))),
        "every cell quoted: {text}"
    );
    assert_eq!(text.lines().count(), 1 + 3 + 1, "a line per contact");

    let preview = parse(&bytes).unwrap();
    assert!(preview.is_clean(), "{:?}", preview.errors);
    let imported: Vec<ExportOrg> = preview
        .organisations
        .iter()
        .map(|o| ExportOrg {
            external_ref: Some(o.external_ref.clone()),
            fields: o.fields.clone(),
            contacts: o.contacts.iter().map(|c| c.fields.clone()).collect(),
        })
        .collect();
    assert_eq!(imported, export);
    let result = plan(&preview, &db);
    assert!(result.is_empty(), "{result:?}");
    assert_eq!(result.unchanged, ["=1+2", "P-1"]);
}

#[test]
fn export_guards_against_formula_injection() {
    let bytes = export_csv(
        &tricky_orgs()
            .iter()
            .map(ExportOrg::from)
            .collect::<Vec<_>>(),
    );
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(&bytes[3..]);
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let first = &rows[0];
    assert_eq!(&first[0], "'=1+2");
    assert_eq!(&first[2], "'=HYPERLINK(\"http://evil.example\",\"click\")");
    assert_eq!(&first[4], "'-textiles, \"woven\"");
    assert_eq!(&first[5], "'@Apparel");
    assert_eq!(&first[7], "'+Plus");
    assert_eq!(&first[10], "''=already quoted");
    assert_eq!(&rows[1][7], "''t Hooft");
    assert_eq!(&rows[2][7], "Nguyễn Thị Lan");
    assert_eq!(&rows[2][10], "''");
    // No exported cell starts with a character a spreadsheet runs.
    for cell in rows.iter().flat_map(|r| r.iter()) {
        assert!(
            !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
            "{cell}"
        );
    }
}

#[test]
fn unknown_owners_are_row_errors() {
    let mut preview = parse(&file(&[
        "S-1,supplier,Acme,JP,,,boss@example.com,,,,",
        "S-2,supplier,Other,JP,,,Stranger@example.com,,,,",
        "S-3,supplier,Third,JP,,,,,,,",
    ]))
    .unwrap();
    preview.check_owners(|email| email == "boss@example.com");
    assert_eq!(errors(&preview), [(3, "owner_email")]);
    assert_eq!(
        preview.errors[0].message,
        "no staff member has the email stranger@example.com"
    );
}

#[test]
fn utf16_without_a_byte_order_mark_is_refused_not_read_as_utf8() {
    let utf16: Vec<u8> = HEADER
        .encode_utf16()
        .flat_map(|u| u.to_le_bytes())
        .collect();
    assert_eq!(parse(&utf16), Err(FileError::Undecodable));
    let big_endian: Vec<u8> = HEADER
        .encode_utf16()
        .flat_map(|u| u.to_be_bytes())
        .collect();
    assert_eq!(parse(&big_endian), Err(FileError::Undecodable));
}
