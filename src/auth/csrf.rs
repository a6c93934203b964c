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

/// What the start of a multipart body says about its CSRF token.
#[derive(Debug, PartialEq, Eq)]
pub enum FirstPart {
    /// The first part is not complete yet: read more.
    Incomplete,
    /// The first part is the token field, with this value.
    Token(String),
    /// The first part is something else (or the body is not multipart as announced):
    /// a staff upload form puts its token first, so this one carries none.
    NotToken,
}

/// The first part of a `multipart/form-data` body that starts with `head`, when it is
/// the [`FIELD`] field. A staff upload form carries its token as its first field, so
/// that it is read from the body (never from the URL, where it would reach logs and
/// history) without reading the file after it.
pub fn multipart_token(head: &[u8], boundary: &str) -> FirstPart {
    let open = format!("--{boundary}\r\n");
    if head.len() < open.len() {
        return if open.as_bytes().starts_with(head) {
            FirstPart::Incomplete
        } else {
            FirstPart::NotToken
        };
    }
    if !head.starts_with(open.as_bytes()) {
        return FirstPart::NotToken;
    }
    let rest = &head[open.len()..];
    let Some(end_of_headers) = find(rest, b"\r\n\r\n") else {
        return FirstPart::Incomplete;
    };
    let Ok(headers) = std::str::from_utf8(&rest[..end_of_headers]) else {
        return FirstPart::NotToken;
    };
    let names_the_field = headers.split("\r\n").any(|line| {
        let Some((name, value)) = line.split_once(':') else {
            return false;
        };
        name.trim().eq_ignore_ascii_case("content-disposition")
            && value
                .split(';')
                .map(str::trim)
                .any(|p| p == format!("name=\"{FIELD}\""))
    });
    if !names_the_field {
        return FirstPart::NotToken;
    }
    let body = &rest[end_of_headers + 4..];
    let close = format!("\r\n--{boundary}");
    match find(body, close.as_bytes()) {
        None => FirstPart::Incomplete,
        Some(n) => match std::str::from_utf8(&body[..n]) {
            Ok(token) => FirstPart::Token(token.to_string()),
            Err(_) => FirstPart::NotToken,
        },
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
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

    #[test]
    fn an_upload_form_s_token_is_its_first_part() {
        use super::{multipart_token, FirstPart};
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\nabc123\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n\r\ndata\r\n--XyZ--\r\n";
        assert_eq!(
            multipart_token(body, "XyZ"),
            FirstPart::Token("abc123".into())
        );
        // Read in pieces: more is needed until the token's part is closed.
        for cut in [0, 3, 10, 60, 70] {
            assert_eq!(
                multipart_token(&body[..cut], "XyZ"),
                FirstPart::Incomplete,
                "{cut}"
            );
        }
        // The file first, another field first, or not multipart at all: no token.
        let file_first = b"--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n\r\ndata";
        assert_eq!(multipart_token(file_first, "XyZ"), FirstPart::NotToken);
        let lookalike =
            b"--XyZ\r\nContent-Disposition: form-data; name=\"csrf_token_x\"\r\n\r\nabc\r\n--XyZ";
        assert_eq!(multipart_token(lookalike, "XyZ"), FirstPart::NotToken);
        assert_eq!(
            multipart_token(b"csrf_token=abc", "XyZ"),
            FirstPart::NotToken
        );
    }
}
