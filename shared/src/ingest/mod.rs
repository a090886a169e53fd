//! Accepting input: the sources themselves ([`accept`]), which URLs may be fetched (SSRF
//! protection) and how content is fingerprinted for de-duplication.

pub mod accept;
pub mod url_guard;
pub mod youtube;

use sha2::{Digest, Sha256};
use url::Url;

use crate::domain::SourceKind;

pub use text::clean::{first_heading, normalise_text};

/// What a link becomes as a source: a YouTube video, under its canonical watch link (so each
/// form of a video's link is one source), or a page under the link itself.
pub fn link_source(url: &Url) -> (SourceKind, String) {
    match youtube::video_id(url) {
        Some(video) => (SourceKind::Youtube, video.watch_url()),
        None => (SourceKind::Url, url.to_string()),
    }
}

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
