//! The response cache's table (see [`crate::llm::ResponseCache`]).

use async_trait::async_trait;

use super::{Db, DbResult, now};
use crate::llm::{CachedReply, ProviderKind, ResponseCache, Usage};
use crate::on_db;

/// The response cache, kept in the database so every gateway and worker shares it.
#[derive(Debug, Clone)]
pub struct DbResponseCache {
    db: Db,
}

impl DbResponseCache {
    pub fn new(db: Db) -> Self {
        Self { db }
    }
}

/// The reply kept under `key`.
pub async fn get(db: &Db, key: &str) -> DbResult<Option<CachedReply>> {
    let row: Option<(String, String, i64, i64)> = on_db!(db, |p| sqlx::query_as(
        "select model, content, input_tokens, output_tokens from llm_cache where key = $1"
    )
    .bind(key)
    .fetch_optional(p)
    .await)?;
    Ok(row.map(|(model, content, input, output)| CachedReply {
        model,
        content,
        usage: Usage {
            input_tokens: u64::try_from(input).unwrap_or_default(),
            output_tokens: u64::try_from(output).unwrap_or_default(),
        },
    }))
}

/// Keeps a reply under `key`; one already kept there stays (two workers may answer the same
/// request at once, with the same meaning).
pub async fn put(db: &Db, key: &str, provider: ProviderKind, reply: &CachedReply) -> DbResult<()> {
    on_db!(db, |p| {
        sqlx::query(
        "insert into llm_cache (key, provider, model, content, input_tokens, output_tokens, created_at) \
         values ($1, $2, $3, $4, $5, $6, $7) on conflict (key) do nothing"
    )
    .bind(key)
    .bind(provider.as_str())
    .bind(&reply.model)
    .bind(&reply.content)
    .bind(i64::try_from(reply.usage.input_tokens).unwrap_or(i64::MAX))
    .bind(i64::try_from(reply.usage.output_tokens).unwrap_or(i64::MAX))
    .bind(now())
    .execute(p)
    .await
    .map(|r| r.rows_affected())
    })?;
    Ok(())
}

#[async_trait]
impl ResponseCache for DbResponseCache {
    async fn get(&self, key: &str) -> Option<CachedReply> {
        get(&self.db, key).await.unwrap_or_else(|e| {
            tracing::warn!(error = %e, "could not read the response cache; calling the model");
            None
        })
    }

    async fn put(&self, key: &str, provider: ProviderKind, reply: &CachedReply) {
        if let Err(e) = put(&self.db, key, provider, reply).await {
            tracing::warn!(error = %e, "could not keep a reply in the response cache");
        }
    }
}
