//! How many passages hold each word of a query, up to the count that makes a word *common*:
//! what [`QueryTerms::candidate_sets`](crate::search::QueryTerms::candidate_sets) chooses the
//! passages to rank by.
//!
//! SQLite counts, in one statement, each count stopped at that threshold. PostgreSQL cannot
//! count cheaply (its GIN index yields pages to recheck, so counting a common word reads every
//! passage holding it: up to 40 ms a word at 1.3 M passages), so there the planner's own
//! statistics say which words are common: `pg_stats.most_common_elems` of the passages'
//! `tsvector`, kept by autovacuum's ANALYZE, read again once a minute or as soon as the
//! table's estimated size (which ANALYZE and VACUUM set) has changed.

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
/// What reading one entry of a word's posting list from PostgreSQL's GIN index costs, as a
/// share of reading one passage in table order and matching it (measured: 0.18 µs and 0.41 µs
/// a passage at 1.3 M passages, warm).
const INDEX_ENTRY_COST: f64 = 0.44;
/// How long PostgreSQL's statistics are used before they are read again (sooner when the
/// table's estimated size shows ANALYZE has run); reading them costs a few milliseconds.
const STATISTICS_KEPT_FOR: Duration = Duration::from_secs(60);

/// How many passages hold each word of a query, and what that makes of each word.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct TermCounts {
    /// For `terms[i]` at `[i]`; not exact at or past `common_at`. On PostgreSQL estimated: a
    /// word the statistics do not list counts as the rarest they list (perhaps held by none),
    /// and a word its text search drops (an English stop word) as 0.
    pub(super) holding: Vec<i64>,
    /// How many passages there are (estimated).
    pub(super) passages: i64,
}

impl TermCounts {
    /// From this many passages a word is common.
    pub(super) fn common_at(&self) -> i64 {
        common_at(self.passages)
    }

    /// How much each word weighs by its rarity: bm25's inverse document frequency, 0 for a
    /// word no passage holds. FTS5's bm25 weighs words itself; PostgreSQL's `ts_rank` weighs
    /// every word alike, so there each word is scored apart and weighed by this.
    pub(super) fn rarity(&self) -> Vec<f64> {
        let n = self.passages as f64;
        self.holding
            .iter()
            .map(|&held| {
                let held = held as f64;
                if held <= 0.0 {
                    0.0
                } else if n <= 0.0 {
                    // Not counted (a table never analysed): every word alike.
                    1.0
                } else {
                    ((n - held + 0.5).max(0.0) / (held + 0.5)).ln_1p()
                }
            })
            .collect()
    }

    /// Whether PostgreSQL finds the first `wanted` passages holding the words at `which` (all
    /// of them, or any) sooner by reading the table in order until it has them than through
    /// the GIN index. The index reads the words' posting lists before it yields a passage, and
    /// no LIMIT stops it (733,000 entries, 133 ms, for a set of words holding
    /// "key" at 100,000 articles); a scan stops at the `wanted`th match, which for a word in
    /// half the passages is about twice that many rows in. The share of passages matching is
    /// estimated as if words fell independently; passages of a word gathered late in the
    /// table would make the scan longer than estimated.
    pub(super) fn scanning_is_cheaper(&self, which: &[usize], all: bool, wanted: i64) -> bool {
        let n = self.passages as f64;
        let held: Vec<f64> = which
            .iter()
            .filter_map(|&i| self.holding.get(i))
            .map(|&h| h as f64)
            .collect();
        if n <= 0.0 || held.is_empty() {
            return false;
        }
        let shares = held.iter().map(|h| (h / n).clamp(0.0, 1.0));
        let matching = if all {
            shares.product::<f64>()
        } else {
            1.0 - shares.map(|s| 1.0 - s).product::<f64>()
        };
        if matching <= 0.0 {
            return false;
        }
        let rows_read = (wanted as f64 / matching).min(n);
        // For all of the words the index skips through the commoner words' postings by the
        // rarest one's; for any of them it reads every list whole.
        let entries_read = if all {
            held.iter().copied().fold(f64::INFINITY, f64::min)
        } else {
            held.iter().sum::<f64>()
        };
        rows_read < entries_read * INDEX_ENTRY_COST
    }
}

/// The count from which a word is common, among `passages` passages (SQLite's counting
/// statement writes the same in SQL, to stop each count there).
fn common_at(passages: i64) -> i64 {
    COMMON_AT_LEAST.max(passages / COMMON_SHARE)
}

