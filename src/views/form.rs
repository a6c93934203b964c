//! The respondent's questionnaire form as plain data for `templates/form.html`.

use crate::domain::answers::{dont_know_field, format_number};
use crate::domain::countries;
use crate::domain::dates::Today;
use crate::domain::i18n::{ui, Lang};
use crate::domain::questionnaire::{Question, QuestionKind, Questionnaire};
use crate::domain::respondent_text::t;
use crate::domain::rows::remove_action;
use std::collections::HashMap;

/// One `<option>` / checkbox / radio.
pub struct OptionView {
    pub value: String,
    pub label: String,
    pub checked: bool,
}

/// One question (or one cell of a group row) ready to render.
pub struct QuestionView {
    pub id: String,
    /// Form field name (`id`, or `group.row.field`).
    pub name: String,
    pub label: String,
    pub help: String,
    pub required: bool,
    /// `radio`, `checkbox`, `number`, `text`, `textarea`, `date`, `select`, `group`, `file`.
    pub input: &'static str,
    pub value: String,
    pub options: Vec<OptionView>,
    pub unit: String,
    pub min: String,
    pub max: String,
    pub step: String,
    pub maxlength: String,
    pub error: String,
    /// JSON of the `show_if` condition, for the progressive-enhancement script.
    pub show_if: String,
    pub headers: Vec<String>,
    pub rows: Vec<RowView>,
    pub current_file: String,
    pub current_file_url: String,
    /// A number question offering "don't know": a checkbox `name.dont_know` next to it.
    pub dont_know: bool,
    pub dont_know_checked: bool,
    pub dont_know_label: String,
    /// The stored answer's version the page was loaded with (`_v.<id>`; empty on the
    /// one-page form, which does not check).
    pub version: String,
    /// The fingerprint of the stored answer the page was loaded with (`_h.<id>`, with
    /// `version`).
    pub base: String,
    /// "name, time" of the contact who last changed the answer, when it was another.
    pub changed_by: String,
    /// A conflict: the kept answer, who gave it, and this contact's unsaved answer.
    pub conflict: bool,
    pub theirs: String,
    pub theirs_by: String,
    pub mine: String,
    /// A table's "Row 2 removed." after its row was removed (a polite status beside it;
    /// the script writes there too).
    pub row_note: String,
    /// The table's "Add a row" takes the focus (its last row was just removed).
    pub focus_add: bool,
}

impl QuestionView {
    /// What the field's `aria-describedby` names: its help (`h-<name>`), then its error
    /// (`e-<name>`), space-separated; empty when it has neither.
    pub fn described_by(&self) -> String {
        let help = (!self.help.is_empty()).then(|| format!("h-{}", self.name));
        let error = (!self.error.is_empty()).then(|| format!("e-{}", self.name));
        help.into_iter().chain(error).collect::<Vec<_>>().join(" ")
    }
}

/// A row of a group.
pub struct RowView {
    pub number: usize,
    pub cells: Vec<QuestionView>,
    /// "Remove row 2" and the action its button posts (`remove_row:<group>:<row>`).
    pub remove_label: String,
    pub remove_action: String,
    /// The row's first field takes the focus: the row before it was just removed.
    pub focus: bool,
}

pub struct SectionView {
    pub id: String,
    pub title: String,
    pub description: String,
    pub questions: Vec<QuestionView>,
}

/// What the form shows besides the questions.
pub struct FormContext<'a> {
    pub lang: Lang,
    pub values: &'a HashMap<String, Vec<String>>,
    pub errors: &'a HashMap<String, String>,
    /// Extra blank rows to show per group (after "add a row").
    pub extra_rows: &'a HashMap<String, usize>,
    /// Stored evidence: question id → (file name, download URL).
    pub files: &'a HashMap<String, (String, String)>,
    /// The table whose row was just removed, and that row's number (from 1): the table
    /// may then show no row at all, and says which row went.
    pub removed_row: Option<(&'a str, usize)>,
    /// Today, for a date question's `min` / `max: today`: the page's date picker offers
    /// the dates the server accepts (the form is `novalidate`; the server decides).
    pub today: Today,
}

/// The views of every section, or of section `only` (from 0).
pub fn sections(q: &Questionnaire, ctx: &FormContext, only: Option<usize>) -> Vec<SectionView> {
    q.sections
        .iter()
        .enumerate()
        .filter(|(n, _)| only.is_none_or(|o| o == *n))
        .map(|(_, s)| SectionView {
            id: s.id.clone(),
            title: s.title.get(ctx.lang).to_string(),
            description: s
                .description
                .as_ref()
                .map(|d| d.get(ctx.lang).to_string())
                .unwrap_or_default(),
            questions: s
                .questions
                .iter()
                .map(|question| question_view(question, &question.id, ctx))
                .collect(),
        })
        .collect()
}

