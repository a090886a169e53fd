//! Concepts that mean something: plural and singular are one concept, whatever the model
//! wrote, a wiki saved under an older rule of identity is merged when it next starts, and
//! concepts nest by their words and by where they occur.

use serde_json::Value;
use shared::db::Db;
use shared::llm::ProviderKind;
use testkit::fake_llm::FakeLlm;

use crate::helpers::{TestApp, spawn_app_with};
use crate::llm::use_provider;

fn concept<'a>(list: &'a Value, name: &str) -> Option<&'a Value> {
    list["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|c| c["name"] == name)
}

/// The app compiling through the fake model, whose concepts are each note's most frequent
/// long words.
async fn app_with_fake_model() -> (FakeLlm, TestApp) {
    let fake = FakeLlm::start().await;
    let base = format!("{}/v1", fake.url());
    let app = spawn_app_with(|s| use_provider(s, ProviderKind::Openai, base)).await;
    (fake, app)
}

/// Two notes whose shared concepts are "thread" and "shuttle".
const SPINNING: &str =
    "# Spinning\n\nSpinning wool gives thread. A shuttle carries thread. The shuttle flies.";
const WEAVING: &str =
    "# Weaving\n\nWeaving needs thread. A shuttle crosses thread. The shuttle returns.";

#[tokio::test]
async fn plural_and_singular_concepts_are_one_concept() {
    let (_fake, app) = app_with_fake_model().await;
    // The fake model names each note's most frequent long words as its concepts.
    let many = app.compiled_note(
        "# Worker pools\n\nThreads share memory. Threads need locks around shared state. Threads wait on barriers. Threads finish when their target returns.",
    )
    .await;
    let one = app.compiled_note(
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

#[tokio::test]
async fn a_concept_found_only_where_a_broader_one_is_nests_under_it() {
    let (_fake, app) = app_with_fake_model().await;
    // The fake model's concepts are each note's most frequent long words: "shuttle" comes
    // with "thread" twice, and "thread" comes once more without it.
    for note in [
        SPINNING,
        WEAVING,
        "# Sewing\n\nSewing joins cloth with thread. Strong thread lasts.",
    ] {
        app.compiled_note(note).await;
    }
    let (_, list) = app.get_json("/api/concepts").await;
    let shuttle = concept(&list, "shuttle").unwrap_or_else(|| panic!("{list}"));
    assert_eq!(shuttle["article_count"], 2, "{list}");
    assert_eq!(shuttle["parent"], "thread", "{list}");
    let thread = concept(&list, "thread").unwrap_or_else(|| panic!("{list}"));
    assert_eq!(thread["article_count"], 3, "{list}");
    assert!(thread["parent"].is_null(), "{list}");
    // A concept of one article is no evidence of anything.
    let sewing = concept(&list, "sewing").unwrap_or_else(|| panic!("{list}"));
    assert!(sewing["parent"].is_null(), "{list}");
}

#[tokio::test]
async fn a_model_arranges_the_shared_concepts_in_one_call_when_their_set_changes() {
    let (fake, app) = app_with_fake_model().await;
    // Shared concepts: "thread" (3 articles), "shuttle" (2) and, with the fourth note,
    // "needle" (2), which comes with "thread" only once: no offline rule places it.
    for note in [
        SPINNING,
        WEAVING,
        "# Sewing\n\nSewing a needle through cloth takes thread. A needle pulls thread.",
    ] {
        app.compiled_note(note).await;
    }
    let asked = |fake: &FakeLlm| {
        fake.requests()
            .iter()
            .filter(|r| {
                r.body
                    .to_string()
                    .contains(shared::wiki::HIERARCHY_SYSTEM_PROMPT)
            })
            .count()
    };
    assert_eq!(asked(&fake), 0, "two shared concepts are not worth a call");
    let (_, list) = app.get_json("/api/concepts").await;
    assert_eq!(
        concept(&list, "shuttle").expect("shuttle")["parent"],
        "thread",
        "{list}"
    );

    let before = fake.request_count();
    app.compiled_note(
        "# Knitting\n\nKnitting loops yarn with a needle. Each needle holds stitches.",
    )
    .await;
    // The compile, the needle's concept page, and one call for the whole hierarchy.
    assert_eq!(fake.request_count() - before, 3, "{:?}", fake.requests());
    assert_eq!(asked(&fake), 1);
    let (_, list) = app.get_json("/api/concepts").await;
    // The fake model puts every concept under the most used one.
    let needle = concept(&list, "needle").unwrap_or_else(|| panic!("{list}"));
    assert_eq!(needle["article_count"], 2, "{list}");
    assert_eq!(needle["parent"], "thread", "{list}");
    assert!(
        concept(&list, "thread").expect("thread")["parent"].is_null(),
        "{list}"
    );

    // A source that changes no shared concept asks nothing more.
    let before = fake.request_count();
    app.compiled_note("# Honey\n\nHoney comes from nectar. Honey keeps for years.")
        .await;
    assert_eq!(fake.request_count() - before, 1, "{:?}", fake.requests());
    assert_eq!(asked(&fake), 1);
}

/// The concept pages of the wiki.
async fn concept_pages(app: &TestApp) -> Vec<Value> {
    let (status, list) = app.get_json("/api/articles?page_type=concept").await;
    assert_eq!(status, 200, "{list}");
    list["items"].as_array().expect("items").clone()
}

#[tokio::test]
async fn a_shared_concept_gets_one_page_rewritten_only_when_its_articles_change() {
    let (fake, app) = app_with_fake_model().await;
    // Each note's most frequent long words are its concepts: "thread" is the only shared one.
    let spinning = app
        .compiled_note(
            "# Spinning\n\nSpinning makes thread from wool. Spinning wheels twist thread tightly.",
        )
        .await;
    assert!(
        concept_pages(&app).await.is_empty(),
        "one article is no reason for a page"
    );
    let before = fake.request_count();
    let weaving = app
        .compiled_note(
            "# Weaving\n\nWeaving crosses thread on a loom. Weaving patterns need strong thread.",
        )
        .await;
    // One call compiles the note, one writes the page.
    assert_eq!(fake.request_count() - before, 2, "{:?}", fake.requests());
    let pages = concept_pages(&app).await;
    assert_eq!(pages.len(), 1, "{pages:?}");
    let slug = pages[0]["slug"].as_str().expect("slug").to_owned();
    let (_, page) = app.get_json(&format!("/api/articles/{slug}")).await;
    assert_eq!(page["page_type"], "concept", "{page}");
    assert_eq!(page["title"], "Thread (concept)", "{page}");
    assert_eq!(page["version"], 1, "{page}");
    let mut linked: Vec<&str> = page["backlinks_out"]
        .as_array()
        .expect("links")
        .iter()
        .filter(|l| l["resolved"] == true)
        .filter_map(|l| l["article_id"].as_str())
        .collect();
    linked.sort_unstable();
    let mut expected = vec![spinning.as_str(), weaving.as_str()];
    expected.sort_unstable();
    assert_eq!(linked, expected, "{page}");
    // Its claims are the articles' own, cited to their sources' exact words.
    let claims = page["claims"].as_array().expect("claims");
    assert!(!claims.is_empty(), "{page}");
    assert!(
        claims
            .iter()
            .all(|c| c["verified"] == true && c["source_id"].is_string()),
        "{page}"
    );
    // The concept is not counted twice: the page is not one of its articles.
    let (_, list) = app.get_json("/api/concepts").await;
    assert_eq!(
        concept(&list, "thread").expect("thread")["article_count"],
        2
    );

    // An unrelated source costs its own compile and nothing more.
    let before = fake.request_count();
    app.compiled_note("# Honey\n\nHoney comes from nectar. Honey keeps for years.")
        .await;
    assert_eq!(fake.request_count() - before, 1, "{:?}", fake.requests());
    let (_, page) = app.get_json(&format!("/api/articles/{slug}")).await;
    assert_eq!(page["version"], 1, "{page}");

    // A third article on the concept rewrites the page, once.
    let before = fake.request_count();
    let sewing = app
        .compiled_note(
            "# Sewing\n\nSewing joins cloth with thread. Sewing machines pull thread fast.",
        )
        .await;
    assert_eq!(fake.request_count() - before, 2, "{:?}", fake.requests());
    let (_, page) = app.get_json(&format!("/api/articles/{slug}")).await;
    assert_eq!(page["version"], 2, "{page}");
    assert!(
        page["backlinks_out"]
            .as_array()
            .expect("links")
            .iter()
            .any(|l| l["article_id"] == sewing.as_str()),
        "{page}"
    );
    assert_eq!(concept_pages(&app).await.len(), 1);
    // The vault holds its file, linking to the articles by file name.
    let file = std::fs::read_to_string(app.data_dir.join(format!("wiki/{slug}.md"))).expect("file");
    assert!(file.contains("page_type: concept"), "{file}");
    assert!(file.contains("[[spinning|"), "{file}");
}
