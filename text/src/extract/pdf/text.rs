//! Turns the positioned glyphs pdf-extract reports for one page into lines of text, each
//! with its horizontal extent so that `clean` can tell wrapped lines from short ones.
//!
//! PDFs carry no spaces or line breaks as such, only glyph positions, so word and line
//! boundaries are inferred from the gaps between consecutive glyphs. The rules follow
//! pdf-extract's own plain-text output (which spaces words well on typeset documents) with
//! one addition: a jump back to the left on the same baseline (a table cell whose text
//! overflows into the next column, text drawn out of order) also separates words.

use std::time::Instant;

use pdf_extract::{ColorSpace, MediaBox, OutputDev, OutputError, Path, Transform};

/// Characters accepted from one page before extraction of that page is abandoned: far above
/// any real page (a dense A4 page holds about 6,000), low enough to stop a content stream
/// that draws text in a loop from exhausting memory.
const MAX_CHARS_PER_PAGE: usize = 1_000_000;

/// A gap this many times the usual word space separates table columns.
const COLUMN_GAP_FACTOR: f64 = 3.0;

/// Font size assumed when the content stream sets none or a degenerate one.
const FALLBACK_FONT_SIZE: f64 = 10.0;

/// One line of a page as drawn: its text and horizontal extent, in points.
#[derive(Debug, Default, Clone)]
pub(super) struct Line {
    pub text: String,
    pub left: f64,
    pub right: f64,
    /// Whether a paragraph-sized vertical gap precedes the line.
    pub paragraph: bool,
    /// Whether the line has a gap much wider than the page's word spaces, or jumps back
    /// left: table columns, not prose.
    pub columns: bool,
    /// Widest and narrowest gap between words, in font sizes, and how many there are.
    widest_gap: f64,
    narrowest_gap: f64,
    gap_count: usize,
}

/// Why the collector stopped pdf-extract in the middle of a page: a bound of the whole
/// document, not a problem of this page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Stop {
    /// The document's text budget is spent.
    TooMuchText,
    /// The extraction's deadline passed.
    TimedOut,
}

/// Collects the lines of a single page.
#[derive(Debug, Default)]
pub(super) struct PageText {
    /// When set, drawing stops once it passes: pdf-extract has no way to be cancelled, but
    /// every glyph and path it draws comes through here.
    deadline: Option<Instant>,
    /// Characters the document may still yield; `None` means no document budget.
    chars_left: Option<usize>,
    stopped: Option<Stop>,
    lines: Vec<Line>,
    current: Line,
    chars: usize,
    /// Where the previous glyph ended, horizontally, in device space.
    last_end: f64,
    /// Baseline of the previous glyph.
    last_y: f64,
    /// Set when a new text-showing operation starts: only there can a gap occur.
    word_start: bool,
    /// Every gap between words on a line, in font sizes.
    gaps: Vec<f64>,
}

impl PageText {
    /// A collector that stops the page at `deadline` or after `chars_left` characters.
    pub(super) fn within(deadline: Option<Instant>, chars_left: usize) -> Self {
        Self {
            deadline,
            chars_left: Some(chars_left),
            ..Self::default()
        }
    }

    /// Why drawing was stopped, if it was.
    pub(super) fn stopped(&self) -> Option<Stop> {
        self.stopped
    }

    /// Ends the page's drawing with `stop`. `FormatError` is the only error this trait can
    /// carry; [`Self::stopped`] tells the caller what it meant.
    fn stop(&mut self, stop: Stop) -> Result<(), OutputError> {
        self.stopped = Some(stop);
        Err(OutputError::FormatError(std::fmt::Error))
    }

    fn check_deadline(&mut self) -> Result<(), OutputError> {
        match self.deadline {
            Some(deadline) if Instant::now() >= deadline => self.stop(Stop::TimedOut),
            _ => Ok(()),
        }
    }

    /// The page's non-blank lines, in drawing order.
    pub(super) fn into_lines(mut self) -> Vec<Line> {
        self.break_line(false);
        // Gaps are measured against the glyph widths the font declares, which some PDFs get
        // wrong, and justified lines stretch their spaces; a table's column gap still stands
        // out against the other spaces of its row or, in a row of two words, of the page.
        self.gaps.sort_unstable_by(f64::total_cmp);
        let word_space = self.gaps.get(self.gaps.len() / 2).copied().unwrap_or(0.0);
        for line in &mut self.lines {
            let usual = if line.gap_count > 1 {
                line.narrowest_gap
            } else {
                word_space
            };
            line.columns |= line.widest_gap > (COLUMN_GAP_FACTOR * usual).max(1.0);
        }
        self.lines
    }

