//! The stored states and kinds that services decide on: a campaign's and a response's
//! status, and an organisation's kind. Each is an enum here (pure) and text in the
//! database; `db/types.rs` maps them in one place, so no service or view compares
//! string literals. (A flag's status is in [`super::flag`], with its transitions.)

use serde::{Deserialize, Serialize};

/// Defines `as_str`, `parse`, `ALL` and `Display` for a unit enum from its names.
macro_rules! named_enum {
    ($ty:ident { $($variant:ident => $name:literal),+ $(,)? }) => {
        impl $ty {
            pub const ALL: &'static [$ty] = &[$($ty::$variant),+];

            /// The name used in the database and the API.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($ty::$variant => $name),+
                }
            }

            /// Parses a database / API name.
            pub fn parse(s: &str) -> Option<$ty> {
                Self::ALL.iter().copied().find(|v| v.as_str() == s)
            }
        }

        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

/// A campaign's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CampaignStatus {
    Draft,
    Open,
    /// No new links can be issued.
    Closed,
}
named_enum!(CampaignStatus { Draft => "draft", Open => "open", Closed => "closed" });

/// A response's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResponseStatus {
    Draft,
    /// Final: answers no longer change.
    Submitted,
}
named_enum!(ResponseStatus { Draft => "draft", Submitted => "submitted" });

/// Whether an organisation is one of the company's own sites or an external supplier
/// (the same questionnaires and scoring apply to both).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrganisationKind {
    ProductionBase,
    Supplier,
}
named_enum!(OrganisationKind { ProductionBase => "production_base", Supplier => "supplier" });

impl OrganisationKind {
    /// The kind in words ("production base").
    pub fn label(self) -> String {
        self.as_str().replace('_', " ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_match_serde() {
        fn check<T: Copy + PartialEq + std::fmt::Debug + Serialize>(
            all: &[T],
            name: fn(T) -> &'static str,
            parse: fn(&str) -> Option<T>,
        ) {
            for v in all {
                assert_eq!(parse(name(*v)), Some(*v));
                assert_eq!(serde_json::to_value(v).unwrap(), name(*v));
            }
        }
        check(
            CampaignStatus::ALL,
            CampaignStatus::as_str,
            CampaignStatus::parse,
        );
        check(
            ResponseStatus::ALL,
            ResponseStatus::as_str,
            ResponseStatus::parse,
        );
        check(
            OrganisationKind::ALL,
            OrganisationKind::as_str,
            OrganisationKind::parse,
        );
        assert_eq!(OrganisationKind::parse("factory"), None);
        assert_eq!(OrganisationKind::ProductionBase.label(), "production base");
    }
}
