//! Sentence boundaries in a prose block: a full stop, exclamation or question mark (with any
//! closing quotes, brackets or emphasis) followed by whitespace and a plausible sentence start,
//! unless the full stop ends an abbreviation or an initial. Ranges are byte offsets, so every
//! sentence is a verbatim slice of the text.

/// Abbreviations after which a full stop does not end a sentence.
const ABBREVIATIONS: [&str; 23] = [
    "e.g", "i.e", "vs", "mr", "mrs", "ms", "dr", "prof", "inc", "ltd", "co", "no", "fig", "sec",
    "cf", "al", "approx", "st", "jr", "sr", "resp", "viz", "ca",
];

/// Sentence ranges within a prose block: a sentence ends at `.`, `!` or `?` (plus closing quotes,
/// brackets and emphasis marks) followed by whitespace and a plausible sentence start, unless the
/// full stop ends a known abbreviation or an initial.
pub fn split_sentences(s: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut chars = s.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if !matches!(c, '.' | '!' | '?') {
            continue;
        }
        let mut end = i + 1;
        while let Some((j, d)) = chars.peek().copied() {
            if matches!(
                d,
                '.' | '!'
                    | '?'
                    | '"'
                    | '\''
                    | '\u{201d}'
                    | '\u{2019}'
                    | ')'
                    | ']'
                    | '*'
                    | '_'
                    | '`'
            ) {
                end = j + d.len_utf8();
                chars.next();
            } else {
                break;
            }
        }
        let rest = &s[end..];
        let next = rest.trim_start();
        if !rest.starts_with(char::is_whitespace) || next.is_empty() {
            continue;
        }
        let plausible_start = next.chars().next().is_some_and(|f| {
            f.is_uppercase() || f.is_ascii_digit() || "\"\u{201c}\u{2018}'([*`_".contains(f)
        });
        if !plausible_start || (c == '.' && is_abbreviation(&s[..i])) {
            continue;
        }
        push_trimmed(&mut out, s, start, end);
        start = end;
    }
    push_trimmed(&mut out, s, start, s.len());
    out
}

fn is_abbreviation(before: &str) -> bool {
    let word: String = before
        .chars()
        .rev()
        .take_while(|c| c.is_alphanumeric() || *c == '.')
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let lower = word.to_lowercase();
    let single_letter = lower.chars().count() == 1 && lower.chars().all(char::is_alphabetic);
    single_letter || ABBREVIATIONS.contains(&lower.as_str())
}

fn push_trimmed(out: &mut Vec<(usize, usize)>, s: &str, start: usize, end: usize) {
    let piece = &s[start..end];
    let lead = piece.len() - piece.trim_start().len();
    let trail = piece.len() - piece.trim_end().len();
    if start + lead < end - trail {
        out.push((start + lead, end - trail));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sentences(text: &str) -> Vec<&str> {
        split_sentences(text)
            .into_iter()
            .map(|(s, e)| &text[s..e])
            .collect()
    }

    #[test]
    fn sentences_split_on_terminal_punctuation_only() {
        assert_eq!(
            sentences(
                "First one, e.g. with an abbreviation. Second (really)! \"Third?\" Version 2.0 is out. J. Smith agrees.  Last"
            ),
            [
                "First one, e.g. with an abbreviation.",
                "Second (really)!",
                "\"Third?\"",
                "Version 2.0 is out.",
                "J. Smith agrees.",
                "Last"
            ]
        );
        assert_eq!(
            sentences("lower. case continues"),
            ["lower. case continues"]
        );
    }
}
