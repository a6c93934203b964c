//! View models and askama templates (in `templates/`): every page is rendered here,
//! escaped by askama, from plain data.

pub mod assets;
pub mod audit;
pub mod campaigns;
pub mod clarification;
pub mod data;
pub mod exports;
pub mod flag_earlier;
pub mod flag_history;
pub mod flag_queue;
pub mod flags;
pub mod form;
pub mod org_history;
pub mod org_rating;
pub mod organisations;
pub mod outbox;
pub mod pages;
pub mod plan_list;
pub mod plan_page;
pub mod ranking;
pub mod remedy;
pub mod respondent;
pub mod review;
pub mod sections;
pub mod staff;
pub mod tables;
pub mod typed;
pub mod unsaved;
