//! Queries of Health's checks of pairs of pages (contradictions, duplicates): the pairs worth
//! comparing (they share a concept, one links to the other, or they have the same title),
//! their claims, and the verdicts already given on pairs at their current versions.

use std::collections::HashMap;

use crate::domain::ArticleId;
use chrono::Utc;
use uuid::Uuid;

use super::health::{PageAt, PagePairRow, page_pair};
use super::{Db, DbResult, rows_for_ids};
use crate::on_db;

/// Two pages worth comparing (`a.id < b.id`), and how many concepts they share.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub a: PageAt,
    pub b: PageAt,
    pub shared: i64,
}

/// Pairs of compiled pages (concept pages repeat their articles' claims, so they are left
/// out) that share a concept carried by at most `max_concept_size` pages, or that link one to
/// the other; most shared concepts first, at most `limit`. A concept on more pages than that
/// says too little about any two of them, and pairing all of its pages would grow with the
/// square of the wiki.
pub async fn candidate_pairs(
    db: &Db,
    max_concept_size: i64,
    limit: i64,
) -> DbResult<Vec<Candidate>> {
    type Row = (
        ArticleId,
        String,
        String,
        i32,
        ArticleId,
        String,
        String,
        i32,
        i64,
    );
    let rows: Vec<Row> = on_db!(db, |p| {
        sqlx::query_as(
        "with small as (select concept_id from article_concepts group by concept_id \
                        having count(*) <= $1), \
         pairs as ( \
           select x.article_id as a, y.article_id as b, count(*) as shared \
           from article_concepts x join small s on s.concept_id = x.concept_id \
           join article_concepts y on y.concept_id = x.concept_id and x.article_id < y.article_id \
           group by x.article_id, y.article_id \
           union all \
           select case when from_article_id < to_article_id then from_article_id else to_article_id end, \
                  case when from_article_id < to_article_id then to_article_id else from_article_id end, 0 \
           from links where to_article_id is not null and to_article_id <> from_article_id), \
         ranked as (select a, b, max(shared) as shared from pairs group by a, b) \
         select pa.id, pa.slug, pa.title, pa.version, pb.id, pb.slug, pb.title, pb.version, r.shared \
         from ranked r join articles pa on pa.id = r.a join articles pb on pb.id = r.b \
         where pa.page_type = 'source' and pb.page_type = 'source' \
         order by r.shared desc, pa.id, pb.id limit $2"
    )
    .bind(max_concept_size)
    .bind(limit)
    .fetch_all(p)
    .await
    })?;
    Ok(rows
        .into_iter()
        .map(|(ai, asl, at, av, bi, bsl, bt, bv, shared)| Candidate {
            a: PageAt {
                id: ai,
                slug: asl,
                title: at,
                version: av,
            },
            b: PageAt {
                id: bi,
                slug: bsl,
                title: bt,
                version: bv,
            },
            shared,
        })
        .collect())
}

/// A claim as the check compares it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ClaimText {
    pub article_id: ArticleId,
    /// Its place in the article (0-based), which names it in a finding.
    pub position: i32,
    pub text: String,
    pub quote: Option<String>,
}

/// The claims of these articles, by article, in order.
pub async fn claims_of(db: &Db, ids: &[ArticleId]) -> DbResult<HashMap<ArticleId, Vec<ClaimText>>> {
    let rows: Vec<ClaimText> = rows_for_ids(
        db,
        "select article_id, position, text, quote from claims where article_id",
        ids,
    )
    .await?;
    let mut by_article: HashMap<ArticleId, Vec<ClaimText>> = HashMap::new();
    for row in rows {
        by_article.entry(row.article_id).or_default().push(row);
    }
    for claims in by_article.values_mut() {
        claims.sort_by_key(|c| c.position);
    }
    Ok(by_article)
}

/// A verdict as stored: the versions it was given at and its JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredVerdict {
    pub version_a: i32,
    pub version_b: i32,
    pub verdicts: String,
}

/// The verdicts given on pairs whose first page is one of `firsts`, by pair.
pub async fn verdicts_for(
    db: &Db,
    firsts: &[ArticleId],
) -> DbResult<HashMap<(ArticleId, ArticleId), StoredVerdict>> {
    let rows: Vec<(ArticleId, i32, ArticleId, i32, String)> = rows_for_ids(
        db,
        "select article_a, version_a, article_b, version_b, verdicts \
         from contradiction_verdicts where article_a",
        firsts,
    )
    .await?;
    Ok(rows
        .into_iter()
        .map(|(a, version_a, b, version_b, verdicts)| {
            (
                (a, b),
                StoredVerdict {
                    version_a,
                    version_b,
                    verdicts,
                },
            )
        })
        .collect())
}

