//! Read answers (the article list and pages, concepts, search) are kept while the wiki stays
//! as it was, and never served stale whoever changes it: the gateway, its worker, or another
//! process writing to the database.

use shared::db::{self, Db};

use crate::helpers::{spawn_app, spawn_app_with};

/// Runs `sql` on the application's database, as another process would.
async fn execute(db: &Db, sql: &'static str) {
    match db {
        Db::Sqlite(p) => sqlx::query(sql).execute(p).await.map(drop),
        Db::Postgres(p) => sqlx::query(sql).execute(p).await.map(drop),
    }
    .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// Puts the wiki's generation back to `value`, as if nothing had changed.
async fn set_generation(db: &Db, value: i64) {
    let sql = "update wiki_generation set value = $1 where id = 1";
    match db {
        Db::Sqlite(p) => sqlx::query(sql).bind(value).execute(p).await.map(drop),
        Db::Postgres(p) => sqlx::query(sql).bind(value).execute(p).await.map(drop),
    }
    .expect("set the generation");
}

async fn generation(db: &Db) -> i64 {
    db::generation::current(db).await.expect("generation")
}

#[tokio::test]
async fn cached_reads_follow_every_change_to_the_wiki() {
    let app = spawn_app().await;
    let quokka = app
        .compiled_note("# Quokka habits\n\nThe quokka is a small marsupial that lives on Rottnest Island and eats leaves at night.")
        .await;
    app.compiled_note("# Numbat habits\n\nThe numbat is a marsupial that eats termites by day in the woodlands of the south west.")
        .await;
    let detail = format!("/api/articles/{quokka}");
    let reads = [
        "/api/articles",
        detail.as_str(),
        "/api/search?q=quokka",
        "/api/concepts",
    ];
    let mut before = Vec::new();
    for path in reads {
        let (status, body) = app.get_json(path).await;
        assert_eq!(status, 200, "{path}: {body}");
        before.push(body);
    }
    assert_eq!(before[0]["total"], 2, "{}", before[0]);
    assert_eq!(before[2]["results"][0]["article"]["id"], quokka.as_str());

    // While nothing changes, every read is answered alike, from the cache.
    let unchanged = generation(&app.db).await;
    for (path, first) in reads.iter().zip(&before) {
        assert_eq!(&app.get_json(path).await.1, first, "{path}");
    }
    // Work on the job queue, or a source moving through the pipeline, is no change to the
    // wiki.
    execute(&app.db, "update job_runs set error = error").await;
    execute(
        &app.db,
        "update sources set status = status, updated_at = updated_at",
    )
    .await;
    assert_eq!(generation(&app.db).await, unchanged);
    // The answers are the cached ones: a change hidden from the generation is not seen...
    execute(
        &app.db,
        "update articles set title = 'Hidden change' where title = 'Quokka habits'",
    )
    .await;
    set_generation(&app.db, unchanged).await;
    assert_eq!(app.get_json(&detail).await.1, before[1]);
    // ...until the generation moves on.
    db::generation::bump(&app.db).await.expect("bump");
    assert_eq!(app.get_json(&detail).await.1["title"], "Hidden change");
    execute(
        &app.db,
        "update articles set title = 'Quokka habits' where title = 'Hidden change'",
    )
    .await;
    let unchanged = generation(&app.db).await;

    // Another process renames both articles in one statement: every read sees it at once.
    execute(
        &app.db,
        "update articles set title = replace(title, 'habits', 'ways')",
    )
    .await;
    let moved = generation(&app.db).await - unchanged;
    match app.db {
        // Once per transaction on PostgreSQL (at its commit), once per row on SQLite.
        Db::Postgres(_) => assert_eq!(moved, 1),
        Db::Sqlite(_) => assert_eq!(moved, 2),
    }
    let (_, list) = app.get_json("/api/articles").await;
    let titles: Vec<&str> = list["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|a| a["title"].as_str())
        .collect();
    assert_eq!(titles.len(), 2, "{list}");
    assert!(titles.iter().all(|t| t.ends_with(" ways")), "{list}");
    assert_eq!(app.get_json(&detail).await.1["title"], "Quokka ways");
    let (_, found) = app.get_json("/api/search?q=quokka").await;
    assert_eq!(
        found["results"][0]["article"]["title"], "Quokka ways",
        "{found}"
    );

    // Deleting the quokka's source through the API takes its article out of every read.
    let (_, article) = app.get_json(&detail).await;
    let source = article["sources"][0]["id"].as_str().expect("source id");
    let (status, body) = app
        .delete_json(&format!("/api/sources/{source}?cascade=true"))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(app.get_json(&detail).await.0, 404);
    assert_eq!(app.get_json("/api/articles").await.1["total"], 1);
    let (_, found) = app.get_json("/api/search?q=quokka").await;
    assert!(
        found["results"]
            .as_array()
            .expect("results")
            .iter()
            .all(|r| r["article"]["id"] != quokka.as_str()),
        "{found}"
    );
}

#[tokio::test]
async fn with_the_cache_off_reads_are_answered_alike() {
    let app = spawn_app_with(|s| s.server.read_cache_bytes = 0).await;
    let id = app
        .compiled_note("# Bilby burrows\n\nThe bilby digs spiral burrows in the desert and comes out at night.")
        .await;
    let (status, first) = app.get_json(&format!("/api/articles/{id}")).await;
    assert_eq!(status, 200, "{first}");
    // A change hidden from the generation is seen all the same: nothing was kept.
    let unchanged = generation(&app.db).await;
    execute(&app.db, "update articles set title = 'Bilby tunnels'").await;
    set_generation(&app.db, unchanged).await;
    let (_, second) = app.get_json(&format!("/api/articles/{id}")).await;
    assert_eq!(second["title"], "Bilby tunnels");
    assert_eq!(second["claims"], first["claims"]);
}

#[tokio::test]
async fn reads_at_once_share_the_generation_statement_and_each_sees_every_earlier_change() {
    let env = testkit::backend::TestEnv::new().await;
    let db = Db::connect(&env.settings().database)
        .await
        .expect("database");
    db.migrate().await.expect("migrations");
    let reader = std::sync::Arc::new(db::generation::Reader::new(&db));
    // Readers that never stop, so a statement is usually under way — one that may have read
    // the row before the change below — whenever the checked reads ask.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let background: Vec<_> = (0..8)
        .map(|_| {
            let (reader, stop) = (reader.clone(), stop.clone());
            tokio::spawn(async move {
                let mut reads = 0_u64;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    reader.current().await.expect("generation");
                    reads += 1;
                    // SQLite's read never waits, so the loop would never let the test run.
                    tokio::task::yield_now().await;
                }
                reads
            })
        })
        .collect();
    const ROUNDS: u64 = 40;
    const AT_ONCE: u64 = 16;
    for _ in 0..ROUNDS {
        // Nothing else writes this database: the change makes the generation one more.
        let committed = generation(&db).await + 1;
        db::generation::bump(&db).await.expect("bump");
        let reads = (0..AT_ONCE).map(|_| {
            let reader = reader.clone();
            async move { reader.current().await.expect("generation") }
        });
        let seen = futures::future::join_all(reads).await;
        assert!(
            seen.iter().all(|&value| value >= committed),
            "a read asked after the change saw an older generation: {seen:?} < {committed}"
        );
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut reads = ROUNDS * AT_ONCE;
    for task in background {
        reads += task.await.expect("reader");
    }
    match db {
        // The reads share statements instead of sending one each.
        Db::Postgres(_) => assert!(
            reader.statements() * 2 < reads,
            "{} statements for {reads} reads",
            reader.statements()
        ),
        // SQLite reads on a connection of the reader's own, sending nothing anywhere.
        Db::Sqlite(_) => assert_eq!(reader.statements(), 0),
    }
}
