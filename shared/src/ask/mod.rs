//! Ask: a question answered from the wiki. Passages are retrieved from the search index; a
//! language model (when one is configured) or the extractive answerer writes prose with `[n]`
//! markers; markers that name no retrieved passage are removed and counted; each remaining one
//! becomes a citation carrying the verified quote and span in the original source. When nothing
//! in the wiki is relevant, no model is asked.

mod cite;
mod export;
mod extractive;
mod file_back;
mod markers;
mod prompt;
mod relevance;
mod retrieve;

use uuid::Uuid;

pub use export::{conversation_markdown, export_file_name};
pub use extractive::{ExtractiveAnswer, extractive_answer};
pub use file_back::{FileBackError, FileBackRequest, file_back};
pub use markers::{CheckedAnswer, MarkerFilter, check_markers};
pub use prompt::{MAX_PRIOR_TURNS, SYSTEM, user_message};
pub use retrieve::{MAX_PASSAGES, Retrieved, retrieve};

use crate::config::Settings;
use crate::db::{self, Db, DbError};
use crate::domain::{AnswerConfidence as Confidence, AnswerMode, Conversation, Turn};
use crate::llm::{CompletionRequest, LlmError, Router, Task};
use crate::search::Searcher;
use relevance::Terms;

/// The model name recorded for extractive answers.
pub const EXTRACTIVE_MODEL: &str = "extractive-answer-1";
/// Tokens a model may spend on one answer.
const ANSWER_MAX_TOKENS: u32 = 1_200;
/// A conversation's title is its first question, cut to this many characters.
const TITLE_CHARS: usize = 120;

/// Why a question could not be answered.
#[derive(Debug, thiserror::Error)]
pub enum AskError {
    #[error("conversation not found")]
    ConversationNotFound,
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Llm(#[from] LlmError),
}

/// What answering needs: the database, the searcher, and the model router when a model is
/// configured.
#[derive(Clone)]
pub struct Answerer<'a> {
    pub db: &'a Db,
    pub search: &'a Searcher,
    /// `None` when no language model is configured: answers are extractive.
    pub llm: Option<std::sync::Arc<Router>>,
    pub settings: &'a Settings,
}

/// Everything an answer needs before the model (if any) is called.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub question: String,
    pub conversation: Option<Conversation>,
    /// The conversation's id: the existing one's, or the one a new conversation will have,
    /// so the model's calls are attributed to it before it is stored.
    pub conversation_id: Uuid,
    pub prior: Vec<Turn>,
    pub retrieved: Retrieved,
    pub plan: Plan,
}

/// How the answer will be written.
#[derive(Debug, Clone, PartialEq)]
pub enum Plan {
    /// Nothing relevant: a fixed reply, no model call.
    NothingRelevant,
    /// Extractive: no model is configured, or (`because`) one is but could not be used.
    Extractive { because: Option<NoModel> },
    /// A model writes it from these messages.
    Model { system: String, user: String },
}

/// Why a configured model did not write an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoModel {
    /// This month's budget is spent.
    OverBudget,
    /// Every configured provider failed (down, unreachable, refusing).
    Unreachable,
}

impl NoModel {
    /// The note under an extractive answer written in the model's place.
    fn note(self) -> &'static str {
        match self {
            NoModel::OverBudget => {
                "*This month's LLM budget is spent, so this answer was assembled from your \
                 wiki's own sentences.*"
            }
            NoModel::Unreachable => {
                "*The language model could not be reached, so this answer was assembled from \
                 your wiki's own sentences.*"
            }
        }
    }

    /// Why the model's call failed, for a plan that falls back to an extractive answer.
    pub fn from_error(e: &LlmError) -> NoModel {
        match e {
            LlmError::BudgetExceeded => NoModel::OverBudget,
            _ => NoModel::Unreachable,
        }
    }
}

impl Prepared {
    /// The model could not write the answer (before any of it was shown): it is written
    /// extractively instead, saying why. Ask degrades rather than fails.
    pub fn degrade(&mut self, e: &LlmError) {
        tracing::warn!(error = %e, "the model could not answer; answering from the wiki's sentences");
        self.plan = Plan::Extractive {
            because: Some(NoModel::from_error(e)),
        };
    }
}

