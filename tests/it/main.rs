//! The one integration-test binary: HTTP, database and rendering tested through the
//! public surface of a running application.

// The risk-rule tests write whole answer sets with `serde_json::json!`.
#![recursion_limit = "256"]

mod access;
mod api;
mod api_shapes;
mod architecture;
mod audit_chain;
mod audit_page;
mod auth;
mod auth_hardening;
mod browser;
mod browser_a11y;
mod browser_flow;
mod browser_keeps;
mod browser_rows;
mod campaign_checks;
mod campaign_confirm;
mod campaign_edits;
mod campaign_fixes;
mod campaign_mail;
mod campaign_pages;
mod campaigns;
mod cli;
mod committee_fixes;
mod committee_rest;
mod cross_answer;
mod database;
mod demo;
mod embedded;
mod evidence;
mod exports;
mod flag_four_eyes;
mod flag_four_eyes_fixes;
mod flag_queue;
mod flags;
mod helpers;
mod inherent_risk;
mod input;
mod jobs;
mod links;
mod loader;
mod mail;
mod organisations;
mod outbox_viewer;
mod plan_cancel;
mod plans;
mod questionnaire_v4;
mod ranking;
mod reassessments;
mod receipt;
mod receipt_scripts;
mod remedy;
mod respondent;
mod respondent_a11y;
mod respondent_flow;
mod respondent_keeps;
mod risk_rules;
mod risk_rules_v3;
mod route_scan;
mod rows;
mod save_races;
mod scale;
mod sections;
mod withdraw_question;
