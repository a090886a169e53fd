//! Health's structural checks over a compiled wiki: orphans, links to nothing, and
//! dismissals remembered across runs.

use shared::health;

use crate::helpers::{TestApp, spawn_app};

const LIGHTHOUSE: &str =
    "# Lighthouse keeping\n\nKeepers trimmed the wicks and wound the clockwork every night.";
const READING: &str = "# Reading list\n\nStart with [[Lighthouse keeping]], then [[Fog signals]] once someone writes it.";
const SOURDOUGH: &str =
    "# Sourdough\n\nA starter of rye flour ferments for several days before the first loaf.";

/// The open findings of a kind, as (page ids, detail).
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

    let latest = shared::db::health::latest_complete_run(&app.db)
        .await
        .expect("latest")
        .expect("a run");
    assert_eq!(latest.id, outcome.run_id);
    assert_eq!(latest.score, Some(outcome.score));
    assert_eq!(
        latest.article_count,
        shared::db::health::page_count(&app.db)
            .await
            .expect("count"),
        "every page is counted, concept pages too"
    );
    let stored = shared::db::health::findings_of(&app.db, outcome.run_id)
        .await
        .expect("findings");
    assert_eq!(stored.len(), outcome.findings.len());
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

    assert!(
        shared::db::health::dismiss(&app.db, orphan[0].id)
            .await
            .expect("dismiss")
    );
    assert!(
        !shared::db::health::dismiss(&app.db, uuid::Uuid::now_v7())
            .await
            .expect("dismiss nothing"),
        "an unknown finding is not dismissed"
    );

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

    let history = shared::db::health::recent_runs(&app.db, 10)
        .await
        .expect("history");
    assert_eq!(history.len(), 2);
    assert_eq!(history[0].id, second.run_id, "newest first");
    app.stop().await;
}
