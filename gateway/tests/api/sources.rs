//! The ingest → compile → read loop through the API, with the offline compiler.

use std::time::Duration;

use serde_json::{Value, json};
use testkit::corpus_server::CorpusServer;

use crate::helpers::{assert_envelope, assert_spans_slice_text, corpus, spawn_app};

const LIMIT: Duration = Duration::from_secs(120);

fn id(body: &Value) -> String {
    body["source"]["id"].as_str().expect("source id").to_owned()
}

#[tokio::test]
async fn a_text_note_is_compiled_into_a_grounded_article() {
    let app = spawn_app().await;
    let text = String::from_utf8(corpus("text/Apache-2.0.txt")).expect("utf8");
    let (status, body) = app.post_text(&text, Some("Apache License 2.0")).await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(body["duplicate"], false);
    assert_eq!(body["source"]["status"], "pending");
    let source = app.wait_for_source(&id(&body), LIMIT).await;
    assert_eq!(source["status"], "compiled", "{source}");
    assert!(source["compiled_at"].is_string());
    let article_id = source["article_ids"][0].as_str().expect("article id");

    let (status, article) = app.get_json(&format!("/api/articles/{article_id}")).await;
    assert_eq!(status, 200);
    assert_eq!(article["provider"], "offline");
    assert!(!article["summary"].as_str().unwrap_or_default().is_empty());
    let r = app.get(&format!("/api/sources/{}/text", id(&body))).await;
    assert_eq!(r.headers()["content-type"], "text/markdown; charset=utf-8");
    let clean = r.text().await.expect("text");
    let verified = assert_spans_slice_text(&article, &clean);
    assert!(verified >= 3, "expected grounded claims: {article}");

    // The slug works as well as the id, and the file is YAML frontmatter + markdown.
    let slug = article["slug"].as_str().expect("slug");
    let (status, by_slug) = app.get_json(&format!("/api/articles/{slug}")).await;
    assert_eq!(status, 200);
    assert_eq!(by_slug["id"], article["id"]);
    let file = std::fs::read_to_string(app.data_dir.join(format!("wiki/{slug}.md")))
        .expect("article file");
    let rest = file.strip_prefix("---\n").expect("frontmatter");
    let end = rest.find("\n---\n").expect("frontmatter end");
    let yaml: serde_norway::Value = serde_norway::from_str(&rest[..end]).expect("yaml");
    assert_eq!(yaml["slug"].as_str(), Some(slug));
    app.index_containing(article["title"].as_str().expect("title"))
        .await;
    let log = std::fs::read_to_string(app.data_dir.join("wiki/log.md")).expect("log");
    assert!(log.contains("compile |"));
}

#[tokio::test]
async fn the_same_text_twice_is_a_duplicate() {
    let app = spawn_app().await;
    let (s1, first) = app
        .post_text(
            "Tea is an aromatic beverage.\n\nIt is prepared by pouring hot water over leaves.",
            None,
        )
        .await;
    assert_eq!(s1, 202);
    let (s2, second) = app.post_text("  Tea is an aromatic beverage.\r\n\r\nIt is prepared by pouring hot water over leaves.\n", Some("Other")).await;
    assert_eq!(s2, 200, "{second}");
    assert_eq!(second["duplicate"], true);
    assert_eq!(second["source"]["id"], first["source"]["id"]);
    let (_, list) = app.get_json("/api/sources").await;
    assert_eq!(list["total"], 1);
}

