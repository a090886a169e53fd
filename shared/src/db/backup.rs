//! The database side of backup and restore: every table worth keeping, read as rows of
//! dialect-neutral JSON inside one snapshot, and written back into an empty database of either
//! dialect.
//!
//! A value's neutral form is chosen by its column's [`Kind`], not by how a dialect stores it
//! (a uuid is a 16-byte blob on SQLite and `uuid` on PostgreSQL, a time is text on one and
//! `timestamptz` on the other), so a SQLite wiki restores into PostgreSQL and back.
//! [`uncovered_columns`] compares [`TABLES`] with the live schema, so a migration that adds a
//! column cannot silently leave it out of backups.

use chrono::{DateTime, Utc};
use futures::TryStreamExt;
use serde_json::Value;
use sqlx::{Postgres, Row, Sqlite};
use uuid::Uuid;

use super::{Db, DbError, DbResult};
use crate::on_db;

/// How a column's values are written in an archive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A uuid string.
    Uuid,
    Text,
    /// A 64-bit integer.
    Int,
    Float,
    Bool,
    /// RFC 3339 with microseconds, in UTC.
    Time,
    /// An array of 32-bit floats.
    Vector,
}

/// One table of a backup, its columns in archive order.
#[derive(Debug)]
pub struct Table {
    pub name: &'static str,
    pub columns: &'static [(&'static str, Kind)],
    /// Columns that refer to rows of the same table: restored after every row is in.
    pub self_refs: &'static [&'static str],
    /// Deterministic order of the rows (the primary key).
    pub order_by: &'static str,
}

use Kind::{Bool, Float, Int, Text, Time, Uuid as Id, Vector};

