//! Rules for accepting input: which URLs may be fetched (SSRF protection) and how content
//! is fingerprinted for de-duplication.

pub mod url_guard;

use sha2::{Digest, Sha256};

use crate::domain::{Title, is_unstorable};

/// The de-duplication key of a source: SHA-256 (hex) of its clean text.
pub fn content_hash(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// Normalises clean text before it is stored and hashed: Unix newlines, no control characters
/// but tabs (a NUL cannot be stored by PostgreSQL, so both dialects drop it alike), no trailing
/// spaces, no runs of blank lines, no surrounding whitespace. Claim spans index into the result.
pub fn normalise_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank_run = 0;
    let text: String = text
        .replace("\r\n", "\n")
        .replace('\r', "\n")
        .chars()
        .filter(|c| !is_unstorable(*c))
        .collect();
    for line in text.lines() {
        let line = line.trim_end();
        if line.is_empty() {
            blank_run += 1;
            if blank_run > 1 {
                continue;
            }
        } else {
            blank_run = 0;
        }
        out.push_str(line);
        out.push('\n');
    }
    out.trim().to_owned()
}

/// The first `# ` heading of a markdown text, as a title.
pub fn first_heading(text: &str) -> Option<String> {
    text.lines()
        .map(str::trim)
        .find_map(|l| l.strip_prefix("# "))
        .and_then(Title::derive)
        .map(Title::into_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_normalised_before_hashing() {
        assert_eq!(normalise_text("a  \r\n\r\n\r\n\nb\n"), "a\n\nb");
        assert_eq!(content_hash("a"), content_hash(&normalise_text(" a \n")));
        assert_eq!(
            normalise_text("nul\0 byte\u{1}\tkept\u{202E}"),
            "nul byte\tkept"
        );
    }
}
