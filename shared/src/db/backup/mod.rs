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

use super::{BeginWrite, Db, DbError, DbResult};

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
    /// RFC 3339 in UTC, to the precision stored.
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

mod tables;

use Kind::{Bool, Float, Int, Text, Time, Uuid as Id, Vector};
use tables::LEFT_OUT;
pub use tables::TABLES;

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
        Value::String(t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
    })
}

fn float_value(x: f64) -> Result<Value, sqlx::Error> {
    // JSON has no NaN or infinity; such a value would come back as null.
    serde_json::Number::from_f64(x)
        .map(Value::Number)
        .ok_or_else(|| sqlx::Error::Decode(format!("{x} is not a finite number").into()))
}

fn vector_value(v: Option<Vec<f32>>) -> Result<Value, sqlx::Error> {
    v.map_or(Ok(Value::Null), |v| {
        v.into_iter()
            .map(|x| float_value(f64::from(x)))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array)
    })
}

fn sqlite_vector(row: &sqlx::sqlite::SqliteRow, i: usize) -> Result<Option<Vec<f32>>, sqlx::Error> {
    let bytes: Option<Vec<u8>> = row.try_get(i)?;
    bytes
        .map(|b| {
            crate::embed::vector::from_blob(&b).ok_or_else(|| {
                sqlx::Error::Decode("a stored vector is not a whole number of floats".into())
            })
        })
        .transpose()
}

fn postgres_vector(row: &sqlx::postgres::PgRow, i: usize) -> Result<Option<Vec<f32>>, sqlx::Error> {
    row.try_get(i)
}

/// One row's values in neutral form; the dialects differ only in how vectors are stored.
macro_rules! neutral_row {
    ($table:expr, $row:expr, $vector:expr) => {
        $table
            .columns
            .iter()
            .enumerate()
            .map(|(i, (_, kind))| -> Result<Value, sqlx::Error> {
                Ok(match kind {
                    Id => $row
                        .try_get::<Option<Uuid>, _>(i)?
                        .map_or(Value::Null, |u| Value::String(u.to_string())),
                    Text => $row
                        .try_get::<Option<String>, _>(i)?
                        .map_or(Value::Null, Value::String),
                    Int => $row
                        .try_get::<Option<i64>, _>(i)?
                        .map_or(Value::Null, Value::from),
                    Float => match $row.try_get::<Option<f64>, _>(i)? {
                        Some(x) => float_value(x)?,
                        None => Value::Null,
                    },
                    Bool => $row
                        .try_get::<Option<bool>, _>(i)?
                        .map_or(Value::Null, Value::Bool),
                    Time => time_value($row.try_get(i)?),
                    Vector => vector_value($vector(&$row, i)?)?,
                })
            })
            .collect::<Result<Vec<Value>, sqlx::Error>>()
    };
}

