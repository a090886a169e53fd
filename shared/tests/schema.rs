//! Both dialects' migrations produce the same tables and columns, and the same triggers that
//! move the wiki's generation on (a table rebuilt by a later SQLite migration loses its
//! triggers silently; this says so). PostgreSQL comes from
//! `WIKIMIND_TEST_DATABASE_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`); a
//! fresh database is created for the test and dropped after. With `CI=true` an unreachable
//! PostgreSQL fails the test; otherwise it is skipped with a message.

use std::collections::{BTreeMap, BTreeSet};

use shared::config::{DatabaseSettings, Secret};
use shared::db::Db;
use sqlx::Connection;

type Schema = BTreeMap<String, BTreeSet<String>>;
/// (table, event) pairs that move the wiki's generation on.
type Bumps = BTreeSet<(String, String)>;

/// Every change to these tables moves the generation on; of `sources`, only updates and
/// deletions (see the migration `wiki_generation`).
const COVERED: [&str; 15] = [
    "articles",
    "article_aliases",
    "article_concepts",
    "article_sources",
    "article_versions",
    "claims",
    "concept_hierarchy",
    "concepts",
    "contradiction_resolutions",
    "contradiction_verdicts",
    "links",
    "mention_texts",
    "search_chunks",
    "search_vectors",
    "app_settings",
];

fn expected_bumps() -> Bumps {
    let mut bumps: Bumps = COVERED
        .iter()
        .flat_map(|t| ["insert", "update", "delete"].map(|e| (t.to_string(), e.to_owned())))
        .collect();
    bumps.insert(("sources".into(), "update".into()));
    bumps.insert(("sources".into(), "delete".into()));
    bumps
}

fn settings(url: String) -> DatabaseSettings {
    DatabaseSettings {
        url: Secret::new(url),
        max_connections: 2,
    }
}

async fn sqlite_schema() -> (Schema, Bumps) {
    let dir = tempfile::tempdir().expect("tmp");
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("t.db").display());
    let db = Db::connect(&settings(url)).await.expect("sqlite");
    db.migrate().await.expect("sqlite migrations");
    let Db::Sqlite(pool) = &db else {
        unreachable!()
    };
    let tables: Vec<(String,)> = sqlx::query_as(
        "select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like '\\_%' escape '\\'",
    )
    .fetch_all(pool)
    .await
    .expect("tables");
    let mut schema = Schema::new();
    for (table,) in tables {
        let columns: Vec<(String,)> = sqlx::query_as("select name from pragma_table_info($1)")
            .bind(&table)
            .fetch_all(pool)
            .await
            .expect("columns");
        schema.insert(table, columns.into_iter().map(|(c,)| c).collect());
    }
    // Named `{table}_{event}_wiki_changed`, one per event.
    let triggers: Vec<(String, String)> = sqlx::query_as(
        "select tbl_name, name from sqlite_master where type = 'trigger' \
         and name like '%\\_wiki\\_changed' escape '\\'",
    )
    .fetch_all(pool)
    .await
    .expect("triggers");
    let bumps = triggers
        .into_iter()
        .map(|(table, name)| {
            let event = name
                .strip_prefix(&format!("{table}_"))
                .and_then(|n| n.strip_suffix("_wiki_changed"))
                .unwrap_or(&name)
                .to_owned();
            (table, event)
        })
        .collect();
    (schema, bumps)
}

async fn postgres_schema(url: &str) -> (Schema, Bumps) {
    let db = Db::connect(&settings(url.to_owned()))
        .await
        .expect("postgres");
    db.migrate().await.expect("postgres migrations");
    // Applying twice is a no-op.
    db.migrate().await.expect("postgres migrations again");
    let Db::Postgres(pool) = &db else {
        unreachable!()
    };
    let rows: Vec<(String, String)> = sqlx::query_as(
        "select table_name::text, column_name::text from information_schema.columns \
         where table_schema = 'public' and table_name not like '\\_%'",
    )
    .fetch_all(pool)
    .await
    .expect("columns");
    let bumps: Vec<(String, String)> = sqlx::query_as(
        "select event_object_table::text, lower(event_manipulation::text) \
         from information_schema.triggers where trigger_name like '%wiki\\_changed'",
    )
    .fetch_all(pool)
    .await
    .expect("triggers");
    db.close().await;
    let mut schema = Schema::new();
    for (table, column) in rows {
        schema.entry(table).or_default().insert(column);
    }
    (schema, bumps.into_iter().collect())
}

#[tokio::test]
async fn sqlite_and_postgres_migrations_produce_the_same_tables_and_columns() {
    let (sqlite, sqlite_bumps) = sqlite_schema().await;
    assert_eq!(
        sqlite_bumps,
        expected_bumps(),
        "SQLite's generation triggers"
    );
    assert!(
        sqlite.contains_key("sources") && sqlite.contains_key("job_runs"),
        "{sqlite:?}"
    );

    let admin_url = std::env::var("WIKIMIND_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
    let mut admin = match sqlx::PgConnection::connect(&admin_url).await {
        Ok(conn) => conn,
        Err(e) if std::env::var("CI").as_deref() == Ok("true") => {
            panic!("PostgreSQL is required in CI but unreachable at {admin_url}: {e}")
        }
        Err(e) => {
            eprintln!("skipping the PostgreSQL half: {admin_url} is unreachable ({e})");
            return;
        }
    };
    let name = format!("wikimind_schema_{}", uuid::Uuid::new_v4().simple());
    sqlx::query(sqlx::AssertSqlSafe(format!("create database {name}")))
        .execute(&mut admin)
        .await
        .expect("create db");
    let url = match admin_url.rsplit_once('/') {
        Some((base, _)) => format!("{base}/{name}"),
        None => panic!("unexpected PostgreSQL URL {admin_url}"),
    };
    let (postgres, postgres_bumps) = postgres_schema(&url).await;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "drop database if exists {name} with (force)"
    )))
    .execute(&mut admin)
    .await
    .expect("drop db");
    assert_eq!(
        without_full_text(sqlite),
        without_full_text(postgres),
        "the dialects' migrations differ"
    );
    assert_eq!(
        postgres_bumps,
        expected_bumps(),
        "PostgreSQL's generation triggers"
    );
}

/// The schema without the full-text indexes, the one part written differently by design:
/// SQLite keeps an FTS5 table (and its shadow tables) beside each indexed table, PostgreSQL a
/// generated `tsv` column inside it. Checks that each dialect has its own before removing it.
fn without_full_text(mut schema: Schema) -> Schema {
    for (table, index) in [
        ("search_chunks", "search_fts"),
        ("mention_texts", "mention_fts"),
    ] {
        let sqlite_index = schema.contains_key(index);
        let postgres_index = schema
            .get(table)
            .is_some_and(|columns| columns.contains("tsv"));
        assert!(
            sqlite_index ^ postgres_index,
            "exactly one full-text index over {table}: {schema:?}"
        );
        schema.retain(|name, _| !name.starts_with(index));
        if let Some(columns) = schema.get_mut(table) {
            columns.remove("tsv");
        }
    }
    schema
}
