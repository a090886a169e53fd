//! The duplicate check: two pages about the same thing, such as two "Debian Reference" pages
//! compiled from two copies of one document. A pair is a duplicate when the pages have the same
//! title, or when their titles and claims share most of their words. Only pairs that share a
//! concept or a link are compared (see [`queries::candidate_pairs`]), never all pairs.

use std::collections::{BTreeSet, HashMap, HashSet};

use serde_json::json;

use super::contradiction::{MAX_CANDIDATES, MAX_CONCEPT_SIZE};
use super::{Finding, Kind};
use crate::db::contradictions::{self as queries, ClaimText};
use crate::db::health::PageAt;
use crate::db::{Db, DbResult};
use crate::domain::ArticleId;

/// Share of words (over both pages' words) at which two pages count as one.
const NEAR_IDENTICAL: f64 = 0.7;
/// Fewest words a page needs for the comparison to mean anything.
const MIN_WORDS: usize = 8;

/// The words a page's title and claims use.
fn words(title: &str, claims: &[ClaimText]) -> BTreeSet<String> {
    std::iter::once(title)
        .chain(claims.iter().map(|c| c.text.as_str()))
        .flat_map(|text| text.split(|c: char| !c.is_alphanumeric()))
        .filter(|w| w.chars().count() >= 3)
        .map(str::to_lowercase)
        .collect()
}

/// Shared words over all words.
fn similarity(a: &BTreeSet<String>, b: &BTreeSet<String>) -> f64 {
    let all = a.union(b).count();
    if all == 0 {
        return 0.0;
    }
    a.intersection(b).count() as f64 / all as f64
}

/// Finds pages that are one page twice.
pub(super) async fn check(db: &Db) -> DbResult<Vec<Finding>> {
    let mut pairs: Vec<(PageAt, PageAt, bool)> = queries::same_title_pairs(db)
        .await?
        .into_iter()
        .map(|(a, b)| (a, b, true))
        .collect();
    let seen: HashSet<(ArticleId, ArticleId)> =
        pairs.iter().map(|(a, b, _)| (a.id, b.id)).collect();
    pairs.extend(
        queries::candidate_pairs(db, MAX_CONCEPT_SIZE, MAX_CANDIDATES)
            .await?
            .into_iter()
            .filter(|c| !seen.contains(&(c.a.id, c.b.id)))
            .map(|c| (c.a, c.b, false)),
    );
    let mut ids: Vec<ArticleId> = pairs.iter().flat_map(|(a, b, _)| [a.id, b.id]).collect();
    ids.sort_unstable();
    ids.dedup();
    let claims = queries::claims_of(db, &ids).await?;
    let mut word_sets: HashMap<ArticleId, BTreeSet<String>> = HashMap::new();
    let no_claims = Vec::new();
    let mut findings = Vec::new();
    for (a, b, same_title) in pairs {
        for page in [&a, &b] {
            word_sets
                .entry(page.id)
                .or_insert_with(|| words(&page.title, claims.get(&page.id).unwrap_or(&no_claims)));
        }
        let (wa, wb) = (&word_sets[&a.id], &word_sets[&b.id]);
        let share = similarity(wa, wb);
        let near = wa.len() >= MIN_WORDS && wb.len() >= MIN_WORDS && share >= NEAR_IDENTICAL;
        if !same_title && !near {
            continue;
        }
        let percent = (share * 100.0).round() as i64;
        let what = if same_title {
            "have the same title"
        } else {
            "say nearly the same"
        };
        // `a` is the older page (ids grow with time): a merge keeps it.
        let message = format!(
            "“{}” and “{}” {what} ({percent} % of their words in common); merging keeps the older, {}.",
            a.title, b.title, a.slug
        );
        findings.push(Finding {
            kind: Kind::Duplicate,
            message,
            pages: vec![a, b],
            detail: json!({ "similarity": percent, "same_title": same_title }),
        });
    }
    Ok(findings)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claim(text: &str) -> ClaimText {
        ClaimText {
            article_id: ArticleId::from_uuid(uuid::Uuid::nil()),
            position: 0,
            text: text.to_owned(),
            quote: None,
        }
    }

    #[test]
    fn pages_sharing_most_words_are_alike_and_others_are_not() {
        let a = words(
            "Debian Reference",
            &[claim(
                "Debian is a free operating system maintained by volunteers.",
            )],
        );
        let b = words(
            "Debian reference",
            &[claim(
                "Debian is a free operating system maintained by its volunteers.",
            )],
        );
        let c = words(
            "Sourdough",
            &[claim("A starter of rye flour ferments for several days.")],
        );
        assert!(
            similarity(&a, &b) >= NEAR_IDENTICAL,
            "{}",
            similarity(&a, &b)
        );
        assert!(similarity(&a, &c) < 0.1);
    }
}