    fn break_line(&mut self, paragraph: bool) {
        let line = std::mem::take(&mut self.current);
        if line.text.trim().is_empty() {
            // A gap before a blank line still separates what comes after it.
            self.current.paragraph = line.paragraph || paragraph;
        } else {
            self.lines.push(line);
            self.current.paragraph = paragraph;
        }
    }

    fn push_space(&mut self) {
        if !self.current.text.ends_with(char::is_whitespace) {
            self.current.text.push(' ');
        }
    }
}

impl OutputDev for PageText {
    fn begin_page(
        &mut self,
        _page_num: u32,
        _media_box: &MediaBox,
        _art_box: Option<(f64, f64, f64, f64)>,
    ) -> Result<(), OutputError> {
        Ok(())
    }

    fn end_page(&mut self) -> Result<(), OutputError> {
        Ok(())
    }

    // Paths draw no text but can be made to cost any amount of time; they are where a page
    // without text is stopped at the deadline.
    fn stroke(
        &mut self,
        _ctm: &Transform,
        _colorspace: &ColorSpace,
        _color: &[f64],
        _path: &Path,
    ) -> Result<(), OutputError> {
        self.check_deadline()
    }

    fn fill(
        &mut self,
        _ctm: &Transform,
        _colorspace: &ColorSpace,
        _color: &[f64],
        _path: &Path,
    ) -> Result<(), OutputError> {
        self.check_deadline()
    }

    fn output_character(
        &mut self,
        trm: &Transform,
        width: f64,
        _spacing: f64,
        font_size: f64,
        ch: &str,
    ) -> Result<(), OutputError> {
        self.chars += 1;
        if self.chars_left.is_some_and(|left| self.chars > left) {
            return self.stop(Stop::TooMuchText);
        }
        if self.chars.is_multiple_of(256) {
            self.check_deadline()?;
        }
        if self.chars > MAX_CHARS_PER_PAGE {
            // The only error this trait can carry; the caller treats it as a failed page.
            return Err(OutputError::FormatError(std::fmt::Error));
        }
        // The text rendering matrix scales the font size; its determinant is the area
        // scale, which stays meaningful for rotated and skewed text.
        let scale = (trm.m11 * trm.m22 - trm.m12 * trm.m21).abs().sqrt();
        let mut size = font_size.abs() * scale;
        if !size.is_finite() || size <= f64::EPSILON {
            size = FALLBACK_FONT_SIZE;
        }
        let (x, y) = (trm.m31, trm.m32);
        if !x.is_finite() || !y.is_finite() {
            return Ok(());
        }

        let started = !self.lines.is_empty() || !self.current.text.is_empty();
        if self.word_start && started {
            let dy = (y - self.last_y).abs();
            let moved_left = x < self.last_end;
            if dy > 1.5 * size {
                // A gap taller than a line: a new paragraph when the text returns to the
                // left, otherwise another column or a displaced fragment.
                self.break_line(moved_left);
            } else if dy > 0.5 * size && moved_left {
                self.break_line(false);
            } else if x < self.last_end - size {
                // Back to the left on the same line: the text of a table cell overflowed.
                self.current.columns = true;
                self.push_space();
            } else if x > self.last_end + 0.1 * size {
                let gap = (x - self.last_end) / size;
                self.gaps.push(gap);
                let line = &mut self.current;
                line.narrowest_gap = if line.gap_count == 0 {
                    gap
                } else {
                    line.narrowest_gap.min(gap)
                };
                line.widest_gap = line.widest_gap.max(gap);
                line.gap_count += 1;
                self.push_space();
            } else if dy > 0.5 * size {
                self.push_space();
            }
        }

        if self.current.text.is_empty() {
            self.current.left = x;
            self.current.right = x;
        }
        self.current.text.push_str(ch);
        self.word_start = false;
        self.last_y = y;
        self.last_end = x + width * size;
        self.current.right = self.current.right.max(self.last_end);
        Ok(())
    }

    fn begin_word(&mut self) -> Result<(), OutputError> {
        self.word_start = true;
        Ok(())
    }

    fn end_word(&mut self) -> Result<(), OutputError> {
        Ok(())
    }

    fn end_line(&mut self) -> Result<(), OutputError> {
        Ok(())
    }
}

#[cfg(test)]
impl Line {
    /// A line as `clean` receives it, for tests.
    pub(super) fn at(text: &str, left: f64, right: f64, paragraph: bool) -> Self {
        Self {
            text: text.to_string(),
            left,
            right,
            paragraph,
            ..Self::default()
        }
    }
}