/// Every table read inside one transaction, row by row.
macro_rules! dump_tables {
    ($tx:expr, $postgres:expr, $vector:expr, $sink:expr, $counts:expr) => {
        for table in TABLES {
            let sql = select_sql(table, $postgres);
            let mut rows = sqlx::query(sqlx::AssertSqlSafe(sql.as_str())).fetch(&mut *$tx);
            let mut n = 0;
            while let Some(row) = rows.try_next().await? {
                let cells = neutral_row!(table, row, $vector)?;
                $sink(table, cells).map_err(|e| corrupt(table.name, e))?;
                n += 1;
            }
            $counts.push((table.name, n));
        }
    };
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
            // A deferred transaction's snapshot starts at its first read; every table is read
            // from that one snapshot while writers go on (WAL).
            let mut tx = pool.begin().await?;
            dump_tables!(tx, false, sqlite_vector, sink, counts);
            tx.rollback().await?;
        }
        Db::Postgres(pool) => {
            let mut tx = pool.begin().await?;
            sqlx::query("set transaction isolation level repeatable read, read only")
                .execute(&mut *tx)
                .await?;
            dump_tables!(tx, true, postgres_vector, sink, counts);
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

/// Binds cells to a query; `$vector` turns a vector into what the dialect stores.
macro_rules! bind_cells {
    ($query:expr, $cells:expr, $vector:expr) => {{
        let mut q = $query;
        for c in $cells {
            q = match c {
                Cell::Id(v) => q.bind(v),
                Cell::Text(v) => q.bind(v),
                Cell::Int(v) => q.bind(v),
                Cell::Float(v) => q.bind(v),
                Cell::Bool(v) => q.bind(v),
                Cell::Time(v) => q.bind(v),
                Cell::Vector(v) => q.bind(v.map($vector)),
            };
        }
        q
    }};
}

fn sqlite_blob(v: Vec<f32>) -> Vec<u8> {
    crate::embed::vector::to_blob(&v)
}

fn postgres_array(v: Vec<f32>) -> Vec<f32> {
    v
}

/// The columns of `table` an archive holds, by their names in the archive: each must be one
/// of the table's, and the key must be there. Columns added since the archive was written are
/// left to their defaults (or NULL); a column no longer known is refused.
pub fn archived_columns(table: &Table, names: &[String]) -> DbResult<Vec<usize>> {
    let indices = names
        .iter()
        .map(|name| {
            table
                .columns
                .iter()
                .position(|(c, _)| c == name)
                .ok_or_else(|| {
                    corrupt(
                        table.name,
                        format!("it has a column {name} this version does not know"),
                    )
                })
        })
        .collect::<DbResult<Vec<usize>>>()?;
    if !indices.contains(&0) {
        return Err(corrupt(
            table.name,
            format!("its key {} is missing", table.columns[0].0),
        ));
    }
    Ok(indices)
}

fn insert_sql(table: &Table, columns: &[usize], postgres: bool) -> String {
    let names: Vec<&str> = columns.iter().map(|&i| table.columns[i].0).collect();
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

/// A self-reference of one row, set once every row of its table is in.
struct Deferred {
    table: &'static str,
    key: (&'static str, Kind),
    column: &'static str,
    key_value: Value,
    value: Value,
}

enum Tx {
    Sqlite(sqlx::Transaction<'static, Sqlite>),
    Postgres(sqlx::Transaction<'static, Postgres>),
}

/// The tables whose rows make a wiki: a database with any is never restored into.
const WIKI_TABLES: [&str; 4] = ["sources", "articles", "conversations", "feeds"];

/// Runs one statement with `cells` bound, in the restore's transaction.
async fn execute(tx: &mut Tx, sql: &str, cells: Vec<Cell>) -> DbResult<()> {
    let sql = sqlx::AssertSqlSafe(sql);
    match tx {
        Tx::Sqlite(tx) => {
            bind_cells!(sqlx::query(sql), cells, sqlite_blob)
                .execute(&mut **tx)
                .await?;
        }
        Tx::Postgres(tx) => {
            bind_cells!(sqlx::query(sql), cells, postgres_array)
                .execute(&mut **tx)
                .await?;
        }
    }
    Ok(())
}

/// A restore in progress: one write transaction over every table, so a restore that fails
/// anywhere leaves the database as empty as it found it.
pub struct Restore {
    tx: Tx,
    deferred: Vec<Deferred>,
    /// The insert statement of the table being restored.
    statement: Option<(&'static str, String)>,
}

impl Restore {
    /// Starts a restore into `db`. `Ok(Err(table))` when the database already holds a wiki
    /// (`table`, one of its sources, articles, conversations or feeds, has rows). Anything else
    /// a deployment writes when it first runs (jobs, Health runs, settings) is cleared, in the
    /// same transaction, so the archive's rows go in alone.
    pub async fn begin(db: &Db) -> DbResult<Result<Self, &'static str>> {
        let tx = match db {
            Db::Sqlite(pool) => Tx::Sqlite(pool.begin_write().await?),
            Db::Postgres(pool) => Tx::Postgres(pool.begin().await?),
        };
        let mut restore = Self {
            tx,
            deferred: Vec::new(),
            statement: None,
        };
        for table in WIKI_TABLES {
            let sql = format!("select exists (select 1 from {table})");
            let sql = sqlx::AssertSqlSafe(sql.as_str());
            let any: bool = match &mut restore.tx {
                Tx::Sqlite(tx) => sqlx::query_scalar(sql).fetch_one(&mut **tx).await?,
                Tx::Postgres(tx) => sqlx::query_scalar(sql).fetch_one(&mut **tx).await?,
            };
            if any {
                restore.rollback().await?;
                return Ok(Err(table));
            }
        }
        // Children before parents.
        for table in TABLES.iter().rev() {
            let sql = format!("delete from {}", table.name);
            execute(&mut restore.tx, &sql, Vec::new()).await?;
        }
        Ok(Ok(restore))
    }

    /// Inserts one archived row of `table` whose values are those of `columns` (see
    /// [`archived_columns`]), in that order.
    pub async fn row(
        &mut self,
        table: &Table,
        columns: &[usize],
        mut row: Vec<Value>,
    ) -> DbResult<()> {
        if row.len() != columns.len() {
            return Err(corrupt(
                table.name,
                format!(
                    "a row of {} values where {} were expected",
                    row.len(),
                    columns.len()
                ),
            ));
        }
        for column in table.self_refs {
            let Some(at) = columns.iter().position(|&i| table.columns[i].0 == *column) else {
                continue;
            };
            if !row[at].is_null() {
                let key_at = columns.iter().position(|&i| i == 0).unwrap_or(0);
                self.deferred.push(Deferred {
                    table: table.name,
                    key: table.columns[0],
                    column,
                    key_value: row[key_at].clone(),
                    value: std::mem::take(&mut row[at]),
                });
            }
        }
        let cells = columns
            .iter()
            .zip(&row)
            .map(|(&i, value)| cell(table.name, table.columns[i].0, table.columns[i].1, value))
            .collect::<DbResult<Vec<Cell>>>()?;
        let postgres = matches!(self.tx, Tx::Postgres(_));
        if self
            .statement
            .as_ref()
            .is_none_or(|(t, _)| *t != table.name)
        {
            self.statement = Some((table.name, insert_sql(table, columns, postgres)));
        }
        let sql = self
            .statement
            .as_ref()
            .map(|(_, s)| s.as_str())
            .unwrap_or_default();
        execute(&mut self.tx, sql, cells).await
    }

    /// Sets the self-references held back while `table`'s rows went in.
    pub async fn end_table(&mut self) -> DbResult<()> {
        for d in std::mem::take(&mut self.deferred) {
            let sql = format!(
                "update {} set {} = $2 where {} = $1",
                d.table, d.column, d.key.0
            );
            let cells = vec![
                cell(d.table, d.key.0, d.key.1, &d.key_value)?,
                cell(d.table, d.column, Id, &d.value)?,
            ];
            execute(&mut self.tx, &sql, cells).await?;
        }
        Ok(())
    }

    /// Finishes the restore: PostgreSQL's sequences continue after the restored ids (SQLite's
    /// AUTOINCREMENT already does), jobs that were unfinished when the backup was taken are
    /// queued again (the queue that held them is not part of a backup), and all is committed.
    pub async fn commit(mut self) -> DbResult<()> {
        self.end_table().await?;
        let requeue = "update job_runs set status = 'queued', dispatched_at = null, worker = null, \
             lease_until = null, started_at = null where status in ('queued', 'running')";
        match self.tx {
            Tx::Sqlite(mut tx) => {
                sqlx::query(requeue).execute(&mut *tx).await?;
                tx.commit().await?;
            }
            Tx::Postgres(mut tx) => {
                for (table, column) in [
                    ("search_chunks", "id"),
                    ("mention_texts", "id"),
                    ("search_vectors", "seq"),
                ] {
                    let sql = format!(
                        "select setval(pg_get_serial_sequence('{table}', '{column}'), \
                         coalesce(max({column}), 0) + 1, false) from {table}"
                    );
                    sqlx::query(sqlx::AssertSqlSafe(sql))
                        .execute(&mut *tx)
                        .await?;
                }
                sqlx::query(requeue).execute(&mut *tx).await?;
                tx.commit().await?;
            }
        }
        Ok(())
    }

    /// Abandons the restore; nothing it wrote stays.
    pub async fn rollback(self) -> DbResult<()> {
        match self.tx {
            Tx::Sqlite(tx) => tx.rollback().await?,
            Tx::Postgres(tx) => tx.rollback().await?,
        }
        Ok(())
    }
}

/// Columns of the live schema (`table.column`) that neither [`TABLES`] nor the list of what is
/// left out on purpose names, and columns [`TABLES`] names that the schema lacks: both empty
/// while backups hold everything.
///
/// The full-text and sqlite-vec tables are not the wiki's: they are indexes, rebuilt from the
/// passages and vectors a backup holds.
pub async fn uncovered_columns(db: &Db) -> DbResult<(Vec<String>, Vec<String>)> {
    let live: Vec<(String, String)> = match db {
        Db::Sqlite(pool) => {
            sqlx::query_as(
                "select m.name, p.name from sqlite_master m join pragma_table_info(m.name) p \
                 where m.type = 'table' and m.name not like 'sqlite\\_%' escape '\\' \
                 and m.name not like 'search\\_fts%' escape '\\' \
                 and m.name not like 'mention\\_fts%' escape '\\' \
                 and m.name not like 'search\\_vectors\\_f32\\_%' escape '\\' \
                 and m.name not like '\\_%' escape '\\'",
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