/// Every table a backup holds, in an order that restores parents before children. Left out:
/// `worker_heartbeats` and `schedules` (what running processes hold, not the wiki), the
/// full-text indexes (rebuilt by triggers or generated columns as rows go in), and the two
/// embedding columns of `search_chunks` that nothing uses.
pub const TABLES: &[Table] = &[
    Table {
        name: "sources",
        columns: &[
            ("id", Id),
            ("kind", Text),
            ("title", Text),
            ("url", Text),
            ("author", Text),
            ("published", Text),
            ("status", Text),
            ("error", Text),
            ("content_hash", Text),
            ("original_hash", Text),
            ("original_ext", Text),
            ("original_mime", Text),
            ("byte_size", Int),
            ("page_count", Int),
            ("duplicate_of", Id),
            ("created_at", Time),
            ("updated_at", Time),
            ("compiled_at", Time),
        ],
        self_refs: &["duplicate_of"],
        order_by: "id",
    },
    Table {
        name: "articles",
        columns: &[
            ("id", Id),
            ("slug", Text),
            ("title", Text),
            ("title_key", Text),
            ("summary", Text),
            ("page_type", Text),
            ("confidence", Text),
            ("provider", Text),
            ("model", Text),
            ("body", Text),
            ("open_questions", Text),
            ("version", Int),
            ("created_at", Time),
            ("updated_at", Time),
            ("awaiting_model", Bool),
        ],
        self_refs: &[],
        order_by: "id",
    },
    Table {
        name: "article_sources",
        columns: &[("article_id", Id), ("source_id", Id)],
        self_refs: &[],
        order_by: "article_id, source_id",
    },
    Table {
        name: "article_versions",
        columns: &[
            ("id", Id),
            ("article_id", Id),
            ("version", Int),
            ("title", Text),
            ("summary", Text),
            ("provider", Text),
            ("content", Text),
            ("created_at", Time),
        ],
        self_refs: &[],
        order_by: "id",
    },
    Table {
        name: "article_aliases",
        columns: &[("article_id", Id), ("alias_key", Text)],
        self_refs: &[],
        order_by: "article_id, alias_key",
    },
    Table {
        name: "claims",
        columns: &[
            ("id", Id),
            ("article_id", Id),
            ("position", Int),
            ("text", Text),
            ("confidence", Text),
            ("quote", Text),
            ("verified", Bool),
            ("span_start", Int),
            ("span_end", Int),
            ("source_id", Id),
        ],
        self_refs: &[],
        order_by: "id",
    },
    Table {
        name: "links",
        columns: &[
            ("id", Id),
            ("from_article_id", Id),
            ("target_text", Text),
            ("target_key", Text),
            ("to_article_id", Id),
            ("relation_type", Text),
            ("origin", Text),
            ("created_at", Time),
            ("mention", Text),
        ],
        self_refs: &[],
        order_by: "id",
    },
    Table {
        name: "concepts",
        columns: &[
            ("id", Id),
            ("name", Text),
            ("display_name", Text),
            ("parent_id", Id),
            ("created_at", Time),
            ("page_article_id", Id),
            ("page_basis", Text),
            ("model_parent", Text),
        ],
        self_refs: &["parent_id"],
        order_by: "id",
    },
    Table {
        name: "article_concepts",
        columns: &[("article_id", Id), ("concept_id", Id)],
        self_refs: &[],
        order_by: "article_id, concept_id",
    },
    Table {
        name: "concept_hierarchy",
        columns: &[("id", Int), ("basis", Text)],
        self_refs: &[],
        order_by: "id",
    },
    Table {
        name: "job_runs",
        columns: &[
            ("id", Id),
            ("kind", Text),
            ("status", Text),
            ("source_id", Id),
            ("article_id", Id),
            ("attempts", Int),
            ("progress", Float),
            ("message", Text),
            ("error", Text),
            ("created_at", Time),
            ("started_at", Time),
            ("finished_at", Time),
            ("dispatched_at", Time),
            ("lease_until", Time),
            ("worker", Text),
        ],
        self_refs: &[],
        order_by: "id",
    },
    Table {
        name: "cost_log",
        columns: &[
            ("id", Id),
            ("provider", Text),
            ("model", Text),
            ("task", Text),
            ("input_tokens", Int),
            ("output_tokens", Int),
            ("cost_usd", Float),
            ("latency_ms", Int),
            ("ok", Bool),
            ("job_id", Id),
            ("created_at", Time),
            ("cached", Bool),
            ("conversation_id", Id),
        ],
        self_refs: &[],
        order_by: "id",
    },
    Table {
        name: "search_chunks",
        columns: &[
            ("id", Int),
            ("article_id", Id),
            ("position", Int),
            ("kind", Text),
            ("heading", Text),
            ("title", Text),
            ("content", Text),
            ("claim_position", Int),
        ],
        self_refs: &[],
        order_by: "id",
    },
    Table {
        name: "search_vectors",
        columns: &[
            ("seq", Int),
            ("chunk_id", Int),
            ("model", Text),
            ("vector", Vector),
        ],
        self_refs: &[],
        order_by: "seq",
    },
    Table {
        name: "mention_texts",
        columns: &[("id", Int), ("article_id", Id), ("content", Text)],
        self_refs: &[],
        order_by: "id",
    },
    Table {
        name: "conversations",
        columns: &[
            ("id", Id),
            ("title", Text),
            ("parent_id", Id),
            ("forked_at_turn", Int),
            ("filed_article_id", Id),
            ("created_at", Time),
            ("updated_at", Time),
        ],
        self_refs: &["parent_id"],
        order_by: "id",
    },
    Table {
        name: "turns",
        columns: &[
            ("id", Id),
            ("conversation_id", Id),
            ("turn_index", Int),
            ("question", Text),
            ("answer", Text),
            ("mode", Text),
            ("citations", Text),
            ("dropped_citations", Int),
            ("confidence", Text),
            ("related_articles", Text),
            ("follow_up_questions", Text),
            ("provider", Text),
            ("model", Text),
            ("created_at", Time),
        ],
        self_refs: &[],
        order_by: "id",
    },
    Table {
        name: "revoked_sessions",
        columns: &[("signature", Text), ("expires_at", Time)],
        self_refs: &[],
        order_by: "signature",
    },
    Table {
        name: "health_runs",
        columns: &[
            ("id", Id),
            ("trigger", Text),
            ("status", Text),
            ("started_at", Time),
            ("finished_at", Time),
            ("article_count", Int),
            ("score", Int),
            ("error", Text),
            ("worker", Text),
            ("lease_until", Time),
            ("new_errors", Int),
        ],
        self_refs: &[],
        order_by: "id",
    },
    Table {
        name: "health_findings",
        columns: &[
            ("id", Id),
            ("run_id", Id),
            ("kind", Text),
            ("severity", Text),
            ("fingerprint", Text),
            ("message", Text),
            ("article_ids", Text),
            ("fix", Text),
            ("detail", Text),
            ("state", Text),
        ],
        self_refs: &[],
        order_by: "id",
    },
    Table {
        name: "health_dismissals",
        columns: &[("fingerprint", Text), ("dismissed_at", Time)],
        self_refs: &[],
        order_by: "fingerprint",
    },
    Table {
        name: "contradiction_verdicts",
        columns: &[
            ("article_a", Id),
            ("version_a", Int),
            ("article_b", Id),
            ("version_b", Int),
            ("verdicts", Text),
            ("checked_at", Time),
        ],
        self_refs: &[],
        order_by: "article_a, article_b",
    },
    Table {
        name: "contradiction_resolutions",
        columns: &[
            ("id", Id),
            ("article_a", Id),
            ("claim_a", Text),
            ("article_b", Id),
            ("claim_b", Text),
            ("resolution", Text),
            ("losing_article", Id),
            ("losing_claim", Text),
            ("winning_article", Id),
            ("resolved_at", Time),
        ],
        self_refs: &[],
        order_by: "id",
    },
    Table {
        name: "source_checks",
        columns: &[
            ("source_id", Id),
            ("etag", Text),
            ("last_modified", Text),
            ("checked_at", Time),
            ("upstream_hash", Text),
            ("changed_at", Time),
        ],
        self_refs: &[],
        order_by: "source_id",
    },
    Table {
        name: "llm_cache",
        columns: &[
            ("key", Text),
            ("provider", Text),
            ("model", Text),
            ("content", Text),
            ("input_tokens", Int),
            ("output_tokens", Int),
            ("created_at", Time),
        ],
        self_refs: &[],
        order_by: "key",
    },
    Table {
        name: "app_settings",
        columns: &[("key", Text), ("value", Text), ("updated_at", Time)],
        self_refs: &[],
        order_by: "key",
    },
    Table {
        name: "feeds",
        columns: &[
            ("id", Id),
            ("url", Text),
            ("title", Text),
            ("etag", Text),
            ("last_modified", Text),
            ("poll_secs", Int),
            ("next_poll_at", Time),
            ("claimed_until", Time),
            ("last_polled_at", Time),
            ("last_error", Text),
            ("created_at", Time),
        ],
        self_refs: &[],
        order_by: "id",
    },
    Table {
        name: "feed_items",
        columns: &[
            ("feed_id", Id),
            ("guid", Text),
            ("source_id", Id),
            ("link", Text),
            ("title", Text),
            ("content", Text),
            ("created_at", Time),
        ],
        self_refs: &[],
        order_by: "feed_id, guid",
    },
];

