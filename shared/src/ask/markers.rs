//! `[n]` citation markers in an answer: finding them, keeping those that name a retrieved
//! passage and removing the rest (counted), whether the answer arrives whole or in pieces.

use std::collections::BTreeSet;

/// The result of checking an answer's markers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedAnswer {
    /// The answer with every invalid marker removed; valid ones written `[n]`.
    pub text: String,
    /// Passage numbers cited, ascending.
    pub cited: BTreeSet<u32>,
    /// Numbers that named no passage.
    pub dropped: u32,
}

/// Parses the inside of `[…]` as a marker: numbers separated by commas (`1`, `2, 3`).
fn marker_numbers(inner: &str) -> Option<Vec<u32>> {
    if inner.is_empty() || inner.len() > 24 {
        return None;
    }
    inner
        .split(',')
        .map(|n| {
            let n = n.trim();
            (!n.is_empty() && n.len() <= 3 && n.bytes().all(|b| b.is_ascii_digit()))
                .then(|| n.parse().ok())
                .flatten()
        })
        .collect()
}

/// Rewrites one marker: the valid numbers as `[a][b]`, or nothing.
fn rewrite(numbers: &[u32], passages: u32, cited: &mut BTreeSet<u32>, dropped: &mut u32) -> String {
    let mut out = String::new();
    for &n in numbers {
        if (1..=passages).contains(&n) {
            cited.insert(n);
            out.push_str(&format!("[{n}]"));
        } else {
            *dropped += 1;
        }
    }
    out
}

/// Checks a whole answer against `passages` retrieved passages (numbered from 1).
pub fn check_markers(answer: &str, passages: u32) -> CheckedAnswer {
    let mut filter = MarkerFilter::new(passages);
    let mut text = filter.push(answer);
    text.push_str(&filter.finish());
    CheckedAnswer {
        text,
        cited: filter.cited,
        dropped: filter.dropped,
    }
}

/// Punctuation before which a space is dropped, so that a removed marker leaves no gap
/// ("heap [9]." → "heap."). Runs of spaces are kept: they may be markdown indentation.
fn closes_up(c: char) -> bool {
    matches!(c, '.' | ',' | ';' | ':' | '!' | '?')
}

/// Streaming marker check: text goes in as it arrives, and comes out with invalid markers
/// removed and no space left before punctuation. A `[` is held back until it is known whether
/// it starts a marker, and a space until it is known what follows it, so the streamed text is
/// exactly the stored one.
#[derive(Debug)]
pub struct MarkerFilter {
    passages: u32,
    pending: String,
    space_held: bool,
    /// A marker was removed right after the held space: a space after it closes the gap.
    gap: bool,
    pub cited: BTreeSet<u32>,
    pub dropped: u32,
}

impl MarkerFilter {
    pub fn new(passages: u32) -> Self {
        Self {
            passages,
            pending: String::new(),
            space_held: false,
            gap: false,
            cited: BTreeSet::new(),
            dropped: 0,
        }
    }

    /// Feeds a piece of text; returns what can be shown now.
    pub fn push(&mut self, piece: &str) -> String {
        let mut out = String::new();
        for c in piece.chars() {
            if self.pending.is_empty() {
                if c == '[' {
                    self.pending.push(c);
                } else {
                    self.emit(&mut out, c);
                }
                continue;
            }
            self.pending.push(c);
            if c == ']' {
                let held = std::mem::take(&mut self.pending);
                match marker_numbers(&held[1..held.len() - 1]) {
                    Some(numbers) => {
                        let kept =
                            rewrite(&numbers, self.passages, &mut self.cited, &mut self.dropped);
                        if kept.is_empty() {
                            self.gap = self.space_held;
                        }
                        self.emit_str(&mut out, &kept);
                    }
                    None => self.emit_str(&mut out, &held),
                }
            } else if !(c.is_ascii_digit() || c == ',' || c == ' ') || self.pending.len() > 26 {
                // Not a marker after all ("[see", "[[Title]]"): release it as text.
                let held = std::mem::take(&mut self.pending);
                if c == '[' {
                    self.emit_str(&mut out, &held[..held.len() - 1]);
                    self.pending.push('[');
                } else {
                    self.emit_str(&mut out, &held);
                }
            }
        }
        out
    }

    /// The text still held back when the answer ends.
    pub fn finish(&mut self) -> String {
        let mut out = String::new();
        let held = std::mem::take(&mut self.pending);
        self.emit_str(&mut out, &held);
        if std::mem::take(&mut self.space_held) {
            out.push(' ');
        }
        out
    }

    fn emit(&mut self, out: &mut String, c: char) {
        if c == ' ' && std::mem::take(&mut self.gap) {
            // "slow [9] , …": the spaces on either side of the removed marker become one.
            return;
        }
        self.gap = false;
        if std::mem::take(&mut self.space_held) && !closes_up(c) {
            out.push(' ');
        }
        if c == ' ' {
            self.space_held = true;
        } else {
            out.push(c);
        }
    }

    fn emit_str(&mut self, out: &mut String, text: &str) {
        for c in text.chars() {
            self.emit(out, c);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_that_name_no_passage_are_dropped_and_counted() {
        let got = check_markers("Heaps pop the smallest item [1]. Lists are slow [9].", 5);
        assert_eq!(got.text, "Heaps pop the smallest item [1]. Lists are slow.");
        assert_eq!(got.cited, BTreeSet::from([1]));
        assert_eq!(got.dropped, 1);
    }

    #[test]
    fn grouped_markers_are_split_and_checked_one_by_one() {
        let got = check_markers("Both agree [2, 7][3].", 5);
        assert_eq!(got.text, "Both agree [2][3].");
        assert_eq!(got.cited, BTreeSet::from([2, 3]));
        assert_eq!(got.dropped, 1);
        assert_eq!(check_markers("None [0].", 5).dropped, 1);
    }

    #[test]
    fn no_space_is_left_before_punctuation_but_indentation_stays() {
        let got = check_markers("Slow [9]. Fast [9] , here [1] ;\n    code  [7]", 5);
        assert_eq!(got.text, "Slow. Fast, here [1];\n    code  ");
    }

    #[test]
    fn brackets_that_are_not_markers_stay() {
        for text in [
            "See [[Heap]] and [the docs](x).",
            "a[i] = [x, y]",
            "unclosed [3",
        ] {
            let got = check_markers(text, 5);
            assert_eq!(got.text, text);
            assert_eq!(got.dropped, 0);
        }
    }

    #[test]
    fn streaming_gives_the_same_text_whatever_the_pieces() {
        let answer = "Pop returns the smallest [1][12]. Push [2, 3] keeps order [[Heap]] [x]. \
                      Slow [9]; fast [1] .\n  - nested item [2]";
        let whole = check_markers(answer, 5);
        for size in 1..6 {
            let mut filter = MarkerFilter::new(5);
            let mut out = String::new();
            let chars: Vec<char> = answer.chars().collect();
            for piece in chars.chunks(size) {
                out.push_str(&filter.push(&piece.iter().collect::<String>()));
            }
            out.push_str(&filter.finish());
            assert_eq!(out, whole.text, "pieces of {size}");
            assert_eq!(filter.dropped, 2);
        }
    }
}
