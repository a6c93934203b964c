//! Moved: the queries now live in one module per table or read model
//! ([`super::organisations`], [`super::campaigns`], [`super::responses`], …). This
//! re-export keeps code written against the old path compiling while parallel branches
//! are merged; new code names the table module.

pub use super::campaigns::*;
pub use super::evidence::*;
pub use super::flags::*;
pub use super::invitations::*;
pub use super::organisations::*;
pub use super::questionnaire_versions::*;
pub use super::responses::*;
