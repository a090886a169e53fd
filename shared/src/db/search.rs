//! The full-text index: writing an article's passages and ranking passages for a query.
//! SQLite uses FTS5 (bm25, porter stemming); PostgreSQL a weighted `tsvector` with a GIN
//! index, `websearch_to_tsquery` and `ts_rank`. Both mark hits in snippets with
//! [`HIT_START`]/[`HIT_END`].
//!
//! The work of a search is bounded whatever the size of the wiki: which words are common is
//! known without reading the passages holding them (`term_counts`), common words choose no
//! candidates while rarer ones do, and at most [`MAX_CANDIDATES`] passages are scored per
//! candidate set (of at most two). On SQLite a common word then adds nothing to a passage's
//! score (FTS5 ranks by the expression matched, and weighing a word counts every passage
//! holding it); on PostgreSQL every word of the query scores the candidates. On both,
//! snippets are made only for what is shown.

use super::term_counts::{TermCounts, passages_holding};
use super::{Db, DbError, DbResult};
use crate::domain::ArticleId;
use crate::search::{Candidates, HIT_END, HIT_START, Passage, PassageKind, QueryTerms};

/// Words of context around hits in a snippet.
pub const SNIPPET_TOKENS: i64 = 24;

/// One ranked passage.
#[derive(Debug, Clone)]
pub struct PassageHit {
    pub chunk_id: i64,
    pub article_id: ArticleId,
    pub slug: String,
    pub title: String,
    pub summary: String,
    pub page_type: String,
    pub kind: PassageKind,
    pub heading: String,
    pub content: String,
    pub claim_position: Option<i32>,
    /// Higher is better; comparable only among the hits of one candidate set. Order, not
    /// score, is what ranks the hits of a query (a later set may score higher).
    pub score: f64,
    /// True when the full-text index matched it.
    pub full_text: bool,
    /// Cosine similarity to the question when the vector index found it.
    pub similarity: Option<f32>,
}

#[cfg(test)]
impl PassageHit {
    /// A hit for unit tests: article `article`, titled `title`, scored 1.
    pub(crate) fn sample(
        chunk_id: i64,
        article: u128,
        title: &str,
        kind: PassageKind,
        content: &str,
    ) -> Self {
        PassageHit {
            chunk_id,
            article_id: ArticleId::from_uuid(uuid::Uuid::from_u128(article)),
            slug: title.to_lowercase(),
            title: title.into(),
            summary: String::new(),
            page_type: "source".into(),
            kind,
            heading: String::new(),
            content: content.into(),
            claim_position: None,
            score: 1.0,
            full_text: true,
            similarity: None,
        }
    }
}

#[derive(sqlx::FromRow)]
struct HitRow {
    id: i64,
    article_id: ArticleId,
    slug: String,
    title: String,
    summary: String,
    page_type: String,
    kind: String,
    heading: String,
    content: String,
    claim_position: Option<i32>,
    score: f64,
}

impl TryFrom<HitRow> for PassageHit {
    type Error = DbError;

    fn try_from(r: HitRow) -> DbResult<Self> {
        Ok(PassageHit {
            chunk_id: r.id,
            article_id: r.article_id,
            slug: r.slug,
            title: r.title,
            summary: r.summary,
            page_type: r.page_type,
            kind: PassageKind::parse(&r.kind)
                .ok_or_else(|| DbError::Corrupt(format!("passage kind {:?}", r.kind)))?,
            heading: r.heading,
            content: r.content,
            claim_position: r.claim_position,
            score: r.score,
            full_text: true,
            similarity: None,
        })
    }
}

