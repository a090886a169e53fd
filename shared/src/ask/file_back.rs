//! Filing a conversation back into the wiki: its turns become an article of page type
//! `answer`, saved through the wiki's writer like a compiled article, so later searches and
//! questions find what was already worked out. Filing the same conversation again updates
//! that article in place: same id and slug, next version.

mod page;

use std::collections::{BTreeSet, HashSet};

use uuid::Uuid;

use crate::db::{self, DbError};
use crate::domain::ArticleId;
use crate::domain::{Title, TitleError, Turn};
use crate::wiki::{Draft, LogLine, Published, Wiki, WikiError};
use page::page;

/// Attempts to become the conversation's filed article when concurrent file-backs race.
const CLAIM_ATTEMPTS: usize = 3;

/// What to file: which turns of the conversation's thread, under which title.
#[derive(Debug, Clone, Default)]
pub struct FileBackRequest {
    /// Turn indices of the materialised thread (a fork's inherited turns included); `None`
    /// files every turn. Order and repeats do not matter: turns keep the thread's order.
    pub turn_indices: Option<Vec<i64>>,
    /// `None` uses the conversation's title.
    pub title: Option<String>,
}

/// Why a conversation could not be filed.
#[derive(Debug, thiserror::Error)]
pub enum FileBackError {
    #[error("conversation not found")]
    ConversationNotFound,
    /// The request cannot be filed as asked; the message names the field.
    #[error("{0}")]
    Invalid(String),
    /// Every slug candidate was taken, or concurrent file-backs kept winning the race.
    #[error("{0}")]
    Busy(&'static str),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Wiki(#[from] WikiError),
}

/// Files the conversation's turns as an `answer` article and returns it.
pub async fn file_back(
    wiki: &Wiki,
    conversation_id: Uuid,
    req: &FileBackRequest,
) -> Result<Published, FileBackError> {
    let db = wiki.db();
    let title_override = checked_title(req.title.as_deref())?;
    for _ in 0..CLAIM_ATTEMPTS {
        let conversation =
            db::conversations::get(db, conversation_id)
                .await
                .map_err(|e| match e {
                    DbError::NotFound => FileBackError::ConversationNotFound,
                    e => e.into(),
                })?;
        let thread = db::conversations::thread(db, conversation_id).await?;
        let turns = select_turns(&thread, req.turn_indices.as_deref())?;
        // An untitled conversation is called after its first question.
        let title = title_override
            .clone()
            .into_iter()
            .chain([conversation.title.clone()])
            .chain(turns.iter().map(|t| t.question.clone()))
            .map(|t| t.split_whitespace().collect::<Vec<_>>().join(" "))
            .find(|t| !t.is_empty())
            .unwrap_or_else(|| "Filed answer".to_owned());
        // A filed article deleted meanwhile is gone (the foreign key also cleared the column);
        // filing then creates a new one.
        let existing = match conversation.filed_article_id {
            Some(id) => db::articles::key(db, id).await?,
            None => None,
        };
        let id = existing.as_ref().map_or_else(ArticleId::new, |a| a.id);
        let (write, file) = page(db, id, &title, &turns).await?;
        let mut draft = Draft {
            text: write.body.clone(),
            write,
            file,
        };
        let version = wiki.store(&mut draft, existing.as_ref()).await?;
        if existing.is_some() {
            // Re-point in case the article was deleted and re-inserted under us.
            db::conversations::set_filed_article(db, conversation_id, id).await?;
        } else {
            let claimed = db::conversations::claim_filed_article(
                db,
                conversation_id,
                conversation.filed_article_id,
                id,
            )
            .await?;
            if !claimed {
                // Another file-back of this conversation won; nothing was written to the
                // vault yet, so dropping the row is the whole cleanup. The retry updates the
                // winner's article.
                wiki.discard(id).await?;
                continue;
            }
        }
        let log = LogLine {
            action: if version > 1 { "refile" } else { "file" },
            fields: vec![("conversation_id", conversation_id.to_string())],
        };
        return Ok(wiki.publish(draft, version, log).await?);
    }
    Err(FileBackError::Busy(
        "the conversation is being filed by another request; try again",
    ))
}

/// The title under the title rule; `None` when none was given.
fn checked_title(title: Option<&str>) -> Result<Option<String>, FileBackError> {
    let Some(title) = title else {
        return Ok(None);
    };
    match Title::parse(title) {
        Ok(t) => Ok(Some(t.into_string())),
        Err(TitleError::Empty) => Err(FileBackError::Invalid(
            "title: must not be empty (leave it out to use the conversation's)".into(),
        )),
        Err(e) => Err(FileBackError::Invalid(format!("title: {e}"))),
    }
}

/// The turns to file, in thread order.
fn select_turns(thread: &[Turn], wanted: Option<&[i64]>) -> Result<Vec<Turn>, FileBackError> {
    if thread.is_empty() {
        return Err(FileBackError::Invalid(
            "conversation: has no turns to file yet".into(),
        ));
    }
    let Some(wanted) = wanted else {
        return Ok(thread.to_vec());
    };
    if wanted.is_empty() {
        return Err(FileBackError::Invalid(
            "turn_indices: choose at least one turn, or leave it out to file them all".into(),
        ));
    }
    let known: HashSet<i64> = thread.iter().map(|t| i64::from(t.index)).collect();
    let unknown: BTreeSet<i64> = wanted
        .iter()
        .copied()
        .filter(|i| !known.contains(i))
        .collect();
    if !unknown.is_empty() {
        let list: Vec<String> = unknown.iter().map(i64::to_string).collect();
        return Err(FileBackError::Invalid(format!(
            "turn_indices: no turn {} in this conversation (its turns are {} to {})",
            list.join(", "),
            thread.iter().map(|t| t.index).min().unwrap_or(0),
            thread.iter().map(|t| t.index).max().unwrap_or(0),
        )));
    }
    Ok(thread
        .iter()
        .filter(|t| wanted.contains(&i64::from(t.index)))
        .cloned()
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{AnswerConfidence, AnswerMode};

    fn turn(index: i32, answer: &str) -> Turn {
        Turn {
            id: Uuid::now_v7(),
            conversation_id: Uuid::nil(),
            index,
            question: format!("q{index}?"),
            answer: answer.into(),
            mode: AnswerMode::Extractive,
            citations: Vec::new(),
            dropped_citations: 0,
            confidence: AnswerConfidence::Medium,
            related_articles: Vec::new(),
            follow_up_questions: Vec::new(),
            provider: "offline".into(),
            model: "m".into(),
            created_at: db::now(),
        }
    }

    fn message(r: Result<Vec<Turn>, FileBackError>) -> String {
        match r {
            Err(FileBackError::Invalid(m)) => m,
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn turns_are_selected_in_thread_order_and_unknown_ones_are_named() {
        let thread = [turn(0, "a"), turn(1, "b"), turn(2, "c")];
        let all = select_turns(&thread, None).expect("all");
        assert_eq!(all.len(), 3);
        let some = select_turns(&thread, Some(&[2, 0, 2])).expect("some");
        assert_eq!(some.iter().map(|t| t.index).collect::<Vec<_>>(), [0, 2]);
        let m = message(select_turns(&thread, Some(&[1, 7, -1])));
        assert!(m.contains("no turn -1, 7"), "{m}");
        assert!(message(select_turns(&thread, Some(&[]))).starts_with("turn_indices"));
        assert!(message(select_turns(&[], None)).contains("no turns"));
    }

    #[test]
    fn titles_are_trimmed_and_bounded() {
        assert_eq!(checked_title(None).expect("none"), None);
        assert_eq!(
            checked_title(Some("  Heaps \n and  queues ")).expect("title"),
            Some("Heaps and queues".into())
        );
        assert!(checked_title(Some("   ")).is_err());
        assert!(checked_title(Some(&"x".repeat(301))).is_err());
        assert!(
            checked_title(Some(&"x".repeat(300))).is_ok(),
            "one title rule: 300 characters"
        );
    }
}
