//! The wiki's generation: a counter the database itself bumps (by triggers) whenever something
//! a reader sees may have changed, whichever process or code path wrote it. A cache of read
//! answers keyed by it is never stale and costs one tiny statement per read to check.

use super::{Db, DbResult};
use crate::on_db;

/// The wiki's current generation. Read it *before* reading what is cached under it: an answer
/// read afterwards is at least as new as the generation it is filed under.
pub async fn current(db: &Db) -> DbResult<i64> {
    let (value,): (i64,) = on_db!(db, |p| sqlx::query_as(
        "select value from wiki_generation where id = 1"
    )
    .fetch_one(p)
    .await)?;
    Ok(value)
}
