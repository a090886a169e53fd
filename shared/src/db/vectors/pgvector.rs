//! pgvector, where the PostgreSQL server has it: vectors compared in the server, and an HNSW
//! index per model (a partial index on `vector::vector(n)` for that model's rows), so a search
//! reads a few hundred index entries instead of every vector.
//!
//! `search_vectors.vector` stays `real[]`: the index is built on its cast, so a database is
//! the same with or without the extension, and dropping the extension loses only the index.

use sha2::{Digest, Sha256};
use sqlx::{PgConnection, PgPool};

use crate::db::DbResult;

/// The longest vector pgvector's HNSW index takes (`vector` type); longer ones are compared
/// exactly in the server.
const HNSW_MAX_DIMENSIONS: usize = 2000;

/// HNSW's candidate list when searching (`hnsw.ef_search`): `EF_PER_K` times the neighbours
/// asked for, within these bounds (the upper one pgvector's maximum). Measured on the search
/// bench's 13,000 passages: recall of the 120 nearest 0.87 with a list of 120, 0.99 with 480.
const EF_SEARCH: (usize, usize) = (100, 1000);
const EF_PER_K: usize = 4;

/// The extension's version, when it is created in this database.
pub(super) async fn version(pool: &PgPool) -> DbResult<Option<String>> {
    Ok(
        sqlx::query_scalar("select extversion from pg_extension where extname = 'vector'")
            .fetch_optional(pool)
            .await?,
    )
}

/// Creates the extension in this database when the server offers it. Creating it needs a
/// privilege the database's owner may lack; then vectors are searched without it, and the
/// warning says how to add it.
pub(super) async fn create_if_offered(pool: &PgPool) -> DbResult<Option<String>> {
    let offered: bool = sqlx::query_scalar(
        "select exists (select 1 from pg_available_extensions where name = 'vector')",
    )
    .fetch_one(pool)
    .await?;
    let created = if offered {
        sqlx::query("create extension if not exists vector")
            .execute(pool)
            .await
            .err()
    } else {
        None
    };
    let version = version(pool).await?;
    // Another process may have created it meanwhile (two `create`s race on the catalogue).
    if let (Some(e), None) = (created, &version) {
        tracing::warn!(
            error = %e,
            "pgvector is installed but could not be created in this database; vectors are \
             searched by an exact scan until a superuser runs `create extension vector`"
        );
    }
    Ok(version)
}

/// The name of `model`'s index for vectors of `dimensions` (a digest: model names are
/// free text).
fn index_name(model: &str, dimensions: usize) -> String {
    let digest = hex::encode(&Sha256::digest(model.as_bytes())[..6]);
    format!("search_vectors_hnsw_{dimensions}_{digest}")
}

/// The rows an index of `model`'s vectors of `dimensions` covers, as SQL. The model is a
/// literal, not a parameter: a partial index's predicate cannot be one, and a query matches
/// it only when it names the same value. An escape-string literal (`E'…'`, backslashes and
/// quotes doubled) reads the same whatever `standard_conforming_strings` says.
fn rows_of(model: &str, dimensions: usize) -> String {
    let literal = model.replace('\\', "\\\\").replace('\'', "''");
    format!("model = E'{literal}' and array_length(vector, 1) = {dimensions}")
}

/// Builds `model`'s HNSW index for vectors of `dimensions` unless it exists. Never fails the
/// caller: vectors are still compared (exactly) without it, so a failure is logged and the
/// next store or start tries again.
pub(super) async fn ensure_index(pool: &PgPool, model: &str, dimensions: usize) {
    // PostgreSQL's text holds no NUL, so no vector is stored under such a name (and the
    // name could not be written as a literal).
    if dimensions == 0 || dimensions > HNSW_MAX_DIMENSIONS || model.contains('\0') {
        return;
    }
    if let Err(e) = build_index(pool, model, dimensions).await {
        tracing::warn!(error = %e, model, dimensions, "vector index not built; vectors are compared exactly until it is");
    }
}

/// Whether the index `name` exists and is usable (a concurrent build that failed leaves an
/// invalid one behind, which the planner ignores).
async fn index_state(conn: &mut PgConnection, name: &str) -> DbResult<Option<bool>> {
    Ok(
        sqlx::query_scalar("select indisvalid from pg_index where indexrelid = to_regclass($1)")
            .bind(name)
            .fetch_optional(&mut *conn)
            .await?,
    )
}

/// Builds the index concurrently (compiles go on writing meanwhile), one process at a time
/// (a session advisory lock on its name), replacing an invalid one.
async fn build_index(pool: &PgPool, model: &str, dimensions: usize) -> DbResult<()> {
    let name = index_name(model, dimensions);
    let mut conn = pool.acquire().await?;
    if index_state(&mut conn, &name).await? == Some(true) {
        return Ok(());
    }
    let rows = rows_of(model, dimensions);
    sqlx::query("select pg_advisory_lock(hashtext($1))")
        .bind(&name)
        .execute(&mut *conn)
        .await?;
    let built = async {
        match index_state(&mut conn, &name).await? {
            Some(true) => return Ok(()),
            Some(false) => {
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "drop index concurrently {name}"
                )))
                .execute(&mut *conn)
                .await?;
            }
            None => {}
        }
        // The name is made here from a number and a digest; the predicate's model is quoted.
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "create index concurrently {name} on search_vectors using hnsw \
             ((vector::vector({dimensions})) vector_cosine_ops) where {rows}"
        )))
        .execute(&mut *conn)
        .await?;
        tracing::info!(index = %name, model, dimensions, "vector index built");
        DbResult::Ok(())
    }
    .await;
    sqlx::query("select pg_advisory_unlock(hashtext($1))")
        .bind(&name)
        .execute(&mut *conn)
        .await?;
    built
}

/// The `k` nearest passages by cosine distance, through the model's index when it exists
/// (otherwise pgvector compares every vector of the model in the server, still exactly).
pub(super) async fn nearest(
    pool: &PgPool,
    model: &str,
    query: &[f32],
    k: usize,
) -> DbResult<Vec<(i64, f32)>> {
    let dimensions = query.len();
    if k == 0 || dimensions == 0 || model.contains('\0') {
        return Ok(Vec::new());
    }
    let rows = rows_of(model, dimensions);
    let mut tx = pool.begin().await?;
    let ef_search = (k * EF_PER_K).clamp(EF_SEARCH.0, EF_SEARCH.1);
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "set local hnsw.ef_search = {ef_search}"
    )))
    .execute(&mut *tx)
    .await?;
    let found: Vec<(i64, f64)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "select chunk_id, vector::vector({dimensions}) <=> $1::real[]::vector({dimensions}) \
         from search_vectors where {rows} \
         order by vector::vector({dimensions}) <=> $1::real[]::vector({dimensions}) limit $2"
    )))
    .bind(query)
    .bind(i64::try_from(k).unwrap_or(i64::MAX))
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(super::by_similarity(found))
}
