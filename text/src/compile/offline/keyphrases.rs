//! Concepts for the offline compiler: RAKE-style key phrases. Prose and headings are cut into
//! candidate runs at punctuation, stopwords, numbers and code; runs yield 1–3-word n-grams,
//! scored by frequency, length, appearance in headings and consistent capitalisation (defined
//! terms, names), then chosen greedily so that a phrase and its own fragments are not both kept.

use std::collections::HashMap;
use std::sync::LazyLock;

use regex::Regex;

use super::document::{BlockKind, Document};
use super::words::{is_function_word, is_generic, is_vague_adjective, term_key};

/// Most concepts returned.
const MAX_CONCEPTS: usize = 8;
/// Longest phrase, in words ("gnu general public license").
const MAX_WORDS: usize = 4;
/// Fewest concepts wanted before the frequency requirements are relaxed.
const MIN_CONCEPTS: usize = 3;

static CODE_SPAN: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"`[^`]*`|\[\d+\]|\]\([^)]*\)|https?://\S+").ok());

#[derive(Debug, Default)]
struct Stats {
    count: usize,
    in_heading: usize,
    capitalised: usize,
    first_seen: usize,
    surfaces: HashMap<String, usize>,
}

/// One word of a candidate run.
struct Word<'a> {
    surface: &'a str,
    key: String,
    capitalised: bool,
    /// Byte offset in the text the run was cut from.
    offset: usize,
}

const ROMAN: [&str; 12] = [
    "ii", "iii", "iv", "vi", "vii", "viii", "ix", "xi", "xii", "xiii", "xiv", "xv",
];

/// Whether a word may be part of a key phrase. A vague adjective may, when capitalised, since it
/// is then likely part of a name ("General Public License").
fn acceptable(lower: &str, capitalised: bool) -> bool {
    lower.starts_with(|c: char| c.is_alphabetic())
        && lower.chars().filter(|c| c.is_alphabetic()).count() >= 2
        && !is_function_word(lower)
        && (capitalised || !is_vague_adjective(lower))
        && !ROMAN.contains(&lower)
        && !lower.ends_with('-')
}

/// Byte ranges of `text` outside code spans, links and footnote marks.
fn plain_pieces(text: &str) -> Vec<(usize, usize)> {
    let mut pieces = Vec::new();
    let mut last = 0;
    if let Some(re) = CODE_SPAN.as_ref() {
        for m in re.find_iter(text) {
            pieces.push((last, m.start()));
            last = m.end();
        }
    }
    pieces.push((last, text.len()));
    pieces
}

/// Adds the word `text[start..end]` to the run if acceptable; otherwise the run ends.
fn push_word<'t>(
    text: &'t str,
    (start, end): (usize, usize),
    run: &mut Vec<Word<'t>>,
    out: &mut Vec<Vec<Word<'t>>>,
) {
    let raw = &text[start..end];
    let surface = raw.trim_matches(['-', '\'']);
    let surface = surface.strip_suffix("'s").unwrap_or(surface);
    let lower = surface.to_lowercase();
    let capitalised = surface.starts_with(|c: char| c.is_uppercase());
    if acceptable(&lower, capitalised) {
        let offset = start + (raw.len() - raw.trim_start_matches(['-', '\'']).len());
        run.push(Word {
            surface,
            key: term_key(&lower),
            capitalised,
            offset,
        });
    } else if !run.is_empty() {
        out.push(std::mem::take(run));
    }
}

/// Cuts `text` into runs of acceptable words; anything but plain spaces between words ends a run.
fn runs(text: &str) -> Vec<Vec<Word<'_>>> {
    let mut out = Vec::new();
    for (piece_start, piece_end) in plain_pieces(text) {
        let mut run: Vec<Word<'_>> = Vec::new();
        let mut word_start: Option<usize> = None;
        let mut broken = false;
        for (i, c) in text[piece_start..piece_end].char_indices() {
            let i = piece_start + i;
            let in_word = c.is_alphanumeric() || ((c == '-' || c == '\'') && word_start.is_some());
            match (in_word, word_start) {
                (true, None) => {
                    if broken && !run.is_empty() {
                        out.push(std::mem::take(&mut run));
                    }
                    broken = false;
                    word_start = Some(i);
                }
                (false, Some(start)) => {
                    push_word(text, (start, i), &mut run, &mut out);
                    word_start = None;
                    broken = c != ' ';
                }
                (false, None) => broken |= c != ' ',
                (true, Some(_)) => {}
            }
        }
        if let Some(start) = word_start {
            push_word(text, (start, piece_end), &mut run, &mut out);
        }
        if !run.is_empty() {
            out.push(run);
        }
    }
    out
}

