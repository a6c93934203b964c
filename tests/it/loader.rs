//! The questionnaire loader: the real questionnaires load, and every broken template in
//! `tests/fixtures/broken/` is refused with exactly the expected `line: message` list.
//!
//! Messages are compared as exact strings: changing the wording of an error is a change
//! template authors see, so it has to change this file too.

use hrdd_survey::domain::i18n::Lang;
use hrdd_survey::domain::indicator::Indicator;
use hrdd_survey::domain::questionnaire::{self, Question, Questionnaire, TemplateFile};
use hrdd_survey::services::questionnaires::check_dir;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

pub fn broken_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/broken")
}

pub fn survey_templates() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("survey_templates")
}

/// Loads one of the real questionnaires from `survey_templates/` (panics on any error).
pub fn real(file_name: &str) -> Questionnaire {
    let path = survey_templates().join(file_name);
    let source = std::fs::read_to_string(&path).unwrap();
    questionnaire::parse(&TemplateFile { path, source }).unwrap_or_else(|errors| {
        panic!(
            "{file_name} does not load:\n{}",
            errors
                .iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        )
    })
}

/// Each broken fixture and exactly the errors it must produce, as (line, message).
const BROKEN: &[(&str, &[(u64, &str)])] = &[
    (
        "unknown-condition-question.yaml",
        &[(
            15,
            "question agents_vetted: condition refers to unknown or later question \"uses_agent\" (a condition may only use questions that come before it)",
        )],
    ),
    (
        "later-condition-question.yaml",
        &[(
            12,
            "question agents_vetted: condition refers to unknown or later question \"uses_agents\" (a condition may only use questions that come before it)",
        )],
    ),
    (
        "duplicate-question-id.yaml",
        &[(16, "duplicate question id \"headcount\"")],
    ),
    (
        "duplicate-choice-id.yaml",
        &[(18, "duplicate choice id \"worker\" in question passports")],
    ),
    (
        "missing-translation.yaml",
        &[(
            12,
            "missing translation \"ja\" for label of question passport_holder",
        )],
    ),
    (
        "rule-on-missing-choice.yaml",
        &[(
            19,
            "question passports: risk rule on choice \"agent\", which does not exist (choices: worker, employer)",
        )],
    ),
    (
        "unknown-indicator.yaml",
        &[(
            14,
            "question fees_paid: unknown indicator \"debt_bondge\" (see docs/questionnaire-format.md for the list)",
        )],
    ),
    (
        "unknown-question-type.yaml",
        &[(
            11,
            "unknown question type \"number\" for question headcount (one of: single_choice, multiple_choice, yes_no_dk, integer, decimal, percentage, short_text, long_text, date, country, group, evidence)",
        )],
    ),
    (
        "severity-out-of-range.yaml",
        &[(
            14,
            "question fees_paid: severity.scale must be between 1 and 5, not 6",
        )],
    ),
    (
        "condition-on-group-field.yaml",
        &[(
            19,
            "question licence_copy: condition refers to group field agent_licensed; conditions may only use top-level questions",
        )],
    ),
    (
        "includes-on-single-choice.yaml",
        &[(
            20,
            "question agency_name: \"includes\" needs a multiple_choice question, worker_type is not one",
        )],
    ),
    (
        "unknown-key.yaml",
        &[(
            12,
            "unknown field `requried`, expected one of id, type, label, help, required, unit, choices, fields, min_rows, max_rows, show_if, validation, risk, dont_know at line 12, column 9",
        )],
    ),
    (
        // The parser notices the unclosed `{` of line 5 where the next key starts.
        "yaml-syntax-error.yaml",
        &[(
            6,
            "while parsing a flow mapping, did not find expected ',' or '}' at line 6, column 1",
        )],
    ),
    (
        "blank-rule-on-required.yaml",
        &[(
            15,
            "question weekly_hours: a blank rule on a required question can never fire",
        )],
    ),
    (
        "undeclared-language.yaml",
        &[(
            12,
            "label of question headcount has text in \"vi\", which is not a declared language",
        )],
    ),
    (
        "version-zero.yaml",
        &[(3, "version must be a positive integer, not 0")],
    ),
    (
        "show-if-on-group-field.yaml",
        &[(
            21,
            "question agent_name: a group field cannot have show_if (put the condition on the group)",
        )],
    ),
    (
        "condition-unknown-choice.yaml",
        &[(
            15,
            "question agents_vetted: condition uses choice \"maybe\", which question uses_agents does not have",
        )],
    ),
    (
        "not-selected-on-single-choice.yaml",
        &[(
            19,
            "question passports: not_selected needs a multiple_choice question",
        )],
    ),
    (
        "rule-condition-two-tests.yaml",
        &[(
            14,
            "question weekly_hours: a rule condition needs exactly one of answer_in, not_selected, above, below, blank, all_of, any_of",
        )],
    ),
    (
        // Each rule's problem is reported on the rule's line.
        "combined-condition-misuse.yaml",
        &[
            (
                30,
                "question terms: rule condition refers to unknown or later question \"checked_later\"",
            ),
            (
                38,
                "question terms: rule condition refers to group field agent_licensed; it may only use top-level questions",
            ),
            (
                46,
                "question terms: all_of / any_of need at least two conditions",
            ),
            (
                53,
                "question terms: put question on the items of all_of / any_of, not on the list",
            ),
            (
                62,
                "question terms (condition on uses_agents): risk rule on choice \"maybe\", which does not exist (choices: yes, no, dont_know)",
            ),
        ],
    ),
    (
        "numeric-dont-know-misuse.yaml",
        &[
            (
                13,
                "question languages_spoken: dont_know only applies to number questions (choice questions list a dont_know choice, yes_no_dk has one)",
            ),
            (
                19,
                "question weekly_hours: answer_in on a number question can only name dont_know, and the question needs dont_know: true",
            ),
            (
                29,
                "question overtime_hours: answer_in on a number question can only name dont_know, and the question needs dont_know: true",
            ),
        ],
    ),
    (
        "scope-misuse.yaml",
        &[
            (6, "workforce names unknown question \"headcount_total\""),
            (
                18,
                "question passports: affects must name a top-level integer question (a count of workers), foreign_share is not one",
            ),
            (
                24,
                "question passports: affects names unknown question \"foreign_workers\"",
            ),
        ],
    ),
    (
        // Every problem is reported, sorted by line (a rule's problems are on its line).
        "several-problems.yaml",
        &[
            (
                2,
                "template id \"Several_Problems\" must use lowercase letters, digits and '-'",
            ),
            (5, "empty \"ja\" text for title of the questionnaire"),
            (
                14,
                "question hours: severity.scope must be between 1 and 5, not 0",
            ),
            (14, "question hours: likelihood must be between 1 and 5, not 9"),
            (
                14,
                "missing translation \"ja\" for explanation of a risk rule of question hours",
            ),
            (
                21,
                "question agents_vetted: condition refers to unknown or later question \"agents\" (a condition may only use questions that come before it)",
            ),
        ],
    ),
];

