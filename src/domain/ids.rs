//! Typed ids for the rows whose ids are easily mixed up: an organisation, a contact, a
//! campaign, a response and an invitation. A function that takes two of them (or that
//! scopes one by another, as `db::organisations::find_contact_of` does) cannot be
//! called with the ids swapped, or with a contact's id where an organisation's is
//! expected:
//!
//! ```
//! use hrdd_survey::domain::ids::{ContactId, OrganisationId};
//! fn of_organisation(_: OrganisationId) {}
//! of_organisation(OrganisationId::random());
//! ```
//!
//! ```compile_fail
//! use hrdd_survey::domain::ids::{ContactId, OrganisationId};
//! fn of_organisation(_: OrganisationId) {}
//! of_organisation(ContactId::random());
//! ```
//!
//! A raw `Uuid` becomes an id only by saying which one (`OrganisationId::from(uuid)`).
//! They are UUIDs in the database (mapped in `db::types`), in JSON (`serde`
//! transparent) and in text (`Display`, `FromStr`).

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// A new random id (for a row about to be inserted).
            pub fn random() -> Self {
                Self(Uuid::new_v4())
            }

            /// The UUID inside.
            pub fn uuid(self) -> Uuid {
                self.0
            }

            /// The UUID inside, borrowed.
            pub fn as_uuid(&self) -> &Uuid {
                &self.0
            }
        }

        impl From<Uuid> for $name {
            fn from(id: Uuid) -> Self {
                Self(id)
            }
        }

        impl From<$name> for Uuid {
            fn from(id: $name) -> Uuid {
                id.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    };
}

id_type!(
    /// An organisation (`organisations.id`).
    OrganisationId
);
id_type!(
    /// A contact of an organisation (`contacts.id`).
    ContactId
);
id_type!(
    /// A campaign (`campaigns.id`).
    CampaignId
);
id_type!(
    /// An organisation's response to a campaign (`responses.id`).
    ResponseId
);
id_type!(
    /// A contact's personal link to a campaign (`invitations.id`).
    InvitationId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_read_and_print_as_their_uuid() {
        let u = Uuid::new_v4();
        let id = OrganisationId::from(u);
        assert_eq!(id.to_string(), u.to_string());
        assert_eq!(u.to_string().parse::<OrganisationId>().unwrap(), id);
        assert_eq!(Uuid::from(id), u);
        assert_eq!(serde_json::to_string(&id).unwrap(), format!("\"{u}\""));
        let back: ContactId = serde_json::from_str(&format!("\"{u}\"")).unwrap();
        assert_eq!(back.uuid(), u);
    }
}
