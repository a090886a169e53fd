//! Scoring one question (where search ranks the answering document, whether the answer's
//! citations hold) and the report over all of them.

use std::collections::{BTreeMap, HashSet};

use anyhow::Context as _;
use serde_json::Value;

use crate::corpus::Corpus;
use crate::questions::Question;

/// Results read per search; a document ranked below this counts as not found (MRR@20).
pub(crate) const SEARCH_DEPTH: usize = 20;
/// The rank a document must reach to count as found in the headline recall.
const RECALL_AT: usize = 5;

/// What happened to one question.
pub(crate) struct Outcome {
    pub(crate) question: String,
    pub(crate) answer: String,
    /// 1-based rank of the first article compiled from the answering document.
    pub(crate) rank: Option<usize>,
    /// Titles of the first three results, to see what won instead.
    pub(crate) top: Vec<String>,
    pub(crate) mode: String,
    pub(crate) cited: Cited,
}

/// What an answer's citations hold up to.
pub(crate) struct Cited {
    pub(crate) citations: usize,
    /// Citations that carry a quote and a span.
    pub(crate) quoted: usize,
    /// Citations whose quote is the cited source's text at the span.
    pub(crate) quote_at_span: usize,
    /// Whether a citation names the answering document or an article compiled from it.
    pub(crate) cites_answer: bool,
}

/// The documents that answer a question, as the wiki knows them.
pub(crate) struct Expected {
    source_ids: HashSet<String>,
    article_ids: HashSet<String>,
}

impl Expected {
    pub(crate) fn new(question: &Question, corpus: &Corpus) -> anyhow::Result<Self> {
        let mut expected = Expected {
            source_ids: HashSet::new(),
            article_ids: HashSet::new(),
        };
        for path in question.documents() {
            let doc = corpus
                .by_path(path)
                .with_context(|| format!("{path} was not ingested"))?;
            expected.source_ids.insert(doc.source_id.clone());
            expected.article_ids.extend(doc.article_ids.iter().cloned());
        }
        Ok(expected)
    }
}