/// How many passages hold each of `terms`: counted on SQLite, estimated on PostgreSQL.
pub(super) async fn passages_holding(db: &Db, terms: &[String]) -> DbResult<TermCounts> {
    match db {
        Db::Sqlite(p) => counted(p, terms).await,
        Db::Postgres(p) => estimated(p, terms).await,
    }
}

/// SQLite: one statement counts them all. The terms are bound; only numbers are formatted in.
async fn counted(p: &sqlx::SqlitePool, terms: &[String]) -> DbResult<TermCounts> {
    // The span of passage ids stands for the number of passages: two index lookups where a
    // count would read the whole table (each in a subquery of its own: together in one
    // select, SQLite would scan the table for them). Re-indexing gives an article's passages
    // new ids, so the span outgrows the count over time: the threshold only grows more
    // lenient, and counting stays bounded by it.
    let mut sql = format!(
        "with span as (select coalesce((select max(id) from search_chunks) - \
         (select min(id) from search_chunks) + 1, 0) as n), \
         cap as (select max({COMMON_AT_LEAST}, (select n from span) / {COMMON_SHARE}) as n) \
         select -1 as i, n from span"
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
    let mut counts = TermCounts {
        holding: vec![0; terms.len()],
        passages: 0,
    };
    for (i, n) in rows {
        match i {
            -1 => counts.passages = n,
            i => {
                if let Some(slot) = usize::try_from(i)
                    .ok()
                    .and_then(|i| counts.holding.get_mut(i))
                {
                    *slot = n;
                }
            }
        }
    }
    Ok(counts)
}

/// PostgreSQL: each term stemmed as the index stems it, looked up among the lexemes the
/// statistics list.
async fn estimated(p: &PgPool, terms: &[String]) -> DbResult<TermCounts> {
    // The table's estimated size comes along: ANALYZE changes it, so it says when the
    // statistics kept here are out of date.
    let lexemes: Vec<(i64, Vec<String>, f64)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "select n, tsvector_to_array(to_tsvector('english', t)), \
         (select {ESTIMATED_PASSAGES} from pg_class c where c.oid = 'search_chunks'::regclass) \
         from unnest($1::text[]) with ordinality as w(t, n)"
    )))
    .bind(terms)
    .fetch_all(p)
    .await?;
    let analysed = lexemes.first().map(|&(_, _, passages)| passages as i64);
    let listed = listed_lexemes(p, analysed).await?;
    // A word they do not list is rarer than any they do, so at most as common as the rarest,
    // and selective (whatever a short list says).
    let unlisted = listed.rarest.min(common_at(listed.passages) - 1).max(1);
    let mut holding = vec![0; terms.len()];
    for (n, lexemes, _) in lexemes {
        let Some(slot) = usize::try_from(n - 1).ok().and_then(|i| holding.get_mut(i)) else {
            continue;
        };
        // A word may stem to several lexemes; the passages holding all of them are at most
        // those holding the rarest.
        *slot = lexemes
            .iter()
            .map(|l| listed.holding.get(l).copied().unwrap_or(unlisted))
            .min()
            .unwrap_or(0);
    }
    Ok(TermCounts {
        holding,
        passages: listed.passages,
    })
}

/// The lexemes PostgreSQL's statistics list (the most frequent, up to 1,000 by default),
/// by how many passages hold each (estimated).
#[derive(Debug)]
struct ListedLexemes {
    holding: HashMap<String, i64>,
    /// How many passages hold the rarest of them.
    rarest: i64,
    passages: i64,
    read_at: Instant,
}

/// Per database server and name (a process may hold pools on several).
type Cache = Mutex<HashMap<String, Arc<ListedLexemes>>>;

static CACHE: std::sync::LazyLock<Cache> = std::sync::LazyLock::new(Default::default);

/// The statistics kept for this database, read again when older than
/// [`STATISTICS_KEPT_FOR`] or when the table's size has changed since (`passages`).
async fn listed_lexemes(p: &PgPool, passages: Option<i64>) -> DbResult<Arc<ListedLexemes>> {
    let options = p.connect_options();
    let key = format!(
        "{}:{}/{}",
        options.get_host(),
        options.get_port(),
        options.get_database().unwrap_or_default()
    );
    let cached = CACHE.lock().ok().and_then(|c| c.get(&key).cloned());
    let current = |c: &Arc<ListedLexemes>| {
        c.read_at.elapsed() < STATISTICS_KEPT_FOR && passages.is_none_or(|n| n == c.passages)
    };
    if let Some(listed) = cached.filter(current) {
        return Ok(listed);
    }
    let listed = Arc::new(read_listed_lexemes(p).await?);
    if let Ok(mut cache) = CACHE.lock() {
        cache.insert(key, listed.clone());
    }
    Ok(listed)
}

