//! Secret tokens: the one generator and the one hash, for every token the service
//! issues (staff session cookies, API tokens, respondent links, password-reset links,
//! CSRF cookies). A token is shown once; only its SHA-256 is stored, so a copy of the
//! database opens nothing.

use sha2::{Digest, Sha256};

/// Length of a token: 43 characters of 62 symbols each, 256 bits of randomness.
pub const LENGTH: usize = 43;

/// A new random token (43 letters and digits; safe in a URL without escaping).
pub fn new_token() -> String {
    use rand::distr::{Alphanumeric, SampleString};
    Alphanumeric.sample_string(&mut rand::rng(), LENGTH)
}

/// SHA-256 of a token, hex-encoded: what the database stores instead of it.
pub fn token_sha256(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Whether `token` has the shape [`new_token`] gives (checked before any query, so a
/// malformed token costs no database round trip).
pub fn is_well_formed(token: &str) -> bool {
    token.len() == LENGTH && token.chars().all(|c| c.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_43_alphanumerics_and_differ() {
        let (a, b) = (new_token(), new_token());
        assert!(is_well_formed(&a) && is_well_formed(&b));
        assert_ne!(a, b);
        assert!(!is_well_formed("short"));
        assert!(!is_well_formed(&format!("{}-", &a[..42])));
    }

    #[test]
    fn hash_is_hex_sha256() {
        assert_eq!(
            token_sha256("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
