//! A conversation as a markdown document: for the export download and for filing it back
//! into the wiki as an `answer` page. Citations become numbered references at the end of each
//! answer, with the quote they rest on.

use crate::domain::{Citation, Turn};

/// Shifts markdown headings down two levels so an answer's own headings sit under its `##`
/// question (`#` → `###`, capped at `######`). Fenced code is left alone.
fn shift_headings(answer: &str) -> String {
    let mut in_fence = false;
    answer
        .lines()
        .map(|line| {
            let t = line.trim_start();
            if t.starts_with("```") || t.starts_with("~~~") {
                in_fence = !in_fence;
            }
            let level = t.chars().take_while(|c| *c == '#').count();
            if !in_fence && level > 0 && t[level..].starts_with(' ') {
                format!("{}{}", "#".repeat((level + 2).min(6)), &t[level..])
            } else {
                line.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn reference(c: &Citation, wikilinks: bool) -> String {
    let article = if wikilinks {
        format!("[[{}]]", c.article.title)
    } else {
        format!(
            "[{}](/wiki/{})",
            c.article.title.replace(['[', ']'], ""),
            c.article.slug
        )
    };
    let mut line = format!("{}. {article}", c.n);
    if let Some(q) = &c.quote {
        line.push_str(&format!(" — “{}”", q.replace('\n', " ")));
    }
    if let Some(s) = &c.source {
        let name = s.title.as_deref().or(s.url.as_deref()).unwrap_or("source");
        line.push_str(&format!(" ({name})"));
    }
    line
}

/// The turns as markdown under `# title`. With `wikilinks`, cited articles are `[[Title]]`
/// (for a wiki page, so they become links); otherwise app links.
pub fn conversation_markdown(title: &str, turns: &[Turn], wikilinks: bool) -> String {
    let mut out = format!("# {}\n", title.trim());
    for (i, t) in turns.iter().enumerate() {
        out.push_str(&format!("\n## Q{}: {}\n\n", i + 1, t.question.trim()));
        out.push_str(shift_headings(t.answer.trim()).as_str());
        out.push('\n');
        if !t.citations.is_empty() {
            out.push_str("\n**Sources**\n\n");
            for c in &t.citations {
                out.push_str(&reference(c, wikilinks));
                out.push('\n');
            }
        }
    }
    out
}

/// A file name for the download: letters, digits, spaces, `-` and `_` kept, the rest dashed.
pub fn export_file_name(title: &str) -> String {
    let mut name = String::new();
    for c in title.chars().take(80) {
        let c = if c.is_ascii_alphanumeric() || matches!(c, ' ' | '_') {
            c
        } else {
            '-'
        };
        // A run of dashes and spaces around a dash is one dash.
        match name.chars().last() {
            Some(last @ ('-' | ' ')) if matches!(c, '-' | ' ') && (c == '-' || last == '-') => {
                name.pop();
                name.push('-');
            }
            _ => name.push(c),
        }
    }
    let name = name.trim_matches(['-', ' ']);
    if name.is_empty() {
        "conversation.md".to_owned()
    } else {
        format!("{name}.md")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answer_headings_sit_under_the_question() {
        assert_eq!(
            shift_headings("# A\ntext\n```\n# not\n```\n#### B"),
            "### A\ntext\n```\n# not\n```\n###### B"
        );
    }

    #[test]
    fn file_names_are_safe() {
        assert_eq!(
            export_file_name("What is a heap? (quick)"),
            "What is a heap-quick.md"
        );
        assert_eq!(export_file_name("../../etc/passwd"), "etc-passwd.md");
        assert_eq!(export_file_name("???"), "conversation.md");
    }
}
