//! PDF text extraction: the clean text of each page, and the title, author and creation date.
//!
//! Parsing and glyph decoding are pdf-extract's (on lopdf), which spaces words reliably on
//! typeset documents. Around it this module owns: rejecting what is not a PDF, the page limit,
//! hardening against hostile files (`guard`), turning glyph positions into lines (`text`),
//! cleaning those lines into prose (`clean`) and the metadata (`meta`).
//!
//! pdf-extract panics on many malformed inputs; every call into it runs under
//! `catch_unwind`, one page at a time, so a bad page costs only that page. The default panic
//! hook still prints those panics to stderr, and a build with `panic = "abort"` would lose
//! this protection.

mod clean;
mod guard;
mod meta;
#[cfg(test)]
mod tests;
mod text;

use std::panic::{AssertUnwindSafe, catch_unwind};

use pdf_extract::{Document, ObjectId};

use super::ExtractError;
use text::Line;

/// Text and metadata of a PDF.
#[derive(Debug, Clone, PartialEq)]
pub struct PdfDocument {
    /// From the Info dictionary or XMP; `None` when absent, empty or a placeholder.
    pub title: Option<String>,
    /// From the Info dictionary or XMP; `None` when absent or empty.
    pub author: Option<String>,
    /// Creation date as ISO 8601 (`YYYY-MM-DD`), when the PDF states a full, valid date.
    pub created: Option<String>,
    /// Clean text of each page, in order (index 0 = page 1); empty for pages without text.
    pub pages: Vec<String>,
}

impl PdfDocument {
    /// The whole document as markdown: the cleaned pages, joined by a blank line, without
    /// page markers. Pages without text are left out. The text is not markdown-escaped, so
    /// quotes taken from it match the page text exactly.
    pub fn to_markdown(&self) -> String {
        self.pages
            .iter()
            .map(|page| page.trim())
            .filter(|page| !page.is_empty())
            .collect::<Vec<_>>()
            .join("\n\n")
    }

    /// Number of pages in the PDF, including pages without text.
    pub fn page_count(&self) -> usize {
        self.pages.len()
    }
}

/// Extracts the text and metadata of a PDF held in memory.
///
/// Fails with `Invalid` when the bytes are not a readable PDF (or need a password), with
/// `TooLarge` when it has more than `max_pages` pages or its streams decompress to more than
/// a few hundred megabytes, and with `Empty` when no page has text (a scan without OCR).
/// A page that cannot be read yields an empty string; the others are still extracted.
///
/// CPU-bound and synchronous (about half a second for 260 pages in a release build): async
/// callers should run it on a blocking thread.
pub fn extract_pdf(bytes: &[u8], max_pages: usize) -> Result<PdfDocument, ExtractError> {
    if !guard::looks_like_pdf(bytes) {
        return Err(invalid("it does not start with a PDF header"));
    }
    let mut doc = match catch(|| Document::load_mem(bytes)) {
        Some(Ok(doc)) => doc,
        Some(Err(error)) => return Err(invalid(format!("it cannot be parsed ({error})"))),
        None => return Err(invalid("it is too malformed to parse")),
    };
    if doc.is_encrypted() && !matches!(catch(|| doc.decrypt("")), Some(Ok(()))) {
        return Err(invalid("it is encrypted with a password"));
    }
    let pages: Vec<ObjectId> = catch(|| doc.get_pages().into_values().collect())
        .ok_or_else(|| invalid("its page tree is malformed"))?;
    if pages.is_empty() {
        return Err(invalid("it has no pages"));
    }
    if pages.len() > max_pages {
        return Err(ExtractError::TooLarge(format!(
            "{} pages, more than the limit of {max_pages}",
            pages.len()
        )));
    }
    catch(|| guard::check_stream_sizes(&doc, &pages))
        .ok_or_else(|| invalid("its streams are malformed"))?
        .map_err(ExtractError::TooLarge)?;
    let meta = catch(|| meta::read(&doc)).unwrap_or_default();

    let mut raw = Vec::with_capacity(pages.len());
    let mut first_error = None;
    let mut failed = 0;
    for (index, page) in pages.iter().enumerate() {
        // `output_doc_page` numbers pages from 1, in the order `get_pages` lists them.
        let number = u32::try_from(index + 1).unwrap_or(u32::MAX);
        match page_text(&mut doc, *page, number) {
            Ok(text) => raw.push(text),
            Err(error) => {
                first_error.get_or_insert(error);
                failed += 1;
                raw.push(Vec::new());
            }
        }
    }
    let pages = clean::clean_pages(&raw);
    if !pages
        .iter()
        .any(|page| page.chars().any(char::is_alphanumeric))
    {
        return Err(match first_error {
            // Not a single page readable: a broken file rather than a scan.
            Some(error) if failed == raw.len() => {
                invalid(format!("no page could be read ({error})"))
            }
            _ => ExtractError::Empty,
        });
    }
    Ok(PdfDocument {
        title: meta.title,
        author: meta.author,
        created: meta.created,
        pages,
    })
}

/// The raw text of one page, or why it could not be read.
fn page_text(doc: &mut Document, page: ObjectId, number: u32) -> Result<Vec<Line>, String> {
    match catch(|| guard::prepare_page(doc, page)) {
        Some(Ok(())) => {}
        Some(Err(reason)) => return Err(reason.to_string()),
        None => return Err("its page dictionary is malformed".to_string()),
    }
    let doc: &Document = doc;
    let mut collector = text::PageText::default();
    match catch(|| pdf_extract::output_doc_page(doc, &mut collector, number)) {
        Some(Ok(())) => Ok(collector.into_lines()),
        Some(Err(error)) => Err(format!("{error:?}")),
        None => Err("the text extractor failed on it".to_string()),
    }
}

/// Runs `f`, turning a panic into `None`. pdf-extract and lopdf panic on malformed input
/// (unwraps, failed expectations, out-of-range indexing) rather than returning errors.
/// Asserting unwind safety is sound here: a panic only ever interrupts reading (or, in
/// `prepare_page`, patching) the document, and whatever that call was producing is dropped.
fn catch<T>(f: impl FnOnce() -> T) -> Option<T> {
    catch_unwind(AssertUnwindSafe(f)).ok()
}

fn invalid(detail: impl Into<String>) -> ExtractError {
    ExtractError::Invalid {
        expected: "PDF",
        detail: detail.into(),
    }
}
