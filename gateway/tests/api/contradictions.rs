//! Health's contradiction check: two pages whose claims disagree, judged by a model in each
//! provider's protocol (and never asked twice about an unchanged pair), or offline by their
//! figures.

use shared::llm::ProviderKind;
use testkit::fake_llm::FakeLlm;

use crate::helpers::{TestApp, spawn_app, spawn_app_with};
use crate::llm::use_provider;
use crate::wiki_health::{article_id, open_of, run_health};

const HARBOUR: &str = "# Harbour light\n\nThe harbour light was first lit in 1850 by the keeper. \
     Its lamp burned whale oil through the long harbour winters.";
const KEEPERS: &str = "# Keepers of the harbour\n\nThe harbour light was first lit in 1872 by the keeper. \
     Storms closed the harbour for weeks at a time.";
const GARDEN: &str = "# Kitchen garden\n\nBeans climb the poles by midsummer and the harbour wind \
     dries them. Each row holds 40 plants of the climbing kind.";

/// The model's contradiction requests so far.
fn lint_requests(fake: &FakeLlm) -> usize {
    fake.requests()
        .iter()
        .filter(|r| r.body.to_string().contains("Pairs to check"))
        .count()
}

/// Two disagreeing pages and one unrelated: one contradiction, naming both claims.
async fn one_contradiction(
    app: &TestApp,
) -> (shared::domain::ArticleId, shared::domain::ArticleId) {
    let harbour = article_id(app, HARBOUR).await;
    let keepers = article_id(app, KEEPERS).await;
    article_id(app, GARDEN).await;
    let outcome = run_health(app).await;
    let found = open_of(&outcome, "contradiction");
    assert_eq!(found.len(), 1, "{:#?}", outcome.findings);
    let mut pages = found[0].article_ids.clone();
    pages.sort_unstable();
    let mut expected = vec![harbour, keepers];
    expected.sort_unstable();
    assert_eq!(pages, expected);
    assert_eq!(found[0].severity, "error");
    let texts = [
        found[0].detail["claim_a"]["text"]
            .as_str()
            .unwrap_or_default(),
        found[0].detail["claim_b"]["text"]
            .as_str()
            .unwrap_or_default(),
    ];
    assert!(
        texts.iter().any(|t| t.contains("1850")) && texts.iter().any(|t| t.contains("1872")),
        "{:#?}",
        found[0]
    );
    assert!(
        found[0].detail["claim_a"]["quote"].is_string(),
        "{:#?}",
        found[0]
    );
    (harbour, keepers)
}

async fn judged_through(kind: ProviderKind, base_path: &str) {
    let fake = FakeLlm::start().await;
    let base = format!("{}{base_path}", fake.url());
    let app = spawn_app_with(|s| use_provider(s, kind, base)).await;
    one_contradiction(&app).await;
    let asked = lint_requests(&fake);
    assert!(asked >= 1, "{kind:?}: the model was asked");

    // Nothing changed: the verdicts are kept, and the model is not asked again.
    let again = run_health(&app).await;
    assert_eq!(open_of(&again, "contradiction").len(), 1, "{kind:?}");
    assert_eq!(
        lint_requests(&fake),
        asked,
        "{kind:?}: an unchanged pair is not asked again"
    );
    let (_, report) = app.get_json("/api/health").await;
    let shown = report["findings"]
        .as_array()
        .and_then(|f| f.iter().find(|f| f["kind"] == "contradiction").cloned())
        .unwrap_or_else(|| panic!("{report}"));
    assert_eq!(
        shown["articles"].as_array().map(Vec::len),
        Some(2),
        "{report}"
    );
    assert_eq!(shown["detail"]["method"], "model");
    app.stop().await;
}

#[tokio::test]
async fn a_contradiction_is_judged_through_an_openai_compatible_server() {
    judged_through(ProviderKind::Openai, "/v1").await;
}

#[tokio::test]
async fn a_contradiction_is_judged_through_the_anthropic_protocol() {
    judged_through(ProviderKind::Anthropic, "").await;
}

#[tokio::test]
async fn a_contradiction_is_judged_through_the_gemini_protocol() {
    judged_through(ProviderKind::Google, "").await;
}

