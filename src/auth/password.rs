//! Password hashing with argon2id (m = 19 MiB, t = 2, p = 1: the OWASP baseline) and
//! the password policy.

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::{Algorithm, Argon2, Params, Version};

/// Shortest password accepted.
pub const MIN_LENGTH: usize = 12;
/// Longest password accepted (hashing cost is bounded by it).
pub const MAX_LENGTH: usize = 128;

fn hasher() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes a password into a PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`).
pub fn hash(password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    hasher()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2 hashing cannot fail with valid parameters")
        .to_string()
}

/// Whether `password` matches the stored PHC string.
pub fn verify(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|parsed| {
            hasher()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Spends the same time as a real check, for unknown accounts (no timing oracle).
pub fn verify_dummy(password: &str) {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let phc = DUMMY.get_or_init(|| hash("dummy password for timing"));
    let _ = verify(password, phc);
}

/// At most this many argon2 computations run at once: each takes 19 MiB and a core, and
/// the allocator keeps what it once used. Callers beyond it wait (asynchronously).
pub const MAX_CONCURRENT_HASHES: usize = 2;

static HASHING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(MAX_CONCURRENT_HASHES);

/// Runs an argon2 computation on tokio's blocking pool, never on an actix worker (which
/// would stall every other request on that worker), within [`MAX_CONCURRENT_HASHES`].
async fn off_the_workers<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    let _permit = HASHING
        .acquire()
        .await
        .expect("the hashing semaphore is never closed");
    tokio::task::spawn_blocking(work)
        .await
        .expect("argon2 does not panic")
}

/// [`hash`] off the request workers (see [`off_the_workers`]). Use this in services.
pub async fn hash_async(password: &str) -> String {
    let password = password.to_string();
    off_the_workers(move || hash(&password)).await
}

/// [`verify`] off the request workers.
pub async fn verify_async(password: &str, phc: &str) -> bool {
    let (password, phc) = (password.to_string(), phc.to_string());
    off_the_workers(move || verify(&password, &phc)).await
}

/// [`verify_dummy`] off the request workers.
pub async fn verify_dummy_async(password: &str) {
    let password = password.to_string();
    off_the_workers(move || verify_dummy(&password)).await
}

/// Why a new password is refused, or `None` when it is acceptable.
pub fn policy_problem(password: &str, email: &str) -> Option<String> {
    let len = password.chars().count();
    if len < MIN_LENGTH {
        return Some(format!("use at least {MIN_LENGTH} characters"));
    }
    if len > MAX_LENGTH {
        return Some(format!("use at most {MAX_LENGTH} characters"));
    }
    if password.eq_ignore_ascii_case(email)
        || password
            .to_lowercase()
            .contains(&email.split('@').next().unwrap_or("").to_lowercase())
            && email.split('@').next().unwrap_or("").len() >= 4
    {
        return Some("do not base the password on your email address".into());
    }
    None
}

/// A one-time password for a new account: 20 characters, about 119 bits.
pub fn one_time() -> String {
    use rand::distr::{Alphanumeric, SampleString};
    Alphanumeric.sample_string(&mut rand::rng(), 20)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_use_argon2id() {
        let h = hash("correct horse battery");
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify("correct horse battery", &h));
        assert!(!verify("wrong horse battery", &h));
        assert!(!verify("x", "not a hash"));
    }

    /// On a single-threaded runtime, a check that ran on the calling thread would finish
    /// before anything else could run; off the workers, this task still runs meanwhile.
    #[tokio::test(flavor = "current_thread")]
    async fn checks_run_off_the_calling_thread() {
        let phc = hash("correct horse battery");
        let check = tokio::spawn(async move { verify_async("correct horse battery", &phc).await });
        tokio::task::yield_now().await;
        assert!(
            !check.is_finished(),
            "argon2 ran on the runtime's own thread"
        );
        assert!(check.await.unwrap());
    }

    #[test]
    fn policy_refuses_short_and_email_based_passwords() {
        assert!(policy_problem("short", "a@b.c").is_some());
        assert!(policy_problem("maria.santos-2026", "maria.santos@example.com").is_some());
        assert!(policy_problem("a long enough passphrase", "maria@example.com").is_none());
    }
}
