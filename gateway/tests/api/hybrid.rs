//! Hybrid search: with an embedding provider configured, compiled passages get vectors and
//! searches fuse the full-text and vector rankings. The fake server's embeddings count
//! character trigrams, so a misspelled question still finds its article by meaning, which
//! full-text search alone cannot: that is how these tests tell the rankings apart.

use std::time::Duration;

use serde_json::{Value, json};
use shared::config::{EmbeddingProvider, EmbeddingSettings, Secret, Settings};
use shared::llm::ProviderKind;
use testkit::fake_llm::{FakeLlm, Mode};

use crate::helpers::{TestApp, spawn_app_with, start, tool_available};
use crate::llm::use_provider;
use crate::search::{ingest_corpus, search};
use shared::db::Db;

/// Words of the heapq page, misspelled past what stemming forgives.
pub(crate) const MISSPELLED: &str = "prioritty queu algoritm";
pub(crate) const CORPUS: [&str; 3] = [
    "html/python/heapq.html",
    "html/python/bisect.html",
    "html/python/csv.html",
];

pub(crate) fn use_embeddings(s: &mut Settings, provider: EmbeddingProvider, base_url: String) {
    s.embeddings = Some(EmbeddingSettings {
        provider,
        model: provider.default_model().to_owned(),
        base_url: Some(base_url),
        api_key: Some(Secret::new("embed-key")),
        dimensions: None,
        min_similarity: 0.3,
    });
}

pub(crate) fn embedding_requests(fake: &FakeLlm, path_end: &str) -> Vec<Value> {
    fake.requests()
        .into_iter()
        .filter(|r| r.path.ends_with(path_end))
        .map(|r| r.body)
        .collect()
}

/// A wiki of `documents` compiled offline, embedded through the fake OpenAI-compatible server.
async fn openai_embedded_wiki(documents: &[&str]) -> (FakeLlm, TestApp, Vec<Value>) {
    let fake = FakeLlm::start().await;
    let base = format!("{}/v1", fake.url());
    let app = spawn_app_with(|s| use_embeddings(s, EmbeddingProvider::Openai, base)).await;
    let sources = ingest_corpus(&app, documents).await;
    wait_until_embedded(&app).await;
    (fake, app, sources)
}

/// Texts sent to the OpenAI-compatible embeddings endpoint so far.
fn embedded_inputs(fake: &FakeLlm) -> usize {
    embedding_requests(fake, "/v1/embeddings")
        .iter()
        .map(|b| b["input"].as_array().map_or(0, Vec::len))
        .sum()
}

/// Waits until Settings reports no passage waiting for its vector.
pub(crate) async fn wait_until_embedded(app: &TestApp) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let (_, settings) = app.get_json("/api/settings").await;
        if settings["search"]["embeddings"]["pending_passages"] == 0 {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "passages still wait: {settings}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn index_costs(app: &TestApp) -> Value {
    let (status, costs) = app.get_json("/api/costs").await;
    assert_eq!(status, 200, "{costs}");
    costs
}