#[tokio::test]
async fn a_contradiction_is_judged_through_the_ollama_protocol() {
    judged_through(ProviderKind::Ollama, "").await;
}

#[tokio::test]
async fn a_spent_budget_asks_the_model_nothing() {
    let fake = FakeLlm::start().await;
    let base = format!("{}/v1", fake.url());
    let app = spawn_app_with(|s| {
        use_provider(s, ProviderKind::Openai, base);
        // Nothing may be spent this month.
        s.llm.budget.monthly_usd = Some(0.0);
    })
    .await;
    article_id(&app, HARBOUR).await;
    article_id(&app, KEEPERS).await;
    let outcome = run_health(&app).await;
    assert_eq!(lint_requests(&fake), 0, "{:#?}", outcome.findings);
    assert!(open_of(&outcome, "contradiction").is_empty());
    app.stop().await;
}

#[tokio::test]
async fn offline_different_figures_for_the_same_thing_are_a_contradiction() {
    let app = spawn_app().await;
    one_contradiction(&app).await;
    let (_, report) = app.get_json("/api/health").await;
    let shown = report["findings"]
        .as_array()
        .and_then(|f| f.iter().find(|f| f["kind"] == "contradiction").cloned())
        .unwrap_or_else(|| panic!("{report}"));
    assert_eq!(shown["detail"]["method"], "figures", "{report}");
    app.stop().await;
}

#[tokio::test]
async fn a_resolved_contradiction_marks_the_losing_claim_and_stays_resolved() {
    let app = spawn_app().await;
    one_contradiction(&app).await;
    let first = run_health(&app).await;
    let found = open_of(&first, "contradiction")[0].clone();
    let resolve = format!("/api/health/findings/{}/resolve", found.id);
    let (status, body) = app
        .post_json(&resolve, &serde_json::json!({"resolution": "whoever"}))
        .await;
    assert!((400..500).contains(&status), "{status} {body}");
    assert!(body["error"].is_object(), "{body}");

    let (status, body) = app
        .post_json(
            &resolve,
            &serde_json::json!({"resolution": "source_a_wins"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["state"], "resolved");
    let (winner, loser) = (found.article_ids[0], found.article_ids[1]);
    assert_eq!(body["disputed_article"], loser.to_string());

    // The losing page says which of its claims is disputed, and by which page.
    let (_, page) = app.get_json(&format!("/api/articles/{loser}")).await;
    let losing_text = found.detail["claim_b"]["text"].as_str().expect("claim b");
    let claims = page["claims"].as_array().expect("claims");
    let disputed: Vec<_> = claims.iter().filter(|c| !c["disputed"].is_null()).collect();
    assert_eq!(disputed.len(), 1, "{page}");
    assert_eq!(disputed[0]["text"], losing_text);
    assert_eq!(disputed[0]["disputed"]["by"]["id"], winner.to_string());
    assert_eq!(disputed[0]["disputed"]["resolution"], "source_a_wins");
    let slug = page["slug"].as_str().expect("slug");
    let file = std::fs::read_to_string(app.data_dir.join("wiki").join(format!("{slug}.md")))
        .expect("the losing page's vault file");
    assert!(
        file.contains("## Disputed") && file.contains(losing_text),
        "the vault file says so: {file}"
    );
    let (_, other) = app.get_json(&format!("/api/articles/{winner}")).await;
    assert!(
        other["claims"]
            .as_array()
            .is_some_and(|c| c.iter().all(|c| c["disputed"].is_null())),
        "{other}"
    );

    let (status, body) = app
        .post_json(&resolve, &serde_json::json!({"resolution": "both_valid"}))
        .await;
    assert_eq!(
        status, 409,
        "a resolved finding is not resolved again: {body}"
    );
    let second = run_health(&app).await;
    assert!(
        open_of(&second, "contradiction").is_empty(),
        "{:#?}",
        second.findings
    );
    // Only contradictions are resolved.
    let other_kind = second
        .findings
        .iter()
        .find(|f| f.kind != "contradiction")
        .expect("a finding of another kind");
    let (status, body) = app
        .post_json(
            &format!("/api/health/findings/{}/resolve", other_kind.id),
            &serde_json::json!({"resolution": "both_valid"}),
        )
        .await;
    assert_eq!(status, 409, "{body}");
    app.stop().await;
}