/// Key phrases of the document, lower case, best first.
pub(super) fn extract(doc: &Document<'_>, title: &str) -> Vec<String> {
    let mut stats: HashMap<String, Stats> = HashMap::new();
    let mut position = 0usize;
    let mut add_text = |text: &str, heading: bool, stats: &mut HashMap<String, Stats>| {
        let first_word = text.find(char::is_alphanumeric);
        for run in runs(text) {
            for n in 1..=MAX_WORDS {
                for gram in run.windows(n) {
                    let key = gram
                        .iter()
                        .map(|w| w.key.as_str())
                        .collect::<Vec<_>>()
                        .join(" ");
                    let entry = stats.entry(key).or_insert_with(|| Stats {
                        first_seen: position,
                        ..Stats::default()
                    });
                    entry.count += 1;
                    entry.in_heading += usize::from(heading);
                    // The first word of a sentence is capitalised anyway; it proves nothing.
                    let at_start = Some(gram[0].offset) == first_word;
                    if !heading && !at_start && gram.iter().all(|w| w.capitalised) {
                        entry.capitalised += 1;
                    }
                    let surface = gram
                        .iter()
                        .map(|w| w.surface.to_lowercase())
                        .collect::<Vec<_>>()
                        .join(" ");
                    *entry.surfaces.entry(surface).or_default() += 1;
                    position += 1;
                }
            }
        }
    };
    add_text(title, true, &mut stats);
    for block in doc.blocks.iter().filter(|b| b.kind == BlockKind::Heading) {
        add_text(&doc.text[block.start..block.end], true, &mut stats);
    }
    for sentence in &doc.sentences {
        add_text(doc.sentence_text(sentence), false, &mut stats);
    }

    let mut picked = choose(&stats, 3, 2);
    if picked.len() < MIN_CONCEPTS {
        picked = choose(&stats, 2, 1);
    }
    picked
        .into_iter()
        .filter_map(|key| stats.get(&key))
        .filter_map(|s| {
            s.surfaces
                .iter()
                .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
                .map(|(surface, _)| surface.clone())
        })
        .collect()
}

fn score(key: &str, s: &Stats) -> f64 {
    let n = key.split(' ').count();
    // Single words are counted everywhere, phrases only where the words are adjacent; dampen
    // single-word counts so that a specific phrase can outrank a frequent word.
    let count = if n == 1 {
        (s.count as f64).powf(0.75)
    } else {
        s.count as f64
    };
    let mut score = count * (1.0 + 0.8 * (n - 1) as f64);
    score *= 1.0 + 0.5 * s.in_heading.min(2) as f64;
    if s.capitalised * 10 >= (s.count - s.in_heading).max(1) * 6 {
        score *= 1.3;
    }
    score
}