/// Replaces an article's passages inside the caller's transaction (the index triggers or the
/// generated column follow).
macro_rules! write_passages {
    ($tx:expr, $article_id:expr, $title:expr, $passages:expr) => {{
        sqlx::query("delete from search_chunks where article_id = $1")
            .bind($article_id)
            .execute(&mut *$tx)
            .await?;
        for (position, p) in $passages.iter().enumerate() {
            sqlx::query(
                "insert into search_chunks (article_id, position, kind, heading, title, content, \
                 claim_position) values ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind($article_id)
            .bind(i32::try_from(position).unwrap_or(i32::MAX))
            .bind(p.kind.as_str())
            .bind(&p.heading)
            .bind($title)
            .bind(&p.content)
            .bind(p.claim_position)
            .execute(&mut *$tx)
            .await?;
        }
    }};
}
pub(crate) use write_passages;

/// Replaces an article's passages in their own transaction (backfill and re-indexing).
pub async fn replace_passages(
    db: &Db,
    article_id: ArticleId,
    title: &str,
    passages: &[Passage],
) -> DbResult<()> {
    use super::BeginWrite;
    crate::on_db!(db, |p| {
        let mut tx = p.begin_write().await?;
        write_passages!(tx, article_id, title, passages);
        tx.commit().await?;
        Ok(())
    })
}

/// Articles that have no passages yet (written before the index existed), oldest first.
pub async fn unindexed_articles(db: &Db, limit: i64) -> DbResult<Vec<ArticleId>> {
    let rows: Vec<(ArticleId,)> = crate::on_db!(db, |p| sqlx::query_as(
        "select a.id from articles a where not exists \
         (select 1 from search_chunks c where c.article_id = a.id) \
         order by a.created_at limit $1"
    )
    .bind(limit)
    .fetch_all(p)
    .await)?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

/// At most this many candidate passages are scored per candidate set: on SQLite the newest
/// of them; on PostgreSQL the first found (in no set order), an equal share for each word
/// when selective words choose them. A bound on the work that large wikis reach, mostly for
/// queries of common words alone (and small ones for long questions of many rarer words).
/// Lower on PostgreSQL, where each candidate costs a `ts_rank` (2,000 take about 6 ms at
/// 1.3 M passages) and the tsvector read with it.
const MAX_CANDIDATES: i64 = 5_000;
const MAX_CANDIDATES_POSTGRES: i64 = 2_000;

/// How many of PostgreSQL's candidates, the best by every word together (taken from each
/// word choosing candidates in turn), are ranked again with each word weighed by its rarity
/// (at least as many as asked for).
const RESCORED: i64 = 200;

/// The best-ranked passages for a query, best first, without snippets (see [`snippets`]).
/// Empty terms find nothing.
///
/// How many passages hold each term is counted or estimated first (`term_counts`); then each
/// candidate set those numbers choose ([`QueryTerms::candidate_sets`]) is ranked in turn, one
/// statement each, until `limit` passages are found: usually one.
#[tracing::instrument(skip_all, fields(terms = terms.terms().len(), limit), err)]
pub async fn passages(db: &Db, terms: &QueryTerms, limit: i64) -> DbResult<Vec<PassageHit>> {
    if terms.is_empty() {
        return Ok(Vec::new());
    }
    let counts = passages_holding(db, terms.terms()).await?;
    let wanted = usize::try_from(limit).unwrap_or(usize::MAX);
    let mut hits: Vec<PassageHit> = Vec::new();
    for candidates in terms.candidate_sets(&counts.holding, counts.common_at()) {
        if hits.len() >= wanted {
            break;
        }
        for hit in rank(db, terms, &counts, &candidates, limit).await? {
            if hits.len() < wanted && !hits.iter().any(|h| h.chunk_id == hit.chunk_id) {
                hits.push(hit);
            }
        }
    }
    Ok(hits)
}

/// The words of a query that some passage may hold, each with its weight by rarity
/// ([`TermCounts::rarity`]), for PostgreSQL's score.
struct Weighed {
    terms: Vec<String>,
    weights: Vec<f64>,
}

impl Weighed {
    fn new(terms: &QueryTerms, counts: &TermCounts) -> Self {
        let (terms, weights) = terms
            .terms()
            .iter()
            .zip(counts.rarity())
            .filter(|&(_, weight)| weight > 0.0)
            .map(|(term, weight)| (term.clone(), weight))
            .unzip();
        Self { terms, weights }
    }
}

/// The best `limit` of the passages `candidates` choose, best first: on SQLite ranked by the
/// candidate terms (FTS5 ranks by the expression it matched), on PostgreSQL by every word
/// some passage may hold, each weighed by its rarity.
async fn rank(
    db: &Db,
    terms: &QueryTerms,
    counts: &TermCounts,
    candidates: &Candidates,
    limit: i64,
) -> DbResult<Vec<PassageHit>> {
    let rows: Vec<HitRow> = match db {
        Db::Sqlite(p) => {
            // bm25 column weights: the article title, then the passage heading, then its text.
            // FTS5 ranks by the candidate expression itself, so common terms leave the score.
            // The floor keeps the newest MAX_CANDIDATES matches (rowids grow with time). Only
            // constants are formatted in.
            let sql = format!(
                "with top as (select rowid as id, bm25(search_fts, 10.0, 3.0, 1.0) as weight \
                 from search_fts where search_fts match $1 and rowid >= coalesce((select rowid \
                 from search_fts where search_fts match $1 order by rowid desc limit 1 \
                 offset {skip}), 0) order by weight limit $2) \
                 select c.id, c.article_id, a.slug, a.title, a.summary, a.page_type, c.kind, \
                 c.heading, c.content, c.claim_position, -top.weight as score \
                 from top join search_chunks c on c.id = top.id \
                 join articles a on a.id = c.article_id order by top.weight, top.id",
                skip = MAX_CANDIDATES - 1
            );
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(candidates.fts5_match())
                .bind(limit)
                .fetch_all(p)
                .await?
        }
        Db::Postgres(p) => {
            // Each part of the candidates' query chooses its share of them
            // (`Candidates::websearch_parts`). `ts_rank` weighs every word alike, so the
            // candidates are ranked twice: all of them once by every word together, one
            // `ts_rank` each; then the best RESCORED of those by each word apart, weighed by
            // its rarity (bm25's idf). Each word weighed is one more `ts_rank` of a row, each
            // unpacking its tsvector anew: weighing all 2,000 candidates of a nine-word question
            // took about 10 ms, weighing 200 of them 1 ms. The queries are parsed once each, in
            // FROM: as an argument of the ranking or a filter, a prepared statement's generic
            // plan would parse them for every row.
            let parts = candidates.websearch_parts();
            let part_count = i64::try_from(parts.len().max(1)).unwrap_or(1);
            let per_part = (MAX_CANDIDATES_POSTGRES / part_count).max(1);
            let weighed = Weighed::new(terms, counts);
            // A set of common words is read in table order when that finds its passages
            // sooner than the index would (`TermCounts::scanning_is_cheaper`): the function
            // behind `@@` matches the same passages but is no index condition. Only
            // constants are formatted in.
            let read_in_order = !candidates.is_selective() && {
                let which: Vec<usize> = candidates
                    .terms()
                    .iter()
                    .filter_map(|t| terms.terms().iter().position(|q| q == t))
                    .collect();
                counts.scanning_is_cheaper(&which, candidates.is_all(), per_part)
            };
            let matches = if read_in_order {
                "ts_match_vq(c.tsv, chosen)"
            } else {
                "c.tsv @@ chosen"
            };
            // The candidates weighed are taken from the parts in turn, each part's best first
            // (by every word alike), so each word choosing candidates has its share and a share
            // one word cannot fill passes to the others. A passage found by several parts
            // counts where it places best: ranked among a commoner word's passages holding
            // more of the query, a rare word's one passage would be cut.
            let sql = format!(
                "with words as (select websearch_to_tsquery('english', \
                   array_to_string($1::text[], ' or ')) as every, \
                   array_agg(websearch_to_tsquery('english', t) order by n) as queries, \
                   array_agg(weight order by n) as weights \
                   from unnest($1::text[], $5::float8[]) with ordinality u(t, weight, n)) \
                 select r.id, r.article_id, a.slug, a.title, a.summary, a.page_type, r.kind, \
                 r.heading, r.content, r.claim_position, r.score \
                 from (select b.id, b.article_id, b.kind, b.heading, b.content, \
                       b.claim_position, coalesce((select sum(w.weight * ts_rank(b.tsv, w.q, 1)) \
                       from unnest(words.queries, words.weights) w(q, weight)), 0)::float8 as score \
                       from (select d.* from \
                             (select distinct on (k.id) k.* from \
                              (select x.*, row_number() over (partition by x.part \
                                      order by x.coarse desc, x.id) as place \
                               from (select part.n as part, c.*, \
                                     ts_rank(c.tsv, words.every, 1) as coarse \
                                     from unnest($2::text[]) with ordinality part(words, n), \
                                     lateral websearch_to_tsquery('english', part.words) chosen, \
                                     lateral (select c.id, c.article_id, c.kind, c.heading, \
                                              c.content, c.claim_position, c.tsv \
                                              from search_chunks c where {matches} \
                                              limit $4) c, words) x) k \
                              order by k.id, k.place) d \
                             order by d.place, d.coarse desc, d.id \
                             limit greatest($3, $6)) b, words \
                       order by score desc, b.id limit $3) r \
                join articles a on a.id = r.article_id order by r.score desc, r.id"
            );
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(&weighed.terms)
                .bind(parts)
                .bind(limit)
                .bind(per_part)
                .bind(&weighed.weights)
                .bind(RESCORED)
                .fetch_all(p)
                .await?
        }
    };
    rows.into_iter().map(PassageHit::try_from).collect()
}

/// The passages `ids` around their hits of `terms`, hits marked with
/// [`HIT_START`]/[`HIT_END`], by passage id. Made apart from the ranking, and only for the
/// passages shown, because a snippet re-reads and re-tokenises its passage. A passage holding
/// none of the terms (one found by meaning alone) has none.
pub async fn snippets(
    db: &Db,
    terms: &QueryTerms,
    ids: &[i64],
) -> DbResult<std::collections::HashMap<i64, String>> {
    if terms.is_empty() || ids.is_empty() {
        return Ok(Default::default());
    }
    let rows: Vec<(i64, String)> = match db {
        Db::Sqlite(p) => {
            sqlx::query_as(
                "select rowid, snippet(search_fts, 2, $2, $3, '…', $4) from search_fts \
                 where search_fts match $1 and rowid in (select value from json_each($5))",
            )
            .bind(terms.fts5_match())
            .bind(HIT_START.to_string())
            .bind(HIT_END.to_string())
            .bind(SNIPPET_TOKENS)
            .bind(serde_json::to_string(ids).unwrap_or_else(|_| "[]".into()))
            .fetch_all(p)
            .await?
        }
        Db::Postgres(p) => {
            let options = format!(
                "StartSel={HIT_START}, StopSel={HIT_END}, MaxWords={SNIPPET_TOKENS}, MinWords=12, \
                 MaxFragments=2, FragmentDelimiter=\" … \""
            );
            sqlx::query_as(
                "select c.id, ts_headline('english', c.content, q, $2) \
                 from search_chunks c, websearch_to_tsquery('english', $1) q \
                 where c.id = any($3) and c.tsv @@ q",
            )
            .bind(terms.websearch())
            .bind(options)
            .bind(ids)
            .fetch_all(p)
            .await?
        }
    };
    Ok(rows.into_iter().collect())
}

/// Articles whose mention passages (their text, then their source's) contain `phrase` as
/// case-folded words, with a matching passage, at most `limit` articles.
pub async fn articles_mentioning(
    db: &Db,
    phrase: &str,
    limit: i64,
) -> DbResult<Vec<(ArticleId, String)>> {
    let words: Vec<&str> = phrase
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    if words.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<(ArticleId, String)> = match db {
        Db::Sqlite(p) => {
            let query = format!("\"{}\"", words.join(" "));
            sqlx::query_as(
                "select m.article_id, min(m.content) from mention_fts \
                 join mention_texts m on m.id = mention_fts.rowid \
                 where mention_fts match $1 group by m.article_id limit $2",
            )
            .bind(query)
            .bind(limit)
            .fetch_all(p)
            .await?
        }
        Db::Postgres(p) => {
            sqlx::query_as(
                "select m.article_id, min(m.content) from mention_texts m \
                 where m.tsv @@ phraseto_tsquery('simple', $1) \
                 group by m.article_id limit $2",
            )
            .bind(words.join(" "))
            .bind(limit)
            .fetch_all(p)
            .await?
        }
    };
    Ok(rows)
}

/// Passages by id (those the vector index found), in no particular order; `score` is 0.
pub async fn passages_by_ids(db: &Db, ids: &[i64]) -> DbResult<Vec<PassageHit>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    macro_rules! by_ids {
        ($filter:literal) => {
            concat!(
                "select c.id, c.article_id, a.slug, a.title, a.summary, a.page_type, c.kind, \
                 c.heading, c.content, c.claim_position, cast(0 as double precision) as score \
                 from search_chunks c join articles a on a.id = c.article_id \
                 where ",
                $filter
            )
        };
    }
    let rows: Vec<HitRow> = match db {
        Db::Sqlite(p) => {
            sqlx::query_as(by_ids!("c.id in (select value from json_each($1))"))
                .bind(serde_json::to_string(ids).unwrap_or_else(|_| "[]".into()))
                .fetch_all(p)
                .await?
        }
        Db::Postgres(p) => {
            sqlx::query_as(by_ids!("c.id = any($1)"))
                .bind(ids)
                .fetch_all(p)
                .await?
        }
    };
    rows.into_iter()
        .map(|r| {
            PassageHit::try_from(r).map(|mut hit| {
                hit.full_text = false;
                hit
            })
        })
        .collect()
}

/// Rebuilds one article's passages from what is stored.
pub async fn reindex_article(db: &Db, article_id: ArticleId) -> DbResult<()> {
    let (title, summary, body): (String, String, String) = crate::on_db!(db, |p| sqlx::query_as(
        "select title, summary, body from articles where id = $1"
    )
    .bind(article_id)
    .fetch_one(p)
    .await)?;
    let claims: Vec<(String, Option<String>)> = crate::on_db!(db, |p| sqlx::query_as(
        "select text, quote from claims where article_id = $1 order by position"
    )
    .bind(article_id)
    .fetch_all(p)
    .await)?;
    let claims: Vec<(&str, Option<&str>)> = claims
        .iter()
        .map(|(t, q)| (t.as_str(), q.as_deref()))
        .collect();
    let passages = crate::search::passages(&crate::search::PassageInput {
        summary: &summary,
        body: &body,
        claims: &claims,
    });
    replace_passages(db, article_id, &title, &passages).await
}

/// Indexes every article that has no passages yet, in batches; returns how many. Run at
/// start-up so a wiki written before the index existed becomes searchable.
pub async fn backfill(db: &Db) -> DbResult<usize> {
    let mut done = 0;
    loop {
        let batch = unindexed_articles(db, 200).await?;
        if batch.is_empty() {
            return Ok(done);
        }
        for id in batch {
            reindex_article(db, id).await?;
            done += 1;
        }
    }
}

/// How many passages an article has in the index.
pub async fn passage_count(db: &Db, article_id: ArticleId) -> DbResult<i64> {
    let (n,): (i64,) = crate::on_db!(db, |p| sqlx::query_as(
        "select count(*) from search_chunks where article_id = $1"
    )
    .bind(article_id)
    .fetch_one(p)
    .await)?;
    Ok(n)
}
