//! An exhaustive ranking, as search ranked before candidates were narrowed: every passage
//! holding any query term is scored (bm25 on SQLite; on PostgreSQL `ts_rank` of the whole
//! query, every word alike, where search now weighs each word by its rarity). The benchmark
//! compares the articles `GET /api/search` returns with it to show what narrowing costs in
//! results, not only what it saves in time; on PostgreSQL it also counts the change of
//! weighing.

use shared::db::Db;
use shared::search::QueryTerms;
use uuid::Uuid;

/// Passages of the exhaustive ranking read to score the articles a search returned: enough
/// that an article left out scores below the exhaustive top 20.
const DEPTH: i64 = 3_000;

/// Every article among the first [`DEPTH`] passages of the exhaustive ranking of `query`,
/// with its best passage's score, best first.
pub(crate) async fn ranking(db: &Db, query: &str) -> anyhow::Result<Vec<(Uuid, f64)>> {
    let terms = QueryTerms::parse(query);
    if terms.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<(Uuid, f64)> = match db {
        Db::Sqlite(p) => {
            sqlx::query_as(
                "select c.article_id, -bm25(search_fts, 10.0, 3.0, 1.0) from search_fts \
                 join search_chunks c on c.id = search_fts.rowid where search_fts match $1 \
                 order by bm25(search_fts, 10.0, 3.0, 1.0), c.id limit $2",
            )
            .bind(terms.fts5_match())
            .bind(DEPTH)
            .fetch_all(p)
            .await?
        }
        Db::Postgres(p) => {
            sqlx::query_as(
                "select c.article_id, ts_rank(c.tsv, q, 1)::float8 as score \
                 from search_chunks c, websearch_to_tsquery('english', $1) q \
                 where c.tsv @@ q order by score desc, c.id limit $2",
            )
            .bind(terms.websearch())
            .bind(DEPTH)
            .fetch_all(p)
            .await?
        }
    };
    let mut articles: Vec<(Uuid, f64)> = Vec::new();
    for (id, score) in rows {
        if !articles.iter().any(|(a, _)| *a == id) {
            articles.push((id, score));
        }
    }
    Ok(articles)
}

/// How far result lists agree with the exhaustive ranking. Synthetic articles repeat corpus
/// sentences, so many passages tie: a result agrees when the exhaustive ranking scores it at
/// least as high as its own `n`-th article, whichever of the tied articles it is.
#[derive(Default, Clone, Copy)]
pub(crate) struct Agreement {
    /// Queries compared.
    pub(crate) queries: usize,
    /// Sum over queries of the share of results that belong in the exhaustive top `n`.
    in_top: f64,
    /// Queries whose first result ties the exhaustive ranking's best.
    pub(crate) same_first: usize,
}

impl Agreement {
    /// Adds one query: the articles returned, best first, and the exhaustive ranking.
    pub(crate) fn add(&mut self, got: &[Uuid], exact: &[(Uuid, f64)]) {
        if exact.is_empty() || got.is_empty() {
            return;
        }
        self.queries += 1;
        let score = |id: &Uuid| exact.iter().find(|(a, _)| a == id).map(|(_, s)| *s);
        let threshold = exact[exact.len().min(got.len()) - 1].1;
        let close = |s: f64, to: f64| s >= to - to.abs() * 1e-9;
        let in_top = got
            .iter()
            .filter(|id| score(id).is_some_and(|s| close(s, threshold)))
            .count();
        self.in_top += in_top as f64 / got.len() as f64;
        if score(&got[0]).is_some_and(|s| close(s, exact[0].1)) {
            self.same_first += 1;
        }
    }

    /// Mean share of results that belong in the exhaustive top, 0–1.
    pub(crate) fn overlap(&self) -> f64 {
        self.in_top / self.queries.max(1) as f64
    }
}
