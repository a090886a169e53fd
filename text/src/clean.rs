//! Cleaning text before it is stored: the one normalisation every source's clean text goes
//! through (claim spans index into its result), and the title a markdown text gives itself.

use crate::title::{Title, is_unstorable};

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
    fn text_is_normalised_line_by_line() {
        assert_eq!(normalise_text("a  \r\n\r\n\r\n\nb\n"), "a\n\nb");
        assert_eq!(
            normalise_text("nul\0 byte\u{1}\tkept\u{202E}"),
            "nul byte\tkept"
        );
    }

    #[test]
    fn the_first_heading_is_the_title() {
        assert_eq!(
            first_heading("intro\n#  Fog  signals \n# Later").as_deref(),
            Some("Fog signals")
        );
        assert_eq!(first_heading("no heading\n## sub"), None);
    }
}