/// Compiles three corpus pages with embeddings from `provider`, then checks that a misspelled
/// question finds heapq by meaning alone and a plain one still by its words.
async fn hybrid_search_through(provider: EmbeddingProvider, base_path: &str, path_end: &str) {
    let fake = FakeLlm::start().await;
    let base = format!("{}{base_path}", fake.url());
    let app = spawn_app_with(|s| use_embeddings(s, provider, base)).await;
    let sources = ingest_corpus(&app, &CORPUS).await;
    // A compile that finds another's embedding pass running leaves its passages to that pass.
    wait_until_embedded(&app).await;
    let heapq = sources[0]["article_ids"][0].as_str().expect("article");

    // Passages were embedded as they were compiled, in batches, with the key.
    let batches = embedding_requests(&fake, path_end);
    assert!(!batches.is_empty(), "no request to {path_end}");
    let request = fake
        .requests()
        .into_iter()
        .find(|r| r.path.ends_with(path_end))
        .expect("request");
    let key_sent = request.headers.get("authorization").map(String::as_str)
        == Some("Bearer embed-key")
        || request.headers.get("x-goog-api-key").map(String::as_str) == Some("embed-key");
    assert!(key_sent, "{:?}", request.headers);

    let (_, settings) = app.get_json("/api/settings").await;
    assert_eq!(settings["search"]["ranking"], "hybrid", "{settings}");
    assert_eq!(
        settings["search"]["embeddings"]["model"],
        provider.default_model()
    );

    let reply = search(&app, MISSPELLED).await;
    assert_eq!(reply["ranking"], "hybrid", "{reply}");
    let first = &reply["results"][0];
    assert_eq!(first["article"]["id"], heapq, "{reply}");
    assert_eq!(
        first["full_text"], false,
        "full text matched a misspelling: {first}"
    );
    assert!(
        first["similarity"].as_f64().expect("similarity") > 0.3,
        "{first}"
    );
    assert!(!first["snippet"].as_array().expect("snippet").is_empty());

    let reply = search(&app, "insort sorted list bisection").await;
    assert_eq!(reply["ranking"], "hybrid");
    let first = &reply["results"][0];
    assert_eq!(
        first["article"]["title"]
            .as_str()
            .map(|t| t.contains("bisect")),
        Some(true),
        "{reply}"
    );
    assert_eq!(first["full_text"], true, "{first}");
}

#[tokio::test]
async fn hybrid_search_with_openai_compatible_embeddings() {
    hybrid_search_through(EmbeddingProvider::Openai, "/v1", "/v1/embeddings").await;
}

#[tokio::test]
async fn hybrid_search_with_ollama_embeddings() {
    hybrid_search_through(EmbeddingProvider::Ollama, "", "/api/embed").await;
}

#[tokio::test]
async fn hybrid_search_with_gemini_embeddings() {
    hybrid_search_through(EmbeddingProvider::Google, "", ":batchEmbedContents").await;
}

#[tokio::test]
async fn answers_use_passages_found_by_meaning_and_embeddings_are_cost_logged() {
    let (_fake, app, sources) = openai_embedded_wiki(&CORPUS[..2]).await;
    let heapq = sources[0]["article_ids"][0].as_str().expect("article");

    // Offline answerer: the misspelled question shares no word with the wiki, yet is answered
    // from heapq, found by meaning.
    let (status, body) = app
        .post_json("/api/ask", &json!({"question": MISSPELLED}))
        .await;
    assert_eq!(status, 200, "{body}");
    let turn = &body["turn"];
    let cited: Vec<&str> = turn["citations"]
        .as_array()
        .expect("citations")
        .iter()
        .filter_map(|c| c["article"]["id"].as_str())
        .collect();
    assert!(cited.contains(&heapq), "{turn}");

    // Every embedding call is in the cost log under the index task, priced.
    let costs = index_costs(&app).await;
    let index = costs["by_task"]
        .as_array()
        .expect("by_task")
        .iter()
        .find(|t| t["key"] == "index")
        .unwrap_or_else(|| panic!("no index task: {costs}"));
    assert!(index["calls"].as_u64() >= Some(2), "{costs}");
    assert!(index["input_tokens"].as_u64() > Some(0), "{costs}");
    assert!(index["cost_usd"].as_f64() > Some(0.0), "{costs}");
}

#[tokio::test]
async fn a_model_answers_from_passages_found_by_meaning() {
    let fake = FakeLlm::start().await;
    let llm_base = format!("{}/v1", fake.url());
    let embed_base = llm_base.clone();
    let app = spawn_app_with(|s| {
        use_provider(s, ProviderKind::Openai, llm_base);
        use_embeddings(s, EmbeddingProvider::Openai, embed_base);
    })
    .await;
    let sources = ingest_corpus(&app, &CORPUS[..2]).await;
    let heapq = sources[0]["article_ids"][0].as_str().expect("article");
    fake.clear_requests();
    let (status, body) = app
        .post_json("/api/ask", &json!({"question": MISSPELLED}))
        .await;
    assert_eq!(status, 200, "{body}");
    let prompt = fake
        .requests()
        .into_iter()
        .find(|r| r.path.ends_with("/chat/completions"))
        .expect("the model was asked")
        .body
        .to_string();
    assert!(prompt.contains("heapq"), "{prompt}");
    let cited = body["turn"]["citations"].to_string();
    assert!(cited.contains(heapq), "{body}");
}

