//! All SQL lives here: the [`Db`] enum of concrete pools, connection, migrations and one
//! module per aggregate.
//!
//! Queries are written once with `$n` placeholders and run on either dialect through
//! [`on_db!`]; where the dialects differ (upserts, full-text, JSON) a function writes the two
//! arms by hand. `sqlx::Any` is deliberately not used: it cannot decode uuids, timestamps or
//! JSON on PostgreSQL.

pub mod app_settings;
pub mod articles;
pub mod backup;
pub mod concepts;
pub mod contradictions;
pub mod conversations;
pub mod costs;
pub mod feeds;
pub mod generation;
pub mod graph;
pub mod health;
pub mod jobs;
pub mod links;
pub mod llm_cache;
pub mod search;
pub mod sessions;
pub mod source_checks;
pub mod sources;
mod term_counts;
pub mod vectors;

use std::str::FromStr;
use std::time::Duration;

use sqlx::migrate::Migrator;
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use crate::config::DatabaseSettings;

/// The name of WikiMind's migrations table. The SQLite job queue keeps its own
/// `_sqlx_migrations` in the same file, so ours must not share that name.
pub const MIGRATIONS_TABLE: &str = "_wikimind_migrations";

/// A database failure, sorted into the cases callers act on.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("not found")]
    NotFound,
    /// A unique constraint was violated.
    #[error("already exists ({constraint})")]
    Conflict { constraint: String },
    /// A foreign key was violated: the row refers to something that does not exist.
    #[error("refers to a missing row ({constraint})")]
    MissingReference { constraint: String },
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
    #[error("database error: {0}")]
    Other(#[source] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The database answers reads but refuses writes.
    #[error("the database is read-only: {0}")]
    ReadOnly(String),
}

impl From<sqlx::Error> for DbError {
    fn from(err: sqlx::Error) -> Self {
        match &err {
            sqlx::Error::RowNotFound => DbError::NotFound,
            sqlx::Error::Database(db) => {
                let constraint = db.constraint().unwrap_or(db.message()).to_owned();
                match db.kind() {
                    sqlx::error::ErrorKind::UniqueViolation => DbError::Conflict { constraint },
                    sqlx::error::ErrorKind::ForeignKeyViolation => {
                        DbError::MissingReference { constraint }
                    }
                    _ => DbError::Other(err),
                }
            }
            _ => DbError::Other(err),
        }
    }
}

/// The database's own code for why it refused a statement.
enum Code {
    /// SQLite's result code, extended form included.
    Sqlite(i32),
    /// PostgreSQL's SQLSTATE. Most are digits only, so the dialect is read from the error's
    /// type, never from the code's look.
    Postgres(String),
}

impl DbError {
    fn code(&self) -> Option<Code> {
        let DbError::Other(sqlx::Error::Database(db)) = self else {
            return None;
        };
        let code = db.code()?;
        if db
            .try_downcast_ref::<sqlx::postgres::PgDatabaseError>()
            .is_some()
        {
            Some(Code::Postgres(code.into_owned()))
        } else {
            code.parse().ok().map(Code::Sqlite)
        }
    }

    /// True when the write failed for lack of space: SQLite's `SQLITE_FULL` (13, any extended
    /// form) or an I/O error on a full disk, PostgreSQL's `disk_full` (53100).
    pub fn is_out_of_space(&self) -> bool {
        match self.code() {
            Some(Code::Sqlite(n)) => n & 0xff == 13 || self.to_string().contains("disk is full"),
            Some(Code::Postgres(code)) => code == "53100",
            None => false,
        }
    }

    /// True when the database refuses every write: SQLite's `SQLITE_READONLY` (8, any extended
    /// form), PostgreSQL's `read_only_sql_transaction` (25006).
    pub fn is_read_only(&self) -> bool {
        if let DbError::ReadOnly(_) = self {
            return true;
        }
        match self.code() {
            Some(Code::Sqlite(n)) => n & 0xff == 8,
            Some(Code::Postgres(code)) => code == "25006",
            None => false,
        }
    }

