//! Use cases. Each public function owns its transaction (when it writes) and records
//! what it did in the audit log; handlers only parse input and render output.

pub mod accounts;
pub mod campaigns;
pub mod organisations;
pub mod responses;
pub mod templates;

/// The connection type every service takes (defined once, in `db`).
pub use crate::db::Conn;
