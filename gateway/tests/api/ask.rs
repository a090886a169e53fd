//! Ask: answers from the wiki with checked citations, offline and through each provider
//! protocol; nothing relevant means no model call; conversations, forks and export.

use std::time::Duration;

use serde_json::{Value, json};
use shared::llm::ProviderKind;
use testkit::fake_llm::FakeLlm;

use crate::helpers::{TestApp, assert_envelope, spawn_app, spawn_app_with};
use crate::llm::use_provider;
use crate::search::ingest_corpus;

const LIMIT: Duration = Duration::from_secs(120);
/// Notes the fake model compiles into articles (its articles are sentences of the text).
pub(crate) const NOTES: [&str; 2] = [
    "# Heaps\n\nA heap is a binary tree in which every parent is smaller than its children. \
     The heappop function pops and returns the smallest item from the heap. \
     The heappush function pushes an item onto the heap and keeps the heap invariant. \
     Heaps are used to implement priority queues.",
    "# Bisection\n\nThe bisect module finds insertion points in a sorted list. \
     The insort function inserts an item into a sorted list and keeps it sorted. \
     Bisection halves the search interval at each step.",
];
pub(crate) const HEAP_QUESTION: &str = "How do I pop the smallest item off a heap?";

async fn ask(app: &TestApp, body: Value) -> Value {
    let (status, reply) = app.post_json("/api/ask", &body).await;
    assert_eq!(status, 200, "{reply}");
    reply
}

/// Every citation names an article of the wiki, every `[n]` in the answer has its citation,
/// and every quote is the exact slice of its source's text at its span.
async fn assert_citations_hold(app: &TestApp, turn: &Value, articles: &[&str]) {
    let citations = turn["citations"].as_array().expect("citations");
    assert!(!citations.is_empty(), "{turn}");
    let answer = turn["answer"].as_str().expect("answer");
    for c in citations {
        let article = c["article"]["id"].as_str().expect("article id");
        assert!(
            articles.contains(&article),
            "cites {article} outside the wiki: {turn}"
        );
        assert!(answer.contains(&format!("[{}]", c["n"])), "{turn}");
        if let (Some(quote), Some(source)) = (c["quote"].as_str(), c["source"]["id"].as_str()) {
            let text = app
                .get(&format!("/api/sources/{source}/text"))
                .await
                .text()
                .await
                .expect("text");
            let chars: Vec<char> = text.chars().collect();
            let start = c["span"]["start"].as_u64().expect("start") as usize;
            let end = c["span"]["end"].as_u64().expect("end") as usize;
            let slice: String = chars[start..end].iter().collect();
            let norm = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
            assert_eq!(norm(&slice), norm(quote), "{c}");
        }
    }
}

