//! The article a conversation is filed as: its body (the turns as markdown with `[[Title]]`
//! links to the cited articles), summary, links and sources.

use std::collections::HashSet;
use std::sync::LazyLock;

use regex::Regex;

use super::FileBackError;
use crate::ask::conversation_markdown;
use crate::compile::offline::text::clean_inline;
use crate::compile::{Confidence, PageType, RelationType, normalize_title};
use crate::db::articles::{ArticleWrite, LinkWrite};
use crate::db::{self, Db, DbError};
use crate::domain::ArticleId;
use crate::domain::{AnswerMode, Turn};
use crate::wiki::{ArticleFile, SourceLine};

/// The summary is the first answer cut to about this many characters.
const SUMMARY_CHARS: usize = 200;

/// The article row and file for these turns (slug and version are filled in when saving).
pub(super) async fn page(
    db: &Db,
    id: ArticleId,
    title: &str,
    turns: &[Turn],
) -> Result<(ArticleWrite, ArticleFile), FileBackError> {
    let markdown = conversation_markdown(title, turns, true);
    // The reader and the file show the title themselves; the body starts at the first question.
    let body = markdown
        .split_once('\n')
        .map_or(markdown.as_str(), |(_, rest)| rest)
        .trim()
        .to_owned();
    // The first turn that found something is the one worth summarising and crediting.
    let Some(lead) = turns
        .iter()
        .find(|t| t.mode != AnswerMode::NothingRelevant)
        .or(turns.first())
    else {
        return Err(FileBackError::Invalid(
            "turn_indices: no turns to file".into(),
        ));
    };
    let summary = summary_of(&lead.answer);
    let title_key = normalize_title(title);
    let links = cited_links(db, id, &title_key, turns).await?;

    let mut source_ids = Vec::new();
    let mut source_lines = Vec::new();
    for source_id in turns
        .iter()
        .flat_map(|t| &t.citations)
        .filter_map(|c| c.source.as_ref().map(|s| s.id))
    {
        if source_ids.contains(&source_id) {
            continue;
        }
        // A citation outlives its source; only sources still in the wiki are linked.
        match db::sources::get(db, source_id).await {
            Ok(s) => {
                source_ids.push(s.id);
                source_lines.push(SourceLine {
                    id: s.id,
                    title: s.title,
                    url: s.url,
                    ingested: s.created_at,
                });
            }
            Err(DbError::NotFound) => {}
            Err(e) => return Err(e.into()),
        }
    }

    // A filed answer synthesises several cited articles without claims of its own, so no
    // single source states it: `Mixed` is the contract's level for "partly stated, partly
    // inferred".
    let confidence = Confidence::Mixed;
    let file = ArticleFile {
        id,
        slug: String::new(),
        title: title.to_owned(),
        page_type: PageType::Answer.as_str().to_owned(),
        summary: summary.clone(),
        confidence: confidence.as_str().to_owned(),
        provider: lead.provider.clone(),
        model: lead.model.clone(),
        version: 0,
        concepts: Vec::new(),
        aliases: Vec::new(),
        claims: Vec::new(),
        body: body.clone(),
        open_questions: Vec::new(),
        sources: source_lines,
        compiled: db::now(),
    };
    let write = ArticleWrite {
        id,
        slug: String::new(),
        title: title.to_owned(),
        title_key,
        summary,
        page_type: PageType::Answer,
        confidence,
        provider: lead.provider.clone(),
        model: lead.model.clone(),
        awaiting_model: false,
        body,
        open_questions: Vec::new(),
        concepts: Vec::new(),
        claims: Vec::new(),
        source_ids,
        alias_keys: Vec::new(),
        links,
        mention_passages: Vec::new(),
        file_content: String::new(),
    };
    Ok((write, file))
}

/// One `references` link per cited article, matching the `[[Title]]` the body shows. A cited
/// article deleted since is looked up by its title, and otherwise left unresolved so that it
/// resolves when an article of that title appears.
async fn cited_links(
    db: &Db,
    id: ArticleId,
    own_key: &str,
    turns: &[Turn],
) -> Result<Vec<LinkWrite>, FileBackError> {
    let mut seen = HashSet::new();
    let mut links = Vec::new();
    for article in turns.iter().flat_map(|t| &t.citations).map(|c| &c.article) {
        let text = article.title.trim().to_owned();
        let key = normalize_title(&text);
        // A later turn may cite this very answer page; a page does not link to itself.
        if article.id == id || key.is_empty() || key == own_key || !seen.insert(key.clone()) {
            continue;
        }
        let to = match db::articles::key(db, article.id).await? {
            Some(a) => Some(a.id),
            None => db::articles::resolve_title(db, &text, &key, Some(id))
                .await?
                .map(|a| a.id),
        };
        links.push(LinkWrite {
            target_text: text,
            target_key: key,
            to_article_id: to,
            relation_type: RelationType::References,
            origin: "wikilink",
            mention: None,
        });
    }
    Ok(links)
}

static MARKER: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(r"\s*\[\d{1,3}\]").ok());

/// The answer as plain text (no `[n]` markers, headings, fences or inline markdown), cut at a word
/// boundary near [`SUMMARY_CHARS`].
fn summary_of(answer: &str) -> String {
    let mut in_fence = false;
    let mut lines: Vec<&str> = Vec::new();
    for line in answer.lines().map(str::trim) {
        if line.starts_with("```") || line.starts_with("~~~") {
            in_fence = !in_fence;
            continue;
        }
        // Headings and code are structure, not something to read out of context.
        let line = line.trim_start_matches('>').trim();
        if !in_fence && !line.is_empty() && !line.starts_with('#') {
            lines.push(line);
        }
    }
    let joined = lines.join(" ");
    let unmarked = match MARKER.as_ref() {
        Some(re) => re.replace_all(&joined, "").into_owned(),
        None => joined,
    };
    let text = clean_inline(&unmarked);
    if text.chars().count() <= SUMMARY_CHARS {
        return text;
    }
    let cut: String = text.chars().take(SUMMARY_CHARS).collect();
    let cut = match cut.rfind(char::is_whitespace) {
        Some(i) if i > SUMMARY_CHARS / 2 => &cut[..i],
        _ => cut.as_str(),
    };
    format!("{}…", cut.trim_end_matches([' ', ',', ';', ':']))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_is_plain_text_of_the_answer() {
        assert_eq!(
            summary_of(
                "## Heaps\n\n```\nx = 1\n```\nThe **heappop** function pops the `smallest` item [1]. It keeps the heap [2]."
            ),
            "The heappop function pops the smallest item. It keeps the heap."
        );
        let long = "word ".repeat(100);
        let s = summary_of(&long);
        assert!(
            s.ends_with('…') && s.chars().count() <= SUMMARY_CHARS + 1,
            "{s}"
        );
    }
}
