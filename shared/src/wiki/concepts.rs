//! The concepts of the wiki as a tree: each concept with its article count and its parent.
//! With a model, one batched call arranges the shared concepts (those of two or more articles)
//! when that set has changed enough since it last did; its parents come first. The offline
//! rules place the rest: a concept whose head noun names a broader concept sits under it
//! ("priority queue" under "queue"), and one found almost only where a broader one is, under
//! that.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::compile::concept_hierarchy;
use crate::db::{self, Db, DbResult};
use crate::domain::{ArticleId, JobId};
use crate::llm::{CompletionRequest, Router, Task, json_object_in};

/// Fewest articles for a concept to be shared, and so to be arranged by the model.
const SHARED: i64 = 2;
/// Fewest shared concepts worth a call: below it the offline rules are all there is to say.
const MIN_ARRANGED: usize = 3;
/// Most concepts one call arranges (the most used); the rest are placed offline.
const MAX_ARRANGED: usize = 200;
/// Share of the arranged set that must have come or gone before the model is asked again, so a
/// growing wiki costs a call now and then, not one per ingest. New concepts meanwhile are
/// placed by the offline rules.
const CHANGE_SHARE: f64 = 0.1;

/// The system prompt of the hierarchy call; its wording tells the call apart in measurements.
pub const HIERARCHY_SYSTEM_PROMPT: &str = "You arrange the concepts of a personal wiki into a \
    hierarchy of at most three levels. For each listed concept that is a kind, part or aspect \
    of another listed concept, give the pair: `concept` and its `parent`, both as the keys \
    listed. Leave out concepts with no broader concept in the list. Use only listed keys.";

/// A concept as the wiki lists it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct ConceptNode {
    /// The concept's key (`thread-pool`), what `?concept=` filters by.
    pub name: String,
    pub display_name: String,
    pub article_count: i64,
    /// The key of the broader concept, if the wiki has one.
    pub parent: Option<String>,
}

/// Every concept in use, most used first, each with its parent.
pub async fn concept_tree(db: &Db) -> DbResult<Vec<ConceptNode>> {
    let counts = db::concepts::list_with_counts(db).await?;
    let mut members: HashMap<String, HashSet<ArticleId>> = HashMap::new();
    for (key, article) in db::concepts::memberships(db).await? {
        members.entry(key).or_default().insert(article);
    }
    let given: HashMap<String, String> =
        db::concepts::model_parents(db).await?.into_iter().collect();
    let mut parents = concept_hierarchy(&members, &given);
    Ok(counts
        .into_iter()
        .map(|c| ConceptNode {
            parent: parents.remove(&c.name),
            name: c.name,
            display_name: c.display_name,
            article_count: c.article_count,
        })
        .collect())
}

/// Asks the model (one call for the whole set) to arrange the shared concepts when that set
/// changed by at least [`CHANGE_SHARE`] since it last did, and records its answer. Returns
/// whether it asked. A failed call or an unusable reply keeps the last hierarchy and is logged;
/// the next change asks again.
pub async fn refresh_model_hierarchy(
    db: &Db,
    router: &Router,
    job_id: Option<JobId>,
) -> DbResult<bool> {
    let shared: Vec<db::concepts::ConceptCount> = db::concepts::list_with_counts(db)
        .await?
        .into_iter()
        .filter(|c| c.article_count >= SHARED)
        .take(MAX_ARRANGED)
        .collect();
    if shared.len() < MIN_ARRANGED {
        return Ok(false);
    }
    let mut keys: Vec<&str> = shared.iter().map(|c| c.name.as_str()).collect();
    keys.sort_unstable();
    let basis = keys.join("\n");
    if let Some(last) = db::concepts::hierarchy_basis(db).await? {
        let before: HashSet<&str> = last.lines().collect();
        let now: HashSet<&str> = keys.iter().copied().collect();
        let changed = before.symmetric_difference(&now).count();
        let needed = ((before.len() as f64 * CHANGE_SHARE).ceil() as usize).max(1);
        if changed < needed {
            return Ok(false);
        }
    }
    let listed: String = shared
        .iter()
        .map(|c| {
            format!(
                "- {}: {} ({} articles)\n",
                c.name, c.display_name, c.article_count
            )
        })
        .collect();
    let mut request = CompletionRequest::new(
        Task::Concept,
        HIERARCHY_SYSTEM_PROMPT,
        format!("{CONCEPTS_HEADER}\n{listed}"),
    )
    .with_schema(
        "concept_hierarchy",
        json!({
            "type": "object",
            "properties": {
                "parents": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "concept": {"type": "string"},
                            "parent": {"type": "string"}
                        },
                        "required": ["concept", "parent"],
                        "additionalProperties": false
                    }
                }
            },
            "required": ["parents"],
            "additionalProperties": false
        }),
    );
    request.max_tokens = 4_000;
    request.job_id = job_id;
    let reply = match router.complete(&request).await {
        Ok(reply) => reply,
        Err(e) => {
            tracing::warn!(error = %e, "the model could not arrange the concepts; kept the last hierarchy");
            return Ok(true);
        }
    };
    let Ok(arranged) = serde_json::from_str::<Arranged>(json_object_in(&reply.content)) else {
        tracing::warn!("the model's concept hierarchy was not usable; kept the last one");
        return Ok(true);
    };
    let known: HashSet<&str> = keys.iter().copied().collect();
    let pairs: Vec<(String, String)> = arranged
        .parents
        .into_iter()
        .filter(|p| p.concept != p.parent)
        .filter(|p| known.contains(p.concept.as_str()) && known.contains(p.parent.as_str()))
        .map(|p| (p.concept, p.parent))
        .collect();
    db::concepts::set_model_parents(db, &basis, &pairs).await?;
    Ok(true)
}

/// What the user message lists the concepts under.
const CONCEPTS_HEADER: &str = "Concepts to arrange (key: name (articles)):";

/// The model's reply.
#[derive(Debug, Deserialize)]
struct Arranged {
    parents: Vec<ParentPair>,
}

#[derive(Debug, Deserialize)]
struct ParentPair {
    concept: String,
    parent: String,
}
