//! Use cases. Each public function owns its transaction (when it writes) and records
//! what it did in the audit log; handlers only parse input and render output.

pub mod accounts;
pub mod campaign_lifecycle;
pub mod campaign_progress;
pub mod campaigns;
pub mod jobs;
pub mod organisations;
pub mod responses;
pub mod templates;

use diesel_async::AsyncPgConnection;

/// The connection type every service takes.
pub type Conn = AsyncPgConnection;
