//! Links that are found, not hoped for: articles that name each other are linked (in both
//! directions, whichever came first, with the earlier article's file rewritten), an ambiguous
//! name links nothing, and a note's own `[[links]]` survive compilation.

use serde_json::Value;

use crate::helpers::{TestApp, spawn_app};

/// Posts a note, waits for it to compile and returns its article.
async fn note(app: &TestApp, text: &str) -> Value {
    let article = app.compiled_note(text).await;
    article_json(app, &article).await
}

async fn article_json(app: &TestApp, id: &str) -> Value {
    let (status, article) = app.get_json(&format!("/api/articles/{id}")).await;
    assert_eq!(status, 200, "{article}");
    article
}

/// Slugs of the resolved links in `direction` (`backlinks_out` or `backlinks_in`).
fn linked(article: &Value, direction: &str) -> Vec<String> {
    article[direction]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|l| l["resolved"] == true)
        .filter_map(|l| l["slug"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn two_notes_that_name_each_other_are_linked_both_ways() {
    let app = spawn_app().await;
    let bisect = note(
        &app,
        "# bisect — Array bisection\n\nThe bisect module keeps a list sorted without sorting it again after each insertion. For a priority queue, heapq keeps the smallest item first instead.",
    )
    .await;
    let bisect_slug = bisect["slug"].as_str().expect("slug").to_owned();
    assert!(linked(&bisect, "backlinks_out").is_empty(), "{bisect}");

    let heapq = note(
        &app,
        "# heapq — Heap queue algorithm\n\nThe heapq module implements heaps on plain lists. To find insertion points in a sorted list, bisect is the better tool.",
    )
    .await;
    let heapq_slug = heapq["slug"].as_str().expect("slug").to_owned();
    // The new article names the older one by its short name…
    assert_eq!(
        linked(&heapq, "backlinks_out"),
        std::slice::from_ref(&bisect_slug),
        "{heapq}"
    );
    let mention = heapq["backlinks_out"][0]["mention"].as_str().unwrap_or("");
    assert!(mention.contains("bisect is the better tool"), "{heapq}");
    // …and the older one, which named it before it existed, now links to it too.
    let bisect = article_json(&app, bisect["id"].as_str().expect("id")).await;
    assert_eq!(
        linked(&bisect, "backlinks_out"),
        std::slice::from_ref(&heapq_slug),
        "{bisect}"
    );
    assert_eq!(
        linked(&bisect, "backlinks_in"),
        std::slice::from_ref(&heapq_slug),
        "{bisect}"
    );
    let file =
        std::fs::read_to_string(app.data_dir.join(format!("wiki/{bisect_slug}.md"))).expect("file");
    assert!(
        file.contains(&format!("[[{heapq_slug}|")),
        "the older article's file is rewritten with the link: {file}"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_name_two_articles_share_links_to_neither() {
    let app = spawn_app().await;
    for part in ["the first part", "the second part"] {
        note(
            &app,
            &format!("# Debian Reference\n\nThis is {part} of the reference, about packages."),
        )
        .await;
    }
    let reader = note(
        &app,
        "# Reading notes\n\nThe Debian Reference explains how packages are installed and upgraded.",
    )
    .await;
    assert!(linked(&reader, "backlinks_out").is_empty(), "{reader}");
    app.stop().await;
}

#[tokio::test]
async fn a_notes_own_wikilinks_survive_compilation() {
    let app = spawn_app().await;
    let lighthouse = note(
        &app,
        "# Lighthouse keeping\n\nKeepers trimmed the wicks and wound the clockwork every night.",
    )
    .await;
    let reading = note(
        &app,
        "# Reading list\n\nStart with [[Lighthouse keeping]], then [[Fog signals]] once someone writes it.",
    )
    .await;
    let out = reading["backlinks_out"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let titles: Vec<&str> = out.iter().filter_map(|l| l["title"].as_str()).collect();
    assert!(titles.contains(&"Lighthouse keeping"), "{reading}");
    assert!(
        titles.contains(&"Fog signals"),
        "kept until it resolves: {reading}"
    );
    assert_eq!(
        linked(&reading, "backlinks_out"),
        [lighthouse["slug"].as_str().expect("slug").to_owned()]
    );
    app.stop().await;
}

#[tokio::test]
async fn an_article_is_named_by_the_identifier_it_is_about_and_by_qualified_names() {
    let app = spawn_app().await;
    // Its title does not say "asyncio", but its qualified names do, over and over.
    let tasks = note(
        &app,
        "# Coroutines and Tasks\n\nCall asyncio.run() to start. Use asyncio.create_task() to schedule, asyncio.gather() to wait for several, asyncio.sleep() to pause and asyncio.wait_for() for timeouts.",
    )
    .await;
    let tasks_slug = tasks["slug"].as_str().expect("slug").to_owned();

    // A later note names the module bare, and another module by a qualified name.
    let pools = note(
        &app,
        "# Worker pools\n\nThreads suit blocking calls; for I/O-bound programs asyncio is lighter. Results come back as concurrent.futures.Future objects.",
    )
    .await;
    assert_eq!(
        linked(&pools, "backlinks_out"),
        std::slice::from_ref(&tasks_slug),
        "{pools}"
    );

    // The module it named by a qualified name appears later, and is linked from it.
    let futures = note(
        &app,
        "# concurrent.futures — Launching parallel tasks\n\nExecutors run callables in threads or processes and return futures.",
    )
    .await;
    let futures_slug = futures["slug"].as_str().expect("slug").to_owned();
    let pools = article_json(&app, pools["id"].as_str().expect("id")).await;
    let mut out = linked(&pools, "backlinks_out");
    out.sort();
    let mut expected = vec![tasks_slug, futures_slug];
    expected.sort();
    assert_eq!(out, expected, "{pools}");
}

#[tokio::test]
async fn the_compile_prompt_offers_the_pages_related_to_the_source() {
    let fake = testkit::fake_llm::FakeLlm::start().await;
    let base = format!("{}/v1", fake.url());
    let app = crate::helpers::spawn_app_with(|s| {
        crate::llm::use_provider(s, shared::llm::ProviderKind::Openai, base)
    })
    .await;
    app.compiled_note("# Honey bees\n\nHoney bees live in colonies with a single queen. Worker bees collect nectar and pollen from flowers.").await;
    app.compiled_note("# Lighthouses\n\nA lighthouse marks dangerous coasts with a light that sailors can recognise at night.").await;
    fake.clear_requests();
    app.compiled_note("# Hives\n\nA hive shelters a colony of bees. The queen lays eggs while worker bees store nectar as honey.").await;
    let prompts: Vec<String> = fake
        .requests()
        .iter()
        .map(|r| r.body.to_string())
        .filter(|b| b.contains("SOURCE"))
        .collect();
    assert_eq!(prompts.len(), 1, "{prompts:?}");
    assert!(prompts[0].contains("- Honey bees"), "{}", prompts[0]);
    assert!(
        !prompts[0].contains("Lighthouses"),
        "an unrelated page is not offered: {}",
        prompts[0]
    );
}
