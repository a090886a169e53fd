//! Which database and queue a test run uses, and a private set of them per test.
//!
//! `make test` runs the suite twice: on SQLite with the SQLite queue (the default), and with
//! `WIKIMIND_TEST_BACKEND=postgres` on PostgreSQL with the Redis queue and event bus. In the
//! second phase every [`TestEnv`] gets a fresh PostgreSQL database (from
//! `WIKIMIND_TEST_DATABASE_URL`, default `postgres://postgres@127.0.0.1:5432/postgres`) and a
//! unique Redis key prefix (on `WIKIMIND_TEST_REDIS_URL`, default `redis://127.0.0.1:6379`);
//! both are removed when the env is dropped.

use std::path::Path;

use shared::config::{RedisSettings, Secret, Settings};
use sqlx::Connection as _;
use uuid::Uuid;

/// The backend a test run exercises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// SQLite in the data directory, the queue in the same file, events in process.
    Sqlite,
    /// PostgreSQL, the Redis queue and Redis pub/sub.
    Postgres,
}

impl Backend {
    /// The backend chosen by `WIKIMIND_TEST_BACKEND` (`sqlite`, the default, or `postgres`).
    pub fn selected() -> Backend {
        match std::env::var("WIKIMIND_TEST_BACKEND").as_deref() {
            Err(_) | Ok("" | "sqlite") => Backend::Sqlite,
            Ok("postgres") => Backend::Postgres,
            Ok(other) => panic!("WIKIMIND_TEST_BACKEND={other}: expected sqlite or postgres"),
        }
    }
}

/// The PostgreSQL server tests create their databases on.
pub fn admin_database_url() -> String {
    std::env::var("WIKIMIND_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// The Redis server of the test run.
pub fn redis_url() -> String {
    std::env::var("WIKIMIND_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned())
}

/// A data directory plus, on the PostgreSQL backend, a database and a Redis prefix of its own.
/// Settings made from one env share them, so an app can be stopped and started again on the
/// same state.
#[derive(Debug)]
pub struct TestEnv {
    data: tempfile::TempDir,
    postgres: Option<PostgresDb>,
    redis_prefix: Option<String>,
}

#[derive(Debug)]
struct PostgresDb {
    name: String,
    url: String,
}

impl TestEnv {
    /// A fresh env on the selected backend. On PostgreSQL the migrations are applied, as the
    /// container entrypoint does before the gateway starts. Panics when a service is missing.
    pub async fn new() -> TestEnv {
        Self::with_backend(Backend::selected()).await
    }

    /// A fresh env on `backend`, whatever the test run selected (benchmarks compare both).
    pub async fn with_backend(backend: Backend) -> TestEnv {
        let data = tempfile::tempdir().expect("temporary data directory");
        match backend {
            Backend::Sqlite => TestEnv {
                data,
                postgres: None,
                redis_prefix: None,
            },
            Backend::Postgres => {
                let postgres = create_database().await;
                let prefix = format!("wmtest-{}", Uuid::new_v4().simple());
                TestEnv {
                    data,
                    postgres: Some(postgres),
                    redis_prefix: Some(prefix),
                }
            }
        }
    }

    /// The data directory.
    pub fn data_dir(&self) -> &Path {
        self.data.path()
    }

    /// Environment variables that point a spawned binary at this env's database and queue.
    pub fn process_env(&self) -> Vec<(String, String)> {
        let mut vars = vec![
            (
                "WIKIMIND_DATA_DIR".to_owned(),
                self.data_dir().display().to_string(),
            ),
            // As in `settings()`: no archive appears in a test's data directory by itself.
            ("WIKIMIND_BACKUP__DAILY".to_owned(), "false".to_owned()),
        ];
        if let (Some(pg), Some(prefix)) = (&self.postgres, &self.redis_prefix) {
            vars.push(("WIKIMIND_DATABASE_URL".to_owned(), pg.url.clone()));
            vars.push(("WIKIMIND_REDIS_URL".to_owned(), redis_url()));
            vars.push(("WIKIMIND_REDIS__PREFIX".to_owned(), prefix.clone()));
        }
        vars
    }

    /// Settings for an app on this env: port 0, private URLs allowed (the corpus is served
    /// from loopback), quick retries.
    pub fn settings(&self) -> Settings {
        let mut s = Settings::for_data_dir(self.data_dir());
        s.server.port = 0;
        s.ingest.allow_private_urls = true;
        s.jobs.max_attempts = 2;
        s.llm.max_retries = 1;
        // A test that wants the daily backup turns it on.
        s.daily_backups = false;
        if let (Some(pg), Some(prefix)) = (&self.postgres, &self.redis_prefix) {
            s.database.url = Secret::new(pg.url.clone());
            s.database.max_connections = 5;
            s.redis = Some(RedisSettings {
                url: Secret::new(redis_url()),
                prefix: prefix.clone(),
            });
        }
        s
    }
}

async fn create_database() -> PostgresDb {
    let admin = admin_database_url();
    let mut conn = sqlx::PgConnection::connect(&admin)
        .await
        .unwrap_or_else(|e| {
            panic!(
                "WIKIMIND_TEST_BACKEND=postgres needs PostgreSQL at {admin} \
             (set WIKIMIND_TEST_DATABASE_URL): {e}"
            )
        });
    let name = format!("wmtest_{}", Uuid::new_v4().simple());
    sqlx::query(sqlx::AssertSqlSafe(format!("create database {name}")))
        .execute(&mut conn)
        .await
        .expect("create the test database");
    let _ = conn.close().await;
    let url = database_url(&admin, &name);
    let db = shared::db::Db::connect(&shared::config::DatabaseSettings {
        url: Secret::new(url.clone()),
        max_connections: 1,
    })
    .await
    .expect("connect to the test database");
    db.migrate().await.expect("PostgreSQL migrations");
    db.close().await;
    PostgresDb { name, url }
}

/// `admin` with its database name replaced by `name`.
fn database_url(admin: &str, name: &str) -> String {
    let mut url = url::Url::parse(admin).expect("WIKIMIND_TEST_DATABASE_URL is a URL");
    url.set_path(&format!("/{name}"));
    url.to_string()
}

impl Drop for TestEnv {
    fn drop(&mut self) {
        let postgres = self.postgres.take();
        let prefix = self.redis_prefix.take();
        if postgres.is_none() && prefix.is_none() {
            return;
        }
        // Drop may run inside the test's runtime, which cannot be blocked on; clean up on a
        // thread with a runtime of its own.
        let cleanup = std::thread::spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            runtime.block_on(async move {
                if let Some(pg) = postgres
                    && let Ok(mut conn) = sqlx::PgConnection::connect(&admin_database_url()).await
                {
                    let sql = format!("drop database if exists {} with (force)", pg.name);
                    let _ = sqlx::query(sqlx::AssertSqlSafe(sql))
                        .execute(&mut conn)
                        .await;
                }
                if let Some(prefix) = prefix {
                    delete_redis_keys(&prefix).await;
                }
            });
        });
        let _ = cleanup.join();
    }
}

async fn delete_redis_keys(prefix: &str) {
    let Ok(client) = redis::Client::open(redis_url()) else {
        return;
    };
    let Ok(mut conn) = client.get_multiplexed_async_connection().await else {
        return;
    };
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{prefix}:*"))
        .query_async(&mut conn)
        .await
        .unwrap_or_default();
    if !keys.is_empty() {
        let _: redis::RedisResult<()> = redis::cmd("DEL").arg(keys).query_async(&mut conn).await;
    }
}
