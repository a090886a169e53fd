//! Turning original documents into clean text: HTML pages into readable markdown, PDFs into
//! per-page text with metadata, and deciding what a file is from its bytes.

pub mod html;
pub mod pdf;
mod sniff;

pub use sniff::{DocumentKind, sniff};

/// Why a document's text could not be extracted.
#[derive(Debug, thiserror::Error)]
pub enum ExtractError {
    #[error("no readable text found in the document")]
    Empty,
    #[error("the file is not a valid {expected}: {detail}")]
    Invalid {
        expected: &'static str,
        detail: String,
    },
    #[error("the document is too large: {0}")]
    TooLarge(String),
}
