//! The wiki's generation: a counter the database itself bumps (by triggers) whenever something
//! a reader sees may have changed, whichever process or code path wrote it. A cache of read
//! answers keyed by it is never stale and costs one tiny statement per read to check.

use super::{Db, DbResult};
use crate::on_db;

/// The wiki's current generation. Read it *before* reading what is cached under it: an answer
/// read afterwards is at least as new as the generation it is filed under.
pub async fn current(db: &Db) -> DbResult<i64> {
    let (value,): (i64,) = on_db!(db, |p| sqlx::query_as(CURRENT).fetch_one(p).await)?;
    Ok(value)
}

/// Moves the generation on by hand, for a change the triggers cannot see: what a restore
/// does after its commit (indexing the restored vectors, putting the secret key in place)
/// changes answers read in between.
pub async fn bump(db: &Db) -> DbResult<()> {
    on_db!(db, |p| sqlx::query(
        "update wiki_generation set value = value + 1 where id = 1"
    )
    .execute(p)
    .await
    .map(drop))?;
    Ok(())
}

/// The statement both ways of reading run.
const CURRENT: &str = "select value from wiki_generation where id = 1";

/// Reads the generation the cheapest way the database allows: on SQLite through a read-only
/// connection of its own, on the caller's thread ([`sqliteread`]: microseconds, where a
/// statement through the pool is a hand-over to its connection thread and back); on
/// PostgreSQL, or when that connection cannot be had, a statement through the pool.
#[derive(Debug)]
pub struct Reader {
    db: Db,
    direct: Option<sqliteread::Int64Query>,
}

impl Reader {
    /// A reader of `db`'s generation (its migrations already run).
    pub fn new(db: &Db) -> Self {
        let direct = match db {
            Db::Sqlite(pool) => {
                let options = pool.connect_options();
                let path = options.get_filename();
                sqliteread::Int64Query::open(path, CURRENT)
                    .inspect_err(|e| {
                        tracing::warn!(error = %e, "reading the wiki's generation through the pool");
                    })
                    .ok()
            }
            Db::Postgres(_) => None,
        };
        Self {
            db: db.clone(),
            direct,
        }
    }

    /// The wiki's current generation (see [`current`]).
    pub async fn current(&self) -> DbResult<i64> {
        if let Some(direct) = &self.direct {
            match direct.read() {
                Ok(value) => return Ok(value),
                // Busy (a WAL being recovered, say): the pool waits as long as it must.
                Err(e) => tracing::debug!(error = %e, "the generation read directly failed"),
            }
        }
        current(&self.db).await
    }
}