#[tokio::test]
async fn search_falls_back_to_full_text_when_the_embedding_provider_fails() {
    let (fake, app, sources) = openai_embedded_wiki(&CORPUS[..1]).await;
    let heapq = sources[0]["article_ids"][0].as_str().expect("article");
    fake.set_mode(Mode::Fail(500));
    let reply = search(&app, "heap queue smallest item").await;
    assert_eq!(reply["ranking"], "full_text", "{reply}");
    assert_eq!(reply["results"][0]["article"]["id"], heapq);
    // Nothing is found by a misspelling now, and that is an empty result, not an error.
    let reply = search(&app, MISSPELLED).await;
    assert_eq!(reply["results"], json!([]), "{reply}");
}

#[tokio::test]
async fn a_recompile_replaces_the_vectors_with_the_passages() {
    let (fake, app, sources) = openai_embedded_wiki(&CORPUS[..1]).await;
    let source_id = sources[0]["id"].as_str().expect("id");
    let passages = embedded_inputs(&fake);
    assert!(passages > 0);
    // Found by meaning before the recompile, so afterwards the old vectors must be gone from
    // where nearest passages are looked up. (The question is embedded too.)
    let reply = search(&app, MISSPELLED).await;
    assert_eq!(reply["ranking"], "hybrid");
    let before = embedded_inputs(&fake);

    let (status, body) = app
        .post_json(&format!("/api/sources/{source_id}/compile"), &json!({}))
        .await;
    assert_eq!(status, 202, "{body}");
    // The recompiled article's passages are embedded again, and only those.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    while embedded_inputs(&fake) < before + passages {
        assert!(
            tokio::time::Instant::now() < deadline,
            "passages not embedded again: {passages} then {}",
            embedded_inputs(&fake) - before
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    wait_until_embedded(&app).await;
    assert_eq!(embedded_inputs(&fake), before + passages);
    let reply = search(&app, MISSPELLED).await;
    assert_eq!(reply["ranking"], "hybrid");
    assert_eq!(
        reply["results"][0]["article"]["id"],
        sources[0]["article_ids"][0]
    );
    // The replaced passages' vectors left the vector table with them.
    let (indexed, stored) = indexed_and_stored(&app.db).await;
    assert_eq!(indexed, stored);
}

/// The sqlite-vec tables (one per dimension) of a SQLite wiki.
async fn vector_tables(db: &Db) -> Vec<String> {
    let Db::Sqlite(p) = db else {
        return Vec::new();
    };
    let rows: Vec<(String,)> = sqlx::query_as(
        "select name from sqlite_master where type = 'table' and sql like '%using vec0%'",
    )
    .fetch_all(p)
    .await
    .expect("tables");
    rows.into_iter().map(|(name,)| name).collect()
}

/// How many vectors the sqlite-vec tables and `search_vectors` hold (SQLite only).
async fn indexed_and_stored(db: &Db) -> (i64, i64) {
    let Db::Sqlite(p) = db else {
        return (0, 0);
    };
    let mut indexed = 0;
    for table in vector_tables(db).await {
        let (n,): (i64,) =
            sqlx::query_as(sqlx::AssertSqlSafe(format!("select count(*) from {table}")))
                .fetch_one(p)
                .await
                .expect("count");
        indexed += n;
    }
    let (stored,): (i64,) = sqlx::query_as("select count(*) from search_vectors")
        .fetch_one(p)
        .await
        .expect("count");
    (indexed, stored)
}

#[tokio::test]
async fn vectors_stored_before_their_index_existed_are_indexed_at_the_next_start() {
    let (fake, app, sources) = openai_embedded_wiki(&CORPUS[..1]).await;
    let heapq = sources[0]["article_ids"][0].clone();
    // As a wiki embedded by a version without sqlite-vec: the vectors, no table of them.
    if let Db::Sqlite(p) = &app.db {
        let tables = vector_tables(&app.db).await;
        assert_eq!(tables.len(), 1, "{tables:?}");
        let table = &tables[0];
        let (indexed, stored) = indexed_and_stored(&app.db).await;
        assert_eq!((indexed, stored > 0), (stored, true));
        for drop in [
            format!("drop trigger {table}_insert"),
            format!("drop trigger {table}_delete"),
            format!("drop table {table}"),
        ] {
            sqlx::query(sqlx::AssertSqlSafe(drop))
                .execute(p)
                .await
                .expect("drop");
        }
        // Nearest passages come from that table alone: without it nothing is found by meaning.
        let reply = search(&app, MISSPELLED).await;
        assert_eq!(reply["results"], json!([]), "{reply}");
    }
    // The next start files them again.
    let env = app.stop().await.expect("env");
    let mut settings = env.settings();
    use_embeddings(
        &mut settings,
        EmbeddingProvider::Openai,
        format!("{}/v1", fake.url()),
    );
    let app = start(settings, true).await;
    assert_eq!(
        vector_tables(&app.db).await.len(),
        usize::from(matches!(app.db, Db::Sqlite(_)))
    );
    let reply = search(&app, MISSPELLED).await;
    assert_eq!(reply["ranking"], "hybrid", "{reply}");
    assert_eq!(reply["results"][0]["article"]["id"], heapq, "{reply}");
    assert_eq!(reply["results"][0]["full_text"], false, "{reply}");
    app.stop().await;
    drop(env);
}

/// Whether the PostgreSQL server of `db` offers pgvector (`.ci/run` builds it; with `CI=true`
/// it must be there).
pub(crate) async fn pgvector_offered(db: &Db) -> bool {
    let Db::Postgres(p) = db else {
        return false;
    };
    let offered: bool = sqlx::query_scalar(
        "select exists (select 1 from pg_available_extensions where name = 'vector')",
    )
    .fetch_one(p)
    .await
    .expect("extensions");
    tool_available(
        offered,
        "pgvector on the PostgreSQL server",
        "built from Debian's source package by .ci/run",
    )
}

#[tokio::test]
async fn postgres_finds_nearest_passages_through_pgvector_and_by_a_scan_without_it() {
    let (fake, app, sources) = openai_embedded_wiki(&CORPUS[..1]).await;
    let Db::Postgres(p) = &app.db else {
        eprintln!(
            "SKIPPED: pgvector and the exact scan are PostgreSQL's ways; SQLite has sqlite-vec"
        );
        return;
    };
    if !pgvector_offered(&app.db).await {
        return;
    }
    let heapq = sources[0]["article_ids"][0].clone();
    let indexes: Vec<String> = sqlx::query_scalar(
        "select indexdef from pg_indexes where indexname like 'search_vectors_hnsw_%'",
    )
    .fetch_all(p)
    .await
    .expect("indexes");
    assert_eq!(indexes.len(), 1, "{indexes:?}");
    assert!(indexes[0].contains("USING hnsw"), "{indexes:?}");
    let found_by_meaning = |reply: &Value| {
        reply["ranking"] == "hybrid"
            && reply["results"][0]["article"]["id"] == heapq
            && reply["results"][0]["full_text"] == false
    };
    let reply = search(&app, MISSPELLED).await;
    assert!(found_by_meaning(&reply), "{reply}");
    // The search went through the index (its scans are counted once the session reports).
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let scans: i64 = sqlx::query_scalar(
            "select coalesce(sum(idx_scan), 0)::bigint from pg_stat_user_indexes \
             where indexrelname like 'search_vectors_hnsw_%'",
        )
        .fetch_one(p)
        .await
        .expect("index statistics");
        if scans > 0 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the vector index was never scanned"
        );
        search(&app, MISSPELLED).await;
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // Without the extension (and so without its index) the same passages are found by reading
    // every vector, readiness says so, and new vectors are still stored.
    sqlx::query("drop extension vector cascade")
        .execute(p)
        .await
        .expect("drop");
    let (_, ready) = app.get_json("/health/ready").await;
    assert_eq!(
        ready["checks"]["vectors"]["detail"]["index"], "exact_scan",
        "{ready}"
    );
    let reply = search(&app, MISSPELLED).await;
    assert!(found_by_meaning(&reply), "{reply}");
    let before = embedded_inputs(&fake);
    ingest_corpus(&app, &CORPUS[1..2]).await;
    wait_until_embedded(&app).await;
    assert!(embedded_inputs(&fake) > before);
    let reply = search(&app, "insort sortd lisst bisektion").await;
    assert_eq!(reply["ranking"], "hybrid", "{reply}");
    assert!(
        reply["results"][0]["article"]["title"]
            .as_str()
            .is_some_and(|t| t.contains("bisect")),
        "{reply}"
    );
}

