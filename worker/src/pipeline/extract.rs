//! Extraction: original bytes → clean text and metadata, by what the content really is.

use shared::db::sources::Extracted as ExtractedMeta;
use shared::domain::{Source, SourceKind, Title, single_line};
use shared::extract::{self, DocumentKind, ExtractError};
use shared::ingest::youtube::Transcript;
use shared::ingest::{content_hash, first_heading, normalise_text};

use super::StageError;

/// The result of extracting one document.
#[derive(Debug, Clone)]
pub(super) struct Extracted {
    pub kind: DocumentKind,
    pub ext: &'static str,
    pub mime: &'static str,
    pub original: Vec<u8>,
    pub text: String,
    pub content_hash: String,
    pub title: Option<String>,
    pub author: Option<String>,
    pub published: Option<String>,
    pub page_count: Option<i32>,
}

impl Extracted {
    /// The metadata recorded on the source row.
    pub(super) fn meta(&self, source: &Source) -> ExtractedMeta {
        ExtractedMeta {
            // A URL that served a PDF becomes a PDF source; other kinds keep what ingest decided.
            kind: (source.kind == SourceKind::Url && self.kind == DocumentKind::Pdf)
                .then_some(SourceKind::Pdf),
            title: self.title.clone(),
            author: self.author.clone(),
            published: self.published.clone(),
            content_hash: self.content_hash.clone(),
            original_ext: Some(self.ext.to_owned()),
            original_mime: Some(self.mime.to_owned()),
            byte_size: i64::try_from(self.original.len()).ok(),
            page_count: self.page_count,
        }
    }
}

fn map_extract_error(e: ExtractError) -> StageError {
    StageError::permanent(e.to_string())
}

/// Extracts a document. `hint` is a content type or file name, used only to tell markdown from
/// plain text.
pub(super) fn extract_document(
    bytes: &[u8],
    hint: Option<&str>,
    limits: extract::pdf::PdfLimits,
) -> Result<Extracted, StageError> {
    let kind = extract::sniff(bytes, hint).map_err(StageError::permanent)?;
    let (text, title, author, published, page_count) = match kind {
        DocumentKind::Pdf => {
            let doc = extract::pdf::extract_pdf_within(bytes, limits).map_err(map_extract_error)?;
            let pages = i32::try_from(doc.page_count()).ok();
            (
                doc.to_markdown(),
                doc.title.clone(),
                doc.author.clone(),
                doc.created.clone(),
                pages,
            )
        }
        DocumentKind::Html => {
            let html = String::from_utf8_lossy(bytes);
            let doc = extract::html::extract_html(&html, None).map_err(map_extract_error)?;
            (doc.markdown, doc.title, doc.author, doc.published, None)
        }
        DocumentKind::Markdown | DocumentKind::Text => {
            let text = String::from_utf8_lossy(bytes).into_owned();
            let title = first_heading(&text);
            (text, title, None, None, None)
        }
    };
    finish(kind, bytes, text, title, author, published, page_count)
}

/// Extracts a video's transcript, stored as the JSON of [`Transcript`]: its clean text keeps
/// the paragraphs' times.
pub(super) fn extract_transcript(bytes: &[u8]) -> Result<Extracted, StageError> {
    let transcript: Transcript = serde_json::from_slice(bytes)
        .map_err(|e| StageError::permanent(format!("the stored transcript cannot be read: {e}")))?;
    let mut extracted = finish(
        DocumentKind::Text,
        bytes,
        transcript.clean_text(),
        transcript.title,
        transcript.channel,
        transcript.published,
        None,
    )?;
    extracted.ext = "json";
    extracted.mime = "application/json";
    Ok(extracted)
}

/// Normalises what an extractor found, under the rules for everything a person types.
fn finish(
    kind: DocumentKind,
    bytes: &[u8],
    text: String,
    title: Option<String>,
    author: Option<String>,
    published: Option<String>,
    page_count: Option<i32>,
) -> Result<Extracted, StageError> {
    let text = normalise_text(&text);
    // Metadata from documents follows the same rules as everything a person types.
    let title = title
        .as_deref()
        .and_then(Title::derive)
        .map(Title::into_string);
    let author = author.map(|a| single_line(&a)).filter(|a| !a.is_empty());
    let published = published.map(|p| single_line(&p)).filter(|p| !p.is_empty());
    if text.is_empty() {
        return Err(StageError::permanent(
            "no readable text found in the document",
        ));
    }
    Ok(Extracted {
        kind,
        ext: kind.extension(),
        mime: kind.mime(),
        original: bytes.to_vec(),
        content_hash: content_hash(&text),
        text,
        title,
        author,
        published,
        page_count,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> extract::pdf::PdfLimits {
        extract::pdf::PdfLimits::new(10, None)
    }

    #[test]
    fn a_png_is_refused_whatever_its_name() {
        let err = extract_document(b"\x89PNG\r\n\x1a\n\0\0", Some("paper.pdf"), limits())
            .expect_err("png");
        assert!(!err.retryable);
        assert!(err.message.contains("PNG"));
    }
}
