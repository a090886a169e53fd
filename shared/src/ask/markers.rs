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
        text: tidy(&text),
        cited: filter.cited,
        dropped: filter.dropped,
    }
}

/// Removes the space a dropped marker leaves before punctuation ("heap [9]." → "heap.").
fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let chars: Vec<char> = text.chars().collect();
    for (i, c) in chars.iter().enumerate() {
        if *c == ' '
            && chars
                .get(i + 1)
                .is_some_and(|n| matches!(n, '.' | ',' | ';' | ':' | '!' | '?' | ' '))
        {
            continue;
        }
        out.push(*c);
    }
    out
}

/// Streaming marker check: text goes in as it arrives, and comes out with invalid markers
/// removed. A `[` is held back until it is known whether it starts a marker.
#[derive(Debug)]
pub struct MarkerFilter {
    passages: u32,
    pending: String,
    pub cited: BTreeSet<u32>,
    pub dropped: u32,
}

impl MarkerFilter {
    pub fn new(passages: u32) -> Self {
        Self {
            passages,
            pending: String::new(),
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
                    out.push(c);
                }
                continue;
            }
            self.pending.push(c);
            if c == ']' {
                let inner = &self.pending[1..self.pending.len() - 1];
                match marker_numbers(inner) {
                    Some(numbers) => {
                        let kept =
                            rewrite(&numbers, self.passages, &mut self.cited, &mut self.dropped);
                        out.push_str(&kept);
                    }
                    None => out.push_str(&self.pending),
                }
                self.pending.clear();
            } else if !(c.is_ascii_digit() || c == ',' || c == ' ') || self.pending.len() > 26 {
                // Not a marker after all ("[see", "[[Title]]"): release it as text.
                let held = std::mem::take(&mut self.pending);
                if c == '[' {
                    out.push_str(&held[..held.len() - 1]);
                    self.pending.push('[');
                } else {
                    out.push_str(&held);
                }
            }
        }
        out
    }

    /// The text still held back when the answer ends.
    pub fn finish(&mut self) -> String {
        std::mem::take(&mut self.pending)
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
        let answer = "Pop returns the smallest [1][12]. Push [2, 3] keeps order [[Heap]] [x].";
        let whole = check_markers(answer, 5);
        for size in 1..6 {
            let mut filter = MarkerFilter::new(5);
            let mut out = String::new();
            let chars: Vec<char> = answer.chars().collect();
            for piece in chars.chunks(size) {
                out.push_str(&filter.push(&piece.iter().collect::<String>()));
            }
            out.push_str(&filter.finish());
            assert_eq!(tidy(&out), whole.text, "pieces of {size}");
            assert_eq!(filter.dropped, 1);
        }
    }
}
