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

use std::collections::HashSet;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{Duration, Instant};

use pdf_extract::{Document, ObjectId};

use super::ExtractError;
use text::{Line, Stop};

/// Characters of text one document may yield: several times the longest books, low enough
/// that a file drawing the same text again and again cannot fill memory or the wiki.
pub const MAX_DOCUMENT_CHARS: usize = 16_000_000;

/// Bounds of one extraction, whatever the file holds.
#[derive(Debug, Clone, Copy)]
pub struct PdfLimits {
    /// More pages than this and the file is refused before any is read.
    pub max_pages: usize,
    /// Extraction stops, and fails, once this instant passes (the job's own time limit), so a
    /// timed-out extraction does not go on running on its thread.
    pub deadline: Option<Instant>,
    /// Characters of text the document may yield ([`MAX_DOCUMENT_CHARS`] unless a caller
    /// wants less).
    pub max_chars: usize,
}

impl PdfLimits {
    /// At most `max_pages` pages and [`MAX_DOCUMENT_CHARS`] characters, by `deadline`.
    pub fn new(max_pages: usize, deadline: Option<Instant>) -> Self {
        Self {
            max_pages,
            deadline,
            max_chars: MAX_DOCUMENT_CHARS,
        }
    }
}

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
    extract_pdf_within(bytes, PdfLimits::new(max_pages, None))
}

/// [`extract_pdf`] within `limits`: besides the page limit, extraction fails with `TooLarge`
/// when the text passes its character budget or the deadline passes. A page object listed
/// more than once in the page tree is read once.
pub fn extract_pdf_within(bytes: &[u8], limits: PdfLimits) -> Result<PdfDocument, ExtractError> {
    let max_pages = limits.max_pages;
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
    catch(|| guard::blank_images(&mut doc)).ok_or_else(|| invalid("its images are malformed"))?;
    catch(|| guard::check_stream_sizes(&doc, &pages))
        .ok_or_else(|| invalid("its streams are malformed"))?
        .map_err(ExtractError::TooLarge)?;
    let meta = catch(|| meta::read(&doc)).unwrap_or_default();

    let mut raw = Vec::with_capacity(pages.len());
    let mut first_error = None;
    let mut failed = 0;
    let mut chars_left = limits.max_chars;
    // A page tree may list one page object many times (a 56 KB file listing a page 100 times
    // made 98 MB of text); each is read once.
    let mut seen = HashSet::new();
    for (index, page) in pages.iter().enumerate() {
        if !seen.insert(*page) {
            continue;
        }
        if limits.deadline.is_some_and(|d| Instant::now() >= d) {
            return Err(timed_out());
        }
        // `output_doc_page` numbers pages from 1, in the order `get_pages` lists them.
        let number = u32::try_from(index + 1).unwrap_or(u32::MAX);
        match page_text(&mut doc, *page, number, limits.deadline, chars_left) {
            Ok(text) => {
                chars_left =
                    chars_left.saturating_sub(text.iter().map(|l| l.text.chars().count()).sum());
                raw.push(text);
            }
            Err(PageError::Stopped(Stop::TooMuchText)) => {
                return Err(ExtractError::TooLarge(format!(
                    "its text is longer than {} characters",
                    limits.max_chars
                )));
            }
            Err(PageError::Stopped(Stop::TimedOut)) => return Err(timed_out()),
            Err(PageError::Unreadable(error)) => {
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

/// Why a page yielded no text.
enum PageError {
    /// The page could not be read; the others still are.
    Unreadable(String),
    /// A bound of the whole extraction was reached on this page.
    Stopped(Stop),
}

/// The raw text of one page, or why it could not be read.
fn page_text(
    doc: &mut Document,
    page: ObjectId,
    number: u32,
    deadline: Option<Instant>,
    chars_left: usize,
) -> Result<Vec<Line>, PageError> {
    match catch(|| guard::prepare_page(doc, page)) {
        Some(Ok(())) => {}
        Some(Err(reason)) => return Err(PageError::Unreadable(reason.to_string())),
        None => {
            return Err(PageError::Unreadable(
                "its page dictionary is malformed".to_string(),
            ));
        }
    }
    let doc: &Document = doc;
    let mut collector = text::PageText::within(deadline, chars_left);
    let result = catch(|| pdf_extract::output_doc_page(doc, &mut collector, number));
    if let Some(stop) = collector.stopped() {
        return Err(PageError::Stopped(stop));
    }
    match result {
        Some(Ok(())) => Ok(collector.into_lines()),
        Some(Err(error)) => Err(PageError::Unreadable(format!("{error:?}"))),
        None => Err(PageError::Unreadable(
            "the text extractor failed on it".to_string(),
        )),
    }
}

fn timed_out() -> ExtractError {
    ExtractError::TooLarge("reading its text took longer than the job's time limit".to_owned())
}

/// A deadline `limit` from now, for [`PdfLimits::deadline`].
pub fn deadline_in(limit: Duration) -> Option<Instant> {
    Instant::now().checked_add(limit)
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