    /// True when PostgreSQL refused text it cannot hold (`character_not_in_repertoire`, 22021:
    /// a NUL character, which SQLite stores and compares like any other). Such text reaches the
    /// database only through a path that forgot to clean it; the caller sent it, so it is the
    /// caller's error, not the server's.
    pub fn is_unstorable_text(&self) -> bool {
        matches!(self.code(), Some(Code::Postgres(code)) if code == "22021")
    }
}

/// Result of a repository call.
pub type DbResult<T> = Result<T, DbError>;

/// A connection pool for one of the two supported databases.
#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs the same expression against whichever pool `$db` holds; `$pool` is bound to it.
#[macro_export]
macro_rules! on_db {
    ($db:expr, |$pool:ident| $body:expr) => {
        match $db {
            $crate::db::Db::Sqlite($pool) => $body,
            $crate::db::Db::Postgres($pool) => $body,
        }
    };
}

/// The embedded migrations of one dialect, recorded in [`MIGRATIONS_TABLE`].
pub fn migrator(dialect: &str) -> Migrator {
    let mut migrator = if dialect == "postgres" {
        sqlx::migrate!("../migrations/postgres")
    } else {
        sqlx::migrate!("../migrations/sqlite")
    };
    migrator.dangerous_set_table_name(MIGRATIONS_TABLE);
    migrator
}

