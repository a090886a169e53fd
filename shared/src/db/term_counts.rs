//! How many passages hold each word of a query, up to the count that makes a word *common*:
//! what [`QueryTerms::candidate_sets`](crate::search::QueryTerms::candidate_sets) chooses the
//! passages to rank by.
//!
//! SQLite counts, in one statement, each count stopped at that threshold. PostgreSQL cannot
//! count cheaply (its GIN index yields pages to recheck, so counting a common word reads every
//! passage holding it: up to 40 ms a word at 1.3 M passages), so there the planner's own
//! statistics say which words are common: `pg_stats.most_common_elems` of the passages'
//! `tsvector`, kept by autovacuum's ANALYZE, read once a minute per database.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sqlx::PgPool;

use super::{Db, DbResult};
use crate::search::fts5_term;

/// A term held by one passage in this many is common: its weight in a rank is low, and
/// ranking every passage holding it is what would make a search slow.
const COMMON_SHARE: i64 = 100;
/// ... and so is a term held by this many passages, in a wiki of fewer than 200,000
/// passages: counting stops there, so it stays cheap.
const COMMON_AT_LEAST: i64 = 2_000;
/// How long PostgreSQL's statistics are used before they are read again. ANALYZE runs far
/// less often; reading them costs about 10 ms.
const STATISTICS_KEPT_FOR: Duration = Duration::from_secs(60);

/// How many passages hold each term (`terms[i]` at `[i]`), and the count from which a term
/// is common. Counts at or past that threshold are not exact; on PostgreSQL, a word the
/// statistics do not list counts as 1 (rarer than any they list, perhaps held by none), and a
/// word its text search drops (an English stop word) as 0.
pub(crate) async fn passages_holding(db: &Db, terms: &[String]) -> DbResult<(Vec<i64>, i64)> {
    match db {
        Db::Sqlite(p) => counted(p, terms).await,
        Db::Postgres(p) => estimated(p, terms).await,
    }
}

/// SQLite: one statement counts them all. The terms are bound; only numbers are formatted in.
async fn counted(p: &sqlx::SqlitePool, terms: &[String]) -> DbResult<(Vec<i64>, i64)> {
    // The span of passage ids stands for the number of passages: two index lookups where a
    // count would read the whole table (each in a subquery of its own: together in one
    // select, SQLite would scan the table for them). Re-indexing gives an article's passages
    // new ids, so the span outgrows the count over time: the threshold only grows more
    // lenient, and counting stays bounded by it.
    let mut sql = format!(
        "with cap as (select max({COMMON_AT_LEAST}, coalesce(((select max(id) from \
         search_chunks) - (select min(id) from search_chunks) + 1) / {COMMON_SHARE}, 0)) as n) \
         select -1 as i, n from cap"
    );
    for i in 0..terms.len() {
        sql.push_str(&format!(
            " union all select {i}, count(*) from (select 1 from search_fts where search_fts \
             match ${n} limit (select n from cap)) s{i}",
            n = i + 1
        ));
    }
    let mut query = sqlx::query_as(sqlx::AssertSqlSafe(sql));
    for term in terms {
        query = query.bind(fts5_term(term));
    }
    let rows: Vec<(i64, i64)> = query.fetch_all(p).await?;
    let mut holding = vec![0; terms.len()];
    let mut common_at = COMMON_AT_LEAST;
    for (i, n) in rows {
        match usize::try_from(i).ok().and_then(|i| holding.get_mut(i)) {
            Some(slot) => *slot = n,
            None => common_at = n,
        }
    }
    Ok((holding, common_at))
}

/// PostgreSQL: each term stemmed as the index stems it, looked up among the common lexemes.
async fn estimated(p: &PgPool, terms: &[String]) -> DbResult<(Vec<i64>, i64)> {
    let common = common_lexemes(p).await?;
    let lexemes: Vec<(i64, Vec<String>)> = sqlx::query_as(
        "select n, tsvector_to_array(to_tsvector('english', t)) \
         from unnest($1::text[]) with ordinality as w(t, n)",
    )
    .bind(terms)
    .fetch_all(p)
    .await?;
    let mut holding = vec![0; terms.len()];
    for (n, lexemes) in lexemes {
        let Some(slot) = usize::try_from(n - 1).ok().and_then(|i| holding.get_mut(i)) else {
            continue;
        };
        // A word may stem to several lexemes; the passages holding all of them are fewer
        // than those holding the rarest.
        *slot = lexemes
            .iter()
            .map(|l| common.holding.get(l).copied().unwrap_or(1))
            .min()
            .unwrap_or(0);
    }
    Ok((holding, common.common_at))
}

/// The lexemes held by at least `common_at` passages, by how many (estimated).
#[derive(Debug)]
struct CommonLexemes {
    holding: HashMap<String, i64>,
    common_at: i64,
    read_at: Instant,
}

/// Per database (a process may hold pools on several).
type Cache = Mutex<HashMap<String, Arc<CommonLexemes>>>;

static CACHE: std::sync::LazyLock<Cache> = std::sync::LazyLock::new(Default::default);

async fn common_lexemes(p: &PgPool) -> DbResult<Arc<CommonLexemes>> {
    let key = p
        .connect_options()
        .get_database()
        .unwrap_or_default()
        .to_owned();
    let cached = CACHE.lock().ok().and_then(|c| c.get(&key).cloned());
    if let Some(common) = cached.filter(|c| c.read_at.elapsed() < STATISTICS_KEPT_FOR) {
        return Ok(common);
    }
    let common = Arc::new(read_common_lexemes(p).await?);
    if let Ok(mut cache) = CACHE.lock() {
        cache.insert(key, common.clone());
    }
    Ok(common)
}

#[derive(sqlx::FromRow, Default)]
struct LexemeStatistics {
    lexemes: Option<Vec<String>>,
    shares: Option<Vec<f32>>,
    passages: f64,
}

/// The statistics ANALYZE keeps of the passages' lexemes: those it found most often, with
/// the share of passages holding each, and the number of passages. A table never analysed
/// has none: nothing is common then, as in a small wiki.
async fn read_common_lexemes(p: &PgPool) -> DbResult<CommonLexemes> {
    let row: Option<LexemeStatistics> = sqlx::query_as(
        "select s.most_common_elems::text::text[] as lexemes, s.most_common_elem_freqs as shares, \
         greatest(c.reltuples, 0)::float8 as passages \
         from pg_stats s join pg_class c on c.oid = 'search_chunks'::regclass \
         where s.schemaname = current_schema() and s.tablename = 'search_chunks' \
         and s.attname = 'tsv'",
    )
    .fetch_optional(p)
    .await?;
    let LexemeStatistics {
        lexemes,
        shares,
        passages,
    } = row.unwrap_or_default();
    // Whole passages, not fractions of one: the estimates are only compared with a count.
    let common_at = COMMON_AT_LEAST.max(passages as i64 / COMMON_SHARE);
    // The shares list one per lexeme, then the lowest, the highest and the share of empty
    // values: zip stops at the lexemes.
    let holding = lexemes
        .unwrap_or_default()
        .into_iter()
        .zip(shares.unwrap_or_default())
        .map(|(lexeme, share)| (lexeme, (f64::from(share) * passages) as i64))
        .filter(|&(_, n)| n >= common_at)
        .collect();
    Ok(CommonLexemes {
        holding,
        common_at,
        read_at: Instant::now(),
    })
}
