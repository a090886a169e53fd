//! Synthetic but realistic articles for a wiki of any size.
//!
//! Every sentence comes from the real corpus (all of `testdata/corpus`, through the same
//! extractors ingestion uses), so word frequencies, document lengths and co-occurrence look
//! like a real wiki's rather than uniform noise: an article takes a few runs of consecutive
//! sentences from one document, as a compiled page summarises one source. Articles are
//! written through `shared::db::articles::save_article`, which indexes them in the same
//! transaction, exactly as compiled articles are.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use futures::{StreamExt as _, TryStreamExt as _};
use shared::compile::slug::{normalize_title, slugify};
use shared::compile::{Confidence, PageType};
use shared::db::Db;
use shared::db::articles::{ArticleWrite, ClaimWrite, save_article};

/// Words of a sentence kept in the pool: shorter ones are headings and fragments, longer ones
/// run-ons that extraction glued together.
const MIN_WORDS: usize = 6;
const MAX_WORDS: usize = 45;
/// Largest PDF page count read (the long corpus PDF has 261).
const MAX_PDF_PAGES: usize = 1_000;
/// Common words that make poor titles, headings and concepts.
const FILLER: [&str; 24] = [
    "the", "and", "for", "that", "this", "with", "from", "are", "was", "which", "when", "can",
    "will", "not", "you", "your", "its", "has", "have", "may", "all", "any", "such", "into",
];

/// Deterministic pseudo-random numbers (SplitMix64): the same seed gives the same wiki, so
/// runs compare.
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        Rng(seed)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `lo..=hi`.
    pub(crate) fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + (self.next() % (hi - lo + 1) as u64) as usize
    }
}

/// The corpus cut into sentences, kept per document so an article can stay on one topic.
pub(crate) struct SentencePool {
    documents: Vec<Vec<String>>,
    /// Cumulative sentence counts: a document is drawn in proportion to its length.
    cumulative: Vec<usize>,
}

impl SentencePool {
    /// Reads every HTML, text and PDF document under `corpus`.
    pub(crate) fn from_corpus(corpus: &Path) -> anyhow::Result<Self> {
        let mut files = Vec::new();
        collect_files(corpus, &mut files)?;
        files.sort();
        let mut documents = Vec::new();
        for file in files {
            let text = document_text(&file)?;
            let sentences = sentences(&text);
            if !sentences.is_empty() {
                documents.push(sentences);
            }
        }
        let mut total = 0;
        let cumulative = documents
            .iter()
            .map(|d| {
                total += d.len();
                total
            })
            .collect();
        anyhow::ensure!(total > 0, "no sentences in {}", corpus.display());
        Ok(SentencePool {
            documents,
            cumulative,
        })
    }

    pub(crate) fn sentence_count(&self) -> usize {
        self.cumulative.last().copied().unwrap_or(0)
    }

    pub(crate) fn document_count(&self) -> usize {
        self.documents.len()
    }

    fn document(&self, rng: &mut Rng) -> &[String] {
        let pick = rng.range(0, self.sentence_count().saturating_sub(1));
        let i = self.cumulative.partition_point(|&c| c <= pick);
        &self.documents[i.min(self.documents.len() - 1)]
    }

    /// Any sentence of the corpus.
    pub(crate) fn sentence(&self, rng: &mut Rng) -> &str {
        let doc = self.document(rng);
        &doc[rng.range(0, doc.len() - 1)]
    }
}

fn collect_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) -> anyhow::Result<()> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("listing {}", dir.display()))? {
        let path = entry?.path();
        if path.is_dir() {
            collect_files(&path, out)?;
        } else if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("html" | "txt" | "pdf")
        ) {
            out.push(path);
        }
    }
    Ok(())
}

/// A document's readable text, by the extractors ingestion uses.
fn document_text(path: &Path) -> anyhow::Result<String> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let text = match path.extension().and_then(|e| e.to_str()) {
        Some("html") => {
            shared::extract::html::extract_html(&String::from_utf8_lossy(&bytes), None)
                .with_context(|| format!("extracting {}", path.display()))?
                .markdown
        }
        Some("pdf") => shared::extract::pdf::extract_pdf(&bytes, MAX_PDF_PAGES)
            .with_context(|| format!("extracting {}", path.display()))?
            .to_markdown(),
        _ => String::from_utf8_lossy(&bytes).into_owned(),
    };
    Ok(text)
}

/// Prose sentences of a markdown text: headings, tables and code are skipped, inline syntax
/// removed, and a sentence ends at `.`, `?` or `!` before a capital letter, or with its
/// paragraph.
fn sentences(markdown: &str) -> Vec<String> {
    let mut prose = String::new();
    let mut in_code = false;
    for line in markdown.lines() {
        let t = line.trim();
        if t.starts_with("```") {
            in_code = !in_code;
            continue;
        }
        // A blank line ends a paragraph, and so a sentence: in PDF text a table or a command
        // listing without full stops would otherwise glue itself to the next sentence.
        if in_code || t.is_empty() || t.starts_with(['#', '|', '$']) || t.starts_with(">>>") {
            prose.push('\n');
            continue;
        }
        prose.push_str(t.trim_start_matches(['-', '*', ' ']));
        prose.push(' ');
    }
    let cleaned: String = strip_links(&prose)
        .chars()
        .filter(|c| !matches!(c, '`' | '*' | '\\' | '_' | '¶'))
        .collect();
    let mut out = Vec::new();
    for block in cleaned.split('\n') {
        let words: Vec<&str> = block.split_whitespace().collect();
        let mut start = 0;
        for i in 0..words.len() {
            let ends = words[i].ends_with(['.', '?', '!'])
                && words
                    .get(i + 1)
                    .is_none_or(|next| next.starts_with(|c: char| c.is_uppercase()));
            if ends {
                let sentence = &words[start..=i];
                let alphabetic = sentence
                    .iter()
                    .filter(|w| {
                        w.chars()
                            .all(|c| c.is_alphabetic() || ",.;:'’()".contains(c))
                    })
                    .count();
                if (MIN_WORDS..=MAX_WORDS).contains(&sentence.len())
                    && alphabetic * 10 >= sentence.len() * 7
                {
                    out.push(sentence.join(" "));
                }
                start = i + 1;
            }
        }
    }
    out
}