/// Tables and columns of the live schema that backups leave out on purpose (see [`TABLES`]).
const LEFT_OUT: &[&str] = &[
    // The SQLite job queue's own tables: unfinished jobs are queued again from `job_runs`.
    "Jobs",
    "Workers",
    "worker_heartbeats",
    "schedules",
    "search_chunks.embedding",
    "search_chunks.embedding_model",
    "search_chunks.tsv",
    "mention_texts.tsv",
];

/// Why an archive's rows could not be read back.
fn corrupt(table: &str, message: impl std::fmt::Display) -> DbError {
    DbError::Corrupt(format!("{table}: {message}"))
}

fn select_sql(table: &Table, postgres: bool) -> String {
    let columns: Vec<String> = table
        .columns
        .iter()
        .map(|(name, kind)| match kind {
            // Integers come back as 64-bit whatever their width on PostgreSQL.
            Int if postgres => format!("{name}::bigint"),
            _ => (*name).to_owned(),
        })
        .collect();
    format!(
        "select {} from {} order by {}",
        columns.join(", "),
        table.name,
        table.order_by
    )
}

fn time_value(t: Option<DateTime<Utc>>) -> Value {
    t.map_or(Value::Null, |t| {
        Value::String(t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true))
    })
}

fn vector_value(v: Option<Vec<f32>>) -> Value {
    v.map_or(Value::Null, |v| {
        Value::Array(v.into_iter().map(|x| Value::from(f64::from(x))).collect())
    })
}

