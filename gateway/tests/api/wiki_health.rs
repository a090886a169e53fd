//! Health's structural checks over a compiled wiki: orphans, links to nothing, and
//! dismissals remembered across runs; runs started through the API or by the schedule and
//! made by the worker.

use std::time::Duration;

use shared::db::health::FindingRow;
use shared::domain::ArticleId;
use shared::events::EventKind;
use uuid::Uuid;

use crate::helpers::{TestApp, spawn_app, spawn_app_with};

const LIGHTHOUSE: &str =
    "# Lighthouse keeping\n\nKeepers trimmed the wicks and wound the clockwork every night.";
const READING: &str = "# Reading list\n\nStart with [[Lighthouse keeping]], then [[Fog signals]] once someone writes it.";
const SOURDOUGH: &str =
    "# Sourdough\n\nA starter of rye flour ferments for several days before the first loaf.";

/// A finished run: its id and score, and its findings as stored.
pub(crate) struct Outcome {
    pub(crate) run_id: Uuid,
    pub(crate) score: i64,
    pub(crate) findings: Vec<FindingRow>,
}

/// The open findings of a kind.
pub(crate) fn open_of<'a>(outcome: &'a Outcome, kind: &str) -> Vec<&'a FindingRow> {
    outcome
        .findings
        .iter()
        .filter(|f| f.kind == kind && f.state == "open")
        .collect()
}

