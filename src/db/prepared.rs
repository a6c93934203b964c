//! Raw SQL of fixed text, kept prepared on each connection.
//!
//! diesel never caches a [`diesel::sql_query`]: it cannot tell that the text is fixed,
//! so every run pays a Parse/Describe round trip and a fresh plan, which for the
//! respondent flow's CTEs cost PostgreSQL more than the rows they write. Wrapped in
//! [`prepared`], such a statement is prepared once per connection and found again by its
//! text and bind types (diesel-async's statement cache), and PostgreSQL may switch to a
//! generic plan after a few runs:
//!
//! ```text
//! diesel::sql_query("SELECT …").bind::<Text, _>(x).prepared().execute(conn)
//! ```
//!
//! Only for SQL whose text is a literal or one of a few fixed variants: the cache holds
//! one entry per distinct text, so text assembled at run time without such a bound
//! (free filters, `IN` lists of varying length) must stay an ordinary `sql_query`.

use diesel::pg::Pg;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::QueryResult;

/// `.prepared()` on a `sql_query` of fixed text (with its binds): see the module.
pub trait Prepare: Sized {
    /// This statement, kept prepared per connection.
    fn prepared(self) -> Prepared<Self> {
        Prepared(self)
    }
}

impl<Q: QueryFragment<Pg>> Prepare for Q {}

/// See [`Prepare`].
#[derive(Debug, Clone, Copy)]
pub struct Prepared<Q>(Q);

impl<Q: QueryFragment<Pg>> QueryFragment<Pg> for Prepared<Q> {
    fn walk_ast<'b>(&'b self, pass: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        self.0.walk_ast(pass)
    }

    /// The inner `sql_query` says "never cache"; its text is fixed, so it may be.
    fn is_safe_to_cache_prepared(&self, _backend: &Pg) -> QueryResult<bool> {
        Ok(true)
    }
}

/// No static id: the cache key is the SQL text with its bind types.
impl<Q> QueryId for Prepared<Q> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q: Query> Query for Prepared<Q> {
    type SqlType = Q::SqlType;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wrapped_sql_query_may_be_cached_and_keeps_its_text_and_binds() {
        let raw = diesel::sql_query("SELECT $1::int4 + 1").bind::<diesel::sql_types::Int4, _>(41);
        assert!(!raw.is_safe_to_cache_prepared(&Pg).unwrap());
        let wrapped = raw.prepared();
        assert!(wrapped.is_safe_to_cache_prepared(&Pg).unwrap());
        assert_eq!(
            diesel::debug_query::<Pg, _>(&wrapped).to_string(),
            "SELECT $1::int4 + 1 -- binds: [41]"
        );
    }
}