impl Db {
    /// Connects to the configured database. SQLite files (and their directory) are created.
    pub async fn connect(settings: &DatabaseSettings) -> DbResult<Self> {
        let url = settings.url.expose();
        if url.starts_with("sqlite:") {
            // Before the first connection: every connection gets sqlite-vec.
            sqlitevec::register();
            let options = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .foreign_keys(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                // Writers queue behind each other instead of failing with SQLITE_BUSY.
                .busy_timeout(Duration::from_secs(15));
            if let Some(parent) = options.get_filename().parent()
                && !parent.as_os_str().is_empty()
            {
                std::fs::create_dir_all(parent).map_err(|e| DbError::Other(e.into()))?;
            }
            let pool = SqlitePoolOptions::new()
                .max_connections(settings.max_connections)
                // An in-memory database vanishes when its last connection closes.
                .min_connections(1)
                .after_release(|conn, _| Box::pin(async move { Ok(reusable(conn)) }))
                .connect_with(options)
                .await?;
            Ok(Db::Sqlite(pool))
        } else {
            let pool = PgPoolOptions::new()
                .max_connections(settings.max_connections)
                .acquire_timeout(Duration::from_secs(10))
                .after_release(|conn, _| Box::pin(async move { Ok(reusable(conn)) }))
                .connect(url)
                .await?;
            Ok(Db::Postgres(pool))
        }
    }

    /// Applies WikiMind's migrations for this dialect (forward-only, idempotent), then indexes
    /// any article the search index does not hold yet and re-keys concepts.
    pub async fn migrate(&self) -> DbResult<()> {
        // On PostgreSQL the migrator takes an advisory lock, so two processes starting at once
        // are safe.
        let migrator = migrator(self.dialect());
        on_db!(self, |p| migrator.run(p).await)?;
        // Articles written before the search index existed get their passages now.
        let indexed = search::backfill(self).await?;
        if indexed > 0 {
            tracing::info!(indexed, "indexed existing articles for search");
        }
        // Vectors stored before sqlite-vec kept them get their table.
        vectors::backfill(self).await?;
        // Concepts saved under an older rule of identity meet the current one. Two processes
        // starting at once may race here; the loser says so and the next start finishes it.
        match concepts::rekey(self, crate::compile::concept_key).await {
            Ok(0) => {}
            Ok(rekeyed) => tracing::info!(
                rekeyed,
                "merged or renamed concepts under the current identity rule"
            ),
            Err(e) => {
                tracing::warn!(error = %e, "concepts not re-keyed yet; retried at the next start")
            }
        }
        Ok(())
    }

    /// A cheap round trip, for readiness checks.
    pub async fn ping(&self) -> DbResult<()> {
        on_db!(self, |p| sqlx::query("select 1")
            .execute(p)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Checks that the database would accept a write, without writing: SQLite takes and
    /// releases its write lock (a read-only file refuses it), PostgreSQL reports whether the
    /// session is read-only (a standby, or a server put in read-only mode).
    pub async fn check_writable(&self) -> DbResult<()> {
        match self {
            Db::Sqlite(pool) => {
                let tx = pool.begin_write().await?;
                tx.rollback().await?;
                Ok(())
            }
            Db::Postgres(pool) => {
                let (read_only,): (String,) = sqlx::query_as("show transaction_read_only")
                    .fetch_one(pool)
                    .await?;
                if read_only == "on" {
                    return Err(DbError::ReadOnly("transaction_read_only is on".to_owned()));
                }
                Ok(())
            }
        }
    }

    /// `sqlite` or `postgres`.
    pub fn dialect(&self) -> &'static str {
        match self {
            Db::Sqlite(_) => "sqlite",
            Db::Postgres(_) => "postgres",
        }
    }

    /// Closes every connection.
    pub async fn close(&self) {
        on_db!(self, |p| p.close().await);
    }
}

/// True when a connection handed back to the pool can serve the next caller. A transaction
/// whose rollback failed (a full disk makes even `ROLLBACK` fail) leaves the connection
/// inside it, and every later `BEGIN` on it would fail; such a connection is closed instead,
/// and the pool opens a fresh one when needed.
fn reusable<C: sqlx::Connection>(conn: &mut C) -> bool {
    if conn.is_in_transaction() {
        tracing::warn!("closing a database connection left inside a failed transaction");
        return false;
    }
    true
}

/// The current time at the precision both dialects store (microseconds), so values read back
/// compare equal to values written.
pub fn now() -> chrono::DateTime<chrono::Utc> {
    let now = chrono::Utc::now();
    chrono::DateTime::from_timestamp_micros(now.timestamp_micros()).unwrap_or(now)
}

/// Starting a transaction that will write.
///
/// On SQLite a deferred transaction that reads first and writes later fails at once with
/// `SQLITE_BUSY` when another connection wrote in between (the busy timeout does not apply to
/// that upgrade), so write transactions take the write lock up front with `BEGIN IMMEDIATE`.
pub(crate) trait BeginWrite {
    type Database: sqlx::Database;

    /// Begins a transaction that holds the write lock from its start where the dialect needs it.
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, Self::Database>, sqlx::Error>;
}

impl BeginWrite for SqlitePool {
    type Database = sqlx::Sqlite;

    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, sqlx::Error> {
        self.begin_with("BEGIN IMMEDIATE").await
    }
}

impl BeginWrite for PgPool {
    type Database = sqlx::Postgres;

    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, sqlx::Error> {
        self.begin().await
    }
}

/// Rows of `select` (a query ending in `where <id column>`) for every id in `ids`: a bounded
/// number of statements whatever the number of ids (`in (…)` lists on SQLite, `= any($1)` on
/// PostgreSQL).
pub(crate) async fn rows_for_ids<T, I>(db: &Db, select: &'static str, ids: &[I]) -> DbResult<Vec<T>>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
        + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>
        + Send
        + Unpin,
    I: Copy
        + Send
        + Sync
        + for<'q> sqlx::Encode<'q, sqlx::Sqlite>
        + sqlx::Type<sqlx::Sqlite>
        + for<'q> sqlx::Encode<'q, sqlx::Postgres>
        + sqlx::Type<sqlx::Postgres>
        + sqlx::postgres::PgHasArrayType,
{
    const CHUNK: usize = 500;
    let mut out = Vec::new();
    for chunk in ids.chunks(CHUNK) {
        let rows: Vec<T> = match db {
            Db::Sqlite(p) => {
                let mut q = sqlx::QueryBuilder::<sqlx::Sqlite>::new(select);
                q.push(" in (");
                let mut list = q.separated(", ");
                for id in chunk {
                    list.push_bind(*id);
                }
                list.push_unseparated(")");
                q.build_query_as().fetch_all(p).await?
            }
            Db::Postgres(p) => {
                let mut q = sqlx::QueryBuilder::<sqlx::Postgres>::new(select);
                q.push(" = any(").push_bind(chunk).push(")");
                q.build_query_as().fetch_all(p).await?
            }
        };
        out.extend(rows);
    }
    Ok(out)
}
