//! Browser sessions ended by logging out. Session cookies are signed rather than stored, so a
//! logout records the cookie's signature here until the cookie would have expired anyway;
//! every gateway sharing the database then refuses it.

use chrono::{DateTime, Utc};

use super::{Db, DbResult, now};
use crate::on_db;

/// Records that the session with `signature` ended; expired records are dropped on the way.
pub async fn revoke(db: &Db, signature: &str, expires_at: DateTime<Utc>) -> DbResult<()> {
    on_db!(db, |p| sqlx::query(
        "delete from revoked_sessions where expires_at < $1"
    )
    .bind(now())
    .execute(p)
    .await
    .map(|r| r.rows_affected()))?;
    on_db!(db, |p| sqlx::query(
        "insert into revoked_sessions (signature, expires_at) values ($1, $2) \
         on conflict (signature) do nothing"
    )
    .bind(signature)
    .bind(expires_at)
    .execute(p)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// True when the session with `signature` was ended by a logout.
pub async fn is_revoked(db: &Db, signature: &str) -> DbResult<bool> {
    let row: Option<(String,)> = on_db!(db, |p| sqlx::query_as(
        "select signature from revoked_sessions where signature = $1"
    )
    .bind(signature)
    .fetch_optional(p)
    .await)?;
    Ok(row.is_some())
}
