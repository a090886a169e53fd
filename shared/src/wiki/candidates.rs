//! The existing pages a source is most likely about or related to, for the compile prompt: a
//! model can only link to pages it is shown, and a large wiki cannot be shown whole. First the
//! pages the text names (by title or alias), then the best full-text matches for the words
//! the text uses most. Bounded whatever the size of the wiki.

use crate::compile::{key_terms, phrase_keys};
use crate::db::{self, Db, DbResult};
use crate::domain::ArticleId;
use crate::search::{QueryTerms, articles_from_passages};

/// Longest stretch of the text read for names and terms.
const MAX_TEXT_CHARS: usize = 60_000;
/// Words of the text used as the full-text query.
const QUERY_TERMS: usize = 12;
/// Passages read to rank the full-text candidates.
const PASSAGES_READ: i64 = 200;

/// Titles of up to `limit` existing articles related to `text`, those it names first; the
/// article being recompiled (`exclude`) is left out.
pub async fn related_titles(
    db: &Db,
    text: &str,
    exclude: Option<ArticleId>,
    limit: usize,
) -> DbResult<Vec<String>> {
    let text = match text.char_indices().nth(MAX_TEXT_CHARS) {
        Some((i, _)) => &text[..i],
        None => text,
    };
    let mut ids: Vec<ArticleId> = Vec::new();
    let keys: Vec<String> = phrase_keys(text).into_keys().collect();
    for (_, id) in db::articles::named_by(db, &keys).await? {
        if Some(id) != exclude && !ids.contains(&id) {
            ids.push(id);
        }
    }
    let terms = QueryTerms::parse(&key_terms(text, QUERY_TERMS).join(" "));
    if !terms.is_empty() {
        let hits = db::search::passages(db, &terms, PASSAGES_READ).await?;
        for hit in articles_from_passages(&hits, limit) {
            let id = hit.article_id();
            if Some(id) != exclude && !ids.contains(&id) {
                ids.push(id);
            }
        }
    }
    let mut titles = Vec::new();
    for id in ids.into_iter().take(limit) {
        if let Some(a) = db::articles::key(db, id).await? {
            titles.push(a.title);
        }
    }
    Ok(titles)
}