/// Records the verdict on a pair at these versions, replacing an older one.
pub async fn store_verdict(
    db: &Db,
    a: &PageAt,
    b: &PageAt,
    verdicts: &serde_json::Value,
) -> DbResult<()> {
    on_db!(db, |p| sqlx::query(
        "insert into contradiction_verdicts \
         (article_a, version_a, article_b, version_b, verdicts, checked_at) \
         values ($1, $2, $3, $4, $5, $6) \
         on conflict (article_a, article_b) do update set version_a = excluded.version_a, \
         version_b = excluded.version_b, verdicts = excluded.verdicts, \
         checked_at = excluded.checked_at"
    )
    .bind(a.id)
    .bind(a.version)
    .bind(b.id)
    .bind(b.version)
    .bind(verdicts.to_string())
    .bind(Utc::now())
    .execute(p)
    .await
    .map(|_| ()))?;
    Ok(())
}

/// How a person resolved a contradiction between claim `claim_a` of `a` and `claim_b` of `b`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolution {
    pub a: ArticleId,
    pub claim_a: String,
    pub b: ArticleId,
    pub claim_b: String,
    /// `source_a_wins`, `source_b_wins`, `both_valid` or `superseded`.
    pub resolution: String,
    /// The page and claim that lost, and the page that won (none when both are valid).
    pub losing: Option<(ArticleId, String)>,
    pub winning: Option<ArticleId>,
}

/// Records a resolution, replacing an earlier one of the same two claims.
pub async fn record_resolution(db: &Db, r: &Resolution) -> DbResult<()> {
    on_db!(db, |p| sqlx::query(
        "insert into contradiction_resolutions (id, article_a, claim_a, article_b, claim_b, \
         resolution, losing_article, losing_claim, winning_article, resolved_at) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
         on conflict (article_a, claim_a, article_b, claim_b) do update set \
         resolution = excluded.resolution, losing_article = excluded.losing_article, \
         losing_claim = excluded.losing_claim, winning_article = excluded.winning_article, \
         resolved_at = excluded.resolved_at"
    )
    .bind(Uuid::now_v7())
    .bind(r.a)
    .bind(&r.claim_a)
    .bind(r.b)
    .bind(&r.claim_b)
    .bind(&r.resolution)
    .bind(r.losing.as_ref().map(|(id, _)| *id))
    .bind(r.losing.as_ref().map(|(_, claim)| claim.as_str()))
    .bind(r.winning)
    .bind(Utc::now())
    .execute(p)
    .await
    .map(|_| ()))?;
    Ok(())
}

/// Two claims of two pages: `(a, claim of a, b, claim of b)`.
pub type ClaimPair = (ArticleId, String, ArticleId, String);

/// Every pair of claims a person has resolved.
pub async fn resolved_pairs(db: &Db) -> DbResult<std::collections::HashSet<ClaimPair>> {
    let rows: Vec<ClaimPair> = on_db!(db, |p| sqlx::query_as(
        "select article_a, claim_a, article_b, claim_b from contradiction_resolutions"
    )
    .fetch_all(p)
    .await)?;
    Ok(rows.into_iter().collect())
}

/// A claim of a page that lost a resolved contradiction.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Dispute {
    pub claim: String,
    pub resolution: String,
    /// The page whose claim won.
    pub by_id: ArticleId,
    pub by_slug: String,
    pub by_title: String,
}

/// The claims of `article_id` that lost a resolved contradiction.
pub async fn disputes_of(db: &Db, article_id: ArticleId) -> DbResult<Vec<Dispute>> {
    on_db!(db, |p| sqlx::query_as(
        "select r.losing_claim as claim, r.resolution, w.id as by_id, w.slug as by_slug, \
         w.title as by_title \
         from contradiction_resolutions r join articles w on w.id = r.winning_article \
         where r.losing_article = $1 and r.losing_claim is not null"
    )
    .bind(article_id)
    .fetch_all(p)
    .await)
    .map_err(Into::into)
}

/// Of two pages, the one changed longest ago (the one a newer page supersedes).
pub async fn older_of(db: &Db, a: ArticleId, b: ArticleId) -> DbResult<Option<ArticleId>> {
    let row: Option<(ArticleId,)> = on_db!(db, |p| sqlx::query_as(
        "select id from articles where id = $1 or id = $2 order by updated_at, id limit 1"
    )
    .bind(a)
    .bind(b)
    .fetch_optional(p)
    .await)?;
    Ok(row.map(|(id,)| id))
}

/// Pairs of compiled pages with the same title (as titles are compared: case, accents and
/// punctuation aside), `a.id < b.id`.
pub async fn same_title_pairs(db: &Db) -> DbResult<Vec<(PageAt, PageAt)>> {
    let rows: Vec<PagePairRow> = on_db!(db, |p| sqlx::query_as(
        "select a.id, a.slug, a.title, a.version, b.id, b.slug, b.title, b.version \
         from articles a join articles b on b.title_key = a.title_key and a.id < b.id \
         where a.page_type = 'source' and b.page_type = 'source' \
         order by lower(a.title), a.id, b.id"
    )
    .fetch_all(p)
    .await)?;
    Ok(rows.into_iter().map(page_pair).collect())
}
