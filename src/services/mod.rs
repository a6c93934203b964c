//! Use cases. Each public function owns its transaction (when it writes) and records
//! what it did in the audit log; handlers only parse input and render output.

pub mod accounts;
pub mod audit;
pub mod campaigns;
pub mod jobs;
pub mod listings;
pub mod organisations;
pub mod outbox;
pub mod questionnaires;
pub mod responses;

use diesel_async::AsyncPgConnection;

/// The connection type every service takes.
pub type Conn = AsyncPgConnection;
