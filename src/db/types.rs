//! The one place where the domain's enums and typed ids meet the database. Each enum is
//! stored as text (the tables' CHECK constraints list the same names) and read back into
//! the enum; a name the enum does not know is a deserialisation error, not a silent
//! default. Each id of `domain::ids` is a `uuid` column, read and written as its UUID.

use crate::domain::flag::FlagStatus;
use crate::domain::i18n::Lang;
use crate::domain::ids::{CampaignId, ContactId, InvitationId, OrganisationId, ResponseId};
use crate::domain::risk::Band;
use crate::domain::role::Role;
use crate::domain::states::{CampaignStatus, OrganisationKind, ResponseStatus};
use diesel::deserialize::{self, FromSql, Queryable};
use diesel::dsl::AsExprOf;
use diesel::expression::AsExpression;
use diesel::pg::{Pg, PgValue};
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::{Nullable, Text, Uuid as SqlUuid};
use uuid::Uuid;

/// Maps an enum to `Text`: `text_enum!(Type, to_name, from_name)` where `to_name` gives
/// the stored name and `from_name` parses it.
macro_rules! text_enum {
    ($ty:ty, $to:path, $from:path) => {
        impl FromSql<Text, Pg> for $ty {
            fn from_sql(value: PgValue<'_>) -> deserialize::Result<Self> {
                let name = <String as FromSql<Text, Pg>>::from_sql(value)?;
                $from(&name).ok_or_else(|| {
                    format!("unknown {} {name:?} in the database", stringify!($ty)).into()
                })
            }
        }

        impl Queryable<Text, Pg> for $ty {
            type Row = Self;
            fn build(row: Self) -> deserialize::Result<Self> {
                Ok(row)
            }
        }

        impl AsExpression<Text> for $ty {
            type Expression = AsExprOf<&'static str, Text>;
            fn as_expression(self) -> Self::Expression {
                AsExpression::<Text>::as_expression($to(self))
            }
        }

        impl AsExpression<Text> for &$ty {
            type Expression = AsExprOf<&'static str, Text>;
            fn as_expression(self) -> Self::Expression {
                AsExpression::<Text>::as_expression($to(*self))
            }
        }

        impl AsExpression<Nullable<Text>> for $ty {
            type Expression = AsExprOf<&'static str, Nullable<Text>>;
            fn as_expression(self) -> Self::Expression {
                AsExpression::<Nullable<Text>>::as_expression($to(self))
            }
        }

        impl AsExpression<Nullable<Text>> for &$ty {
            type Expression = AsExprOf<&'static str, Nullable<Text>>;
            fn as_expression(self) -> Self::Expression {
                AsExpression::<Nullable<Text>>::as_expression($to(*self))
            }
        }
    };
}

text_enum!(Role, Role::as_str, Role::parse);
text_enum!(
    crate::domain::remedy::PlanStatus,
    crate::domain::remedy::PlanStatus::as_str,
    crate::domain::remedy::PlanStatus::parse
);
text_enum!(FlagStatus, FlagStatus::as_str, FlagStatus::parse);
text_enum!(Band, Band::as_str, Band::parse);
text_enum!(Lang, Lang::code, Lang::parse);
text_enum!(
    CampaignStatus,
    CampaignStatus::as_str,
    CampaignStatus::parse
);
text_enum!(
    ResponseStatus,
    ResponseStatus::as_str,
    ResponseStatus::parse
);
text_enum!(
    OrganisationKind,
    OrganisationKind::as_str,
    OrganisationKind::parse
);
text_enum!(
    crate::domain::flag_workflow::Signed,
    crate::domain::flag_workflow::Signed::as_str,
    crate::domain::flag_workflow::Signed::parse
);
text_enum!(
    crate::domain::flag_workflow::ActionKind,
    crate::domain::flag_workflow::ActionKind::as_str,
    crate::domain::flag_workflow::ActionKind::parse
);

/// Maps a typed id (`domain::ids`) to a `uuid` column: `uuid_id!(Type)`.
macro_rules! uuid_id {
    ($ty:ty) => {
        impl FromSql<SqlUuid, Pg> for $ty {
            fn from_sql(value: PgValue<'_>) -> deserialize::Result<Self> {
                <Uuid as FromSql<SqlUuid, Pg>>::from_sql(value).map(<$ty>::from)
            }
        }

        impl ToSql<SqlUuid, Pg> for $ty {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
                <Uuid as ToSql<SqlUuid, Pg>>::to_sql(self.as_uuid(), out)
            }
        }

        impl Queryable<SqlUuid, Pg> for $ty {
            type Row = Self;
            fn build(row: Self) -> deserialize::Result<Self> {
                Ok(row)
            }
        }

        impl AsExpression<SqlUuid> for $ty {
            type Expression = AsExprOf<Uuid, SqlUuid>;
            fn as_expression(self) -> Self::Expression {
                AsExpression::<SqlUuid>::as_expression(self.uuid())
            }
        }

        impl AsExpression<SqlUuid> for &$ty {
            type Expression = AsExprOf<Uuid, SqlUuid>;
            fn as_expression(self) -> Self::Expression {
                AsExpression::<SqlUuid>::as_expression(self.uuid())
            }
        }

        impl AsExpression<Nullable<SqlUuid>> for $ty {
            type Expression = AsExprOf<Uuid, Nullable<SqlUuid>>;
            fn as_expression(self) -> Self::Expression {
                AsExpression::<Nullable<SqlUuid>>::as_expression(self.uuid())
            }
        }

        impl AsExpression<Nullable<SqlUuid>> for &$ty {
            type Expression = AsExprOf<Uuid, Nullable<SqlUuid>>;
            fn as_expression(self) -> Self::Expression {
                AsExpression::<Nullable<SqlUuid>>::as_expression(self.uuid())
            }
        }
    };
}

uuid_id!(OrganisationId);
uuid_id!(ContactId);
uuid_id!(CampaignId);
uuid_id!(ResponseId);
uuid_id!(InvitationId);
