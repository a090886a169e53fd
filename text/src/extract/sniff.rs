//! Deciding what a document is from its content, never from its name.

/// What a document's bytes are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentKind {
    Pdf,
    Html,
    Markdown,
    Text,
}

impl DocumentKind {
    /// The extension its original is stored under.
    pub fn extension(self) -> &'static str {
        match self {
            DocumentKind::Pdf => "pdf",
            DocumentKind::Html => "html",
            DocumentKind::Markdown => "md",
            DocumentKind::Text => "txt",
        }
    }

    /// Its media type.
    pub fn mime(self) -> &'static str {
        match self {
            DocumentKind::Pdf => "application/pdf",
            DocumentKind::Html => "text/html; charset=utf-8",
            DocumentKind::Markdown => "text/markdown; charset=utf-8",
            DocumentKind::Text => "text/plain; charset=utf-8",
        }
    }
}

/// Binary signatures of formats WikiMind does not accept, so they are refused by name.
const KNOWN_BINARY: &[(&[u8], &str)] = &[
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"PK\x03\x04", "a ZIP archive (or an Office document)"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"\x7fELF", "an executable"),
    (b"RIFF", "a RIFF media file"),
];

/// Decides what a document is. `name_hint` (a file name or content type) only chooses
/// between markdown and plain text, which bytes alone cannot tell apart reliably.
/// Returns a description of the content when it is not a supported kind.
pub fn sniff(bytes: &[u8], name_hint: Option<&str>) -> Result<DocumentKind, String> {
    let head = &bytes[..bytes.len().min(1024)];
    let trimmed = trim_leading_whitespace(head);
    if trimmed.starts_with(b"%PDF-") {
        return Ok(DocumentKind::Pdf);
    }
    if let Some((_, what)) = KNOWN_BINARY
        .iter()
        .find(|(magic, _)| head.starts_with(magic))
    {
        return Err(format!("the file is {what}"));
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        // A multi-byte character cut at the end of a truncated read is still text.
        Err(e) if e.error_len().is_none() && bytes.len() - e.valid_up_to() < 4 => {
            std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or_default()
        }
        Err(_) => return Err("the file is binary, not text, HTML or PDF".to_owned()),
    };
    if text.contains('\0') {
        return Err("the file is binary, not text, HTML or PDF".to_owned());
    }
    let lower: String = text
        .chars()
        .take(2048)
        .collect::<String>()
        .to_ascii_lowercase();
    let lower = lower.trim_start_matches('\u{feff}').trim_start();
    if lower.starts_with("<!doctype html")
        || lower.starts_with("<html")
        || (lower.starts_with('<') && (lower.contains("<body") || lower.contains("<head")))
    {
        return Ok(DocumentKind::Html);
    }
    let hint = name_hint.unwrap_or_default().to_ascii_lowercase();
    if hint.ends_with(".md") || hint.ends_with(".markdown") || hint.contains("markdown") {
        return Ok(DocumentKind::Markdown);
    }
    if looks_like_markdown(text) && !hint.ends_with(".txt") {
        return Ok(DocumentKind::Markdown);
    }
    Ok(DocumentKind::Text)
}

fn trim_leading_whitespace(bytes: &[u8]) -> &[u8] {
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    &bytes[start..]
}

fn looks_like_markdown(text: &str) -> bool {
    text.lines().take(200).any(|l| {
        let l = l.trim_start();
        l.starts_with("# ") || l.starts_with("## ") || l.starts_with("```")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_decides_the_kind_not_the_name() {
        assert_eq!(
            sniff(b"%PDF-1.7\n...", Some("notes.txt")),
            Ok(DocumentKind::Pdf)
        );
        assert_eq!(
            sniff(b"<!DOCTYPE html><html><body>x</body></html>", Some("a.md")),
            Ok(DocumentKind::Html)
        );
        assert!(
            sniff(b"\x89PNG\r\n\x1a\n\0\0\0", Some("paper.pdf"))
                .unwrap_err()
                .contains("PNG")
        );
        assert_eq!(sniff(b"# Title\n\nBody", None), Ok(DocumentKind::Markdown));
        assert_eq!(sniff(b"just words", Some("a.txt")), Ok(DocumentKind::Text));
        assert_eq!(
            sniff(b"just words", Some("a.md")),
            Ok(DocumentKind::Markdown)
        );
        assert!(sniff(&[0xff, 0xfe, 0x00, 0x01, 0x80], None).is_err());
    }
}