/// `[text](target)` becomes `text`.
fn strip_links(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(open) = rest.find('[') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find("](").and_then(|mid| {
            after[mid + 2..]
                .find(')')
                .map(|close| (mid, mid + 2 + close + 1))
        }) {
            Some((mid, end)) => {
                out.push_str(&after[..mid]);
                rest = &after[end..];
            }
            None => {
                out.push('[');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Up to `n` distinctive words of a sentence, capitalised: titles, headings and concepts.
fn key_words(sentence: &str, n: usize) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    for w in sentence.split_whitespace() {
        let w: String = w.chars().filter(|c| c.is_alphanumeric()).collect();
        let lower = w.to_lowercase();
        if w.chars().count() < 4 || FILLER.contains(&lower.as_str()) || words.contains(&w) {
            continue;
        }
        let mut chars = w.chars();
        words.push(chars.next().map_or(String::new(), |c| {
            c.to_uppercase().chain(chars).collect::<String>()
        }));
        if words.len() == n {
            break;
        }
    }
    words
}

/// Article number `n` of a seeded wiki: a title, a summary, three to five sections of a few
/// paragraphs and four to six key claims, all from one corpus document.
pub(crate) fn article(pool: &SentencePool, n: usize, rng: &mut Rng) -> ArticleWrite {
    let doc = pool.document(rng);
    let mut sections: Vec<(String, Vec<&str>)> = Vec::new();
    for _ in 0..rng.range(3, 5) {
        let len = rng.range(4, 10).min(doc.len());
        let start = rng.range(0, doc.len() - len);
        let run: Vec<&str> = doc[start..start + len].iter().map(String::as_str).collect();
        let heading = key_words(run[0], 3).join(" ");
        sections.push((heading, run));
    }
    let first = &sections[0].1;
    let topic = key_words(first[0], 3).join(" ");
    let title = format!("{} {n}", if topic.is_empty() { "Notes" } else { &topic });
    let summary = first[..first.len().min(2)].join(" ");

    let mut body = format!("## Overview\n\n{summary}\n\n");
    for (heading, run) in &sections {
        body.push_str(&format!("## {heading}\n\n"));
        for paragraph in run.chunks(rng.range(2, 4)) {
            body.push_str(&paragraph.join(" "));
            body.push_str("\n\n");
        }
    }
    let all: Vec<&str> = sections
        .iter()
        .flat_map(|(_, run)| run.iter().copied())
        .collect();
    let claims: Vec<ClaimWrite> = (0..rng.range(4, 6))
        .map(|_| {
            let s = all[rng.range(0, all.len() - 1)];
            ClaimWrite {
                text: s.to_owned(),
                confidence: Confidence::Sourced,
                quote: Some(s.to_owned()),
                verified: true,
                span: None,
                source_id: None,
            }
        })
        .collect();
    body.push_str("## Key points\n\n");
    for c in &claims {
        body.push_str(&format!("- {}\n", c.text));
    }
    let concepts = key_words(&all.join(" "), 4)
        .into_iter()
        .map(|w| (w.to_lowercase(), w))
        .collect();
    ArticleWrite {
        id: shared::domain::ArticleId::new(),
        slug: format!("{}-{n}", slugify(&topic, 60)),
        title_key: normalize_title(&title),
        file_content: format!("# {title}\n\n{body}"),
        title,
        summary,
        page_type: PageType::Source,
        confidence: Confidence::Sourced,
        provider: "seed".to_owned(),
        model: "corpus-sentences".to_owned(),
        awaiting_model: false,
        body,
        open_questions: Vec::new(),
        concepts,
        claims,
        source_ids: Vec::new(),
        alias_keys: Vec::new(),
        links: Vec::new(),
        mention_passages: Vec::new(),
    }
}

/// Writes articles `from..to` (numbered so slugs stay unique across calls), `parallel` at a
/// time; returns how long it took.
pub(crate) async fn seed(
    db: &Db,
    pool: &SentencePool,
    from: usize,
    to: usize,
    parallel: usize,
) -> anyhow::Result<Duration> {
    let started = Instant::now();
    // One generator per article, seeded by its number: the wiki does not depend on how the
    // writes interleave.
    futures::stream::iter(from..to)
        .map(|n| async move {
            let a = article(pool, n, &mut Rng::new(n as u64));
            save_article(db, &a)
                .await
                .with_context(|| format!("saving seeded article {n}"))
        })
        .buffer_unordered(parallel.max(1))
        .try_for_each(|_| async { Ok(()) })
        .await?;
    Ok(started.elapsed())
}
