//! HRDD Survey: human-rights due diligence questionnaires for supply chains.
//!
//! See ARCHITECTURE.md for the map of modules.

pub mod auth;
pub mod config;
pub mod db;
pub mod demo;
pub mod domain;
pub mod email;
pub mod embedded_pg;
pub mod error;
pub mod jobs;
pub mod receipt_pdf;
pub mod routes;
pub mod services;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod views;
