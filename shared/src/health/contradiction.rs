//! The contradiction check: claims of two pages that cannot both be true.
//!
//! Pages are paired only when they share a concept or one links to the other (never all
//! pairs), most shared concepts first and at most [`MAX_CANDIDATES`] pairs. With a model, the
//! pairs not yet judged at their current versions are sent [`BATCH`] to a request, at most
//! [`MAX_ASKED`] per run (the rest wait for the next run), and each verdict is kept per pair of
//! (page, version), so an unchanged pair is never asked again and a run's cost follows the
//! pages that changed. The budget stops the asking. Without a model, only the figures rule of
//! [`super::figures`] applies.

use std::collections::{HashMap, HashSet};

use serde::Deserialize;
use serde_json::json;

use super::figures::figures_disagree;
use super::{Finding, Kind};
use crate::db::contradictions::{self as queries, Candidate, ClaimPair, ClaimText};
use crate::db::health::PageAt;
use crate::db::{Db, DbResult};
use crate::llm::{CompletionRequest, LlmError, Router, Task, json_object_in};

/// Pairs considered per run.
pub(super) const MAX_CANDIDATES: i64 = 5_000;
/// A concept on more pages than this pairs none of them (see
/// [`queries::candidate_pairs`]).
pub(super) const MAX_CONCEPT_SIZE: i64 = 50;
/// Pairs sent to the model per run.
pub(super) const MAX_ASKED: usize = 120;
/// Pairs per request.
pub(super) const BATCH: usize = 6;
/// Claims of one page sent per pair.
const MAX_CLAIMS: usize = 12;

/// What a user message lists its pairs under.
pub(super) const PAIRS_HEADER: &str = "Pairs to check";

pub(super) const SYSTEM_PROMPT: &str = "You check a personal wiki for contradictions. For each pair \
of pages you are given the numbered claims of page A and of page B. List every claim of A and \
claim of B that cannot both be true: different numbers, dates, names or outcomes for the same \
thing. Claims about different things, or where one adds detail to the other, do not \
contradict. Answer with JSON only: {\"contradictions\": [{\"pair\": 1, \"claim_a\": 2, \
\"claim_b\": 1, \"explanation\": \"...\"}]}, an empty list when nothing contradicts.";

/// One disagreement of two claims, as stored in a verdict (claims by position).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, Deserialize)]
struct Disagreement {
    claim_a: i32,
    claim_b: i32,
    explanation: String,
}

/// What the check found, and how much of it a model judged.
#[derive(Debug, Default)]
pub(super) struct Checked {
    pub(super) findings: Vec<Finding>,
    /// Pairs the model was asked about in this run.
    pub(super) asked: usize,
    /// Pairs left for a later run (over the per-run bound, or the budget ran out).
    pub(super) deferred: usize,
}

/// Finds contradictions; `model` is `None` offline. `keep_going` is asked between requests
/// and stops the asking when it answers false (the run is no longer this worker's).
pub(super) async fn check<F, Fut>(
    db: &Db,
    model: Option<&Router>,
    keep_going: F,
) -> DbResult<Checked>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = DbResult<bool>>,
{
    let candidates = queries::candidate_pairs(db, MAX_CONCEPT_SIZE, MAX_CANDIDATES).await?;
    let mut ids: Vec<_> = candidates.iter().flat_map(|c| [c.a.id, c.b.id]).collect();
    ids.sort_unstable();
    ids.dedup();
    let claims = queries::claims_of(db, &ids).await?;
    let resolved = queries::resolved_pairs(db).await?;
    let claims = Claims {
        by_page: &claims,
        resolved: &resolved,
    };
    let no_claims = Vec::new();
    let claims_of = |page: &PageAt| claims.by_page.get(&page.id).unwrap_or(&no_claims);
    let mut checked = Checked::default();
    let Some(model) = model else {
        for pair in &candidates {
            let found = offline_verdict(claims_of(&pair.a), claims_of(&pair.b));
            push_findings(&mut checked.findings, pair, &claims, &found, "figures");
        }
        return Ok(checked);
    };

    let mut firsts: Vec<_> = candidates.iter().map(|c| c.a.id).collect();
    firsts.sort_unstable();
    firsts.dedup();
    let cached = queries::verdicts_for(db, &firsts).await?;
    let mut unjudged = Vec::new();
    for pair in &candidates {
        match cached.get(&(pair.a.id, pair.b.id)) {
            Some(v) if v.version_a == pair.a.version && v.version_b == pair.b.version => {
                let found: Vec<Disagreement> =
                    serde_json::from_str(&v.verdicts).unwrap_or_default();
                push_findings(&mut checked.findings, pair, &claims, &found, "model");
            }
            _ if claims_of(&pair.a).is_empty() || claims_of(&pair.b).is_empty() => {}
            _ => unjudged.push(pair),
        }
    }
    for batch in unjudged[..unjudged.len().min(MAX_ASKED)].chunks(BATCH) {
        if !keep_going().await? {
            break;
        }
        let verdicts = match ask(model, batch, &claims_of).await {
            Ok(verdicts) => verdicts,
            // One unusable reply loses its batch only; the pairs are asked in a later run.
            Err(e @ LlmError::InvalidResponse(_)) => {
                tracing::warn!(error = %e, "the model's contradiction verdicts were not usable");
                continue;
            }
            // The budget is spent or no provider answers: the rest waits for a later run.
            Err(e) => {
                tracing::warn!(error = %e, "the model could not check pairs for contradictions");
                break;
            }
        };
        checked.asked += batch.len();
        for (pair, found) in batch.iter().zip(verdicts) {
            queries::store_verdict(db, &pair.a, &pair.b, &json!(found)).await?;
            push_findings(&mut checked.findings, pair, &claims, &found, "model");
        }
    }
    checked.deferred = unjudged.len() - checked.asked;
    Ok(checked)
}