fn parse_file(path: &Path) -> Result<Questionnaire, Vec<questionnaire::LoadError>> {
    let source = std::fs::read_to_string(path).unwrap();
    questionnaire::parse(&TemplateFile {
        path: path.to_path_buf(),
        source,
    })
}

#[test]
fn every_broken_template_gets_exactly_its_errors() {
    let mut mismatches = Vec::new();
    for (name, expected) in BROKEN {
        let path = broken_dir().join(name);
        let errors = match parse_file(&path) {
            Ok(q) => {
                mismatches.push(format!("{name}: loaded as {} without errors", q.id));
                continue;
            }
            Err(errors) => errors,
        };
        for e in &errors {
            assert_eq!(e.file, path, "{name}: an error names another file");
        }
        let got: Vec<(u64, String)> = errors.into_iter().map(|e| (e.line, e.message)).collect();
        let want: Vec<(u64, String)> = expected
            .iter()
            .map(|(line, message)| (*line, message.to_string()))
            .collect();
        if got != want {
            mismatches.push(format!("{name}:\n  want {want:#?}\n  got  {got:#?}"));
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

#[test]
fn every_broken_fixture_is_asserted_and_there_are_at_least_a_dozen() {
    let on_disk: BTreeSet<String> = std::fs::read_dir(broken_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".yaml"))
        .collect();
    let listed: BTreeSet<String> = BROKEN.iter().map(|(n, _)| n.to_string()).collect();
    assert_eq!(on_disk, listed);
    assert!(listed.len() >= 12);
}

#[test]
fn errors_display_as_file_colon_line_colon_message() {
    let path = broken_dir().join("version-zero.yaml");
    let errors = parse_file(&path).unwrap_err();
    assert_eq!(
        errors[0].to_string(),
        format!(
            "{}:3: version must be a positive integer, not 0",
            path.display()
        )
    );
}

#[test]
fn check_dir_reports_every_broken_file_in_name_order() {
    let errors = check_dir(&broken_dir()).unwrap_err();
    let got: Vec<(String, u64, String)> = errors
        .into_iter()
        .map(|e| {
            (
                e.file.file_name().unwrap().to_string_lossy().into_owned(),
                e.line,
                e.message,
            )
        })
        .collect();
    let mut sorted: Vec<&(&str, &[(u64, &str)])> = BROKEN.iter().collect();
    sorted.sort_by_key(|(name, _)| *name);
    let want: Vec<(String, u64, String)> = sorted
        .into_iter()
        .flat_map(|(name, errs)| {
            errs.iter()
                .map(|(line, message)| (name.to_string(), *line, message.to_string()))
        })
        .collect();
    assert_eq!(got, want);
}

#[test]
fn the_small_fixture_still_loads() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/templates/mini.yaml");
    let q = parse_file(&path).unwrap();
    assert_eq!(q.id, "mini");
}

// ---------------------------------------------------------------------------------------
// The real questionnaires.

#[test]
fn the_real_questionnaires_pass_check_dir() {
    let loaded = check_dir(&survey_templates()).unwrap_or_else(|errors| {
        panic!(
            "survey_templates does not pass:\n{}",
            errors
                .iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        )
    });
    let ids: Vec<(&str, u32)> = loaded
        .iter()
        .map(|(_, q)| (q.id.as_str(), q.version))
        .collect();
    // Version 4 of each, and versions 2 and 3 kept for campaigns pinned to them.
    assert_eq!(
        ids,
        vec![
            ("forced-labour", 2),
            ("forced-labour", 3),
            ("forced-labour", 4),
            ("migrant-labour", 2),
            ("migrant-labour", 3),
            ("migrant-labour", 4)
        ]
    );
    for (file, q) in &loaded {
        // The file is named after the questionnaire; older versions carry `.vN`.
        let name = if q.version == 4 {
            format!("{}.yaml", q.id)
        } else {
            format!("{}.v{}.yaml", q.id, q.version)
        };
        assert_eq!(file.path.file_name().unwrap().to_string_lossy(), name);
        assert!(q.version >= 1);
        assert_eq!(q.languages, vec![Lang::En, Lang::Ja, Lang::Vi], "{}", q.id);
        assert!(!q.title.get(Lang::Ja).is_empty());
        assert!(!q.title.get(Lang::Vi).is_empty());
    }
}

/// Every question and group field, in document order.
fn all_questions(q: &Questionnaire) -> Vec<&Question> {
    q.questions()
        .flat_map(|q| std::iter::once(q).chain(q.fields.iter()))
        .collect()
}

/// For each indicator, the questions (and group fields) with at least one rule on it.
fn questions_per_indicator(q: &Questionnaire) -> BTreeMap<Indicator, BTreeSet<String>> {
    let mut out: BTreeMap<Indicator, BTreeSet<String>> = BTreeMap::new();
    for question in all_questions(q) {
        for rule in &question.risk {
            out.entry(rule.indicator)
                .or_default()
                .insert(question.id.clone());
        }
    }
    out
}

#[test]
fn forced_labour_covers_every_ilo_indicator_with_at_least_two_questions() {
    let q = real("forced-labour.yaml");
    let by_indicator = questions_per_indicator(&q);
    for indicator in &Indicator::ALL[..11] {
        let questions = by_indicator.get(indicator).cloned().unwrap_or_default();
        assert!(
            questions.len() >= 2,
            "ILO {} {}: only {:?}",
            indicator.ilo_number().unwrap(),
            indicator.as_str(),
            questions
        );
    }
    // Every ILO indicator also has at least one knock-out (critical) rule or a rule that
    // reaches the high band, so none can only ever raise a low or medium flag.
    for indicator in &Indicator::ALL[..11] {
        let worst = all_questions(&q)
            .into_iter()
            .flat_map(|x| x.risk.iter())
            .filter(|r| r.indicator == *indicator)
            .map(|r| (r.critical, r.severity.overall() * r.likelihood))
            .max()
            .unwrap();
        assert!(
            worst.0 || worst.1 >= 10,
            "{}: worst rule {worst:?}",
            indicator.as_str()
        );
    }
}

#[test]
fn migrant_labour_covers_the_recruitment_risks() {
    let q = real("migrant-labour.yaml");
    let by_indicator = questions_per_indicator(&q);
    // The migrant questionnaire focuses on recruitment, documents, wages, movement and
    // remedy; each of those has at least two questions.
    for indicator in [
        Indicator::Deception,
        Indicator::RestrictionOfMovement,
        Indicator::Isolation,
        Indicator::RetentionOfIdentityDocuments,
        Indicator::WithholdingOfWages,
        Indicator::DebtBondage,
        Indicator::AbusiveWorkingAndLivingConditions,
        Indicator::FreedomToResign,
        Indicator::ResponsibleRecruitment,
        Indicator::GrievanceAndRemedy,
    ] {
        let questions = by_indicator.get(&indicator).cloned().unwrap_or_default();
        assert!(
            questions.len() >= 2,
            "{}: only {:?}",
            indicator.as_str(),
            questions
        );
    }
}

#[test]
fn dont_know_never_scores_above_the_red_flag_answer() {
    // On a question with a rule for a red-flag answer and one for "don't know", not
    // knowing is a lower-severity flag than the red flag itself, and never a knock-out.
    for file in ["forced-labour.yaml", "migrant-labour.yaml"] {
        let q = real(file);
        for question in all_questions(&q) {
            let mut dont_know = None;
            let mut worst_other: Option<(bool, u8)> = None;
            for rule in &question.risk {
                let score = rule.severity.overall() * rule.likelihood;
                match &rule.when {
                    hrdd_survey::domain::questionnaire::RuleWhen::AnswerIn(ids)
                        if ids == &["dont_know".to_string()] =>
                    {
                        dont_know = Some((rule.critical, score));
                    }
                    _ => worst_other = worst_other.max(Some((rule.critical, score))),
                }
            }
            if let (Some(dk), Some(other)) = (dont_know, worst_other) {
                assert!(!dk.0, "{file} {}: don't know is a knock-out", question.id);
                assert!(
                    dk.1 <= other.1 || other.0,
                    "{file} {}: don't know scores {} above the red flag {}",
                    question.id,
                    dk.1,
                    other.1
                );
            }
        }
    }
}

#[test]
fn every_text_exists_in_english_japanese_and_vietnamese() {
    // The loader refuses missing translations; this checks the result once more from the
    // model side, for every text of both questionnaires, in every stored version.
    for file in [
        "forced-labour.yaml",
        "migrant-labour.yaml",
        "forced-labour.v3.yaml",
        "migrant-labour.v3.yaml",
        "forced-labour.v2.yaml",
        "migrant-labour.v2.yaml",
    ] {
        let q = real(file);
        let mut texts = vec![("title".to_string(), &q.title)];
        texts.extend(q.description.iter().map(|d| ("description".to_string(), d)));
        for section in &q.sections {
            texts.push((format!("section {}", section.id), &section.title));
            texts.extend(
                section
                    .description
                    .iter()
                    .map(|d| (format!("section {} description", section.id), d)),
            );
        }
        for question in all_questions(&q) {
            texts.extend(
                question
                    .help
                    .iter()
                    .map(|t| (format!("{} help", question.id), t)),
            );
            texts.extend(
                question
                    .unit
                    .iter()
                    .map(|t| (format!("{} unit", question.id), t)),
            );
            texts.extend(
                question
                    .validation
                    .message
                    .iter()
                    .map(|t| (format!("{} message", question.id), t)),
            );
        }
        for (what, text) in &texts {
            for lang in [Lang::En, Lang::Ja, Lang::Vi] {
                assert!(
                    text.0.get(&lang).is_some_and(|t| !t.is_empty()),
                    "{file} {what} has no {lang} text"
                );
            }
        }
        for question in all_questions(&q) {
            for lang in [Lang::En, Lang::Ja, Lang::Vi] {
                assert!(
                    question.label.0.get(&lang).is_some_and(|t| !t.is_empty()),
                    "{file} {} has no {lang} label",
                    question.id
                );
                for c in &question.choices {
                    assert!(
                        c.label.0.get(&lang).is_some_and(|t| !t.is_empty()),
                        "{file} {} choice {} has no {lang} label",
                        question.id,
                        c.id
                    );
                }
                for rule in &question.risk {
                    assert!(
                        rule.explanation.0.get(&lang).is_some_and(|t| !t.is_empty()),
                        "{file} {}: a rule has no {lang} explanation",
                        question.id
                    );
                }
            }
        }
    }
}

#[test]
fn two_versions_of_one_questionnaire_may_sit_side_by_side() {
    let dir = tempfile::tempdir().unwrap();
    let source = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/templates/mini.yaml"),
    )
    .unwrap();
    std::fs::write(dir.path().join("mini.v1.yaml"), &source).unwrap();
    std::fs::write(
        dir.path().join("mini.yaml"),
        source.replace("version: 1", "version: 2"),
    )
    .unwrap();
    let loaded = check_dir(dir.path()).unwrap();
    let versions: Vec<(&str, u32)> = loaded
        .iter()
        .map(|(_, q)| (q.id.as_str(), q.version))
        .collect();
    assert_eq!(versions, vec![("mini", 1), ("mini", 2)]);
}