/// A conversation's title: its first question, cut to a readable length.
pub fn conversation_title(question: &str) -> String {
    crate::domain::Title::derive(question)
        .map(|t| crate::domain::cut_on_word(t.as_str(), TITLE_CHARS))
        .unwrap_or_default()
}

impl Answerer<'_> {
    /// Loads the conversation and its context, retrieves passages and decides how to answer.
    pub async fn prepare(
        &self,
        question: &str,
        conversation_id: Option<Uuid>,
    ) -> Result<Prepared, AskError> {
        let conversation =
            match conversation_id {
                Some(id) => Some(db::conversations::get(self.db, id).await.map_err(
                    |e| match e {
                        DbError::NotFound => AskError::ConversationNotFound,
                        e => AskError::Db(e),
                    },
                )?),
                None => None,
            };
        let prior = match &conversation {
            Some(c) => db::conversations::thread(self.db, c.id).await?,
            None => Vec::new(),
        };
        let mut retrieved = retrieve(self.search, question).await?;
        // A short follow-up ("and its complexity?") leans on the previous question's words.
        if retrieved.passages.len() < MAX_PASSAGES
            && retrieved.terms.terms().len() < 4
            && let Some(last) = prior.last()
        {
            let widened = retrieve(self.search, &format!("{question} {}", last.question)).await?;
            if widened.passages.len() > retrieved.passages.len() {
                retrieved.passages = widened.passages;
            }
        }
        let plan = if retrieved.passages.is_empty() {
            Plan::NothingRelevant
        } else if self.llm.is_none() {
            Plan::Extractive { because: None }
        } else if self.over_budget().await? {
            Plan::Extractive {
                because: Some(NoModel::OverBudget),
            }
        } else {
            Plan::Model {
                system: SYSTEM.to_owned(),
                user: user_message(question, &retrieved.passages, &prior),
            }
        };
        Ok(Prepared {
            question: question.to_owned(),
            conversation_id: conversation.as_ref().map_or_else(Uuid::now_v7, |c| c.id),
            conversation,
            prior,
            retrieved,
            plan,
        })
    }

    async fn over_budget(&self) -> Result<bool, AskError> {
        Ok(crate::budget::limit_reached(self.db, &self.settings.llm.budget).await?)
    }

    /// The request sent to the model for a [`Plan::Model`] in `conversation` (whose cost it
    /// is).
    pub fn request(system: &str, user: &str, conversation: Uuid) -> CompletionRequest {
        let mut req = CompletionRequest::new(Task::Qa, system, user);
        req.max_tokens = ANSWER_MAX_TOKENS;
        req.conversation_id = Some(conversation);
        req
    }

    /// Answers without streaming and stores the turn.
    pub async fn ask(
        &self,
        question: &str,
        conversation_id: Option<Uuid>,
    ) -> Result<(Conversation, Turn), AskError> {
        let mut prepared = self.prepare(question, conversation_id).await?;
        let written = match (&prepared.plan, self.llm.as_deref()) {
            (Plan::Model { system, user }, Some(llm)) => {
                match llm
                    .complete(&Self::request(system, user, prepared.conversation_id))
                    .await
                {
                    Ok(reply) => Some((reply.content, reply.provider.to_string(), reply.model)),
                    Err(e) => {
                        prepared.degrade(&e);
                        None
                    }
                }
            }
            _ => None,
        };
        self.finish(prepared, written).await
    }

    /// Turns the model's text (or, without one, the extractive answer) into a stored turn.
    /// `written` is (answer, provider, model) when a model wrote the answer.
    pub async fn finish(
        &self,
        prepared: Prepared,
        written: Option<(String, String, String)>,
    ) -> Result<(Conversation, Turn), AskError> {
        let passages = &prepared.retrieved.passages;
        let terms = Terms::new(&prepared.retrieved.terms);
        let count = u32::try_from(passages.len()).unwrap_or(u32::MAX);
        // The marker an extractive answer wrote for each passage it cites (a model's answer
        // keeps the passage numbers it was shown, as they were streamed).
        let mut renumbered: Option<Vec<(u32, u32)>> = None;
        let (mode, answer, cited, dropped, confidence, provider, model) =
            match (&prepared.plan, written) {
                (Plan::Model { .. }, Some((text, provider, model))) => {
                    let checked = check_markers(text.trim(), count);
                    let confidence = match (checked.cited.len(), checked.dropped) {
                        (n, 0) if n >= 2 => Confidence::High,
                        (0, _) => Confidence::Low,
                        _ => Confidence::Medium,
                    };
                    (
                        AnswerMode::Llm,
                        checked.text,
                        checked.cited,
                        checked.dropped,
                        confidence,
                        provider,
                        model,
                    )
                }
                (Plan::NothingRelevant, _) => nothing_relevant(&prepared),
                (Plan::Extractive { .. }, _) | (Plan::Model { .. }, None) => {
                    let because = match prepared.plan {
                        Plan::Extractive { because } => because,
                        _ => None,
                    };
                    let found = extractive_answer(&prepared.retrieved.terms, passages);
                    if found.cited.is_empty() {
                        nothing_relevant(&prepared)
                    } else {
                        let confidence = if found.coverage >= 0.75 && found.cited.len() >= 2 {
                            Confidence::High
                        } else if found.coverage >= 0.5 {
                            Confidence::Medium
                        } else {
                            Confidence::Low
                        };
                        let mut text = found.text;
                        renumbered = Some(found.markers);
                        if let Some(because) = because {
                            text.push_str("\n\n");
                            text.push_str(because.note());
                        }
                        (
                            AnswerMode::Extractive,
                            text,
                            found.cited,
                            0,
                            confidence,
                            "offline".to_owned(),
                            EXTRACTIVE_MODEL.to_owned(),
                        )
                    }
                }
            };
        let mut cited = cite::cite(self.db, passages, &cited, &terms).await?;
        if let Some(markers) = renumbered {
            for citation in &mut cited.citations {
                if let Some((_, m)) = markers.iter().find(|(p, _)| *p == citation.n) {
                    citation.n = *m;
                }
            }
            cited.citations.sort_by_key(|c| c.n);
        }
        let conversation = match prepared.conversation {
            Some(c) => c,
            None => {
                db::conversations::create_with_id(
                    self.db,
                    prepared.conversation_id,
                    &conversation_title(&prepared.question),
                    None,
                )
                .await?
            }
        };
        let turn = Turn {
            id: Uuid::now_v7(),
            conversation_id: conversation.id,
            index: 0,
            question: prepared.question.clone(),
            answer,
            mode,
            citations: cited.citations,
            dropped_citations: i32::try_from(dropped).unwrap_or(i32::MAX),
            confidence,
            related_articles: cited.related,
            follow_up_questions: cited.follow_ups,
            provider,
            model,
            created_at: db::now(),
        };
        let turn = db::conversations::append_turn(self.db, &turn).await?;
        let conversation = db::conversations::get(self.db, conversation.id).await?;
        Ok((conversation, turn))
    }
}

type Parts = (
    AnswerMode,
    String,
    std::collections::BTreeSet<u32>,
    u32,
    Confidence,
    String,
    String,
);

/// The reply when the wiki holds nothing on the question.
fn nothing_relevant(prepared: &Prepared) -> Parts {
    let topic = prepared.retrieved.terms.terms().join(" ");
    let answer = if topic.is_empty() {
        "Ask a question in words, and it will be answered from your wiki.".to_owned()
    } else {
        format!(
            "Your wiki has nothing on “{topic}” yet, so there is nothing to answer from. Add a web \
             page, a PDF or a note about it in the Inbox, then ask again."
        )
    };
    (
        AnswerMode::NothingRelevant,
        answer,
        Default::default(),
        0,
        Confidence::Low,
        "none".to_owned(),
        String::new(),
    )
}
