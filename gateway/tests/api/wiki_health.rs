//! Health's structural checks over a compiled wiki: orphans, links to nothing, and
//! dismissals remembered across runs.

use shared::health;

use crate::helpers::{TestApp, spawn_app};

const LIGHTHOUSE: &str =
    "# Lighthouse keeping\n\nKeepers trimmed the wicks and wound the clockwork every night.";
const READING: &str = "# Reading list\n\nStart with [[Lighthouse keeping]], then [[Fog signals]] once someone writes it.";
const SOURDOUGH: &str =
    "# Sourdough\n\nA starter of rye flour ferments for several days before the first loaf.";

/// The open findings of a kind.
fn open_of<'a>(
    outcome: &'a health::RunOutcome,
    kind: &str,
) -> Vec<&'a shared::db::health::FindingRow> {
    outcome
        .findings
        .iter()
        .filter(|f| f.kind == kind && f.state == "open")
        .collect()
}

async fn article_id(app: &TestApp, text: &str) -> uuid::Uuid {
    app.compiled_note(text).await.parse().expect("article id")
}

#[tokio::test]
async fn an_orphan_page_and_a_link_to_nothing_are_found() {
    let app = spawn_app().await;
    let lighthouse = article_id(&app, LIGHTHOUSE).await;
    let reading = article_id(&app, READING).await;
    let sourdough = article_id(&app, SOURDOUGH).await;

    let outcome = health::run(&app.db, "manual").await.expect("run");
    let orphans = open_of(&outcome, "orphan");
    assert_eq!(orphans.len(), 1, "{:#?}", outcome.findings);
    assert_eq!(orphans[0].article_ids, [sourdough]);
    assert_eq!(orphans[0].severity, "warning");

    let broken = open_of(&outcome, "broken_link");
    assert_eq!(broken.len(), 1, "{:#?}", outcome.findings);
    assert_eq!(broken[0].article_ids, [reading]);
    assert_eq!(broken[0].detail["target"], "Fog signals");
    assert_eq!(broken[0].severity, "error");
    assert!(
        outcome
            .findings
            .iter()
            .all(|f| !f.article_ids.contains(&lighthouse)),
        "the linked page has nothing wrong: {:#?}",
        outcome.findings
    );
    assert!(outcome.score < 100, "{}", outcome.score);

    let (status, report) = app.get_json("/api/health").await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["score"], outcome.score);
    assert_eq!(report["run"]["id"], outcome.run_id.to_string());
    assert_eq!(report["run"]["status"], "complete");
    assert_eq!(
        report["run"]["article_count"],
        shared::db::health::page_count(&app.db)
            .await
            .expect("count"),
        "every page is counted, concept pages too"
    );
    assert_eq!(report["counts_by_kind"]["orphan"], 1, "{report}");
    assert_eq!(report["counts_by_kind"]["broken_link"], 1, "{report}");
    let findings = report["findings"].as_array().expect("findings");
    assert_eq!(findings.len(), outcome.findings.len(), "{report}");
    assert_eq!(findings[0]["severity"], "error", "errors first: {report}");
    let orphan = findings
        .iter()
        .find(|f| f["kind"] == "orphan")
        .expect("orphan");
    assert_eq!(orphan["articles"][0]["title"], "Sourdough", "{report}");
    assert_eq!(orphan["articles"][0]["id"], sourdough.to_string());
    assert!(orphan["articles"][0]["slug"].is_string());
    app.stop().await;
}

#[tokio::test]
async fn before_any_run_the_report_is_empty_and_bad_ids_are_refused() {
    let app = spawn_app().await;
    let (status, report) = app.get_json("/api/health").await;
    assert_eq!(status, 200, "{report}");
    assert!(
        report["score"].is_null() && report["run"].is_null(),
        "{report}"
    );
    assert_eq!(report["findings"], serde_json::json!([]));
    let (status, history) = app.get_json("/api/health/history").await;
    assert_eq!(status, 200);
    assert_eq!(history["items"], serde_json::json!([]));

    let unknown = format!("/api/health/findings/{}/dismiss", uuid::Uuid::now_v7());
    let (status, body) = app.post_json(&unknown, &serde_json::json!({})).await;
    assert_eq!(status, 404, "{body}");
    assert!(body["error"].is_object(), "the error envelope: {body}");
    let (status, body) = app
        .post_json(
            "/api/health/findings/not-an-id/dismiss",
            &serde_json::json!({}),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    let (status, body) = app.get_json("/api/health?include_dismissed=maybe").await;
    assert_eq!(status, 400, "{body}");
    app.stop().await;
}

#[tokio::test]
async fn a_dismissed_finding_stays_dismissed_in_later_runs() {
    let app = spawn_app().await;
    let sourdough = article_id(&app, SOURDOUGH).await;
    let first = health::run(&app.db, "manual").await.expect("run");
    let orphan = open_of(&first, "orphan");
    assert_eq!(orphan.len(), 1, "{:#?}", first.findings);
    assert_eq!(orphan[0].article_ids, [sourdough]);
    assert!(first.score < 100);

    let (status, body) = app
        .post_json(
            &format!("/api/health/findings/{}/dismiss", orphan[0].id),
            &serde_json::json!({}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["state"], "dismissed");
    let (_, report) = app.get_json("/api/health").await;
    assert_eq!(report["findings"], serde_json::json!([]), "{report}");
    let (_, report) = app.get_json("/api/health?include_dismissed=true").await;
    assert_eq!(report["findings"][0]["state"], "dismissed", "{report}");

    let second = health::run(&app.db, "manual").await.expect("second run");
    assert!(
        open_of(&second, "orphan").is_empty(),
        "{:#?}",
        second.findings
    );
    let kept: Vec<_> = second
        .findings
        .iter()
        .filter(|f| f.kind == "orphan")
        .collect();
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].state, "dismissed");
    assert_eq!(kept[0].fingerprint, orphan[0].fingerprint);
    assert_eq!(second.score, 100, "a dismissed finding does not count");

    let (status, history) = app.get_json("/api/health/history").await;
    assert_eq!(status, 200, "{history}");
    let runs = history["items"].as_array().expect("items");
    assert_eq!(runs.len(), 2);
    assert_eq!(runs[0]["id"], second.run_id.to_string(), "newest first");
    assert_eq!(runs[0]["score"], 100);
    assert_eq!(runs[1]["score"], first.score);
    app.stop().await;
}