fn sqlite_cell(row: &sqlx::sqlite::SqliteRow, i: usize, kind: Kind) -> Result<Value, sqlx::Error> {
    Ok(match kind {
        Id => row
            .try_get::<Option<Uuid>, _>(i)?
            .map_or(Value::Null, |u| Value::String(u.to_string())),
        Text => row
            .try_get::<Option<String>, _>(i)?
            .map_or(Value::Null, Value::String),
        Int => row
            .try_get::<Option<i64>, _>(i)?
            .map_or(Value::Null, Value::from),
        Float => row
            .try_get::<Option<f64>, _>(i)?
            .map_or(Value::Null, Value::from),
        Bool => row
            .try_get::<Option<bool>, _>(i)?
            .map_or(Value::Null, Value::Bool),
        Time => time_value(row.try_get(i)?),
        Vector => {
            let bytes: Option<Vec<u8>> = row.try_get(i)?;
            let vector = bytes
                .map(|b| {
                    crate::embed::vector::from_blob(&b).ok_or_else(|| {
                        sqlx::Error::Decode(
                            "a stored vector is not a whole number of floats".into(),
                        )
                    })
                })
                .transpose()?;
            vector_value(vector)
        }
    })
}

fn postgres_cell(row: &sqlx::postgres::PgRow, i: usize, kind: Kind) -> Result<Value, sqlx::Error> {
    Ok(match kind {
        Id => row
            .try_get::<Option<Uuid>, _>(i)?
            .map_or(Value::Null, |u| Value::String(u.to_string())),
        Text => row
            .try_get::<Option<String>, _>(i)?
            .map_or(Value::Null, Value::String),
        Int => row
            .try_get::<Option<i64>, _>(i)?
            .map_or(Value::Null, Value::from),
        Float => row
            .try_get::<Option<f64>, _>(i)?
            .map_or(Value::Null, Value::from),
        Bool => row
            .try_get::<Option<bool>, _>(i)?
            .map_or(Value::Null, Value::Bool),
        Time => time_value(row.try_get(i)?),
        Vector => vector_value(row.try_get(i)?),
    })
}

