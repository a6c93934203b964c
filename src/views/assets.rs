//! The stylesheet, the form script and the icon, compiled into the binary, and the version that
//! pages put in their URLs (`/static/app.css?v=…`): a browser keeps a versioned file for
//! a year, and a new release, whose files hash differently, is fetched at once.

use sha2::{Digest, Sha256};
use std::sync::LazyLock;

pub const APP_CSS: &str = include_str!("../../static/app.css");
pub const FORM_JS: &str = include_str!("../../static/form.js");
/// The icon browsers ask for at `/favicon.ico` (SVG, which they accept there too).
pub const FAVICON_SVG: &str = include_str!("../../static/favicon.svg");

static VERSION: LazyLock<String> = LazyLock::new(|| {
    let digest = Sha256::new()
        .chain_update(APP_CSS)
        .chain_update(FORM_JS)
        .finalize();
    hex::encode(&digest[..6])
});

/// The first 12 hex digits of the SHA-256 of both files.
pub fn version() -> &'static str {
    &VERSION
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_version_is_twelve_hex_digits_and_stable() {
        let v = super::version();
        assert_eq!(v.len(), 12);
        assert!(v.chars().all(|c| c.is_ascii_hexdigit()));
        assert_eq!(v, super::version());
    }
}