/// Greedy choice; `min_single` / `min_multi` are the occurrence counts a one-word / longer phrase
/// needs (a phrase in a heading needs only one).
fn choose(stats: &HashMap<String, Stats>, min_single: usize, min_multi: usize) -> Vec<String> {
    let mut ranked: Vec<(&String, &Stats, f64)> = stats
        .iter()
        .filter(|(key, s)| {
            let words: Vec<&str> = key.split(' ').collect();
            let needed = if words.len() == 1 {
                min_single
            } else {
                min_multi
            };
            let vague = words.iter().all(|w| is_generic(w))
                || (words.len() == 1
                    && (key.chars().count() < 3
                        || is_participle(key)
                        || (is_gerund(key) && s.in_heading == 0)));
            !vague && (s.count >= needed || (s.in_heading > 0 && words.len() > 1))
        })
        .map(|(key, s)| (key, s, score(key, s)))
        .collect();
    ranked.sort_by(|a, b| {
        b.2.total_cmp(&a.2)
            .then(a.1.first_seen.cmp(&b.1.first_seen))
            .then(a.0.cmp(b.0))
    });
    let mut picked: Vec<(&String, usize)> = Vec::new();
    for (key, s, _) in ranked {
        if picked.len() == MAX_CONCEPTS {
            break;
        }
        let padded = format!(" {key} ");
        let redundant = picked.iter().any(|(p, count)| {
            let p_padded = format!(" {p} ");
            // A fragment of a chosen phrase, unless it is much more common on its own.
            let factor = if key.contains(' ') { 2 } else { 3 };
            let fragment = p_padded.contains(&padded) && s.count < count * factor;
            // Overlapping pieces of one longer phrase ("source code" / "code form").
            let overlaps = !fragment
                && s.count <= *count
                && merged(key, p)
                    .and_then(|m| stats.get(&m))
                    .is_some_and(|m| m.count * 2 >= s.count);
            fragment || overlaps
        });
        if redundant {
            continue;
        }
        // A longer phrase that accounts for most uses of a chosen one replaces it.
        let replaces = picked
            .iter()
            .position(|(p, count)| padded.contains(&format!(" {p} ")) && s.count * 5 >= count * 3);
        match replaces {
            Some(at) => picked[at] = (key, s.count),
            None => picked.push((key, s.count)),
        }
    }
    picked.into_iter().map(|(k, _)| k.clone()).collect()
}

/// "installed", "specified": a verb form, not a concept by itself.
fn is_participle(word: &str) -> bool {
    word.len() > 5 && word.ends_with("ed") && !word.ends_with("eed")
}

/// "running", "using": usually a verb form; kept only when a heading uses it ("threading").
fn is_gerund(word: &str) -> bool {
    word.len() > 5 && word.ends_with("ing")
}

/// "source code" + "code form" → "source code form": two phrases that overlap by one edge word.
fn merged(a: &str, b: &str) -> Option<String> {
    let join = |x: &str, y: &str| {
        let (head, x_last) = x.rsplit_once(' ').unwrap_or(("", x));
        let (y_first, tail) = y.split_once(' ').unwrap_or((y, ""));
        (x_last == y_first && !head.is_empty() && !tail.is_empty()).then(|| {
            [head, x_last, tail]
                .iter()
                .filter(|p| !p.is_empty())
                .copied()
                .collect::<Vec<_>>()
                .join(" ")
        })
    };
    join(a, b).or_else(|| join(b, a))
}

#[cfg(test)]
mod tests {
    use super::super::document::parse;
    use super::*;

    #[test]
    fn runs_break_at_punctuation_stopwords_and_code() {
        let words = |text: &str| -> Vec<Vec<String>> {
            runs(text)
                .into_iter()
                .map(|r| r.into_iter().map(|w| w.surface.to_string()).collect())
                .collect()
        };
        assert_eq!(
            words("The thread pool, and `json.dumps()` event loop's queue"),
            [vec!["thread", "pool"], vec!["event", "loop", "queue"]]
        );
        assert_eq!(
            words("non-exclusive patent license (iii)"),
            [vec!["non-exclusive", "patent", "license"]]
        );
    }

    #[test]
    fn repeated_phrases_become_concepts_without_their_fragments() {
        let text = "# Thread pools\n\nA thread pool runs tasks. The thread pool reuses worker threads. Each worker thread takes tasks from a queue. \
                    The queue is shared. Tasks wait in the queue until a worker thread is free. A thread pool limits concurrency.";
        let doc = parse(text);
        let concepts = extract(&doc, "Thread pools");
        assert_eq!(
            concepts.first().map(String::as_str),
            Some("thread pool"),
            "{concepts:?}"
        );
        assert!(
            concepts.contains(&"worker thread".to_string()),
            "{concepts:?}"
        );
        assert!(!concepts.contains(&"pool".to_string()), "{concepts:?}");
        assert!(concepts.iter().all(|c| !c.contains("the ")));
    }
}
