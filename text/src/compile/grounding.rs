//! Grounding: checking each claim's quote against the source's clean text, recording where it
//! was found, downgrading claims whose quote cannot be found, and the article's overall
//! confidence derived from the share of verified claims.

mod locator;
pub(crate) mod tokens;

use serde::{Deserialize, Serialize};

use super::contract::{CompiledClaim, Confidence};
pub use locator::QuoteLocator;

/// A region of the source text in Unicode scalar values (chars), `end` exclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Span {
    /// Offset of the first char.
    pub start: usize,
    /// Offset one past the last char.
    pub end: usize,
}

impl Span {
    /// Number of chars covered.
    pub fn len(&self) -> usize {
        self.end.saturating_sub(self.start)
    }

    /// Whether the span covers nothing.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The covered part of `text` (empty if the span lies outside it).
    pub fn slice<'a>(&self, text: &'a str) -> &'a str {
        let mut offsets = text
            .char_indices()
            .map(|(b, _)| b)
            .chain(std::iter::once(text.len()));
        let Some(start) = offsets.nth(self.start) else {
            return "";
        };
        let end = if self.is_empty() {
            start
        } else {
            offsets.nth(self.len() - 1).unwrap_or(text.len())
        };
        &text[start..end]
    }
}

/// Locates `quote` in `source`; see [`QuoteLocator::locate`] for what is tolerated. For many
/// quotes against one source, build a [`QuoteLocator`] once instead.
pub fn locate_quote(source: &str, quote: &str) -> Option<Span> {
    QuoteLocator::new(source).locate(quote)
}

/// A claim after grounding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroundedClaim {
    /// The claim text.
    pub text: String,
    /// Confidence after grounding.
    pub confidence: Confidence,
    /// For a verified claim, the exact passage its span covers, so the quote shown is always
    /// verbatim source text (the compiler's wording may differ in whitespace, typography or
    /// markup such as link targets); otherwise the quote as the compiler gave it.
    pub quote: Option<String>,
    /// Whether the quote was found in the source.
    pub verified: bool,
    /// Where the quote was found.
    pub span: Option<Span>,
}

/// Checks every claim's quote against `source`. A found quote marks the claim verified with its
/// span (and the quote becomes the passage the span covers) and keeps the compiler's confidence. A missing or unfound quote marks it unverified and
/// downgrades `sourced` and `mixed` to `inferred`; `opinion` stays `opinion`, because it names
/// the kind of statement rather than a degree of support, and `verified = false` already says the
/// wording could not be checked.
pub fn ground_claims(source: &str, claims: &[CompiledClaim]) -> Vec<GroundedClaim> {
    let locator = QuoteLocator::new(source);
    claims
        .iter()
        .map(|claim| {
            let span = claim.quote.as_deref().and_then(|q| locator.locate(q));
            let confidence = match (span, claim.confidence) {
                (Some(_), kept) | (None, kept @ (Confidence::Inferred | Confidence::Opinion)) => {
                    kept
                }
                (None, Confidence::Sourced | Confidence::Mixed) => Confidence::Inferred,
            };
            GroundedClaim {
                text: claim.claim.clone(),
                confidence,
                quote: span
                    .map(|s| s.slice(source).to_owned())
                    .or_else(|| claim.quote.clone()),
                verified: span.is_some(),
                span,
            }
        })
        .collect()
}

/// The article's confidence from the share of verified claims: none → `inferred`; ≥ 80 % →
/// `sourced`; ≥ 40 % → `mixed`; otherwise `inferred`.
pub fn overall_confidence(claims: &[GroundedClaim]) -> Confidence {
    if claims.is_empty() {
        return Confidence::Inferred;
    }
    let verified = claims.iter().filter(|c| c.verified).count();
    // Integer comparison avoids float rounding at the thresholds (4 of 5 is exactly 80 %).
    if verified * 5 >= claims.len() * 4 {
        Confidence::Sourced
    } else if verified * 5 >= claims.len() * 2 {
        Confidence::Mixed
    } else {
        Confidence::Inferred
    }
}

#[cfg(test)]
mod tests;