fn article_ids(sources: &[Value]) -> Vec<String> {
    sources
        .iter()
        .flat_map(|s| s["article_ids"].as_array().cloned().unwrap_or_default())
        .filter_map(|a| a.as_str().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn offline_answers_cite_only_retrieved_articles_and_their_quotes_slice_the_source() {
    let app = spawn_app().await;
    let sources = ingest_corpus(
        &app,
        &[
            "html/python/heapq.html",
            "html/python/bisect.html",
            "html/python/csv.html",
        ],
    )
    .await;
    let ids = article_ids(&sources);
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();

    let reply = ask(&app, json!({"question": HEAP_QUESTION})).await;
    let turn = &reply["turn"];
    assert_eq!(turn["mode"], "extractive", "{turn}");
    assert_eq!(turn["provider"], "offline");
    assert_eq!(turn["index"], 0);
    assert_eq!(turn["dropped_citations"], 0);
    assert_citations_hold(&app, turn, &ids).await;
    // The heap article answers it, and the answer quotes it rather than listing hits.
    assert_eq!(turn["citations"][0]["article"]["id"], ids[0], "{turn}");
    assert!(
        turn["answer"]
            .as_str()
            .expect("answer")
            .to_lowercase()
            .contains("smallest"),
        "{turn}"
    );
    assert_eq!(reply["conversation"]["turn_count"], 1);
    assert!(
        reply["conversation"]["title"]
            .as_str()
            .expect("title")
            .starts_with("How do I pop")
    );
}

#[tokio::test]
async fn a_question_the_wiki_cannot_answer_reaches_no_model() {
    let fake = FakeLlm::start().await;
    let base = format!("{}/v1", fake.url());
    let app = spawn_app_with(|s| use_provider(s, ProviderKind::Openai, base)).await;
    let (_, body) = app
        .post_text("# Bees\n\nHoney bees live in colonies with a single queen. Worker bees collect nectar and pollen from flowers.", None)
        .await;
    app.wait_for_source(body["source"]["id"].as_str().expect("id"), LIMIT)
        .await;
    fake.clear_requests();

    let reply = ask(
        &app,
        json!({"question": "What is the capital of Mongolia?"}),
    )
    .await;
    let turn = &reply["turn"];
    assert_eq!(turn["mode"], "nothing_relevant", "{turn}");
    assert_eq!(turn["citations"], json!([]));
    assert!(
        turn["answer"].as_str().expect("answer").contains("Inbox"),
        "{turn}"
    );
    assert_eq!(fake.request_count(), 0, "{:?}", fake.requests());
}

async fn ask_through(kind: ProviderKind, base_path: &str) {
    let fake = FakeLlm::start().await;
    let base = format!("{}{base_path}", fake.url());
    let app = spawn_app_with(|s| use_provider(s, kind, base)).await;
    let mut sources = Vec::new();
    for note in NOTES {
        let (_, body) = app.post_text(note, None).await;
        let id = body["source"]["id"].as_str().expect("id").to_owned();
        sources.push(app.wait_for_source(&id, LIMIT).await);
    }
    let ids = article_ids(&sources);
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    fake.clear_requests();

    let reply = ask(&app, json!({"question": HEAP_QUESTION})).await;
    let turn = &reply["turn"];
    assert_eq!(turn["mode"], "llm", "{kind:?}: {turn}");
    assert_eq!(turn["provider"], kind.as_str());
    assert_citations_hold(&app, turn, &ids).await;
    // The fake cites one passage more than it was sent (`[count + 4]`): that marker is gone.
    assert_eq!(turn["dropped_citations"], 1, "{turn}");
    let sent = fake.requests();
    assert_eq!(sent.len(), 1);
    let prompt = sent[0].body.to_string();
    let passages = (1..=6)
        .filter(|n| prompt.contains(&format!("[{n}] ")))
        .count();
    let answer = turn["answer"].as_str().expect("answer");
    assert!(!answer.contains(&format!("[{}]", passages + 4)), "{answer}");
    assert!(
        turn["citations"]
            .as_array()
            .expect("citations")
            .iter()
            .all(|c| c["n"].as_u64().expect("n") as usize <= passages),
        "{turn}"
    );
    let costs = shared::db::costs::all(&app.db).await.expect("costs");
    assert!(
        costs
            .iter()
            .any(|c| c.task == "qa" && c.ok && c.provider == kind.as_str()),
        "{costs:?}"
    );

    // The answer's calls are the conversation's cost.
    let conversation = reply["conversation"]["id"].as_str().expect("id");
    let answered: Vec<_> = costs.iter().filter(|c| c.task == "qa").collect();
    assert!(
        answered
            .iter()
            .all(|c| c.conversation_id.map(|u| u.to_string()).as_deref() == Some(conversation)),
        "{answered:?}"
    );
    let (_, detail) = app
        .get_json(&format!("/api/conversations/{conversation}"))
        .await;
    let spent: f64 = answered.iter().map(|c| c.cost_usd).sum();
    let shown = detail["conversation"]["cost_usd"]
        .as_f64()
        .expect("cost_usd");
    assert!((shown - spent).abs() < 1e-9, "{shown} vs {spent}");
    // A local Ollama model costs nothing; the others are priced.
    assert_eq!(shown > 0.0, kind != ProviderKind::Ollama, "{detail}");

    // A second question in the conversation carries the first as context.
    fake.clear_requests();
    let next = ask(
        &app,
        json!({"question": "And how do I push an item onto it?", "conversation_id": conversation}),
    )
    .await;
    assert_eq!(next["turn"]["index"], 1);
    let prompt = fake.requests()[0].body.to_string();
    assert!(prompt.contains("The conversation so far"), "{prompt}");
    assert!(prompt.contains(HEAP_QUESTION), "{prompt}");
}

#[tokio::test]
async fn answers_come_through_an_openai_compatible_server() {
    ask_through(ProviderKind::Openai, "/v1").await;
}

#[tokio::test]
async fn answers_come_through_the_anthropic_protocol() {
    ask_through(ProviderKind::Anthropic, "").await;
}

#[tokio::test]
async fn answers_come_through_the_gemini_protocol() {
    ask_through(ProviderKind::Google, "").await;
}

#[tokio::test]
async fn answers_come_through_the_ollama_protocol() {
    ask_through(ProviderKind::Ollama, "").await;
}

#[tokio::test]
async fn conversations_fork_from_a_turn_and_export_as_markdown() {
    let app = spawn_app().await;
    ingest_corpus(&app, &["html/python/heapq.html", "html/python/bisect.html"]).await;
    let first = ask(&app, json!({"question": HEAP_QUESTION})).await;
    let id = first["conversation"]["id"].as_str().expect("id").to_owned();
    ask(&app, json!({"question": "How does bisect find an insertion point in a sorted list?", "conversation_id": id})).await;

    let (status, list) = app.get_json("/api/conversations").await;
    assert_eq!(status, 200);
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["turn_count"], 2);

    // Forking at turn 1 keeps turn 0 and asks a different second question.
    let (status, fork) = app
        .post_json(
            &format!("/api/conversations/{id}/fork"),
            &json!({"turn_index": 1, "question": "Which function pushes an item onto the heap?"}),
        )
        .await;
    assert_eq!(status, 200, "{fork}");
    assert_eq!(fork["conversation"]["parent_id"], id.as_str());
    assert_eq!(fork["turn"]["index"], 1);
    let fork_id = fork["conversation"]["id"].as_str().expect("fork id");
    let (_, detail) = app.get_json(&format!("/api/conversations/{fork_id}")).await;
    let questions: Vec<&str> = detail["turns"]
        .as_array()
        .expect("turns")
        .iter()
        .map(|t| t["question"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        questions,
        [
            HEAP_QUESTION,
            "Which function pushes an item onto the heap?"
        ]
    );
    // The parent is unchanged.
    let (_, parent) = app.get_json(&format!("/api/conversations/{id}")).await;
    assert_eq!(parent["turns"].as_array().expect("turns").len(), 2);

    let r = app
        .get(&format!("/api/conversations/{fork_id}/export"))
        .await;
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .expect("type")
            .starts_with("text/markdown")
    );
    let disposition = r.headers()["content-disposition"]
        .to_str()
        .expect("disposition")
        .to_owned();
    assert!(
        disposition.starts_with("attachment; filename=\"Which function pushes"),
        "{disposition}"
    );
    let markdown = r.text().await.expect("markdown");
    assert!(
        markdown.contains(&format!("## Q1: {HEAP_QUESTION}")),
        "{markdown}"
    );
    assert!(
        markdown.contains("## Q2: Which function pushes"),
        "{markdown}"
    );
    assert!(markdown.contains("**Sources**"), "{markdown}");
}

#[tokio::test]
async fn bad_ask_requests_get_the_envelope_and_store_nothing() {
    let app = spawn_app().await;
    let (status, body) = app.post_json("/api/ask", &json!({"question": "   "})).await;
    assert_envelope(status, &body, 422);
    let (status, body) = app
        .post_json("/api/ask", &json!({"question": "x".repeat(2_001)}))
        .await;
    assert_envelope(status, &body, 422);
    let (status, body) = app
        .post_json(
            "/api/ask",
            &json!({"question": "heap?", "conversation_id": uuid::Uuid::now_v7()}),
        )
        .await;
    assert_envelope(status, &body, 404);
    let (status, body) = app.post_json("/api/ask", &json!({"q": "heap?"})).await;
    assert!(status == 400 || status == 422, "{status}");
    assert_envelope(status, &body, status);
    let (status, body) = app.get_json("/api/conversations/not-a-uuid").await;
    assert_envelope(status, &body, 404);
    let first = ask(&app, json!({"question": "anything about heaps?"})).await;
    let id = first["conversation"]["id"].as_str().expect("id");
    let (status, body) = app
        .post_json(
            &format!("/api/conversations/{id}/fork"),
            &json!({"turn_index": 5, "question": "q?"}),
        )
        .await;
    assert_envelope(status, &body, 422);
    let (_, list) = app.get_json("/api/conversations").await;
    assert_eq!(list["total"], 1, "only the answered conversation is stored");
}

/// A question whose first words appear nowhere in the corpus, so only a filed conversation
/// can hold them.
const ZEBRAFISH_QUESTION: &str =
    "For my zebrafish feeding scheduler, how do I pop the smallest item off a heap?";
const BISECT_QUESTION: &str = "How does bisect find an insertion point in a sorted list?";

/// Files a conversation back; asserts a 200 and returns the reply.
pub(crate) async fn file_back(app: &TestApp, conversation: &str, body: Value) -> Value {
    let (status, reply) = app
        .post_json(
            &format!("/api/conversations/{conversation}/file-back"),
            &body,
        )
        .await;
    assert_eq!(status, 200, "{reply}");
    reply
}

/// Ingests heapq and bisect and asks the two questions in one conversation; returns the
/// conversation id and the heapq article's id.
pub(crate) async fn two_turn_conversation(app: &TestApp) -> (String, String) {
    let sources = ingest_corpus(app, &["html/python/heapq.html", "html/python/bisect.html"]).await;
    let heapq = article_ids(&sources[..1]).remove(0);
    let first = ask(app, json!({"question": ZEBRAFISH_QUESTION})).await;
    assert_eq!(first["turn"]["mode"], "extractive", "{first}");
    assert_eq!(
        first["turn"]["citations"][0]["article"]["id"],
        heapq.as_str(),
        "{first}"
    );
    let id = first["conversation"]["id"].as_str().expect("id").to_owned();
    ask(
        app,
        json!({"question": BISECT_QUESTION, "conversation_id": id}),
    )
    .await;
    (id, heapq)
}

#[tokio::test]
async fn a_filed_conversation_becomes_an_answer_article_that_search_and_ask_find() {
    let app = spawn_app().await;
    let (conversation, heapq) = two_turn_conversation(&app).await;

    let reply = file_back(&app, &conversation, json!({})).await;
    assert_eq!(reply["was_update"], false, "{reply}");
    let id = reply["article"]["id"].as_str().expect("article id");
    let slug = reply["article"]["slug"].as_str().expect("slug");
    assert_eq!(reply["article"]["title"], ZEBRAFISH_QUESTION);
    assert!(
        slug.starts_with("for-my-zebrafish-feeding-scheduler"),
        "{slug}"
    );

    let (status, article) = app.get_json(&format!("/api/articles/{id}")).await;
    assert_eq!(status, 200, "{article}");
    assert_eq!(article["page_type"], "answer");
    assert_eq!(article["confidence"], "mixed");
    assert_eq!(article["provider"], "offline");
    assert_eq!(article["version"], 1);
    let content = article["content"].as_str().expect("content");
    assert!(
        content.contains(&format!("## Q1: {ZEBRAFISH_QUESTION}")),
        "{content}"
    );
    assert!(
        content.contains(&format!("## Q2: {BISECT_QUESTION}")),
        "{content}"
    );
    assert!(
        !content.starts_with("# "),
        "the reader shows the title: {content}"
    );
    let summary = article["summary"].as_str().expect("summary");
    assert!(
        !summary.is_empty() && summary.chars().count() <= 201 && !summary.contains("[1]"),
        "{summary}"
    );
    let out = article["backlinks_out"].as_array().expect("backlinks_out");
    assert!(
        out.iter().any(|l| l["article_id"] == heapq.as_str()
            && l["relation_type"] == "references"
            && l["resolved"] == true),
        "{article}"
    );
    assert!(!article["sources"].as_array().expect("sources").is_empty());
    let (_, cited) = app.get_json(&format!("/api/articles/{heapq}")).await;
    assert!(
        cited["backlinks_in"]
            .as_array()
            .expect("backlinks_in")
            .iter()
            .any(|l| l["article_id"] == id),
        "{cited}"
    );
    let (_, conv) = app
        .get_json(&format!("/api/conversations/{conversation}"))
        .await;
    assert_eq!(conv["conversation"]["filed_article_id"], id);

    // The vault holds it like a compiled article, and the index lists it.
    let path = format!("wiki/{slug}.md");
    assert!(app.files().contains(&path), "{:?}", app.files());
    let file = std::fs::read_to_string(app.data_dir.join(&path)).expect("article file");
    assert!(file.starts_with("---\n"), "{file}");
    assert!(file.contains("page_type: answer"), "{file}");
    assert!(file.contains(&format!("# {ZEBRAFISH_QUESTION}")), "{file}");
    assert!(file.contains("[[heapq"), "{file}");
    app.index_containing(ZEBRAFISH_QUESTION).await;

    // Words that only the conversation holds find it.
    let (status, found) = app
        .get_json("/api/search?q=zebrafish%20feeding%20scheduler")
        .await;
    assert_eq!(status, 200, "{found}");
    assert_eq!(found["results"][0]["article"]["id"], id, "{found}");
    assert_eq!(found["results"][0]["article"]["page_type"], "answer");
    let later = ask(
        &app,
        json!({"question": "What did I work out for the zebrafish feeding scheduler?"}),
    )
    .await;
    let turn = &later["turn"];
    let mentioned = turn["citations"]
        .as_array()
        .expect("citations")
        .iter()
        .map(|c| &c["article"]["id"])
        .chain(
            turn["related_articles"]
                .as_array()
                .expect("related")
                .iter()
                .map(|a| &a["id"]),
        )
        .any(|a| a == id);
    assert!(mentioned, "{turn}");
}

#[tokio::test]
async fn filing_again_updates_the_same_article_and_a_deleted_one_is_filed_anew() {
    let app = spawn_app().await;
    let (conversation, _) = two_turn_conversation(&app).await;
    let first = file_back(&app, &conversation, json!({"turn_indices": [0]})).await;
    let id = first["article"]["id"].as_str().expect("id").to_owned();
    let slug = first["article"]["slug"].as_str().expect("slug").to_owned();
    let (_, article) = app.get_json(&format!("/api/articles/{id}")).await;
    assert!(
        !article["content"]
            .as_str()
            .expect("content")
            .contains(BISECT_QUESTION),
        "only turn 0 was filed: {article}"
    );
    let files = app.files();

    let again = file_back(
        &app,
        &conversation,
        json!({"title": "Heaps and bisection for zebrafish"}),
    )
    .await;
    assert_eq!(again["was_update"], true, "{again}");
    assert_eq!(again["article"]["id"], id.as_str());
    assert_eq!(again["article"]["slug"], slug.as_str(), "the slug is kept");
    assert_eq!(
        again["article"]["title"],
        "Heaps and bisection for zebrafish"
    );
    let (_, article) = app.get_json(&format!("/api/articles/{id}")).await;
    assert_eq!(article["version"], 2);
    assert_eq!(article["title"], "Heaps and bisection for zebrafish");
    assert!(
        article["content"]
            .as_str()
            .expect("content")
            .contains(BISECT_QUESTION),
        "{article}"
    );
    assert_eq!(app.files(), files, "the same file is rewritten, no new one");
    let file = std::fs::read_to_string(app.data_dir.join(format!("wiki/{slug}.md"))).expect("file");
    assert!(file.contains("version: 2"), "{file}");
    assert!(file.contains(BISECT_QUESTION), "{file}");
    let (_, answers) = app.get_json("/api/articles?page_type=answer").await;
    assert_eq!(answers["total"], 1, "{answers}");

    // Deleted meanwhile: filing creates a new article. Two filings racing for it end up
    // with one article, created by one and updated by the other.
    let article: shared::domain::ArticleId = id.parse().expect("article id");
    shared::db::articles::delete_article(&app.db, article)
        .await
        .expect("delete");
    let (a, b) = tokio::join!(
        file_back(&app, &conversation, json!({})),
        file_back(&app, &conversation, json!({}))
    );
    assert_eq!(a["article"]["id"], b["article"]["id"], "{a} {b}");
    assert_ne!(a["article"]["id"], id.as_str());
    let mut updates = [&a["was_update"], &b["was_update"]];
    updates.sort_by_key(|v| v.as_bool());
    assert_eq!(updates, [false, true], "{a} {b}");
    let (status, article) = app
        .get_json(&format!(
            "/api/articles/{}",
            a["article"]["id"].as_str().expect("id")
        ))
        .await;
    assert_eq!(status, 200, "{article}");
    assert_eq!(article["version"], 2);
    let (_, answers) = app.get_json("/api/articles?page_type=answer").await;
    assert_eq!(answers["total"], 1, "{answers}");
}

#[tokio::test]
async fn bad_file_back_requests_get_the_envelope_and_file_nothing() {
    let app = spawn_app().await;
    let first = ask(&app, json!({"question": "anything about heaps?"})).await;
    let id = first["conversation"]["id"].as_str().expect("id");
    let path = format!("/api/conversations/{id}/file-back");

    let (status, body) = app
        .post_json(&path, &json!({"turn_indices": [0, 5, 9]}))
        .await;
    assert_envelope(status, &body, 422);
    let message = body["error"]["message"].as_str().expect("message");
    assert!(message.contains("5, 9"), "{message}");
    let (status, body) = app.post_json(&path, &json!({"turn_indices": []})).await;
    assert_envelope(status, &body, 422);
    let (status, body) = app.post_json(&path, &json!({"title": "   "})).await;
    assert_envelope(status, &body, 422);
    let (status, body) = app.post_json(&path, &json!({"foo": 1})).await;
    assert!(status == 400 || status == 422, "{status}");
    assert_envelope(status, &body, status);
    let unknown = format!("/api/conversations/{}/file-back", uuid::Uuid::now_v7());
    let (status, body) = app.post_json(&unknown, &json!({})).await;
    assert_envelope(status, &body, 404);
    let (status, body) = app
        .post_json("/api/conversations/not-a-uuid/file-back", &json!({}))
        .await;
    assert_envelope(status, &body, 404);
    let empty = shared::db::conversations::create(&app.db, "empty", None)
        .await
        .expect("conversation");
    let (status, body) = app
        .post_json(
            &format!("/api/conversations/{}/file-back", empty.id),
            &json!({}),
        )
        .await;
    assert_envelope(status, &body, 422);

    let (_, articles) = app.get_json("/api/articles").await;
    assert_eq!(articles["total"], 0, "{articles}");
    assert!(
        !app.files()
            .iter()
            .any(|f| f.starts_with("wiki/") && f != "wiki/index.md"),
        "{:?}",
        app.files()
    );
}
