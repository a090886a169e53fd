//! Turning the cited passage numbers into citations: each names the article of its passage
//! and, through the article's best verified claim for that passage, the exact quote and span
//! in the original source.

use std::collections::{BTreeSet, HashMap, HashSet};

use super::relevance::{Terms, word_set};
use crate::db::search::PassageHit;
use crate::db::{self, Db, DbResult};
use crate::domain::{ArticleDetail, ArticleRef, Citation, CitedPassage, Claim, SourceRef};
use crate::domain::{ArticleId, SourceId};
use crate::search::PassageKind;

/// Follow-up questions offered with an answer.
const MAX_FOLLOW_UPS: usize = 3;

/// Citations and what goes with them.
#[derive(Debug, Clone, Default)]
pub(super) struct Cited {
    pub(super) citations: Vec<Citation>,
    /// Retrieved articles the answer did not cite.
    pub(super) related: Vec<ArticleRef>,
    /// Open questions of the cited articles.
    pub(super) follow_ups: Vec<String>,
}

/// The verified claim that best supports `passage`: the claim itself for a claim passage,
/// otherwise the one sharing most words with the passage and the question.
fn best_claim(article: &ArticleDetail, passage: &PassageHit, terms: &Terms) -> Option<usize> {
    let grounded = |c: &Claim| c.verified && c.span.is_some() && c.quote.is_some();
    if passage.kind == PassageKind::Claim
        && let Some(k) = passage.claim_position.and_then(|k| usize::try_from(k).ok())
        && article.claims.get(k).is_some_and(grounded)
    {
        return Some(k);
    }
    let passage_words = word_set(&passage.content);
    article
        .claims
        .iter()
        .enumerate()
        .filter(|(_, c)| grounded(c))
        .map(|(i, c)| {
            let text = format!("{} {}", c.text, c.quote.as_deref().unwrap_or(""));
            let shared = word_set(&text).intersection(&passage_words).count();
            (i, terms.coverage(&text) * 100 + shared)
        })
        // The earliest claim wins a tie: claims come in the order of the source.
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
        .map(|(i, _)| i)
}

fn source_ref(article: &ArticleDetail, id: Option<SourceId>) -> Option<SourceRef> {
    let source = match id {
        Some(id) => article.sources.iter().find(|s| s.id == id),
        None => article.sources.first(),
    }?;
    Some(SourceRef {
        id: source.id,
        title: source.title.clone(),
        url: source.url.clone(),
    })
}

fn article_ref(a: &ArticleDetail) -> ArticleRef {
    ArticleRef {
        id: a.id,
        slug: a.slug.clone(),
        title: a.title.clone(),
    }
}

/// Builds the citations for the cited passage numbers (1-based into `passages`).
pub(super) async fn cite(
    db: &Db,
    passages: &[PassageHit],
    cited: &BTreeSet<u32>,
    terms: &Terms,
) -> DbResult<Cited> {
    let mut articles: HashMap<ArticleId, ArticleDetail> = HashMap::new();
    for p in passages {
        if let std::collections::hash_map::Entry::Vacant(slot) = articles.entry(p.article_id) {
            match db::articles::get_detail(db, &p.article_id.to_string()).await {
                Ok(a) => {
                    slot.insert(a);
                }
                // Deleted since it was retrieved: its passages cannot be cited.
                Err(db::DbError::NotFound) => {}
                Err(e) => return Err(e),
            }
        }
    }
    let mut out = Cited::default();
    for &n in cited {
        let Some(passage) = usize::try_from(n - 1).ok().and_then(|i| passages.get(i)) else {
            continue;
        };
        let Some(article) = articles.get(&passage.article_id) else {
            continue;
        };
        let claim = best_claim(article, passage, terms);
        let chosen = claim.and_then(|k| article.claims.get(k));
        out.citations.push(Citation {
            n,
            article: article_ref(article),
            passage: CitedPassage {
                kind: passage.kind.as_str().to_owned(),
                heading: passage.heading.clone(),
            },
            source: source_ref(article, chosen.and_then(|c| c.source_id)),
            quote: chosen.and_then(|c| c.quote.clone()),
            span: chosen.and_then(|c| c.span),
            claim_index: claim.and_then(|k| u32::try_from(k).ok()),
        });
    }
    let cited_articles: Vec<ArticleId> = out.citations.iter().map(|c| c.article.id).collect();
    let mut seen: HashSet<ArticleId> = HashSet::new();
    for p in passages {
        if !cited_articles.contains(&p.article_id)
            && seen.insert(p.article_id)
            && let Some(a) = articles.get(&p.article_id)
        {
            out.related.push(article_ref(a));
        }
    }
    let mut asked: HashSet<ArticleId> = HashSet::new();
    for id in cited_articles {
        if asked.insert(id)
            && let Some(a) = articles.get(&id)
        {
            out.follow_ups.extend(a.open_questions.iter().cloned());
        }
    }
    out.follow_ups.truncate(MAX_FOLLOW_UPS);
    Ok(out)
}