#[tokio::test]
async fn several_links_at_once_become_one_source_each() {
    let app = spawn_app().await;
    let server = CorpusServer::start().await.expect("server");
    let json = server.url("/corpus/html/python/json.html");
    let heapq = server.url("/corpus/html/python/heapq.html");
    let (_, first) = app.post_url(&json).await;
    let (status, body) = app
        .post_json(
            "/api/sources/urls",
            &json!({"urls": [heapq, format!("  {heapq}  "), json, "", "ftp://127.0.0.1/file", server.url("/corpus/html/python/bisect.html")]}),
        )
        .await;
    assert_eq!(status, 202, "{body}");
    let items = body["items"].as_array().expect("items");
    let outcomes: Vec<&str> = items
        .iter()
        .map(|i| i["outcome"].as_str().unwrap_or_default())
        .collect();
    // The same link twice is one source, and a blank line is no link.
    assert_eq!(
        outcomes,
        ["added", "duplicate", "refused", "added"],
        "{body}"
    );
    assert_eq!(body["added"], 2);
    assert_eq!(items[1]["source"]["id"], first["source"]["id"]);
    assert_eq!(items[2]["error"]["code"], "validation_failed", "{body}");
    for item in [&items[0], &items[3]] {
        let id = item["source"]["id"].as_str().expect("id");
        let source = app.wait_for_source(id, LIMIT).await;
        assert_eq!(source["status"], "compiled", "{source}");
    }
    let (_, list) = app.get_json("/api/sources").await;
    assert_eq!(list["total"], 3);

    let (status, body) = app
        .post_json("/api/sources/urls", &json!({"urls": ["  "]}))
        .await;
    assert_envelope(status, &body, 422);
    let many: Vec<String> = (0..101).map(|i| format!("{json}?n={i}")).collect();
    let (status, body) = app
        .post_json("/api/sources/urls", &json!({"urls": many}))
        .await;
    assert_envelope(status, &body, 422);
    let (_, list) = app.get_json("/api/sources").await;
    assert_eq!(list["total"], 3, "a refused batch adds nothing");
}

#[tokio::test]
async fn a_corpus_html_page_by_url_becomes_an_article_with_its_real_title() {
    let app = spawn_app().await;
    let server = CorpusServer::start().await.expect("server");
    let (status, body) = app
        .post_url(&server.url("/corpus/html/python/json.html"))
        .await;
    assert_eq!(status, 202, "{body}");
    let source = app.wait_for_source(&id(&body), LIMIT).await;
    assert_eq!(source["status"], "compiled", "{source}");
    assert_eq!(source["title"], "json — JSON encoder and decoder");
    let r = app
        .get(&format!("/api/sources/{}/original", id(&body)))
        .await;
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap_or_default()
            .starts_with("text/html")
    );
    assert_eq!(
        r.bytes().await.expect("bytes").len(),
        corpus("html/python/json.html").len()
    );
    let text = app
        .get(&format!("/api/sources/{}/text", id(&body)))
        .await
        .text()
        .await
        .expect("text");
    assert!(text.contains("JSON"));
    assert!(!text.contains("Previous topic"));

    // The same URL again is a duplicate.
    let (status, again) = app
        .post_url(&server.url("/corpus/html/python/json.html"))
        .await;
    assert_eq!(status, 200);
    assert_eq!(again["duplicate"], true);
}

#[tokio::test]
async fn a_pdf_upload_is_extracted_and_compiled() {
    let app = spawn_app().await;
    let (status, body) = app
        .post_file(
            "debian-reference-pages-1-12.pdf",
            corpus("pdf/debian-reference-pages-1-12.pdf"),
        )
        .await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(body["source"]["kind"], "pdf");
    let source = app.wait_for_source(&id(&body), LIMIT).await;
    assert_eq!(source["status"], "compiled", "{source}");
    assert_eq!(source["page_count"], 12);
    let r = app
        .get(&format!("/api/sources/{}/original", id(&body)))
        .await;
    assert_eq!(r.headers()["content-type"], "application/pdf");
    let article_id = source["article_ids"][0].as_str().expect("article");
    let (_, article) = app.get_json(&format!("/api/articles/{article_id}")).await;
    let text = app
        .get(&format!("/api/sources/{}/text", id(&body)))
        .await
        .text()
        .await
        .expect("text");
    assert!(assert_spans_slice_text(&article, &text) >= 2, "{article}");

    // Uploading the same file again is recognised before extraction.
    let (status, again) = app
        .post_file("copy.pdf", corpus("pdf/debian-reference-pages-1-12.pdf"))
        .await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["duplicate"], true);
}

#[tokio::test]
async fn the_261_page_pdf_is_compiled() {
    let app = spawn_app().await;
    let (status, body) = app
        .post_file("debian-reference.pdf", corpus("pdf/debian-reference.pdf"))
        .await;
    assert_eq!(status, 202, "{body}");
    let source = app
        .wait_for_source(&id(&body), Duration::from_secs(300))
        .await;
    assert_eq!(source["status"], "compiled", "{source}");
    assert_eq!(source["page_count"], 261);
    assert!(
        source["title"]
            .as_str()
            .unwrap_or_default()
            .contains("Debian Reference"),
        "{source}"
    );
}

