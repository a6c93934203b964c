//! Export files: the cells of each row (labels in the chosen language) and their CSV
//! and XLSX encodings. Rows are encoded one page at a time by `routes::staff::exports`.

use super::flag_history;
use super::respondent::answer_text;
use crate::db::models::ActionPlan;
use crate::domain::answers::Answers;
use crate::domain::i18n::Lang;
use crate::domain::remedy::format_amount;
use crate::services::exports::{DecisionRow, FlagRow, PlanRow, ResponseRow, ResponsesExport};
use crate::services::flags::organisation::PreviousFlag;
use crate::services::questionnaires::QuestionnaireRegistry;
use rust_xlsxwriter::{Format, Workbook, XlsxError};
use std::collections::HashMap;
use uuid::Uuid;

/// Fixed columns of a responses export, before the questions.
const RESPONSE_COLUMNS: [&str; 9] = [
    "Organisation",
    "Reference",
    "Kind",
    "Country",
    "Sector",
    "Status",
    "Language",
    "Submitted (UTC)",
    "Questionnaire",
];

/// The header: fixed columns, then each question as `label [question id]`.
pub fn responses_header(export: &ResponsesExport, lang: Lang) -> Vec<String> {
    RESPONSE_COLUMNS
        .iter()
        .map(|s| s.to_string())
        .chain(
            export
                .columns
                .iter()
                .map(|q| format!("{} [{}]", q.label.get(lang), q.id)),
        )
        .collect()
}

/// One organisation's row; a question it was not asked or did not answer is empty.
pub fn responses_cells(
    export: &ResponsesExport,
    row: &ResponseRow,
    answers: &Answers,
    version: &str,
    lang: Lang,
) -> Vec<String> {
    let mut cells = vec![
        row.organisation_name.clone(),
        row.external_ref.clone().unwrap_or_default(),
        row.kind.as_str().to_string(),
        row.country.clone(),
        row.sector.clone().unwrap_or_default(),
        row.status.as_str().to_string(),
        row.language
            .map(|l| l.code().to_string())
            .unwrap_or_default(),
        row.submitted_at
            .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
            .unwrap_or_default(),
        version.to_string(),
    ];
    cells.extend(export.columns.iter().map(|q| {
        answers
            .get(&q.id)
            .map(|v| answer_text(q, v, lang))
            .unwrap_or_default()
    }));
    cells
}