/// Reads every row of every table in [`TABLES`] inside one read snapshot, handing each row to
/// `sink` as an array in column order. Returns the rows read per table.
pub async fn dump(
    db: &Db,
    mut sink: impl FnMut(&Table, Vec<Value>) -> std::io::Result<()>,
) -> DbResult<Vec<(&'static str, u64)>> {
    let mut counts = Vec::with_capacity(TABLES.len());
    match db {
        Db::Sqlite(pool) => {
            let mut tx = pool.begin().await?;
            // A deferred transaction's snapshot starts at its first read; every table below is
            // read from that one snapshot while writers go on.
            for table in TABLES {
                let sql = select_sql(table, false);
                let mut rows = sqlx::query(sqlx::AssertSqlSafe(sql.as_str())).fetch(&mut *tx);
                let mut n = 0;
                while let Some(row) = rows.try_next().await? {
                    let cells = table
                        .columns
                        .iter()
                        .enumerate()
                        .map(|(i, (_, kind))| sqlite_cell(&row, i, *kind))
                        .collect::<Result<Vec<_>, _>>()?;
                    sink(table, cells).map_err(|e| corrupt(table.name, e))?;
                    n += 1;
                }
                counts.push((table.name, n));
            }
            tx.rollback().await?;
        }
        Db::Postgres(pool) => {
            let mut tx = pool.begin().await?;
            sqlx::query("set transaction isolation level repeatable read, read only")
                .execute(&mut *tx)
                .await?;
            for table in TABLES {
                let sql = select_sql(table, true);
                let mut rows = sqlx::query(sqlx::AssertSqlSafe(sql.as_str())).fetch(&mut *tx);
                let mut n = 0;
                while let Some(row) = rows.try_next().await? {
                    let cells = table
                        .columns
                        .iter()
                        .enumerate()
                        .map(|(i, (_, kind))| postgres_cell(&row, i, *kind))
                        .collect::<Result<Vec<_>, _>>()?;
                    sink(table, cells).map_err(|e| corrupt(table.name, e))?;
                    n += 1;
                }
                counts.push((table.name, n));
            }
            tx.rollback().await?;
        }
    }
    Ok(counts)
}

/// A neutral value made ready to bind.
enum Cell {
    Id(Option<Uuid>),
    Text(Option<String>),
    Int(Option<i64>),
    Float(Option<f64>),
    Bool(Option<bool>),
    Time(Option<DateTime<Utc>>),
    Vector(Option<Vec<f32>>),
}

fn cell(table: &str, column: &str, kind: Kind, value: &Value) -> DbResult<Cell> {
    let bad = || corrupt(table, format!("{column} holds {value}"));
    if value.is_null() {
        return Ok(match kind {
            Id => Cell::Id(None),
            Text => Cell::Text(None),
            Int => Cell::Int(None),
            Float => Cell::Float(None),
            Bool => Cell::Bool(None),
            Time => Cell::Time(None),
            Vector => Cell::Vector(None),
        });
    }
    Ok(match kind {
        Id => Cell::Id(Some(
            value
                .as_str()
                .and_then(|s| Uuid::parse_str(s).ok())
                .ok_or_else(bad)?,
        )),
        Text => Cell::Text(Some(value.as_str().ok_or_else(bad)?.to_owned())),
        Int => Cell::Int(Some(value.as_i64().ok_or_else(bad)?)),
        Float => Cell::Float(Some(value.as_f64().ok_or_else(bad)?)),
        Bool => Cell::Bool(Some(value.as_bool().ok_or_else(bad)?)),
        Time => Cell::Time(Some(
            value
                .as_str()
                .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
                .ok_or_else(bad)?
                .with_timezone(&Utc),
        )),
        Vector => Cell::Vector(Some(
            value
                .as_array()
                .ok_or_else(bad)?
                .iter()
                .map(|x| x.as_f64().map(|x| x as f32))
                .collect::<Option<Vec<f32>>>()
                .ok_or_else(bad)?,
        )),
    })
}

/// The cells of one archived row, checked against its table's columns.
fn cells(table: &Table, row: &[Value]) -> DbResult<Vec<Cell>> {
    if row.len() != table.columns.len() {
        return Err(corrupt(
            table.name,
            format!(
                "a row of {} values where {} columns were expected",
                row.len(),
                table.columns.len()
            ),
        ));
    }
    table
        .columns
        .iter()
        .zip(row)
        .map(|((name, kind), value)| cell(table.name, name, *kind, value))
        .collect()
}

