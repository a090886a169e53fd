//! Highlighted snippets. The database marks hits with two private-use characters (never HTML:
//! passage text is untrusted), and the API sends the snippet as a list of plain segments.

use serde::Serialize;

/// Opens a highlighted hit inside a snippet.
pub const HIT_START: char = '\u{E000}';
/// Closes a highlighted hit.
pub const HIT_END: char = '\u{E001}';

/// A piece of a snippet; `hit` pieces matched the query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Segment {
    pub text: String,
    pub hit: bool,
}

/// Splits a marked snippet into segments, merging neighbours of the same kind and dropping
/// empty ones. Unbalanced markers are tolerated: a stray end is ignored.
pub fn segments(marked: &str) -> Vec<Segment> {
    let mut out: Vec<Segment> = Vec::new();
    let mut current = String::new();
    let mut hit = false;
    let flush = |text: &mut String, hit: bool, out: &mut Vec<Segment>| {
        if text.is_empty() {
            return;
        }
        match out.last_mut() {
            Some(last) if last.hit == hit => last.text.push_str(text),
            _ => out.push(Segment {
                text: text.clone(),
                hit,
            }),
        }
        text.clear();
    };
    for c in marked.chars() {
        match c {
            HIT_START if !hit => {
                flush(&mut current, hit, &mut out);
                hit = true;
            }
            HIT_END if hit => {
                flush(&mut current, hit, &mut out);
                hit = false;
            }
            HIT_START | HIT_END => {}
            c => current.push(c),
        }
    }
    flush(&mut current, hit, &mut out);
    out
}

/// Removes the marker characters from text about to be indexed, so that stored text can
/// never forge a highlight.
pub fn strip_markers(text: &str) -> String {
    text.chars()
        .filter(|c| *c != HIT_START && *c != HIT_END)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(text: &str, hit: bool) -> Segment {
        Segment {
            text: text.into(),
            hit,
        }
    }

    #[test]
    fn marked_hits_become_hit_segments() {
        let marked = format!("a {HIT_START}heap{HIT_END} is a {HIT_START}queue{HIT_END}.");
        assert_eq!(
            segments(&marked),
            vec![
                seg("a ", false),
                seg("heap", true),
                seg(" is a ", false),
                seg("queue", true),
                seg(".", false)
            ]
        );
    }

    #[test]
    fn adjacent_hits_merge_and_stray_markers_are_ignored() {
        let marked = format!("{HIT_START}a{HIT_END}{HIT_START}b{HIT_END}{HIT_END} c{HIT_START}");
        assert_eq!(segments(&marked), vec![seg("ab", true), seg(" c", false)]);
    }

    #[test]
    fn stored_text_cannot_carry_markers() {
        assert_eq!(strip_markers(&format!("x{HIT_START}y{HIT_END}z")), "xyz");
    }
}