/// The figures rule over every pair of the two pages' claims.
fn offline_verdict(a: &[ClaimText], b: &[ClaimText]) -> Vec<Disagreement> {
    let mut found = Vec::new();
    for ca in a {
        for cb in b {
            if figures_disagree(&ca.text, &cb.text) {
                found.push(Disagreement {
                    claim_a: ca.position,
                    claim_b: cb.position,
                    explanation: "The claims give different figures for the same thing.".into(),
                });
            }
        }
    }
    found
}

/// The model's reply.
#[derive(Debug, Deserialize)]
struct Reply {
    contradictions: Vec<ReplyItem>,
}

#[derive(Debug, Deserialize)]
struct ReplyItem {
    pair: usize,
    claim_a: usize,
    claim_b: usize,
    #[serde(default)]
    explanation: String,
}

/// Asks the model about a batch; one verdict per pair, in order. Claim numbers the prompt did
/// not show are dropped.
async fn ask<'c>(
    model: &Router,
    batch: &[&Candidate],
    claims_of: &impl Fn(&PageAt) -> &'c Vec<ClaimText>,
) -> Result<Vec<Vec<Disagreement>>, LlmError> {
    let mut prompt = format!("{PAIRS_HEADER}:\n");
    for (n, pair) in batch.iter().enumerate() {
        prompt.push_str(&format!("\nPair {}\nA: {}\n", n + 1, pair.a.title));
        for (i, c) in claims_of(&pair.a).iter().take(MAX_CLAIMS).enumerate() {
            prompt.push_str(&format!("A{}. {}\n", i + 1, c.text));
        }
        prompt.push_str(&format!("B: {}\n", pair.b.title));
        for (i, c) in claims_of(&pair.b).iter().take(MAX_CLAIMS).enumerate() {
            prompt.push_str(&format!("B{}. {}\n", i + 1, c.text));
        }
    }
    let mut request = CompletionRequest::new(Task::Lint, SYSTEM_PROMPT, prompt).with_schema(
        "contradictions",
        json!({
            "type": "object",
            "properties": {
                "contradictions": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "pair": {"type": "integer"},
                            "claim_a": {"type": "integer"},
                            "claim_b": {"type": "integer"},
                            "explanation": {"type": "string"}
                        },
                        "required": ["pair", "claim_a", "claim_b", "explanation"],
                        "additionalProperties": false
                    }
                }
            },
            "required": ["contradictions"],
            "additionalProperties": false
        }),
    );
    request.max_tokens = 2_000;
    request.temperature = 0.0;
    let reply = model.complete(&request).await?;
    let parsed: Reply = serde_json::from_str(json_object_in(&reply.content))
        .map_err(|e| LlmError::InvalidResponse(format!("contradiction verdicts: {e}")))?;
    let mut verdicts = vec![Vec::new(); batch.len()];
    for item in parsed.contradictions {
        let Some(pair) = item.pair.checked_sub(1).and_then(|i| batch.get(i)) else {
            continue;
        };
        let shown = |page: &PageAt, n: usize| {
            n.checked_sub(1)
                .filter(|i| *i < MAX_CLAIMS)
                .and_then(|i| claims_of(page).get(i))
                .map(|c| c.position)
        };
        if let (Some(a), Some(b)) = (shown(&pair.a, item.claim_a), shown(&pair.b, item.claim_b)) {
            let found = &mut verdicts[item.pair - 1];
            if !found
                .iter()
                .any(|d: &Disagreement| d.claim_a == a && d.claim_b == b)
            {
                found.push(Disagreement {
                    claim_a: a,
                    claim_b: b,
                    explanation: item.explanation,
                });
            }
        }
    }
    Ok(verdicts)
}

/// The claims of the paired pages, and the pairs of claims a person has resolved.
struct Claims<'a> {
    by_page: &'a HashMap<crate::domain::ArticleId, Vec<ClaimText>>,
    resolved: &'a HashSet<ClaimPair>,
}

/// A finding for each disagreement whose claims still exist and that no person resolved.
fn push_findings(
    out: &mut Vec<Finding>,
    pair: &Candidate,
    claims: &Claims<'_>,
    found: &[Disagreement],
    method: &str,
) {
    let claim = |page: &PageAt, position: i32| {
        claims
            .by_page
            .get(&page.id)
            .and_then(|c| c.iter().find(|c| c.position == position))
    };
    for d in found {
        let (Some(a), Some(b)) = (claim(&pair.a, d.claim_a), claim(&pair.b, d.claim_b)) else {
            continue;
        };
        let key = (pair.a.id, a.text.clone(), pair.b.id, b.text.clone());
        if claims.resolved.contains(&key) {
            continue;
        }
        out.push(Finding {
            kind: Kind::Contradiction,
            message: format!(
                "“{}” and “{}” disagree: “{}” — “{}”",
                pair.a.title, pair.b.title, a.text, b.text
            ),
            pages: vec![pair.a.clone(), pair.b.clone()],
            detail: json!({
                "claim_a": {"position": a.position, "text": a.text, "quote": a.quote},
                "claim_b": {"position": b.position, "text": b.text, "quote": b.quote},
                "explanation": d.explanation,
                "method": method,
            }),
        });
    }
}
