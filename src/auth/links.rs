//! Respondent link tokens that can be recomputed, so a reminder carries the *same*
//! working link as the invitation while the database holds only the token's SHA-256.
//!
//! token = base62(HMAC-SHA256(link key, invitation id)), 43 alphanumeric characters
//! (the format `/r/{token}` accepts), where
//! link key = HMAC-SHA256(secret key, "link-token:" ‖ key id).
//!
//! The invitation row stores the key id. **Rotation**: new links use the current key id
//! (`HRDD_LINK_KEY_ID`); links issued under an older id keep working (a look-up is by
//! hash, never by key) and a reminder recomputes them as long as the secret they came
//! from is configured (`HRDD_SECRET_KEY`, or one of `HRDD_PREVIOUS_SECRET_KEYS` after
//! the secret itself was rotated). When it is not, [`link_token`] returns `None` and a
//! reminder must issue a new link. A recomputed token is only returned when its SHA-256
//! equals the stored one, so a wrong key can never put a dead link in an email.

use crate::auth::token_sha256;
use crate::db::models::Invitation;
use crate::domain::ids::InvitationId;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The keys that derive link tokens: the current key id and the secrets to try, the
/// current secret first.
#[derive(Clone)]
pub struct LinkKeys {
    current_id: i32,
    secrets: Vec<Vec<u8>>,
}

impl std::fmt::Debug for LinkKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LinkKeys")
            .field("current_id", &self.current_id)
            .field("secrets", &self.secrets.len())
            .finish()
    }
}

impl LinkKeys {
    /// `current_secret` derives new links; `previous_secrets` only recompute old ones.
    pub fn new(current_id: i32, current_secret: &[u8], previous_secrets: &[Vec<u8>]) -> LinkKeys {
        assert!(current_id >= 1, "link key ids start at 1");
        let mut secrets = vec![current_secret.to_vec()];
        secrets.extend(previous_secrets.iter().cloned());
        LinkKeys {
            current_id,
            secrets,
        }
    }

    /// The key id new links are derived with.
    pub fn current_id(&self) -> i32 {
        self.current_id
    }

    /// A new link token for `invitation_id` under the current key: (token, key id).
    pub fn issue(&self, invitation_id: InvitationId) -> (String, i32) {
        (
            derive(&self.secrets[0], self.current_id, invitation_id),
            self.current_id,
        )
    }
}

/// The working token of an invitation, recomputed; `None` when it cannot be (an older
/// random token, or its secret is no longer configured): then a reminder must reissue.
pub fn link_token(keys: &LinkKeys, invitation: &Invitation) -> Option<String> {
    let key_id = invitation.link_key_id?;
    keys.secrets
        .iter()
        .map(|secret| derive(secret, key_id, invitation.id))
        .find(|token| token_sha256(token) == invitation.token_sha256.trim())
}

fn hmac(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    for p in parts {
        mac.update(p);
    }
    mac.finalize().into_bytes().into()
}

fn derive(secret: &[u8], key_id: i32, invitation_id: InvitationId) -> String {
    let link_key = hmac(secret, &[b"link-token:", key_id.to_string().as_bytes()]);
    base62(&hmac(&link_key, &[invitation_id.as_uuid().as_bytes()]))
}

/// 32 bytes as exactly 43 base-62 digits (62^43 > 2^256), most significant first.
fn base62(bytes: &[u8; 32]) -> String {
    const DIGITS: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut number = *bytes;
    let mut out = [b'0'; 43];
    for slot in out.iter_mut().rev() {
        // Divide the big-endian number by 62; the remainder is the next digit.
        let mut rem: u32 = 0;
        for b in number.iter_mut() {
            let acc = (rem << 8) | u32::from(*b);
            *b = (acc / 62) as u8;
            rem = acc % 62;
        }
        *slot = DIGITS[rem as usize];
    }
    debug_assert!(number.iter().all(|b| *b == 0));
    String::from_utf8(out.to_vec()).expect("ASCII digits")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base62_is_43_alphanumerics_and_exact() {
        assert_eq!(base62(&[0; 32]), "0".repeat(43));
        let max = base62(&[0xff; 32]);
        assert_eq!(max.len(), 43);
        assert!(max.chars().all(|c| c.is_ascii_alphanumeric()));
        let mut one = [0u8; 32];
        one[31] = 63;
        assert_eq!(base62(&one), format!("{}11", "0".repeat(41)));
    }

    #[test]
    fn tokens_depend_on_key_id_secret_and_invitation() {
        let id = InvitationId::random();
        let a = derive(b"secret one", 1, id);
        assert_eq!(a, derive(b"secret one", 1, id), "deterministic");
        assert_ne!(a, derive(b"secret one", 2, id));
        assert_ne!(a, derive(b"secret two", 1, id));
        assert_ne!(a, derive(b"secret one", 1, InvitationId::random()));
        assert_eq!(a.len(), 43);
    }
}
