//! Settings a person changes in the web app, as text under dotted keys (`budget.enforce`), and
//! the marks that make a notice be sent once (`notice.budget.warning`). What a value means is
//! its owner's business (see [`crate::budget`]); this module only stores it.

use super::{Db, DbResult, now};
use crate::on_db;

/// Every stored `(key, value)` whose key starts with `prefix`.
pub async fn with_prefix(db: &Db, prefix: &str) -> DbResult<Vec<(String, String)>> {
    // `substr` rather than LIKE: no wildcard escaping, and no collation ordering to trust.
    let rows = on_db!(db, |p| sqlx::query_as(
        "select key, value from app_settings where substr(key, 1, length($1)) = $1 order by key"
    )
    .bind(prefix)
    .fetch_all(p)
    .await)?;
    Ok(rows)
}

/// Stores `value` under `key`, replacing what was there.
pub async fn put(db: &Db, key: &str, value: &str) -> DbResult<()> {
    swap(db, key, value).await.map(|_| ())
}

/// Stores `value` under `key` unless it is already there; true when this call changed it.
/// One statement, so of several processes swapping in the same value only one sees `true`.
pub async fn swap(db: &Db, key: &str, value: &str) -> DbResult<bool> {
    let changed = on_db!(db, |p| sqlx::query(
        "insert into app_settings (key, value, updated_at) values ($1, $2, $3) \
         on conflict (key) do update set value = excluded.value, updated_at = excluded.updated_at \
         where app_settings.value <> excluded.value"
    )
    .bind(key)
    .bind(value)
    .bind(now())
    .execute(p)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(changed > 0)
}

/// Removes `key` (its owner's default applies again).
pub async fn remove(db: &Db, key: &str) -> DbResult<()> {
    on_db!(db, |p| sqlx::query(
        "delete from app_settings where key = $1"
    )
    .bind(key)
    .execute(p)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Applies several changes at once, in one transaction: `Some(value)` stores, `None` removes.
/// For values that only mean something together (a provider and its model), so no reader sees
/// one without the other.
pub async fn change_together(db: &Db, changes: &[(&str, Option<&str>)]) -> DbResult<()> {
    use super::BeginWrite;
    let at = now();
    on_db!(db, |p| {
        let mut tx = p.begin_write().await?;
        for (key, value) in changes {
            match value {
                Some(value) => {
                    sqlx::query(
                        "insert into app_settings (key, value, updated_at) values ($1, $2, $3) \
                         on conflict (key) do update set value = excluded.value, \
                         updated_at = excluded.updated_at",
                    )
                    .bind(key)
                    .bind(value)
                    .bind(at)
                    .execute(&mut *tx)
                    .await?;
                }
                None => {
                    sqlx::query("delete from app_settings where key = $1")
                        .bind(key)
                        .execute(&mut *tx)
                        .await?;
                }
            }
        }
        tx.commit().await
    })?;
    Ok(())
}
