//! Line-level reading of markdown-ish clean text shared by chunking and the offline compiler:
//! lines with byte offsets, fenced code, and headings (ATX `#` and setext `===`/`---`).

/// One line of the text, without its line terminator.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Line<'a> {
    /// Byte offset of the line start.
    pub start: usize,
    /// The line text, without `\n` / `\r\n`.
    pub text: &'a str,
    /// Inside a fenced code block, or a fence line itself.
    pub in_code: bool,
}

impl Line<'_> {
    /// Whether the line holds nothing but whitespace.
    pub(crate) fn is_blank(&self) -> bool {
        self.text.trim().is_empty()
    }
}

/// A heading and where its section starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Heading {
    /// 1 for `#` / `===`, 2 for `##` / `---`, and so on.
    pub level: usize,
    /// The heading text, trimmed, closing `#`s removed.
    pub text: String,
    /// Byte offset of the first line of the heading.
    pub start: usize,
    /// Index of the first line of the heading.
    pub line: usize,
    /// Number of lines the heading occupies (2 for setext).
    pub lines: usize,
}

/// Splits `text` into lines, tracking ``` and ~~~ fences.
pub(crate) fn lines(text: &str) -> Vec<Line<'_>> {
    let mut out = Vec::new();
    let mut fence: Option<(char, usize)> = None;
    let mut start = 0;
    for raw in text.split_inclusive('\n') {
        let line = raw.strip_suffix('\n').unwrap_or(raw);
        let line = line.strip_suffix('\r').unwrap_or(line);
        let trimmed = line.trim_start();
        let marker = trimmed.chars().next().filter(|c| *c == '`' || *c == '~');
        let run = marker.map_or(0, |m| trimmed.chars().take_while(|c| *c == m).count());
        let is_fence = run >= 3 && line.len() - trimmed.len() <= 3;
        let in_code = match (fence, marker) {
            (Some((m, n)), Some(c))
                if is_fence && c == m && run >= n && trimmed.trim_end().chars().all(|x| x == m) =>
            {
                fence = None;
                true
            }
            (Some(_), _) => true,
            (None, Some(c)) if is_fence => {
                fence = Some((c, run));
                true
            }
            (None, _) => false,
        };
        out.push(Line {
            start,
            text: line,
            in_code,
        });
        start += raw.len();
    }
    out
}

/// An ATX heading line (`# Title`, up to six `#`), as (level, text).
pub(crate) fn atx_heading(line: &str) -> Option<(usize, &str)> {
    let trimmed = line.trim_start();
    if line.len() - trimmed.len() > 3 {
        return None;
    }
    let level = trimmed.chars().take_while(|c| *c == '#').count();
    let rest = &trimmed[level..];
    if !(1..=6).contains(&level) || !(rest.is_empty() || rest.starts_with([' ', '\t'])) {
        return None;
    }
    let text = rest.trim().trim_end_matches('#').trim_end();
    (!text.is_empty()).then_some((level, text))
}

/// A setext underline: level 1 for `===`, 2 for `---` (at least three marks).
fn setext_level(line: &str) -> Option<usize> {
    let t = line.trim();
    let first = t.chars().next()?;
    let level = match first {
        '=' => 1,
        '-' => 2,
        _ => return None,
    };
    (t.len() >= 3 && t.chars().all(|c| c == first)).then_some(level)
}

/// Whether an ATX heading's text reads like a shell command or comment instead ("# apt-get
/// update", "# chmod -R ug+rwX ."), as in text extracted from PDFs, where `#` is a root prompt.
fn looks_like_command(text: &str) -> bool {
    let starts_lower = text.starts_with(|c: char| c.is_ascii_lowercase());
    let has_option = text
        .split_whitespace()
        .skip(1)
        .any(|w| w.starts_with('-') && w.len() > 1);
    let has_shell = text.contains(['/', '=', '|', '>', '<', '$', '~', '\\', ';']);
    starts_lower && (has_option || has_shell || !text.contains(' '))
}

/// Every heading outside code, in order. A setext heading needs a single-line paragraph above
/// its underline; otherwise a `---` line is a rule, not a heading. When most `#` lines look like
/// commands (or most start in lower case, as prompts do and titles do not), none of them is
/// taken as a heading.
pub(crate) fn headings(lines: &[Line<'_>]) -> Vec<Heading> {
    let atx: Vec<&str> = lines
        .iter()
        .filter(|l| !l.in_code)
        .filter_map(|l| atx_heading(l.text))
        .map(|(_, t)| t)
        .collect();
    let commands = atx.iter().filter(|t| looks_like_command(t)).count();
    let lower = atx
        .iter()
        .filter(|t| t.starts_with(|c: char| c.is_ascii_lowercase()))
        .count();
    let prompts = atx.len() >= 3 && (commands * 2 > atx.len() || lower * 2 > atx.len());
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if line.in_code {
            continue;
        }
        if let Some((level, text)) = atx_heading(line.text) {
            if prompts || looks_like_command(text) {
                continue;
            }
            out.push(Heading {
                level,
                text: text.to_string(),
                start: line.start,
                line: i,
                lines: 1,
            });
            continue;
        }
        let Some(level) = setext_level(line.text) else {
            continue;
        };
        let Some(above) = i.checked_sub(1).map(|j| lines[j]) else {
            continue;
        };
        let single = i < 2 || lines[i - 2].is_blank() || lines[i - 2].in_code;
        let taken = out
            .last()
            .is_some_and(|h: &Heading| h.line + h.lines > i - 1);
        if !above.is_blank()
            && !above.in_code
            && single
            && !taken
            && setext_level(above.text).is_none()
        {
            out.push(Heading {
                level,
                text: above.text.trim().to_string(),
                start: above.start,
                line: i - 1,
                lines: 2,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_are_found_outside_code_only() {
        let text = "Title\n=====\n\nIntro.\n\n## Part *one* ##\ntext\n```\n# not a heading\n```\n1. Defs\n--------\n\npara line\nmore\n---\n";
        let lines = lines(text);
        let found: Vec<(usize, String)> = headings(&lines)
            .into_iter()
            .map(|h| (h.level, h.text))
            .collect();
        assert_eq!(
            found,
            [
                (1, "Title".to_string()),
                (2, "Part *one*".to_string()),
                (2, "1. Defs".to_string())
            ]
        );
        assert!(lines[8].in_code && lines[9].in_code && !lines[10].in_code);
    }

    #[test]
    fn root_prompts_are_not_headings() {
        let text = "Intro\n\n# apt-get update\n# chmod -R ug+rwX .\n\n# Real Title\n\ntext\n# echo hello\n";
        assert!(headings(&lines(text)).is_empty());
        let text = "# Guide\n\n## Install\n\n# rm -rf /tmp/x\n";
        let found: Vec<String> = headings(&lines(text)).into_iter().map(|h| h.text).collect();
        assert_eq!(found, ["Guide", "Install"]);
    }

    #[test]
    fn atx_headings_need_a_space_and_at_most_six_marks() {
        assert_eq!(atx_heading("### Deep"), Some((3, "Deep")));
        assert_eq!(atx_heading("#hashtag"), None);
        assert_eq!(atx_heading("####### seven"), None);
        assert_eq!(atx_heading("    # indented code"), None);
    }
}