#[test]
fn two_files_with_the_same_questionnaire_version_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let source = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/templates/mini.yaml"),
    )
    .unwrap();
    std::fs::write(dir.path().join("a-mini.yaml"), &source).unwrap();
    std::fs::write(
        dir.path().join("b-mini.yaml"),
        format!("{source}\n# a changed copy\n"),
    )
    .unwrap();
    let errors = check_dir(dir.path()).unwrap_err();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].file, dir.path().join("b-mini.yaml"));
    assert_eq!(errors[0].line, 1);
    assert_eq!(
        errors[0].message,
        format!(
            "version 1 of questionnaire \"mini\" is also in {}",
            dir.path().join("a-mini.yaml").display()
        )
    );
}

#[test]
fn an_empty_or_missing_folder_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let errors = check_dir(dir.path()).unwrap_err();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].message, "no questionnaire files (*.yaml) found");

    let missing = dir.path().join("nope");
    let errors = check_dir(&missing).unwrap_err();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].file, missing);
    assert!(
        errors[0]
            .message
            .starts_with("cannot read the templates folder: "),
        "{}",
        errors[0].message
    );
}

#[test]
fn version_3_carries_the_translation_fixes() {
    for file in ["forced-labour.yaml", "migrant-labour.yaml"] {
        let source = std::fs::read_to_string(survey_templates().join(file)).unwrap();
        for wrong in [
            "労働省",
            "母語",
            "thẻ cư trú",
            "thực hành",
            "trả nợ (gán nợ)",
            "lao động phái cử",
            "ví dụ 2,5",
            "bị lạm dụng\"",
            "international labour standards",
        ] {
            assert!(!source.contains(wrong), "{file} still says {wrong}");
        }
        let q = real(file);
        // "No group" is right only where the choices are groups of workers.
        for question in all_questions(&q) {
            for c in &question.choices {
                if c.label.get(Lang::Vi) == "Không có nhóm nào" {
                    assert_eq!(question.id, "vulnerable_groups", "{file}");
                }
            }
        }
    }
    let fl = real("forced-labour.yaml");
    let measures = fl.find("disciplinary_measures").unwrap();
    let label = |id: &str| {
        measures
            .choices
            .iter()
            .find(|c| c.id == id)
            .unwrap()
            .label
            .get(Lang::Ja)
            .to_string()
    };
    assert!(label("denial_of_necessities").contains("剥奪"));
    assert!(label("fines").contains("減給の制裁"));
    let hours = fl.find("max_weekly_hours").unwrap();
    assert!(hours.risk[0].explanation.get(Lang::En).contains("RBA"));
    assert_eq!(
        fl.find("dispatched_workers").unwrap().label.get(Lang::Vi),
        "Số lao động thuê lại"
    );
}