/// The rank of the expected articles in a `GET /api/search` reply.
pub(crate) fn rank(reply: &Value, expected: &Expected) -> (Option<usize>, Vec<String>) {
    let results = reply["results"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    let rank = results
        .iter()
        .position(|r| {
            r["article"]["id"]
                .as_str()
                .is_some_and(|id| expected.article_ids.contains(id))
        })
        .map(|i| i + 1);
    let top = results
        .iter()
        .take(3)
        .map(|r| r["article"]["title"].as_str().unwrap_or("?").to_owned())
        .collect();
    (rank, top)
}

/// Checks the citations of a `POST /api/ask` turn against the corpus.
pub(crate) fn citations(turn: &Value, expected: &Expected, corpus: &Corpus) -> Cited {
    let cites = turn["citations"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    let (mut quoted, mut at_span, mut cites_answer) = (0, 0, false);
    for c in cites {
        let source_id = c["source"]["id"].as_str();
        let article_id = c["article"]["id"].as_str();
        cites_answer |= source_id.is_some_and(|id| expected.source_ids.contains(id))
            || article_id.is_some_and(|id| expected.article_ids.contains(id));
        let (Some(quote), Some(start), Some(end), Some(source)) = (
            c["quote"].as_str(),
            c["span"]["start"].as_u64(),
            c["span"]["end"].as_u64(),
            source_id.and_then(|id| corpus.by_source(id)),
        ) else {
            continue;
        };
        quoted += 1;
        let (start, end) = (start as usize, end as usize);
        if start <= end && end <= source.text.len() {
            let slice: String = source.text[start..end].iter().collect();
            if normalise(&slice) == normalise(quote) {
                at_span += 1;
            }
        }
    }
    Cited {
        citations: cites.len(),
        quoted,
        quote_at_span: at_span,
        cites_answer,
    }
}

/// Whitespace runs to one space, ends trimmed: extraction may rewrap lines, not change words.
fn normalise(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn share(part: usize, whole: usize) -> String {
    if whole == 0 {
        return "–".to_owned();
    }
    format!(
        "{:.1}% ({part}/{whole})",
        100.0 * part as f64 / whole as f64
    )
}

/// The document group a corpus path belongs to (`html/python`, `text`, …).
fn group(path: &str) -> &str {
    path.rsplit_once('/').map_or(path, |(dir, _)| dir)
}

/// Prints the report as markdown.
pub(crate) fn report(outcomes: &[Outcome]) {
    let n = outcomes.len();
    let found_at = |k: usize| {
        outcomes
            .iter()
            .filter(|o| o.rank.is_some_and(|r| r <= k))
            .count()
    };
    let mrr = outcomes
        .iter()
        .map(|o| o.rank.map_or(0.0, |r| 1.0 / r as f64))
        .sum::<f64>()
        / n.max(1) as f64;
    let citations: usize = outcomes.iter().map(|o| o.cited.citations).sum();
    let quoted: usize = outcomes.iter().map(|o| o.cited.quoted).sum();
    let at_span: usize = outcomes.iter().map(|o| o.cited.quote_at_span).sum();
    let hits = outcomes.iter().filter(|o| o.cited.cites_answer).count();
    let mut modes: BTreeMap<&str, usize> = BTreeMap::new();
    for o in outcomes {
        *modes.entry(o.mode.as_str()).or_default() += 1;
    }

    println!("### Retrieval (`GET /api/search`, {n} questions)\n");
    println!("| measure | value |\n|---|---|");
    println!("| recall@1 | {} |", share(found_at(1), n));
    println!("| recall@{RECALL_AT} | {} |", share(found_at(RECALL_AT), n));
    println!(
        "| recall@{SEARCH_DEPTH} | {} |",
        share(found_at(SEARCH_DEPTH), n)
    );
    println!("| MRR (@{SEARCH_DEPTH}) | {mrr:.3} |");
    println!("\n| documents | questions | recall@1 | recall@{RECALL_AT} |\n|---|---|---|---|");
    let mut groups: BTreeMap<&str, Vec<&Outcome>> = BTreeMap::new();
    for o in outcomes {
        groups.entry(group(&o.answer)).or_default().push(o);
    }
    for (g, os) in &groups {
        let at = |k: usize| os.iter().filter(|o| o.rank.is_some_and(|r| r <= k)).count();
        println!(
            "| `{g}` | {} | {} | {} |",
            os.len(),
            share(at(1), os.len()),
            share(at(RECALL_AT), os.len())
        );
    }

    println!("\n### Answers (`POST /api/ask`)\n");
    println!("| measure | value |\n|---|---|");
    let mode_list: Vec<String> = modes.iter().map(|(m, c)| format!("{m} {c}")).collect();
    println!("| modes | {} |", mode_list.join(", "));
    println!(
        "| citations | {citations} ({:.1} per answer) |",
        citations as f64 / n.max(1) as f64
    );
    println!(
        "| citations with a quote and span | {} |",
        share(quoted, citations)
    );
    println!(
        "| quote found exactly at its span (of all citations) | {} |",
        share(at_span, citations)
    );
    println!(
        "| quote found exactly at its span (of quoted citations) | {} |",
        share(at_span, quoted)
    );
    println!(
        "| answers citing the answering document | {} |",
        share(hits, n)
    );

    let misses: Vec<&Outcome> = outcomes
        .iter()
        .filter(|o| o.rank.is_none_or(|r| r > RECALL_AT))
        .collect();
    println!(
        "\n### Missed by search at rank {RECALL_AT} ({})\n",
        misses.len()
    );
    print_outcomes(&misses);
    let uncited: Vec<&Outcome> = outcomes.iter().filter(|o| !o.cited.cites_answer).collect();
    println!(
        "\n### Answers that do not cite the answering document ({})\n",
        uncited.len()
    );
    print_outcomes(&uncited);
}

/// A table of questions to study: where search placed the answer and what won instead.
fn print_outcomes(outcomes: &[&Outcome]) {
    if outcomes.is_empty() {
        println!("None.");
        return;
    }
    println!(
        "| question | answering document | its rank | first results | answer mode | cites it |\n|---|---|---|---|---|---|"
    );
    for o in outcomes {
        let rank = o.rank.map_or(format!(">{SEARCH_DEPTH}"), |r| r.to_string());
        println!(
            "| {} | `{}` | {rank} | {} | {} | {} |",
            o.question,
            o.answer,
            o.top.join(" · "),
            o.mode,
            if o.cited.cites_answer { "yes" } else { "no" }
        );
    }
}