fn insert_sql(table: &Table, postgres: bool) -> String {
    let names: Vec<&str> = table.columns.iter().map(|(n, _)| *n).collect();
    let params: Vec<String> = (1..=names.len()).map(|i| format!("${i}")).collect();
    // `search_vectors.seq` is generated on PostgreSQL; a restore keeps the archived numbers.
    let overriding = if postgres && table.name == "search_vectors" {
        " overriding system value"
    } else {
        ""
    };
    format!(
        "insert into {} ({}){overriding} values ({})",
        table.name,
        names.join(", "),
        params.join(", ")
    )
}

fn bind_sqlite<'q>(
    mut q: sqlx::query::Query<'q, Sqlite, sqlx::sqlite::SqliteArguments>,
    cells: Vec<Cell>,
) -> sqlx::query::Query<'q, Sqlite, sqlx::sqlite::SqliteArguments> {
    for c in cells {
        q = match c {
            Cell::Id(v) => q.bind(v),
            Cell::Text(v) => q.bind(v),
            Cell::Int(v) => q.bind(v),
            Cell::Float(v) => q.bind(v),
            Cell::Bool(v) => q.bind(v),
            Cell::Time(v) => q.bind(v),
            Cell::Vector(v) => q.bind(v.map(|v| crate::embed::vector::to_blob(&v))),
        };
    }
    q
}

fn bind_postgres<'q>(
    mut q: sqlx::query::Query<'q, Postgres, sqlx::postgres::PgArguments>,
    cells: Vec<Cell>,
) -> sqlx::query::Query<'q, Postgres, sqlx::postgres::PgArguments> {
    for c in cells {
        q = match c {
            Cell::Id(v) => q.bind(v),
            Cell::Text(v) => q.bind(v),
            Cell::Int(v) => q.bind(v),
            Cell::Float(v) => q.bind(v),
            Cell::Bool(v) => q.bind(v),
            Cell::Time(v) => q.bind(v),
            Cell::Vector(v) => q.bind(v),
        };
    }
    q
}

/// Self-references of one row, set once every row of its table is in.
struct Deferred {
    key: Value,
    column: &'static str,
    value: Value,
}

/// Splits off a row's self-references (they may name rows not restored yet).
fn defer_self_refs(table: &Table, row: &mut [Value], later: &mut Vec<Deferred>) {
    for column in table.self_refs {
        let Some(i) = table.columns.iter().position(|(n, _)| n == column) else {
            continue;
        };
        if !row[i].is_null() {
            later.push(Deferred {
                key: row[0].clone(),
                column,
                value: std::mem::take(&mut row[i]),
            });
        }
    }
}