/// Waits for the run `run_id` to complete and reads what it found.
async fn finished(app: &TestApp, run_id: &str) -> Outcome {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let (status, history) = app.get_json("/api/health/history").await;
        assert_eq!(status, 200, "{history}");
        let run = history["items"]
            .as_array()
            .and_then(|runs| runs.iter().find(|r| r["id"] == run_id).cloned());
        if let Some(run) = run.filter(|r| r["status"] == "complete") {
            let run_id: Uuid = run_id.parse().expect("run id");
            return Outcome {
                run_id,
                score: run["score"].as_i64().expect("score"),
                findings: shared::db::health::findings_of(&app.db, run_id)
                    .await
                    .expect("findings"),
            };
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the run did not complete: {history}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Starts a run through the API and waits for the worker to finish it.
pub(crate) async fn run_health(app: &TestApp) -> Outcome {
    let (status, run) = app
        .post_json("/api/health/runs", &serde_json::json!({}))
        .await;
    assert_eq!(status, 202, "{run}");
    finished(app, run["id"].as_str().expect("run id")).await
}

pub(crate) async fn article_id(app: &TestApp, text: &str) -> shared::domain::ArticleId {
    app.compiled_note(text).await.parse().expect("article id")
}

#[tokio::test]
async fn an_orphan_page_and_a_link_to_nothing_are_found() {
    let app = spawn_app().await;
    let lighthouse = article_id(&app, LIGHTHOUSE).await;
    let reading = article_id(&app, READING).await;
    let sourdough = article_id(&app, SOURDOUGH).await;

    let mut events = app.bus.subscribe();
    let outcome = run_health(&app).await;
    let orphans = open_of(&outcome, "orphan");
    assert_eq!(orphans.len(), 1, "{:#?}", outcome.findings);
    assert_eq!(orphans[0].article_ids, [sourdough]);
    assert_eq!(orphans[0].severity, "warning");
    assert_eq!(orphans[0].fix, None, "an orphan has no automatic fix");
    let (status, body) = app
        .post_json(
            &format!("/api/health/findings/{}/fix", orphans[0].id),
            &serde_json::json!({}),
        )
        .await;
    assert_eq!(status, 409, "{body}");

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

    // The run told its progress and its end as it went.
    let mut checks = Vec::new();
    let mut completed = None;
    while let Ok(event) = events.try_recv() {
        match event.kind {
            EventKind::LintProgress { run_id, check, .. } if run_id == outcome.run_id => {
                checks.push(check);
            }
            EventKind::LintComplete {
                run_id,
                score,
                new_errors,
            } if run_id == outcome.run_id => completed = Some((score, new_errors)),
            _ => {}
        }
    }
    assert_eq!(
        checks,
        [
            "orphan",
            "broken_link",
            "missing_inverse",
            "contradiction",
            "duplicate",
            "stale"
        ]
    );
    assert_eq!(
        completed,
        Some((outcome.score, 1)),
        "the broken link is a new error"
    );
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
    let first = run_health(&app).await;
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

    let second = run_health(&app).await;
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

#[tokio::test]
async fn the_schedule_runs_health_on_its_own() {
    let app = spawn_app_with(|s| s.health.schedule = Some(Duration::from_secs(1))).await;
    let sourdough = article_id(&app, SOURDOUGH).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let run_id = loop {
        let (_, history) = app.get_json("/api/health/history").await;
        let scheduled = history["items"].as_array().and_then(|runs| {
            runs.iter()
                .find(|r| r["trigger"] == "schedule" && r["status"] == "complete")
                .cloned()
        });
        if let Some(run) = scheduled {
            break run["id"].as_str().expect("id").to_owned();
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no scheduled run: {history}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let outcome = finished(&app, &run_id).await;
    assert_eq!(open_of(&outcome, "orphan")[0].article_ids, [sourdough]);
    app.stop().await;
}

#[tokio::test]
async fn asking_for_runs_while_one_waits_queues_no_more() {
    // No worker takes runs here, so the first request stays waiting.
    let env = testkit::backend::TestEnv::new().await;
    let app = crate::helpers::start(env.settings(), false).await;
    let (status, first) = app
        .post_json("/api/health/runs", &serde_json::json!({}))
        .await;
    assert_eq!(status, 202, "{first}");
    assert_eq!(first["status"], "queued");
    let (status, second) = app
        .post_json("/api/health/runs", &serde_json::json!({}))
        .await;
    assert_eq!(status, 202, "{second}");
    assert_eq!(second["id"], first["id"], "the waiting run is the answer");
    let (_, report) = app.get_json("/api/health").await;
    assert_eq!(report["pending"]["id"], first["id"], "{report}");
    let (_, history) = app.get_json("/api/health/history").await;
    assert_eq!(history["items"].as_array().map(Vec::len), Some(1));
    app.stop().await;
    drop(env);
}

#[tokio::test]
async fn a_due_schedule_and_a_waiting_run_go_to_one_worker_only() {
    use shared::db::health::{claim_run, claim_schedule, request_run};
    let env = testkit::backend::TestEnv::new().await;
    let app = crate::helpers::start(env.settings(), false).await;
    let db = &app.db;
    let period = Duration::from_secs(1);
    assert!(
        !claim_schedule(db, "health", "w1", period)
            .await
            .expect("first"),
        "a new schedule is first due after one period"
    );
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (a, b) = tokio::join!(
        claim_schedule(db, "health", "w1", period),
        claim_schedule(db, "health", "w2", period)
    );
    assert_eq!(
        [a.expect("w1"), b.expect("w2")]
            .iter()
            .filter(|won| **won)
            .count(),
        1,
        "exactly one worker gets a due schedule"
    );
    // Shortening the period makes a far-off next time due at once.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert!(
        claim_schedule(db, "health", "w1", Duration::from_secs(3600))
            .await
            .expect("due")
    );
    assert!(
        claim_schedule(db, "health", "w1", period)
            .await
            .expect("shortened")
    );

    let queued = request_run(db, "manual").await.expect("queued");
    let lease = Duration::from_secs(30);
    let (a, b) = tokio::join!(claim_run(db, "w1", lease), claim_run(db, "w2", lease));
    let claimed: Vec<_> = [a.expect("w1"), b.expect("w2")]
        .into_iter()
        .flatten()
        .collect();
    assert_eq!(claimed.len(), 1, "exactly one worker takes a waiting run");
    assert_eq!(claimed[0].id, queued.id);
    assert_eq!(claimed[0].status, "running");
    assert!(
        claim_run(db, "w3", lease).await.expect("none").is_none(),
        "a run under a live lease is no one else's"
    );
    app.stop().await;
    drop(env);
}

#[tokio::test]
async fn a_missing_inverse_link_is_repaired_and_stays_repaired() {
    use shared::llm::ProviderKind;
    let fake = testkit::fake_llm::FakeLlm::start().await;
    let base = format!("{}/v1", fake.url());
    let app = spawn_app_with(|s| crate::llm::use_provider(s, ProviderKind::Openai, base)).await;
    let lighthouse = article_id(&app, LIGHTHOUSE).await;
    // The model reads the second sentence as a `related_to` link to the first note.
    let fog = article_id(
        &app,
        "# Fog signals\n\nFog signals warned ships when the light could not be seen. \
         Fog signals are related to Lighthouse keeping.",
    )
    .await;

    let first = run_health(&app).await;
    let missing = open_of(&first, "missing_inverse");
    assert_eq!(missing.len(), 1, "{:#?}", first.findings);
    assert_eq!(missing[0].article_ids, [fog, lighthouse]);
    assert_eq!(missing[0].fix.as_deref(), Some("add_inverse_link"));
    let (_, report) = app.get_json("/api/health").await;
    let shown = report["findings"]
        .as_array()
        .and_then(|f| f.iter().find(|f| f["kind"] == "missing_inverse").cloned())
        .expect("shown");
    assert_eq!(shown["fix"], "add_inverse_link", "{report}");
    assert_eq!(shown["articles"][1]["title"], "Lighthouse keeping");

    let fix = format!("/api/health/findings/{}/fix", missing[0].id);
    let (status, body) = app.post_json(&fix, &serde_json::json!({})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["state"], "repaired");
    let (status, body) = app.post_json(&fix, &serde_json::json!({})).await;
    assert_eq!(
        status, 409,
        "a repaired finding is not repaired twice: {body}"
    );
    assert!(body["error"]["message"].is_string(), "{body}");

    // The lighthouse page now links back, in the database and in its vault file.
    let (_, page) = app.get_json(&format!("/api/articles/{lighthouse}")).await;
    let back = page["backlinks_out"]
        .as_array()
        .and_then(|l| {
            l.iter()
                .find(|l| l["article_id"] == fog.to_string())
                .cloned()
        })
        .unwrap_or_else(|| panic!("no link back: {page}"));
    assert_eq!(back["relation_type"], "related_to", "{page}");
    let slug = page["slug"].as_str().expect("slug");
    let file = std::fs::read_to_string(app.data_dir.join("wiki").join(format!("{slug}.md")))
        .expect("vault file");
    assert!(file.contains("Fog signals"), "{file}");

    // Recompiling the lighthouse page keeps the repair: the compiler would not make it.
    let source = page["sources"][0]["id"].as_str().expect("source id");
    let (status, body) = app
        .post_json(
            &format!("/api/sources/{source}/compile"),
            &serde_json::json!({}),
        )
        .await;
    assert_eq!(status, 202, "{body}");
    let recompiled = app.article_after(&lighthouse.to_string(), &page).await;
    assert!(
        recompiled["backlinks_out"].as_array().is_some_and(|l| l
            .iter()
            .any(|l| l["article_id"] == fog.to_string() && l["relation_type"] == "related_to")),
        "{recompiled}"
    );

    let second = run_health(&app).await;
    assert!(
        open_of(&second, "missing_inverse").is_empty(),
        "{:#?}",
        second.findings
    );
    let (status, body) = app
        .post_json(
            &format!("/api/health/findings/{}/fix", Uuid::now_v7()),
            &serde_json::json!({}),
        )
        .await;
    assert_eq!(status, 404, "{body}");
    app.stop().await;
}

/// The pages `from` links to.
async fn linked_from(app: &TestApp, from: ArticleId) -> Vec<ArticleId> {
    let (_, page) = app.get_json(&format!("/api/articles/{from}")).await;
    page["backlinks_out"]
        .as_array()
        .map(|links| {
            links
                .iter()
                .filter_map(|l| l["article_id"].as_str()?.parse().ok())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn two_near_identical_sources_are_found_as_duplicates_and_merged() {
    let app = spawn_app().await;
    let first = article_id(
        &app,
        "# Debian Reference\n\nDebian is a free operating system maintained by volunteers. \
         Packages are installed with apt from the Debian archive. Stable releases come every two years.",
    )
    .await;
    let second = article_id(
        &app,
        "# Debian Reference Manual\n\nDebian is a free operating system maintained by its volunteers. \
         Packages are installed with apt from the Debian archive. Stable releases come about every two years.",
    )
    .await;
    let other = article_id(&app, SOURDOUGH).await;
    let pinning = article_id(
        &app,
        "# Apt pinning\n\nPinning holds a package at one release; see [[Debian Reference Manual]].",
    )
    .await;
    assert!(linked_from(&app, pinning).await.contains(&second));
    let (_, before) = app.get_json(&format!("/api/articles/{second}")).await;
    let merged_source = before["sources"][0]["id"].clone();
    let merged_slug = before["slug"].as_str().expect("slug").to_owned();

    let outcome = run_health(&app).await;
    let duplicates = open_of(&outcome, "duplicate");
    assert_eq!(duplicates.len(), 1, "{:#?}", outcome.findings);
    // The older page comes first: the merge keeps it.
    assert_eq!(duplicates[0].article_ids, [first, second]);
    assert!(!duplicates[0].article_ids.contains(&other));
    assert_eq!(duplicates[0].severity, "warning");
    assert_eq!(duplicates[0].fix.as_deref(), Some("merge"));
    assert!(
        duplicates[0].detail["similarity"]
            .as_i64()
            .unwrap_or_default()
            >= 70,
        "{:#?}",
        duplicates[0]
    );

    let fix = format!("/api/health/findings/{}/fix", duplicates[0].id);
    let (status, body) = app.post_json(&fix, &serde_json::json!({})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["fix"], "merge");

    // One page survives, holding both sources, the other's text and its name.
    let (status, _) = app.get_json(&format!("/api/articles/{second}")).await;
    assert_eq!(status, 404);
    let (_, kept) = app.get_json(&format!("/api/articles/{first}")).await;
    let sources: Vec<_> = kept["sources"]
        .as_array()
        .map(|s| s.iter().map(|s| s["id"].clone()).collect())
        .unwrap_or_default();
    assert_eq!(sources.len(), 2, "{kept}");
    assert!(sources.contains(&merged_source), "{kept}");
    assert!(
        kept["content"]
            .as_str()
            .is_some_and(|b| b.contains("Merged from “Debian Reference Manual”")),
        "{kept}"
    );
    assert!(kept["version"].as_i64() > Some(1), "{kept}");
    let claims = kept["claims"].as_array().map(Vec::len).unwrap_or_default();
    assert!(
        claims > 3,
        "the merged page's own claims moved over: {kept}"
    );
    let pinning_in = kept["backlinks_in"]
        .as_array()
        .map(|l| {
            l.iter()
                .filter(|l| l["article_id"] == pinning.to_string())
                .count()
        })
        .unwrap_or_default();
    assert_eq!(pinning_in, 1, "{kept}");

    // Links to the merged page now lead to the survivor, in the API and in the vault.
    let links = linked_from(&app, pinning).await;
    assert!(
        links.contains(&first) && !links.contains(&second),
        "{links:?}"
    );
    let wiki = app.data_dir.join("wiki");
    let kept_slug = kept["slug"].as_str().expect("slug");
    assert!(!wiki.join(format!("{merged_slug}.md")).exists());
    let kept_file = std::fs::read_to_string(wiki.join(format!("{kept_slug}.md"))).expect("file");
    assert!(kept_file.contains("## Merged from"), "{kept_file}");
    let (_, pinning_page) = app.get_json(&format!("/api/articles/{pinning}")).await;
    let pinning_file = std::fs::read_to_string(wiki.join(format!(
        "{}.md",
        pinning_page["slug"].as_str().expect("slug")
    )))
    .expect("file");
    assert!(
        pinning_file.contains(&format!("[[{kept_slug}|")),
        "{pinning_file}"
    );
    // A link written later by the merged page's name finds the survivor.
    let later = article_id(
        &app,
        "# Release notes\n\nRead the [[Debian Reference Manual]] before upgrading.",
    )
    .await;
    assert!(linked_from(&app, later).await.contains(&first));

    let again = run_health(&app).await;
    assert!(
        open_of(&again, "duplicate").is_empty(),
        "{:#?}",
        again.findings
    );
    let (status, body) = app.post_json(&fix, &serde_json::json!({})).await;
    assert_eq!(status, 409, "{body}");
    app.stop().await;
}

#[tokio::test]
async fn a_merge_keeps_the_page_the_person_chose() {
    let app = spawn_app().await;
    let older = article_id(
        &app,
        "# Tide tables\n\nHigh tide at the harbour comes twice a day, about twelve hours apart.",
    )
    .await;
    let newer = article_id(
        &app,
        "# Tide tables\n\nHigh tide at the harbour comes twice a day, roughly twelve hours apart.",
    )
    .await;
    let outcome = run_health(&app).await;
    let duplicates = open_of(&outcome, "duplicate");
    assert_eq!(duplicates.len(), 1, "{:#?}", outcome.findings);
    let fix = format!("/api/health/findings/{}/fix", duplicates[0].id);

    let (status, body) = app
        .post_json(
            &format!("{fix}?keep={}", Uuid::now_v7()),
            &serde_json::json!({}),
        )
        .await;
    assert_eq!(status, 422, "a page the finding does not name: {body}");
    let (status, body) = app
        .post_json(&format!("{fix}?keep=older"), &serde_json::json!({}))
        .await;
    assert_eq!(status, 400, "{body}");
    let (status, _) = app.get_json(&format!("/api/articles/{older}")).await;
    assert_eq!(status, 200, "a refused merge changes nothing");

    let (status, body) = app
        .post_json(&format!("{fix}?keep={newer}"), &serde_json::json!({}))
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = app.get_json(&format!("/api/articles/{older}")).await;
    assert_eq!(status, 404);
    let (_, kept) = app.get_json(&format!("/api/articles/{newer}")).await;
    assert_eq!(kept["sources"].as_array().map(Vec::len), Some(2), "{kept}");
    app.stop().await;
}

#[tokio::test]
async fn repairing_over_an_existing_link_retypes_it_everywhere() {
    use shared::llm::ProviderKind;
    let fake = testkit::fake_llm::FakeLlm::start().await;
    let base = format!("{}/v1", fake.url());
    let app = spawn_app_with(|s| crate::llm::use_provider(s, ProviderKind::Openai, base)).await;
    // The lighthouse page names the fog signals page (a `references` link by mention)…
    let fog = article_id(
        &app,
        "# Fog signals\n\nFog signals warned ships when the light could not be seen. \
         Fog signals are related to Lighthouse keeping.",
    )
    .await;
    let lighthouse = article_id(
        &app,
        "# Lighthouse keeping\n\nKeepers trimmed the wicks every night. \
         Keepers also sounded the Fog signals when the light could not be seen.",
    )
    .await;
    let relation_to_fog = |graph: &serde_json::Value| {
        graph["edges"].as_array().and_then(|edges| {
            edges
                .iter()
                .find(|e| e["source"] == lighthouse.to_string() && e["target"] == fog.to_string())
                .map(|e| e["relation"].clone())
        })
    };
    let (_, graph) = app.get_json("/api/graph").await;
    assert_eq!(
        relation_to_fog(&graph),
        Some("references".into()),
        "{graph}"
    );

    // …while the fog signals page is `related_to` it, which wants the same relation back.
    let outcome = run_health(&app).await;
    let missing = open_of(&outcome, "missing_inverse");
    assert_eq!(missing.len(), 1, "{:#?}", outcome.findings);
    let fix = format!("/api/health/findings/{}/fix", missing[0].id);
    let (status, body) = app.post_json(&fix, &serde_json::json!({})).await;
    assert_eq!(status, 200, "{body}");

    // The one link is re-typed: in the graph (its cache sees the change) and on the page.
    let (_, graph) = app.get_json("/api/graph").await;
    assert_eq!(
        relation_to_fog(&graph),
        Some("related_to".into()),
        "{graph}"
    );
    let (_, page) = app.get_json(&format!("/api/articles/{lighthouse}")).await;
    let to_fog: Vec<_> = page["backlinks_out"]
        .as_array()
        .map(|l| {
            l.iter()
                .filter(|l| l["article_id"] == fog.to_string())
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(to_fog.len(), 1, "{page}");
    assert_eq!(to_fog[0]["relation_type"], "related_to");
    app.stop().await;
}