/// The header of a flags export.
pub fn flags_header() -> Vec<String> {
    [
        "Flag id",
        "Organisation",
        "Reference",
        "Kind",
        "Country",
        "Campaign",
        "Question id",
        "Question",
        "Answer",
        "Indicator",
        "Severity",
        "Likelihood",
        "Score",
        "Band",
        "Knock-out",
        "Workers affected",
        "Workforce",
        "Status",
        "Raised (UTC)",
        "Last change (UTC)",
        "Assignee",
        "Last decision",
        "Decisions",
        "Previous submission's flag id",
        "Previous submission's flag status",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

/// One flag's row, with the question's label and the answer in `lang`; `previous`, the
/// flag on the same question in the organisation's previous submission, if any.
pub fn flags_cells(
    row: &FlagRow,
    decisions: &[DecisionRow],
    plans: &[ActionPlan],
    previous: Option<&PreviousFlag>,
    people: &HashMap<Uuid, String>,
    registry: &QuestionnaireRegistry,
    lang: Lang,
) -> Vec<String> {
    let f = &row.flag;
    let assignee = row.assignee_id.and_then(|id| people.get(&id));
    // The history in the flag page's words.
    let lines = flag_history::lines(decisions, |id| id.and_then(|id| people.get(&id)).cloned());
    let version = registry.get(row.template_version_id);
    let question = version
        .as_ref()
        .and_then(|v| v.questionnaire.find(&f.question_id));
    let answer = match question {
        Some(q) if f.answer.get("rows").is_none() => answer_text(q, &f.answer, lang),
        _ => f.answer.to_string(),
    };
    vec![
        f.id.to_string(),
        row.organisation_name.clone(),
        row.external_ref.clone().unwrap_or_default(),
        row.kind.as_str().to_string(),
        row.country.clone(),
        row.campaign_name.clone(),
        f.question_id.clone(),
        question
            .map(|q| q.label.get(lang).to_string())
            .unwrap_or_default(),
        answer,
        f.indicator.clone(),
        f.severity.to_string(),
        f.likelihood.to_string(),
        f.score.to_string(),
        f.band.as_str().to_string(),
        if f.critical { "yes" } else { "no" }.to_string(),
        f.affected_workers
            .map(|n| n.to_string())
            .unwrap_or_default(),
        f.workforce.map(|n| n.to_string()).unwrap_or_default(),
        f.status.as_str().to_string(),
        f.created_at.format("%Y-%m-%d %H:%M:%S").to_string(),
        f.updated_at.format("%Y-%m-%d %H:%M:%S").to_string(),
        assignee.cloned().unwrap_or_default(),
        flag_history::last_decision(decisions, &lines),
        flag_history::as_text(&flag_history::with_plan_lines(
            flag_history::with_lapses(decisions, lines),
            flag_history::plan_lines(plans, |id| people.get(&id).cloned()),
        )),
        previous
            .map(|p| p.previous_id.to_string())
            .unwrap_or_default(),
        previous
            .map(|p| p.previous_status.as_str().to_string())
            .unwrap_or_default(),
    ]
}

/// The header of a corrective-action export.
pub fn plans_header() -> Vec<String> {
    [
        "Plan id",
        "Flag id",
        "Organisation",
        "Reference",
        "Kind",
        "Country",
        "Campaign",
        "Question id",
        "Question",
        "Indicator",
        "Band",
        "Score",
        "Knock-out",
        "Flag status",
        "Plan status",
        "Root cause",
        "Actions",
        "Owner",
        "Start date",
        "Due date",
        "Overdue",
        "Created (UTC)",
        "Created by",
        "Completed (UTC)",
        "Verified (UTC)",
        "Verified by",
        "Evidence files",
        "Workers affected",
        "Fees repaid",
        "Fees currency",
        "Workers repaid",
        "Fees repaid on",
        "Documents returned",
        "Documents returned on",
        "Cancelled (UTC)",
        "Cancelled by",
        "Cancel reason",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

/// One plan's row; the question's label in `lang`; remedy facts as numbers (the amount
/// in units with two decimals, beside its ISO 4217 code); `today` decides "Overdue"
/// (only a planned or in-progress plan is overdue: never a cancelled one); a cancelled
/// plan's when, by whom and why in the last columns.
pub fn plans_cells(
    row: &PlanRow,
    registry: &QuestionnaireRegistry,
    lang: Lang,
    today: chrono::NaiveDate,
) -> Vec<String> {
    let time = |t: Option<chrono::DateTime<chrono::Utc>>| {
        t.map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
            .unwrap_or_default()
    };
    let number = |n: Option<i32>| n.map(|n| n.to_string()).unwrap_or_default();
    let date = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    let question = registry
        .get(row.template_version_id)
        .and_then(|v| {
            v.questionnaire
                .find(&row.question_id)
                .map(|q| q.label.get(lang).to_string())
        })
        .unwrap_or_default();
    let owner = match (&row.owner_contact_email, &row.owner_staff_email) {
        (Some(e), _) => format!("supplier contact: {e}"),
        (None, Some(e)) => format!("staff: {e}"),
        (None, None) => String::new(),
    };
    vec![
        row.plan_id.to_string(),
        row.flag_id.to_string(),
        row.organisation_name.clone(),
        row.external_ref.clone().unwrap_or_default(),
        row.kind.as_str().to_string(),
        row.country.clone(),
        row.campaign_name.clone(),
        row.question_id.clone(),
        question,
        row.indicator.clone(),
        row.band.as_str().to_string(),
        row.score.to_string(),
        if row.critical { "yes" } else { "no" }.to_string(),
        row.flag_status.as_str().to_string(),
        row.status.as_str().to_string(),
        row.root_cause.clone(),
        row.actions.clone(),
        owner,
        row.start_date.to_string(),
        row.due_date.to_string(),
        if row.status.is_pending() && row.due_date < today {
            "yes"
        } else {
            "no"
        }
        .to_string(),
        time(Some(row.created_at)),
        row.created_by_email.clone(),
        time(row.completed_at),
        time(row.verified_at),
        row.verified_by_email.clone().unwrap_or_default(),
        row.evidence_files.to_string(),
        number(row.workers_affected),
        row.fees_repaid_hundredths
            .map(|a| format_amount(a, row.fees_currency.as_deref()))
            .unwrap_or_default(),
        row.fees_currency.clone().unwrap_or_default(),
        number(row.workers_repaid),
        date(row.fees_repaid_on),
        number(row.documents_returned),
        date(row.documents_returned_on),
        time(row.cancelled_at),
        row.cancelled_by_email.clone().unwrap_or_default(),
        row.cancel_reason.clone().unwrap_or_default(),
    ]
}

/// One XLSX worksheet written row by row in constant memory (rows go to a temporary
/// file as they are written).
pub struct XlsxSheet {
    workbook: Workbook,
    next_row: u32,
    bold: Format,
    /// Rows a sheet takes (Excel's 1,048,576; fewer in tests).
    max_rows: u32,
}

/// The rows of an Excel worksheet.
const EXCEL_ROWS: u32 = 1_048_576;

impl XlsxSheet {
    pub fn new(name: &str) -> Result<XlsxSheet, XlsxError> {
        XlsxSheet::with_max_rows(name, EXCEL_ROWS)
    }

    fn with_max_rows(name: &str, max_rows: u32) -> Result<XlsxSheet, XlsxError> {
        let mut workbook = Workbook::new();
        workbook
            .add_worksheet_with_constant_memory()
            .set_name(name)?;
        Ok(XlsxSheet {
            workbook,
            next_row: 0,
            bold: Format::new().set_bold(),
            max_rows,
        })
    }

    /// Whether the sheet is full: its last row says the rest is in the CSV export, and
    /// further rows are not written (an export of more rows than Excel takes still
    /// gives a file instead of failing after minutes of work).
    pub fn is_full(&self) -> bool {
        self.next_row >= self.max_rows
    }

    /// Writes the header row (bold, frozen).
    pub fn header(&mut self, cells: &[String]) -> Result<(), XlsxError> {
        let bold = self.bold.clone();
        let sheet = self.workbook.worksheet_from_index(0)?;
        for (c, text) in cells.iter().enumerate() {
            sheet.write_string_with_format(self.next_row, c as u16, text, &bold)?;
        }
        sheet.set_freeze_panes(1, 0)?;
        self.next_row += 1;
        Ok(())
    }

    /// Writes one row of text cells (never formulas). A cell longer than Excel takes
    /// (32,767 characters: a long table answer) is cut, saying so, instead of failing
    /// the whole export; the CSV keeps it whole.
    pub fn row(&mut self, cells: &[String]) -> Result<(), XlsxError> {
        const EXCEL_CELL_MAX: usize = 32_767;
        const CUT: &str =
            " … [cut: Excel takes 32,767 characters a cell; the CSV export has it all]";
        if self.is_full() {
            return Ok(());
        }
        let sheet = self.workbook.worksheet_from_index(0)?;
        if self.next_row == self.max_rows - 1 {
            sheet.write_string(
                self.next_row,
                0,
                "[cut: Excel takes 1,048,576 rows a sheet; the CSV export has every row]",
            )?;
            self.next_row += 1;
            return Ok(());
        }
        for (c, text) in cells.iter().enumerate() {
            if text.chars().count() > EXCEL_CELL_MAX {
                let kept: String = text
                    .chars()
                    .take(EXCEL_CELL_MAX - CUT.chars().count())
                    .collect();
                sheet.write_string(self.next_row, c as u16, kept + CUT)?;
            } else if !text.is_empty() {
                sheet.write_string(self.next_row, c as u16, text)?;
            }
        }
        self.next_row += 1;
        Ok(())
    }

    /// Writes the workbook to `path`.
    pub fn save(mut self, path: &std::path::Path) -> Result<(), XlsxError> {
        self.workbook.save(path)
    }
}

#[cfg(test)]
mod tests {
    /// A cell over Excel's limit is cut and the workbook still saves.
    #[test]
    fn a_cell_over_excels_limit_is_cut_not_an_error() {
        let mut sheet = super::XlsxSheet::new("Responses").unwrap();
        sheet.header(&["answer".to_string()]).unwrap();
        sheet.row(&["x".repeat(40_000)]).unwrap();
        let dir = tempfile::tempdir().unwrap();
        sheet.save(&dir.path().join("out.xlsx")).unwrap();
    }

    /// More rows than a sheet takes: the last row says so, the rest are left out, and
    /// the workbook still saves.
    #[test]
    fn rows_past_the_sheets_limit_are_left_out_saying_so() {
        let mut sheet = super::XlsxSheet::with_max_rows("Audit log", 4).unwrap();
        sheet.header(&["id".to_string()]).unwrap();
        for i in 0..10 {
            assert_eq!(sheet.is_full(), i >= 3, "{i}");
            sheet.row(&[i.to_string()]).unwrap();
        }
        assert!(sheet.is_full());
        let dir = tempfile::tempdir().unwrap();
        sheet.save(&dir.path().join("out.xlsx")).unwrap();
    }
}