fn question_view(q: &Question, name: &str, ctx: &FormContext) -> QuestionView {
    let lang = ctx.lang;
    let values = ctx.values.get(name).cloned().unwrap_or_default();
    let first = values.first().cloned().unwrap_or_default();
    let mut view = QuestionView {
        id: q.id.clone(),
        name: name.to_string(),
        label: q.label.get(lang).to_string(),
        help: q
            .help
            .as_ref()
            .map(|h| h.get(lang).to_string())
            .unwrap_or_default(),
        required: q.required,
        input: "text",
        value: first.clone(),
        options: Vec::new(),
        unit: q
            .unit
            .as_ref()
            .map(|u| u.get(lang).to_string())
            .unwrap_or_default(),
        min: q.validation.min.map(format_number).unwrap_or_default(),
        max: q.validation.max.map(format_number).unwrap_or_default(),
        step: String::new(),
        maxlength: String::new(),
        error: ctx.errors.get(name).cloned().unwrap_or_default(),
        show_if: q
            .show_if
            .as_ref()
            .map(|c| serde_json::to_string(c).unwrap_or_default())
            .unwrap_or_default(),
        headers: Vec::new(),
        rows: Vec::new(),
        current_file: String::new(),
        current_file_url: String::new(),
        dont_know: q.dont_know,
        dont_know_checked: q.dont_know && ctx.values.contains_key(&dont_know_field(name)),
        dont_know_label: ui("dont_know", lang).to_string(),
        version: String::new(),
        base: String::new(),
        changed_by: String::new(),
        conflict: false,
        theirs: String::new(),
        theirs_by: String::new(),
        mine: String::new(),
        row_note: String::new(),
        focus_add: false,
    };
    match q.kind {
        QuestionKind::SingleChoice | QuestionKind::YesNoDk => {
            view.input = "radio";
            view.options = choice_options(q, lang, &values);
        }
        QuestionKind::MultipleChoice => {
            view.input = "checkbox";
            view.options = choice_options(q, lang, &values);
        }
        // A text box with a number keyboard, not `type=number`: a browser's number box
        // reads "1.500.000" as 1.5 and posts that, so the server never sees what was
        // typed (`domain::numbers` reads it, or refuses it beside the field).
        QuestionKind::Integer | QuestionKind::Decimal => view.input = "number",
        QuestionKind::Percentage => {
            view.input = "number";
            view.unit = "%".into();
        }
        QuestionKind::ShortText => {
            view.maxlength = q
                .validation
                .max_length
                .unwrap_or(crate::domain::answers::SHORT_TEXT_MAX)
                .to_string();
        }
        QuestionKind::LongText => {
            view.input = "textarea";
            view.maxlength = q
                .validation
                .max_length
                .unwrap_or(crate::domain::answers::LONG_TEXT_MAX)
                .to_string();
        }
        QuestionKind::Date => {
            view.input = "date";
            view.min = q
                .validation
                .min_date
                .map(|d| d.as_min(ctx.today).to_string())
                .unwrap_or_default();
            view.max = q
                .validation
                .max_date
                .map(|d| d.as_max(ctx.today).to_string())
                .unwrap_or_default();
        }
        QuestionKind::Country => {
            view.input = "select";
            view.options = country_options(&first, lang);
        }
        QuestionKind::Evidence => {
            view.input = "file";
            if let Some((file, url)) = ctx.files.get(&q.id) {
                view.current_file = file.clone();
                view.current_file_url = url.clone();
            }
        }
        QuestionKind::Group => {
            view.input = "group";
            view.headers = q
                .fields
                .iter()
                .map(|f| f.label.get(lang).to_string())
                .collect();
            let prefix = format!("{}.", q.id);
            let filled = ctx
                .values
                .keys()
                .filter_map(|k| {
                    k.strip_prefix(&prefix)?
                        .split('.')
                        .next()?
                        .parse::<usize>()
                        .ok()
                })
                .map(|n| n + 1)
                .max()
                .unwrap_or(0);
            let extra = ctx.extra_rows.get(&q.id).copied().unwrap_or(0);
            // A table shows one blank row to start with, but not right after its last
            // row was removed: then it is empty, with its "Add a row".
            let removed = ctx.removed_row.filter(|(g, _)| *g == q.id).map(|(_, n)| n);
            let count = (filled + extra)
                .max(usize::from(removed.is_none()))
                .min(q.max_rows.map(|m| m as usize).unwrap_or(200));
            let count = count.max(q.min_rows.unwrap_or(0) as usize);
            view.rows = (0..count)
                .map(|n| RowView {
                    number: n + 1,
                    cells: q
                        .fields
                        .iter()
                        .map(|f| question_view(f, &format!("{}.{n}.{}", q.id, f.id), ctx))
                        .collect(),
                    remove_label: t("remove_row", lang).replace("{n}", &(n + 1).to_string()),
                    remove_action: remove_action(&q.id, n),
                    focus: removed == Some(n + 1),
                })
                .collect();
            if let Some(n) = removed {
                view.row_note = t("row_removed", lang).replace("{n}", &n.to_string());
                view.focus_add = n > count;
            }
        }
    }
    view
}

fn choice_options(q: &Question, lang: Lang, values: &[String]) -> Vec<OptionView> {
    let labelled: Vec<(String, String)> = match q.kind {
        QuestionKind::YesNoDk => ["yes", "no", "dont_know"]
            .iter()
            .map(|id| (id.to_string(), ui(id, lang).to_string()))
            .collect(),
        _ => q
            .choices
            .iter()
            .map(|c| (c.id.clone(), c.label.get(lang).to_string()))
            .collect(),
    };
    labelled
        .into_iter()
        .map(|(value, label)| OptionView {
            checked: values.contains(&value),
            value,
            label,
        })
        .collect()
}

fn country_options(selected: &str, lang: Lang) -> Vec<OptionView> {
    countries::all(lang)
        .into_iter()
        .map(|(code, name)| OptionView {
            value: code.to_string(),
            label: format!("{name} ({code})"),
            checked: code.eq_ignore_ascii_case(selected),
        })
        .collect()
}