#[tokio::test]
async fn unreachable_and_misbehaving_urls_fail_with_a_clear_error() {
    let app = spawn_app_quick().await;
    let server = CorpusServer::start().await.expect("server");
    for (path, expect) in [
        ("/missing", "404"),
        ("/loop-a", "redirect"),
        ("/redirect/9", "redirect"),
        ("/big", "limit"),
    ] {
        let (status, body) = app.post_url(&server.url(path)).await;
        assert_eq!(status, 202, "{body}");
        let source = app.wait_for_source(&id(&body), LIMIT).await;
        assert_eq!(source["status"], "failed", "{path}: {source}");
        let error = source["error"].as_str().unwrap_or_default().to_lowercase();
        assert!(error.contains(expect), "{path}: {error}");
    }
}

async fn spawn_app_quick() -> crate::helpers::TestApp {
    crate::helpers::spawn_app_with(|s| {
        s.ingest.max_fetch_bytes = 1024 * 1024;
        s.ingest.max_redirects = 3;
        s.jobs.max_attempts = 1;
    })
    .await
}

#[tokio::test]
async fn sources_can_be_listed_filtered_recompiled_and_deleted() {
    let app = spawn_app().await;
    let (_, a) = app.post_text("# Kettles\n\nA kettle boils water quickly. Electric kettles switch off automatically when the water boils.", None).await;
    let (_, b) = app.post_text("# Teapots\n\nA teapot is used for steeping tea leaves. Teapots are often made of porcelain or clay.", None).await;
    app.wait_for_source(&id(&a), LIMIT).await;
    app.wait_for_source(&id(&b), LIMIT).await;

    let (_, list) = app.get_json("/api/sources?status=compiled&limit=1").await;
    assert_eq!(list["total"], 2);
    assert_eq!(list["items"].as_array().map(Vec::len), Some(1));
    let (_, none) = app.get_json("/api/sources?status=failed").await;
    assert_eq!(none["total"], 0);

    let source = app.wait_for_source(&id(&a), LIMIT).await;
    let article_id = source["article_ids"][0]
        .as_str()
        .expect("article")
        .to_owned();
    let (_, before) = app.get_json(&format!("/api/articles/{article_id}")).await;
    let (status, job) = app
        .post_json(
            &format!("/api/sources/{}/compile", id(&a)),
            &serde_json::json!({}),
        )
        .await;
    assert_eq!(status, 202, "{job}");
    let job_id = job["job"]["id"].as_str().expect("job id").to_owned();
    let deadline = tokio::time::Instant::now() + LIMIT;
    loop {
        let (_, j) = app.get_json(&format!("/api/jobs/{job_id}")).await;
        if j["status"] == "succeeded" {
            break;
        }
        assert!(j["status"] != "failed", "{j}");
        assert!(tokio::time::Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (_, after) = app.get_json(&format!("/api/articles/{article_id}")).await;
    assert_eq!(after["slug"], before["slug"], "recompiling keeps the slug");
    assert_eq!(
        after["version"], 2,
        "recompiling keeps the previous version"
    );

    // Delete without cascade keeps the article; with cascade removes it and its file.
    let r = app
        .client
        .delete(app.url(&format!("/api/sources/{}?cascade=false", id(&b))))
        .send()
        .await
        .expect("delete");
    assert_eq!(r.status(), 200);
    let (_, list) = app.get_json("/api/articles").await;
    assert_eq!(list["total"], 2);
    let slug = after["slug"].as_str().expect("slug").to_owned();
    let r = app
        .client
        .delete(app.url(&format!("/api/sources/{}?cascade=true", id(&a))))
        .send()
        .await
        .expect("delete");
    assert_eq!(r.status(), 200);
    let (status, _) = app.get_json(&format!("/api/articles/{article_id}")).await;
    assert_eq!(status, 404);
    assert!(!app.data_dir.join(format!("wiki/{slug}.md")).exists());
    assert!(!app.data_dir.join(format!("raw/{}", id(&a))).exists());
    let (status, _) = app.get_json(&format!("/api/sources/{}", id(&a))).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn content_already_fetched_by_url_is_recognised_when_uploaded_as_a_file() {
    let app = spawn_app().await;
    let server = CorpusServer::start().await.expect("server");
    let (_, by_url) = app
        .post_url(&server.url("/corpus/html/python/bisect.html"))
        .await;
    let first = app.wait_for_source(&id(&by_url), LIMIT).await;
    assert_eq!(first["status"], "compiled", "{first}");

    // Different bytes on the wire are impossible to tell apart before extraction, so the
    // upload is accepted and then found to be the same clean text.
    let (status, upload) = app
        .post_file("bisect.html", corpus("html/python/bisect.html"))
        .await;
    assert_eq!(status, 202, "{upload}");
    let second = app.wait_for_source(&id(&upload), LIMIT).await;
    assert_eq!(second["status"], "failed");
    assert_eq!(second["duplicate_of"], first["id"], "{second}");
    let (_, articles) = app.get_json("/api/articles").await;
    assert_eq!(
        articles["total"], 1,
        "no second article for the same content"
    );
}

#[tokio::test]
async fn recompile_requests_at_the_same_moment_queue_one_job() {
    use shared::db::{self, sources::NewSource};
    use shared::domain::{JobKind, JobStatus, SourceKind};
    use shared::recompile::{Recompile, RecompileError};

    // No worker: the jobs stay as queued, so only the requests race.
    let env = testkit::backend::TestEnv::new().await;
    let db = db::Db::connect(&env.settings().database)
        .await
        .expect("database");
    db.migrate().await.expect("migrations");
    let source = shared::domain::SourceId::new();
    let first_job = shared::domain::JobId::new();
    let new = NewSource {
        id: source,
        kind: SourceKind::Text,
        title: Some("Kettles".to_owned()),
        url: None,
        content_hash: Some("0".repeat(64)),
        original_hash: None,
        original_ext: None,
        original_mime: None,
        byte_size: None,
    };
    db::sources::insert_with_job(&db, &new, first_job, JobKind::IngestSource)
        .await
        .expect("source");
    db::jobs::finish(&db, first_job, JobStatus::Succeeded, None, None)
        .await
        .expect("finished");

    for round in 0..3 {
        let attempts = (0..8).map(|_| shared::recompile::queue(&db, source, Recompile::Stored));
        let results = futures::future::join_all(attempts).await;
        let queued: Vec<_> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
        assert_eq!(queued.len(), 1, "round {round}: {results:?}");
        assert!(
            results
                .iter()
                .all(|r| r.is_ok() || matches!(r, Err(RecompileError::Busy))),
            "{results:?}"
        );
        assert!(
            db::jobs::source_has_unfinished(&db, source)
                .await
                .expect("jobs")
        );
        // A request that got past the check before the other's job was stored meets the
        // index: a second unfinished job of the source cannot be stored at all.
        let second = db::jobs::insert_queued(
            &db,
            shared::domain::JobId::new(),
            JobKind::CompileSource,
            Some(source),
        )
        .await;
        assert!(
            matches!(second, Err(db::DbError::Conflict { .. })),
            "{second:?}"
        );
        db::jobs::finish(&db, queued[0].id, JobStatus::Succeeded, None, None)
            .await
            .expect("finished");
    }
}

#[tokio::test]
async fn a_jobs_end_and_its_sources_state_are_written_together() {
    use shared::db::{self, jobs::Settlement, sources::NewSource};
    use shared::domain::{JobId, JobKind, JobStatus, SourceId, SourceKind, SourceStatus};

    let env = testkit::backend::TestEnv::new().await;
    let db = db::Db::connect(&env.settings().database)
        .await
        .expect("database");
    db.migrate().await.expect("migrations");
    let source_with_job = |n: u8| {
        let db = db.clone();
        async move {
            let (source, job) = (SourceId::new(), JobId::new());
            let new = NewSource {
                id: source,
                kind: SourceKind::Text,
                title: Some(format!("Note {n}")),
                url: None,
                content_hash: Some(n.to_string().repeat(64)),
                original_hash: None,
                original_ext: None,
                original_mime: None,
                byte_size: None,
            };
            db::sources::insert_with_job(&db, &new, job, JobKind::IngestSource)
                .await
                .expect("source");
            let lease = Duration::from_secs(30);
            db::jobs::claim(&db, job, "worker-1", lease)
                .await
                .expect("claim")
                .expect("claimed");
            (source, job)
        }
    };

    let (waiting, job) = source_with_job(1).await;
    let parked = db::jobs::settle(
        &db,
        job,
        waiting,
        Settlement::Waits {
            status: JobStatus::AwaitingApproval,
            message: "costs more than allowed",
        },
    )
    .await
    .expect("settled");
    assert_eq!(parked.status, JobStatus::AwaitingApproval);
    assert_eq!(parked.attempts, 0, "the attempt is given back");
    let source = db::sources::get(&db, waiting).await.expect("source");
    assert_eq!(source.status, SourceStatus::AwaitingApproval);

    let (failing, job) = source_with_job(2).await;
    let failed = db::jobs::settle(&db, job, failing, Settlement::Failed { error: "no text" })
        .await
        .expect("settled");
    assert_eq!(failed.status, JobStatus::Failed);
    assert_eq!(failed.error.as_deref(), Some("no text"));
    let source = db::sources::get(&db, failing).await.expect("source");
    assert_eq!(source.status, SourceStatus::Failed);
    assert_eq!(source.error.as_deref(), Some("no text"));

    let (copy, job) = source_with_job(3).await;
    let ended = db::jobs::settle(&db, job, copy, Settlement::Duplicate { existing: failing })
        .await
        .expect("settled");
    assert_eq!(ended.status, JobStatus::Failed);
    assert!(
        ended
            .error
            .as_deref()
            .is_some_and(|e| e.contains(&failing.to_string())),
        "{ended:?}"
    );
    let source = db::sources::get(&db, copy).await.expect("source");
    assert_eq!(source.status, SourceStatus::Failed);
    assert_eq!(source.duplicate_of, Some(failing));
}

#[tokio::test]
async fn every_job_is_reached_a_page_at_a_time_with_a_counted_total() {
    let app = spawn_app().await;
    for animal in ["Otters", "Herons", "Beavers"] {
        app.compiled_note(&format!(
            "# {animal}\n\n{animal} live by the river all year."
        ))
        .await;
    }
    let mut seen = std::collections::HashSet::new();
    for offset in [0, 2] {
        let (status, page) = app
            .get_json(&format!("/api/jobs?limit=2&offset={offset}"))
            .await;
        assert_eq!(status, 200, "{page}");
        assert_eq!(page["total"], 3, "{page}");
        let items = page["items"].as_array().expect("items");
        assert_eq!(items.len(), if offset == 0 { 2 } else { 1 }, "{page}");
        seen.extend(
            items
                .iter()
                .map(|j| j["id"].as_str().expect("id").to_owned()),
        );
    }
    assert_eq!(seen.len(), 3);
    // The total counts what the filter matches, not what one page holds.
    let (_, failed) = app.get_json("/api/jobs?status=failed&limit=1").await;
    assert_eq!(failed["total"], 0, "{failed}");
    let (_, done) = app.get_json("/api/jobs?status=succeeded&limit=1").await;
    assert_eq!(done["total"], 3, "{done}");
    let (status, body) = app.get_json("/api/jobs?offset=-1").await;
    assert_envelope(status, &body, 400);
    app.stop().await;
}

#[tokio::test]
async fn lists_sort_by_what_is_asked_and_refuse_an_unknown_sort() {
    let app = spawn_app().await;
    // Created in an order that is neither alphabetical nor its reverse.
    for animal in ["Herons", "Otters", "Beavers"] {
        app.compiled_note(&format!(
            "# {animal}\n\n{animal} live by the river all year."
        ))
        .await;
    }
    let titles = |page: &Value, field: &str| -> Vec<String> {
        page["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|i| i[field].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    let by_name = ["Beavers", "Herons", "Otters"].map(str::to_owned).to_vec();
    let newest_first = ["Beavers", "Otters", "Herons"].map(str::to_owned).to_vec();
    let oldest_first: Vec<String> = newest_first.iter().rev().cloned().collect();
    let reversed: Vec<String> = by_name.iter().rev().cloned().collect();

    for (path, expected) in [
        ("/api/articles?sort=title", &by_name),
        ("/api/articles?sort=title&order=desc", &reversed),
        ("/api/articles?sort=created", &newest_first),
        ("/api/articles?sort=created&order=asc", &oldest_first),
        ("/api/sources?sort=title", &by_name),
        ("/api/sources?sort=created&order=asc", &oldest_first),
        ("/api/sources", &newest_first),
    ] {
        let (status, page) = app.get_json(path).await;
        assert_eq!(status, 200, "{path}: {page}");
        assert_eq!(&titles(&page, "title"), expected, "{path}");
    }
    let (_, jobs) = app.get_json("/api/jobs?sort=created&order=asc").await;
    let sources: Vec<String> = titles(&jobs, "source_id");
    let (_, listed) = app.get_json("/api/sources?sort=created&order=asc").await;
    assert_eq!(sources, titles(&listed, "id"));

    for path in [
        "/api/articles?sort=popularity",
        "/api/sources?sort=title&order=sideways",
        "/api/jobs?sort=title",
    ] {
        let (status, body) = app.get_json(path).await;
        assert_envelope(status, &body, 400);
    }
    app.stop().await;
}
