//! Domain logic with no HTTP and no SQL: the questionnaire model and its loader, answer
//! parsing and validation, visibility of conditional questions, and the risk rules.

pub mod answers;
pub mod campaign;
pub mod campaign_progress;
pub mod clarification;
pub mod countries;
pub mod csv_file;
pub mod currency;
pub mod dates;
pub mod declaration;
pub mod evidence_type;
pub mod exports;
pub mod flag;
pub mod flag_workflow;
pub mod i18n;
pub mod ids;
pub mod indicator;
pub mod inherent_risk;
pub mod numbers;
pub mod org_import;
pub mod progress;
pub mod questionnaire;
pub mod rating;
pub mod remedy;
pub mod reminders;
pub mod respondent_text;
pub mod risk;
pub mod role;
pub mod rows;
pub mod seed;
pub mod states;
pub mod text;
pub mod token;
pub mod visibility;
