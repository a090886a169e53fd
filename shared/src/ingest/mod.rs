//! Rules for accepting input: which URLs may be fetched (SSRF protection) and how content
//! is fingerprinted for de-duplication.

pub mod url_guard;

use sha2::{Digest, Sha256};

pub use text::clean::{first_heading, normalise_text};

/// The de-duplication key of a source: SHA-256 (hex) of its clean text.
pub fn content_hash(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_normalised_before_hashing() {
        assert_eq!(content_hash("a"), content_hash(&normalise_text(" a \n")));
    }
}
