//! Concepts that mean something: plural and singular are one concept, whatever the model
//! wrote, and a wiki saved under an older rule of identity is merged when it next starts.

use std::time::Duration;

use serde_json::Value;
use shared::db::Db;
use shared::llm::ProviderKind;
use testkit::fake_llm::FakeLlm;

use crate::helpers::{TestApp, spawn_app_with};
use crate::llm::use_provider;

const LIMIT: Duration = Duration::from_secs(60);

/// Posts a note and waits for it to compile; returns its article id.
async fn compiled(app: &TestApp, text: &str) -> String {
    let (status, body) = app.post_text(text, None).await;
    assert_eq!(status, 202, "{body}");
    let source = app
        .wait_for_source(body["source"]["id"].as_str().expect("id"), LIMIT)
        .await;
    assert_eq!(source["status"], "compiled", "{source}");
    source["article_ids"][0]
        .as_str()
        .expect("article")
        .to_owned()
}

fn concept<'a>(list: &'a Value, name: &str) -> Option<&'a Value> {
    list["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|c| c["name"] == name)
}

#[tokio::test]
async fn plural_and_singular_concepts_are_one_concept() {
    let fake = FakeLlm::start().await;
    let base = format!("{}/v1", fake.url());
    let app = spawn_app_with(|s| use_provider(s, ProviderKind::Openai, base)).await;
    // The fake model names each note's most frequent long words as its concepts.
    let many = compiled(
        &app,
        "# Worker pools\n\nThreads share memory. Threads need locks around shared state. Threads wait on barriers. Threads finish when their target returns.",
    )
    .await;
    let one = compiled(
        &app,
        "# One thread\n\nA thread runs one function. Each thread has its own stack. The thread ends when the function returns, and a thread can be joined.",
    )
    .await;

    let (status, list) = app.get_json("/api/concepts").await;
    assert_eq!(status, 200, "{list}");
    let thread = concept(&list, "thread").unwrap_or_else(|| panic!("{list}"));
    assert_eq!(thread["article_count"], 2, "{list}");
    assert!(concept(&list, "threads").is_none(), "{list}");
    assert!(
        thread.get("parent").is_some(),
        "each concept says its parent: {list}"
    );

    // Either spelling filters to both articles.
    for name in ["Threads", "thread"] {
        let (_, articles) = app.get_json(&format!("/api/articles?concept={name}")).await;
        let mut ids: Vec<&str> = articles["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter_map(|a| a["id"].as_str())
            .collect();
        ids.sort_unstable();
        let mut expected = vec![many.as_str(), one.as_str()];
        expected.sort_unstable();
        assert_eq!(ids, expected, "{name}: {articles}");
    }

    // A wiki saved when "threads" was a concept of its own is merged when it next starts.
    let rename =
        "update concepts set name = 'threads', display_name = 'Threads' where name = 'thread'";
    match &app.db {
        Db::Sqlite(p) => sqlx::query(rename).execute(p).await.map(drop),
        Db::Postgres(p) => sqlx::query(rename).execute(p).await.map(drop),
    }
    .expect("rename");
    app.db.migrate().await.expect("migrate");
    let (_, list) = app.get_json("/api/concepts").await;
    assert_eq!(
        concept(&list, "thread").expect("thread")["article_count"],
        2,
        "{list}"
    );
    assert!(concept(&list, "threads").is_none(), "{list}");
}
