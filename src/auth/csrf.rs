//! CSRF tokens.
//!
//! - Signed-in staff: a random token per session, stored with the session.
//! - Anonymous forms (login, password reset): double submit, a random cookie whose value
//!   the form repeats.
//! - Respondent forms: an HMAC of the invitation id under the server's secret key, so a
//!   page left open for days (or across a restart) still saves.
//!
//! The middleware checks the first two on every state-changing request; the respondent
//! handler checks the third.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Cookie carrying the anonymous CSRF token.
pub const COOKIE: &str = "hrdd_csrf";
/// Form field and header names.
pub const FIELD: &str = "csrf_token";
pub const HEADER: &str = "X-CSRF-Token";

/// Constant-time equality for tokens.
pub fn same(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// The respondent form token for an invitation.
pub fn respondent_token(secret: &[u8], invitation_id: crate::domain::ids::InvitationId) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(b"respondent-form:");
    mac.update(invitation_id.as_uuid().as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// The signature of a notice carried in a redirect's URL (`?notice=…&at=…&sig=…`, after
/// a staff action: post, then redirect, then get), for one user, one page (`page`, e.g.
/// the campaign's id) and one time (`at`, Unix seconds; the page honours it for
/// [`NOTICE_SECONDS`]): a crafted or replayed link cannot make a page say something the
/// service did not just say there.
fn notice_signature(
    secret: &[u8],
    user_id: uuid::Uuid,
    page: &str,
    at: i64,
    notice: &str,
) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(b"staff-notice:");
    mac.update(user_id.as_bytes());
    mac.update(page.as_bytes());
    mac.update(b":");
    mac.update(&at.to_be_bytes());
    mac.update(notice.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// How long a signed notice is shown after its action.
pub const NOTICE_SECONDS: i64 = 300;

/// The query (`notice=…&at=…&sig=…`) that carries `notice` to `page` for `user_id`, signed
/// now.
pub fn signed_notice_query(secret: &[u8], user_id: uuid::Uuid, page: &str, notice: &str) -> String {
    let at = chrono::Utc::now().timestamp();
    let sig = notice_signature(secret, user_id, page, at, notice);
    serde_urlencoded::to_string([("notice", notice), ("at", &at.to_string()), ("sig", &sig)])
        .unwrap_or_default()
}

/// Whether `notice` (with its `at` and `sig` from the URL) was signed by
/// [`signed_notice_query`] for this user and page less than [`NOTICE_SECONDS`] ago.
pub fn notice_is_genuine(
    secret: &[u8],
    user_id: uuid::Uuid,
    page: &str,
    notice: &str,
    at: i64,
    sig: &str,
) -> bool {
    let age = chrono::Utc::now().timestamp() - at;
    (0..=NOTICE_SECONDS).contains(&age)
        && same(sig, &notice_signature(secret, user_id, page, at, notice))
}

#[cfg(test)]
mod tests {
    use super::notice_signature as sign;

    #[test]
    fn a_notice_is_signed_for_one_user_one_page_and_one_time() {
        let user = uuid::Uuid::new_v4();
        let base = sign(b"key", user, "campaign-a", 100, "Launched.");
        assert_eq!(base, sign(b"key", user, "campaign-a", 100, "Launched."));
        for other in [
            sign(b"key", uuid::Uuid::new_v4(), "campaign-a", 100, "Launched."),
            sign(b"key", user, "campaign-b", 100, "Launched."),
            sign(b"key", user, "campaign-a", 101, "Launched."),
            sign(b"key", user, "campaign-a", 100, "Closed."),
            sign(b"other", user, "campaign-a", 100, "Launched."),
        ] {
            assert_ne!(base, other);
        }
    }
}