/// Writes `rows` (as [`dump`] gave them) into `table`, in one transaction per call.
pub async fn restore_rows(db: &Db, table: &Table, rows: Vec<Vec<Value>>) -> DbResult<()> {
    let mut later = Vec::new();
    let key = table.columns[0];
    match db {
        Db::Sqlite(pool) => {
            let sql = insert_sql(table, false);
            let mut tx = pool.begin().await?;
            for mut row in rows {
                defer_self_refs(table, &mut row, &mut later);
                let q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
                bind_sqlite(q, cells(table, &row)?)
                    .execute(&mut *tx)
                    .await?;
            }
            for d in later {
                let sql = format!(
                    "update {} set {} = $2 where {} = $1",
                    table.name, d.column, key.0
                );
                let kinds = [key.1, Id];
                let cs = [&d.key, &d.value]
                    .iter()
                    .zip(kinds)
                    .map(|(v, k)| cell(table.name, d.column, k, v))
                    .collect::<DbResult<Vec<_>>>()?;
                bind_sqlite(sqlx::query(sqlx::AssertSqlSafe(sql)), cs)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
        }
        Db::Postgres(pool) => {
            let sql = insert_sql(table, true);
            let mut tx = pool.begin().await?;
            for mut row in rows {
                defer_self_refs(table, &mut row, &mut later);
                let q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
                bind_postgres(q, cells(table, &row)?)
                    .execute(&mut *tx)
                    .await?;
            }
            for d in later {
                let sql = format!(
                    "update {} set {} = $2 where {} = $1",
                    table.name, d.column, key.0
                );
                let kinds = [key.1, Id];
                let cs = [&d.key, &d.value]
                    .iter()
                    .zip(kinds)
                    .map(|(v, k)| cell(table.name, d.column, k, v))
                    .collect::<DbResult<Vec<_>>>()?;
                bind_postgres(sqlx::query(sqlx::AssertSqlSafe(sql)), cs)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
        }
    }
    Ok(())
}

/// After a restore: PostgreSQL's sequences continue after the restored ids (SQLite's
/// AUTOINCREMENT already does), and jobs that were unfinished when the backup was taken are
/// queued again, since the queue that held them is not part of a backup.
pub async fn after_restore(db: &Db) -> DbResult<()> {
    if let Db::Postgres(pool) = db {
        for (table, column) in [
            ("search_chunks", "id"),
            ("mention_texts", "id"),
            ("search_vectors", "seq"),
        ] {
            let sql = format!(
                "select setval(pg_get_serial_sequence('{table}', '{column}'), \
                 coalesce(max({column}), 0) + 1, false) from {table}"
            );
            sqlx::query(sqlx::AssertSqlSafe(sql)).execute(pool).await?;
        }
    }
    on_db!(db, |p| sqlx::query(
        "update job_runs set status = 'queued', dispatched_at = null, worker = null, \
         lease_until = null, started_at = null where status in ('queued', 'running')"
    )
    .execute(p)
    .await
    .map(|_| ()))?;
    Ok(())
}

/// True when no table a backup holds has a row: the only database a restore writes into.
pub async fn is_empty(db: &Db) -> DbResult<bool> {
    for table in TABLES {
        let sql = format!("select exists (select 1 from {})", table.name);
        let any: bool = on_db!(db, |p| sqlx::query_scalar(sqlx::AssertSqlSafe(
            sql.as_str()
        ))
        .fetch_one(p)
        .await)?;
        if any {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Columns of the live schema (`table.column`) that neither [`TABLES`] nor the list of what is
/// left out on purpose names, and columns [`TABLES`] names that the schema lacks: both empty
/// while backups hold everything.
pub async fn uncovered_columns(db: &Db) -> DbResult<(Vec<String>, Vec<String>)> {
    let live: Vec<(String, String)> = match db {
        Db::Sqlite(pool) => {
            sqlx::query_as(
                "select m.name, p.name from sqlite_master m join pragma_table_info(m.name) p \
                 where m.type = 'table' and m.name not like 'sqlite_%' \
                 and m.name not like '%_fts%' and m.name not like '\\_%' escape '\\'",
            )
            .fetch_all(pool)
            .await?
        }
        Db::Postgres(pool) => {
            sqlx::query_as(
                "select table_name::text, column_name::text from information_schema.columns \
                 where table_schema = current_schema() and table_name not like '\\_%' escape '\\'",
            )
            .fetch_all(pool)
            .await?
        }
    };
    let named = |t: &str, c: &str| {
        TABLES
            .iter()
            .any(|table| table.name == t && table.columns.iter().any(|(n, _)| *n == c))
    };
    let left_out = |t: &str, c: &str| LEFT_OUT.iter().any(|l| *l == t || *l == format!("{t}.{c}"));
    let unnamed = live
        .iter()
        .filter(|(t, c)| !named(t, c) && !left_out(t, c))
        .map(|(t, c)| format!("{t}.{c}"))
        .collect();
    let missing = TABLES
        .iter()
        .flat_map(|t| t.columns.iter().map(move |(c, _)| (t.name, *c)))
        .filter(|(t, c)| !live.iter().any(|(lt, lc)| lt == t && lc == c))
        .map(|(t, c)| format!("{t}.{c}"))
        .collect();
    Ok((unnamed, missing))
}
