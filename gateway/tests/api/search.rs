//! Full-text search: ranking on the corpus, highlighted snippets, and an index that follows
//! compiles, re-compiles and deletes.

use std::time::Duration;

use serde_json::Value;

use crate::helpers::{TestApp, assert_envelope, corpus, spawn_app};

const LIMIT: Duration = Duration::from_secs(180);

/// Ingests corpus files and waits until each is compiled; returns the sources.
pub(crate) async fn ingest_corpus(app: &TestApp, paths: &[&str]) -> Vec<Value> {
    let mut ids = Vec::new();
    for path in paths {
        let name = path.rsplit('/').next().expect("file name");
        let (status, body) = app.post_file(name, corpus(path)).await;
        assert_eq!(status, 202, "{path}: {body}");
        ids.push(body["source"]["id"].as_str().expect("id").to_owned());
    }
    let mut sources = Vec::new();
    for id in ids {
        let source = app.wait_for_source(&id, LIMIT).await;
        assert_eq!(source["status"], "compiled", "{source}");
        sources.push(source);
    }
    sources
}

pub(crate) async fn search(app: &TestApp, q: &str) -> Value {
    let (status, body) = app
        .get_json(&format!("/api/search?q={}", urlencode(q)))
        .await;
    assert_eq!(status, 200, "{body}");
    body
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn titles(reply: &Value) -> Vec<String> {
    reply["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| r["article"]["title"].as_str().unwrap_or("").to_owned())
        .collect()
}

#[tokio::test]
async fn search_ranks_the_document_that_answers_a_corpus_question_first() {
    let app = spawn_app().await;
    let sources = ingest_corpus(
        &app,
        &[
            "html/python/heapq.html",
            "html/python/bisect.html",
            "html/python/queue.html",
            "html/python/csv.html",
        ],
    )
    .await;
    let heapq_article = sources[0]["article_ids"][0].as_str().expect("article");

    let reply = search(&app, "How do I pop the smallest item off a heap?").await;
    let first = &reply["results"][0];
    assert_eq!(
        first["article"]["id"],
        heapq_article,
        "{:?}",
        titles(&reply)
    );
    // The snippet is plain segments, with the matched words marked as hits.
    let snippet = first["snippet"].as_array().expect("snippet");
    assert!(snippet.iter().any(|s| s["hit"] == true), "{first}");
    assert!(first["passage"]["kind"].is_string(), "{first}");

    let reply = search(&app, "read rows from a comma separated values file").await;
    assert!(
        titles(&reply)[0].to_lowercase().contains("csv"),
        "{:?}",
        titles(&reply)
    );

    // Words that appear nowhere find nothing, and query syntax is just words.
    assert_eq!(
        search(&app, "zyzzyva quokka").await["results"],
        serde_json::json!([])
    );
    let reply = search(&app, "heapq\" OR (* -\"").await;
    assert_eq!(reply["results"][0]["article"]["id"], heapq_article);
}

#[tokio::test]
async fn bad_search_requests_get_the_envelope() {
    let app = spawn_app().await;
    let (status, body) = app.get_json("/api/search").await;
    assert_envelope(status, &body, 422);
    let (status, body) = app.get_json("/api/search?q=%20%20").await;
    assert_envelope(status, &body, 422);
    let (status, body) = app.get_json("/api/search?q=heap&limit=0").await;
    assert_envelope(status, &body, 422);
    let (status, body) = app.get_json("/api/search?q=heap&limit=500").await;
    assert_envelope(status, &body, 422);
    let long = "a".repeat(600);
    let (status, body) = app.get_json(&format!("/api/search?q={long}")).await;
    assert_envelope(status, &body, 422);
    let (status, body) = app.get_json("/api/search?q=heap&page=2").await;
    assert_envelope(status, &body, 400);
}

async fn passage_count(app: &TestApp, article_id: &str) -> i64 {
    let id = article_id.parse().expect("article id");
    shared::db::search::passage_count(&app.db, id)
        .await
        .expect("count")
}

#[tokio::test]
async fn the_index_follows_a_recompile_and_a_delete() {
    let app = spawn_app().await;
    let sources = ingest_corpus(&app, &["html/python/bisect.html"]).await;
    let source_id = sources[0]["id"].as_str().expect("id");
    let article = sources[0]["article_ids"][0].as_str().expect("article");
    let before = passage_count(&app, article).await;
    assert!(before >= 3, "{before} passages");
    let found = search(&app, "bisect insort sorted list").await;
    assert_eq!(found["results"][0]["article"]["id"], article);
    let matches_before = found["results"][0]["matching_passages"].clone();

    // A re-compile replaces the passages: none are left over or doubled.
    let (status, body) = app
        .post_json(
            &format!("/api/sources/{source_id}/compile"),
            &serde_json::json!({}),
        )
        .await;
    assert_eq!(status, 202, "{body}");
    let deadline = tokio::time::Instant::now() + LIMIT;
    loop {
        let (_, a) = app.get_json(&format!("/api/articles/{article}")).await;
        if a["version"] == 2 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "never re-compiled: {a}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(passage_count(&app, article).await, before);
    let found = search(&app, "bisect insort sorted list").await;
    assert_eq!(found["results"].as_array().expect("results").len(), 1);
    assert_eq!(found["results"][0]["matching_passages"], matches_before);

    // Deleting the source with its articles empties the index.
    let r = app
        .client
        .delete(app.url(&format!("/api/sources/{source_id}?cascade=true")))
        .send()
        .await
        .expect("delete");
    assert!(r.status().is_success(), "{}", r.status());
    assert_eq!(passage_count(&app, article).await, 0);
    assert_eq!(
        search(&app, "bisect insort sorted list").await["results"],
        serde_json::json!([])
    );
}

/// Writes `count` pages straight into the wiki (indexed in the same transaction, as the
/// worker's publish does): page `n` is titled "`name` n" and made of `sections` sections whose
/// text is `text(n, s)`.
async fn write_pages(
    app: &TestApp,
    name: &str,
    count: usize,
    sections: usize,
    text: impl Fn(usize, usize) -> String,
) {
    use shared::compile::slug::normalize_title;
    use shared::compile::{Confidence, PageType};
    use shared::db::articles::{ArticleWrite, save_article};
    for n in 0..count {
        let title = format!("{name} {n}");
        let body: String = (0..sections)
            .map(|s| format!("## Part {s}\n\n{}\n\n", text(n, s)))
            .collect();
        let article = ArticleWrite {
            id: shared::domain::ArticleId::new(),
            slug: format!("{}-{n}", name.to_lowercase()),
            title_key: normalize_title(&title),
            file_content: format!("# {title}\n\n{body}"),
            summary: format!("Page number {n}."),
            title,
            page_type: PageType::Source,
            confidence: Confidence::Sourced,
            provider: "test".into(),
            model: "test".into(),
            awaiting_model: false,
            body,
            open_questions: Vec::new(),
            concepts: Vec::new(),
            claims: Vec::new(),
            source_ids: Vec::new(),
            alias_keys: Vec::new(),
            links: Vec::new(),
            mention_passages: Vec::new(),
        };
        save_article(&app.db, &article).await.expect("page saved");
    }
}

/// On a wiki where words are in thousands of passages, a rarer word of a query chooses the
/// passages ranked (common ones narrow nothing), and a query of common words alone
/// still finds pages: those holding all its words first, then those holding any.
#[tokio::test]
async fn common_words_do_not_make_every_passage_a_candidate() {
    let app = spawn_app().await;
    // 2,100 passages hold "lantern", "harbour" and "meadow" (2,200 "harbour", in the titles);
    // 1,900 others hold "beacon"; 2,200 hold "quiet" and none of those; 1,801 "signal" and
    // 1,800 others "horn".
    write_pages(&app, "Harbour", 100, 21, |n, s| {
        format!("A lantern lights the harbour by the meadow, part {s} of {n}.")
    })
    .await;
    write_pages(&app, "Beacon", 100, 18, |n, s| {
        format!("A beacon burns in part {s} of page {n}.")
    })
    .await;
    write_pages(&app, "Quiet", 100, 21, |n, s| {
        format!("Nothing happens in part {s} of page {n}.")
    })
    .await;
    write_pages(&app, "Stone", 1, 1, |_, _| {
        "An old signal stood by the menhir.".into()
    })
    .await;
    write_pages(&app, "Coast", 100, 18, |n, s| {
        format!("A signal flashes in part {s} of page {n}.")
    })
    .await;
    write_pages(&app, "Cliff", 100, 18, |n, s| {
        format!("A horn sounds in part {s} of page {n}.")
    })
    .await;
    write_pages(&app, "Monument", 1, 1, |_, _| {
        "Yesterday the lantern lit an obelisk.".into()
    })
    .await;

    // PostgreSQL knows which words are common from the planner's statistics, which
    // autovacuum would soon gather on a running server.
    if let shared::db::Db::Postgres(p) = &app.db {
        sqlx::query("analyze search_chunks")
            .execute(p)
            .await
            .expect("statistics gathered");
    }
    // Scored on every word, the passages holding three of them would come first; but only
    // "beacon" is held by fewer than 2,000 passages, so it alone chooses what is ranked.
    let reply = search(&app, "lantern harbour meadow beacon").await;
    let found = titles(&reply);
    assert_eq!(found.len(), 20, "{reply}");
    assert!(found.iter().all(|t| t.starts_with("Beacon ")), "{reply}");

    // "obelisk" is in one passage: its page comes first, its hit marked.
    let reply = search(&app, "lantern obelisk").await;
    assert_eq!(
        titles(&reply).first().map(String::as_str),
        Some("Monument 0"),
        "{reply}"
    );
    let hits: Vec<String> = reply["results"][0]["snippet"]
        .as_array()
        .expect("snippet")
        .iter()
        .filter(|s| s["hit"] == true)
        .map(|s| s["text"].as_str().unwrap_or("").to_lowercase())
        .collect();
    assert!(hits.iter().any(|h| h == "obelisk"), "{reply}");

    // "signal" and "horn" are rarer than common, but together held by more passages than
    // PostgreSQL ranks at once: the one passage holding "obelisk" (written after them) is
    // not crowded out.
    let reply = search(&app, "signal horn obelisk").await;
    assert_eq!(
        titles(&reply).first().map(String::as_str),
        Some("Monument 0"),
        "{reply}"
    );

    // Both common and never together: no passage holds both, so pages holding either fill
    // the results.
    let reply = search(&app, "harbour quiet").await;
    assert_eq!(titles(&reply).len(), 20, "{reply}");

    // ... nor by the passages of rarer words that hold more of the query's words, even when
    // one of those words finds it too ("signal", among the first passages holding it).
    for (query, page) in [
        ("signal flashes page obelisk", "Monument 0"),
        ("signal flashes page menhir", "Stone 0"),
    ] {
        let reply = search(&app, query).await;
        assert_eq!(
            titles(&reply).first().map(String::as_str),
            Some(page),
            "{reply}"
        );
    }

    // "part" is in every passage but one: PostgreSQL finds the passages holding it by reading
    // the table in order (the SQL of that path runs here), after the one of "obelisk".
    let reply = search(&app, "part obelisk").await;
    let found = titles(&reply);
    assert_eq!(
        found.first().map(String::as_str),
        Some("Monument 0"),
        "{reply}"
    );
    assert!(found.len() > 1, "{reply}");
}
