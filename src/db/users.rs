//! Staff accounts. Emails are compared in lower case (`lower(email)`, which the unique
//! index also uses).

use super::models::{Credentials, User};
use super::schema::users;
use super::Conn;
use crate::domain::role::Role;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

diesel::define_sql_function!(fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text);

pub async fn list(conn: &mut Conn) -> QueryResult<Vec<User>> {
    users::table
        .order(users::email.asc())
        .select(User::as_select())
        .load(conn)
        .await
}

/// How many accounts exist.
pub async fn count(conn: &mut Conn) -> QueryResult<i64> {
    users::table.count().get_result(conn).await
}

/// A new account row.
pub struct NewUser<'a> {
    pub id: Uuid,
    pub email: &'a str,
    pub name: &'a str,
    pub role: Role,
    pub password_hash: String,
    pub must_change_password: bool,
}

pub async fn insert(conn: &mut Conn, new: NewUser<'_>) -> QueryResult<User> {
    diesel::insert_into(users::table)
        .values((
            users::id.eq(new.id),
            users::email.eq(new.email),
            users::name.eq(new.name),
            users::role.eq(new.role),
            users::password_hash.eq(new.password_hash),
            users::must_change_password.eq(new.must_change_password),
        ))
        .returning(User::as_returning())
        .get_result(conn)
        .await
}

/// A user's role and whether they are disabled, with the row locked for the rest of
/// the transaction.
pub async fn lock_standing(conn: &mut Conn, user_id: Uuid) -> QueryResult<Option<(Role, bool)>> {
    users::table
        .find(user_id)
        .select((users::role, users::disabled_at.is_not_null()))
        .for_update()
        .first(conn)
        .await
        .optional()
}

/// Enabled admins other than `except`.
pub async fn count_other_active_admins(conn: &mut Conn, except: Uuid) -> QueryResult<i64> {
    users::table
        .filter(users::role.eq(Role::Admin))
        .filter(users::disabled_at.is_null())
        .filter(users::id.ne(except))
        .count()
        .get_result(conn)
        .await
}

pub async fn set_role(conn: &mut Conn, user_id: Uuid, role: Role) -> QueryResult<()> {
    diesel::update(users::table.find(user_id))
        .set((users::role.eq(role), users::updated_at.eq(Utc::now())))
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn set_disabled(conn: &mut Conn, user_id: Uuid, disabled: bool) -> QueryResult<()> {
    diesel::update(users::table.find(user_id))
        .set((
            users::disabled_at.eq(disabled.then(Utc::now)),
            users::updated_at.eq(Utc::now()),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

/// Stores a new password hash and clears the one-time-password flag.
pub async fn set_password(conn: &mut Conn, user_id: Uuid, hash: String) -> QueryResult<()> {
    diesel::update(users::table.find(user_id))
        .set((
            users::password_hash.eq(hash),
            users::must_change_password.eq(false),
            users::updated_at.eq(Utc::now()),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

/// Makes the account of `email` change its password at next sign-in.
pub async fn require_password_change(conn: &mut Conn, email: &str) -> QueryResult<()> {
    diesel::update(users::table.filter(lower(users::email).eq(email)))
        .set(users::must_change_password.eq(true))
        .execute(conn)
        .await
        .map(|_| ())
}

/// What signing in needs of the account of `email` (enabled or not).
pub async fn credentials(conn: &mut Conn, email: &str) -> QueryResult<Option<Credentials>> {
    users::table
        .filter(lower(users::email).eq(email))
        .select(Credentials::as_select())
        .first(conn)
        .await
        .optional()
}

/// `(email, password hash)` of an account.
pub async fn email_and_hash(conn: &mut Conn, user_id: Uuid) -> QueryResult<(String, String)> {
    users::table
        .find(user_id)
        .select((users::email, users::password_hash))
        .first(conn)
        .await
}

/// `(email, disabled at)` of an account.
pub async fn email_and_disabled(
    conn: &mut Conn,
    user_id: Uuid,
) -> QueryResult<(String, Option<DateTime<Utc>>)> {
    users::table
        .find(user_id)
        .select((users::email, users::disabled_at))
        .first(conn)
        .await
}

/// `(id, email, name)` of the enabled account of `email`.
pub async fn find_enabled_by_email(
    conn: &mut Conn,
    email: &str,
) -> QueryResult<Option<(Uuid, String, String)>> {
    users::table
        .filter(lower(users::email).eq(email))
        .filter(users::disabled_at.is_null())
        .select((users::id, users::email, users::name))
        .first(conn)
        .await
        .optional()
}

/// Whether a staff account `id` exists (a campaign owner must be one).
pub async fn exists(conn: &mut Conn, id: Uuid) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(users::table.find(id)))
        .get_result(conn)
        .await
}

/// The ids of disabled accounts.
pub async fn disabled_ids(conn: &mut Conn) -> QueryResult<Vec<Uuid>> {
    users::table
        .filter(users::disabled_at.is_not_null())
        .select(users::id)
        .load(conn)
        .await
}

/// A staff member as a flag decision names them.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct Member {
    pub id: Uuid,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub disabled_at: Option<DateTime<Utc>>,
}

pub async fn find_member(conn: &mut Conn, id: Uuid) -> QueryResult<Option<Member>> {
    users::table
        .find(id)
        .select(Member::as_select())
        .first(conn)
        .await
        .optional()
}

/// Every account, by name (the flag queue picks those it can assign to, the one its
/// filter names and the disabled ones from it).
pub async fn all_members(conn: &mut Conn) -> QueryResult<Vec<Member>> {
    users::table
        .order((users::name.asc(), users::id.asc()))
        .select(Member::as_select())
        .load(conn)
        .await
}

/// Enabled members with one of `roles`, by name (those a flag can be assigned to).
pub async fn enabled_with_roles(conn: &mut Conn, roles: &[Role]) -> QueryResult<Vec<Member>> {
    users::table
        .filter(users::role.eq_any(roles.iter().map(|r| r.as_str()).collect::<Vec<_>>()))
        .filter(users::disabled_at.is_null())
        .order((users::name.asc(), users::id.asc()))
        .select(Member::as_select())
        .load(conn)
        .await
}

/// A staff account as an organisation's owner field shows it.
#[derive(Debug, Clone, Queryable)]
pub struct StaffMember {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub disabled: bool,
}

/// Every staff account by name (disabled ones too: they may still own organisations).
pub async fn staff_members(conn: &mut Conn) -> QueryResult<Vec<StaffMember>> {
    users::table
        .order((users::name.asc(), users::email.asc()))
        .select((
            users::id,
            users::email,
            users::name,
            users::disabled_at.is_not_null(),
        ))
        .load(conn)
        .await
}