#[derive(sqlx::FromRow, Default)]
struct LexemeStatistics {
    lexemes: Option<Vec<String>>,
    shares: Option<Vec<f32>>,
    passages: f64,
}

/// The table's estimated number of passages, from `pg_class c` (-1 before it was ever
/// analysed or vacuumed).
const ESTIMATED_PASSAGES: &str = "greatest(c.reltuples, 0)::float8";

/// The statistics ANALYZE keeps of the passages' lexemes: those it found most often, with
/// the share of passages holding each, and the number of passages. A table never analysed
/// has none: nothing is common then, as in a small wiki, and every word weighs the same.
async fn read_listed_lexemes(p: &PgPool) -> DbResult<ListedLexemes> {
    // The table as the queries name it (through the search path), and its statistics.
    let row: Option<LexemeStatistics> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "select s.most_common_elems::text::text[] as lexemes, \
         s.most_common_elem_freqs as shares, {ESTIMATED_PASSAGES} as passages \
         from pg_class c join pg_namespace n on n.oid = c.relnamespace \
         left join pg_stats s on s.schemaname = n.nspname and s.tablename = c.relname \
         and s.attname = 'tsv' and not s.inherited \
         where c.oid = 'search_chunks'::regclass"
    )))
    .fetch_optional(p)
    .await?;
    let LexemeStatistics {
        lexemes,
        shares,
        passages,
    } = row.unwrap_or_default();
    // Whole passages, not fractions of one: the estimates are only compared with counts. A
    // listed lexeme is held by at least one passage, whatever the rounding.
    let estimate = |share: f32| ((f64::from(share) * passages).round() as i64).max(1);
    // The shares list one per lexeme, then the lowest, the highest and the share of empty
    // values: zip stops at the lexemes.
    let holding: HashMap<String, i64> = lexemes
        .unwrap_or_default()
        .into_iter()
        .zip(shares.unwrap_or_default())
        .map(|(lexeme, share)| (lexeme, estimate(share)))
        .collect();
    let passages = passages as i64;
    Ok(ListedLexemes {
        rarest: holding.values().copied().min().unwrap_or(1),
        holding,
        passages,
        read_at: Instant::now(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rarer_words_weigh_more_and_absent_ones_nothing() {
        let counts = TermCounts {
            holding: vec![50_000, 40, 0, 2_000],
            passages: 100_000,
        };
        let w = counts.rarity();
        assert!(w[1] > w[3] && w[3] > w[0] && w[0] > 0.0, "{w:?}");
        assert_eq!(w[2], 0.0);
        // Without statistics every word present weighs the same.
        let unknown = TermCounts {
            passages: 0,
            ..counts
        };
        assert_eq!(unknown.rarity(), [1.0, 1.0, 0.0, 1.0]);
    }

    #[test]
    fn a_scan_is_chosen_only_when_matches_come_soon() {
        // 1.3 M passages: "key" in half of them, "json" and "string" in 2 %, "obelisk" in 40.
        let counts = TermCounts {
            holding: vec![650_000, 31_000, 40, 26_000],
            passages: 1_300_000,
        };
        // Any of a very common word: 2,000 matches within about 4,000 rows, against 650,000
        // index entries.
        assert!(counts.scanning_is_cheaper(&[0], false, 2_000));
        assert!(counts.scanning_is_cheaper(&[0, 1, 2], false, 2_000));
        // A word in 2 %: 100,000 rows read against 31,000 entries.
        assert!(!counts.scanning_is_cheaper(&[1], false, 2_000));
        // All of two words in 2 % each: one passage in 2,000 holds both, so a scan would read
        // every passage before it had enough; the index.
        assert!(!counts.scanning_is_cheaper(&[1, 3], true, 2_000));
        // All of a word in half the passages and one in 2 %: 168,000 rows against the 31,000
        // entries of the rarer word the index walks by.
        assert!(!counts.scanning_is_cheaper(&[0, 1], true, 2_000));
        // All of two words in half the passages each: a quarter of the rows match.
        let halves = TermCounts {
            holding: vec![650_000, 640_000],
            passages: 1_300_000,
        };
        assert!(halves.scanning_is_cheaper(&[0, 1], true, 2_000));
        assert!(!counts.scanning_is_cheaper(&[2], false, 2_000));
        // Without statistics, or with no word, the index.
        let unknown = TermCounts {
            passages: 0,
            ..counts.clone()
        };
        assert!(!unknown.scanning_is_cheaper(&[0], false, 2_000));
        assert!(!counts.scanning_is_cheaper(&[], false, 2_000));
    }
}