/// A unit vector of `dimensions` at `angle` radians in the plane of its first two axes.
fn at_angle(angle: f32, dimensions: usize) -> Vec<f32> {
    let mut v = vec![0.0; dimensions];
    v[0] = angle.cos();
    v[1] = angle.sin();
    v
}

#[tokio::test]
async fn nearest_passages_are_those_of_the_model_asked_at_any_dimension() {
    let app = crate::helpers::spawn_app().await;
    ingest_corpus(&app, &CORPUS).await;
    let passages = shared::db::vectors::pending(&app.db, "model-a", 0, 10_000)
        .await
        .expect("passages");
    // A passage has one vector, of one model: each model gets a third of the passages.
    let per_model = passages.len() / 3;
    assert!(per_model >= 4, "{} passages", passages.len());
    let groups: Vec<&[shared::db::vectors::PendingPassage]> =
        passages.chunks(per_model).take(3).collect();
    // Two models of one dimension (the second's name needs quoting in SQL) and one past
    // HNSW's 2,000: a model's passage j lies at angle j·step (for the second model in reverse
    // order), so the passage nearest the first axis is the group's first (or last).
    let quoted = r"o'brien \ embed";
    let models = [
        ("model-a", 8, false),
        (quoted, 8, true),
        ("model-c", 2001, false),
    ];
    let step = std::f32::consts::FRAC_PI_2 / per_model as f32;
    for (&(model, dimensions, mirrored), group) in models.iter().zip(&groups) {
        let vectors: Vec<Vec<f32>> = (0..group.len())
            .map(|j| {
                let j = if mirrored { group.len() - 1 - j } else { j };
                at_angle(j as f32 * step, dimensions)
            })
            .collect();
        let embedded: Vec<_> = group
            .iter()
            .zip(&vectors)
            .map(|(p, v)| (p, v.as_slice()))
            .collect();
        let stored = shared::db::vectors::store(&app.db, model, &embedded)
            .await
            .expect("store");
        assert_eq!(stored, group.len(), "{model}");
    }
    if let Db::Postgres(p) = &app.db
        && pgvector_offered(&app.db).await
    {
        // One HNSW index per model that fits one, the quoted name's included. (On so few rows
        // the planner reads the table rather than an index, so whether a search uses one is
        // shown by `postgres_finds_nearest_passages_through_pgvector_and_by_a_scan_without_it`;
        // the predicate and the search's condition are written by the same function.)
        let indexes: i64 = sqlx::query_scalar(
            "select count(*) from pg_indexes where indexname like 'search_vectors_hnsw_%'",
        )
        .fetch_one(p)
        .await
        .expect("indexes");
        assert_eq!(indexes, 2);
    }
    for (&(model, dimensions, mirrored), group) in models.iter().zip(&groups) {
        let query = at_angle(0.0, dimensions);
        let found = shared::db::vectors::nearest(&app.db, model, &query, 3 * per_model)
            .await
            .expect("nearest");
        // This model's passages only, each once, the nearest first.
        let nearest_first = if mirrored {
            group[group.len() - 1].id
        } else {
            group[0].id
        };
        let mut found_ids: Vec<i64> = found.iter().map(|(id, _)| *id).collect();
        assert_eq!(
            found_ids.first(),
            Some(&nearest_first),
            "{model}: {found:?}"
        );
        assert!((found[0].1 - 1.0).abs() < 1e-4, "{model}: {found:?}");
        found_ids.sort_unstable();
        let mut expected: Vec<i64> = group.iter().map(|p| p.id).collect();
        expected.sort_unstable();
        assert_eq!(found_ids, expected, "{model}");
    }
    // A model with no vectors finds nothing.
    let none = shared::db::vectors::nearest(&app.db, "model-z", &at_angle(0.0, 8), 10)
        .await
        .expect("nearest");
    assert!(none.is_empty(), "{none:?}");
}
