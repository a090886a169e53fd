//! Conversations and their turns. A fork is a conversation with a parent and the turn index it
//! branched at: it inherits the parent's turns before that index and numbers its own from it.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::domain::ArticleId;

use super::{BeginWrite, Db, DbError, DbResult, now};
use crate::domain::{Conversation, Turn};
use crate::on_db;

fn corrupt(e: impl std::fmt::Display) -> DbError {
    DbError::Corrupt(e.to_string())
}

#[derive(sqlx::FromRow)]
struct ConversationRow {
    id: Uuid,
    title: String,
    parent_id: Option<Uuid>,
    forked_at_turn: Option<i32>,
    filed_article_id: Option<ArticleId>,
    turn_count: i64,
    cost_usd: f64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<ConversationRow> for Conversation {
    fn from(r: ConversationRow) -> Self {
        Conversation {
            id: r.id,
            title: r.title,
            parent_id: r.parent_id,
            forked_at_turn: r.forked_at_turn,
            filed_article_id: r.filed_article_id,
            turn_count: r.turn_count,
            cost_usd: r.cost_usd,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

#[derive(sqlx::FromRow)]
struct TurnRow {
    id: Uuid,
    conversation_id: Uuid,
    turn_index: i32,
    question: String,
    answer: String,
    mode: String,
    citations: String,
    dropped_citations: i32,
    confidence: String,
    related_articles: String,
    follow_up_questions: String,
    provider: String,
    model: String,
    created_at: DateTime<Utc>,
}

impl TryFrom<TurnRow> for Turn {
    type Error = DbError;

    fn try_from(r: TurnRow) -> DbResult<Self> {
        Ok(Turn {
            id: r.id,
            conversation_id: r.conversation_id,
            index: r.turn_index,
            question: r.question,
            answer: r.answer,
            mode: r.mode.parse().map_err(corrupt)?,
            citations: serde_json::from_str(&r.citations).map_err(corrupt)?,
            dropped_citations: r.dropped_citations,
            confidence: r.confidence.parse().map_err(corrupt)?,
            related_articles: serde_json::from_str(&r.related_articles).map_err(corrupt)?,
            follow_up_questions: serde_json::from_str(&r.follow_up_questions).map_err(corrupt)?,
            provider: r.provider,
            model: r.model,
            created_at: r.created_at,
        })
    }
}

fn to_json<T: serde::Serialize>(value: &T) -> DbResult<String> {
    serde_json::to_string(value).map_err(corrupt)
}

const CONVERSATION_COLUMNS: &str = "c.id, c.title, c.parent_id, c.forked_at_turn, \
     c.filed_article_id, (select count(*) from turns t where t.conversation_id = c.id) as turn_count, \
     (select coalesce(sum(l.cost_usd), 0.0) from cost_log l where l.conversation_id = c.id) as cost_usd, \
     c.created_at, c.updated_at";

/// One conversation.
pub async fn get(db: &Db, id: Uuid) -> DbResult<Conversation> {
    let sql = format!("select {CONVERSATION_COLUMNS} from conversations c where c.id = $1");
    let row: ConversationRow = on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(id)
        .fetch_one(p)
        .await)?;
    Ok(row.into())
}

/// Conversations, most recently active first.
pub async fn list(db: &Db, limit: i64, offset: i64) -> DbResult<(Vec<Conversation>, i64)> {
    let sql = format!(
        "select {CONVERSATION_COLUMNS} from conversations c \
         order by c.updated_at desc, c.id desc limit $1 offset $2"
    );
    let rows: Vec<ConversationRow> =
        on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(limit)
            .bind(offset)
            .fetch_all(p)
            .await)?;
    let (total,): (i64,) = on_db!(db, |p| sqlx::query_as("select count(*) from conversations")
        .fetch_one(p)
        .await)?;
    Ok((rows.into_iter().map(Into::into).collect(), total))
}

/// A conversation's own turns, in order.
pub async fn own_turns(db: &Db, conversation_id: Uuid) -> DbResult<Vec<Turn>> {
    let rows: Vec<TurnRow> = on_db!(db, |p| sqlx::query_as(
        "select id, conversation_id, turn_index, question, answer, mode, citations, \
         dropped_citations, confidence, related_articles, follow_up_questions, provider, model, \
         created_at from turns where conversation_id = $1 order by turn_index"
    )
    .bind(conversation_id)
    .fetch_all(p)
    .await)?;
    rows.into_iter().map(Turn::try_from).collect()
}

/// The turns a conversation shows: for a fork, its ancestors' turns before each fork point,
/// oldest ancestor first, then its own.
pub async fn thread(db: &Db, conversation_id: Uuid) -> DbResult<Vec<Turn>> {
    // Walk up to the root, remembering where each child branched.
    let mut chain: Vec<(Uuid, Option<i32>)> = Vec::new();
    let mut current = get(db, conversation_id).await?;
    let mut limit: Option<i32> = None;
    loop {
        chain.push((current.id, limit));
        let (Some(parent), Some(at)) = (current.parent_id, current.forked_at_turn) else {
            break;
        };
        if chain.len() > 64 || chain.iter().any(|(id, _)| *id == parent) {
            break;
        }
        limit = Some(at);
        match get(db, parent).await {
            Ok(c) => current = c,
            // A deleted parent leaves the fork with its own turns.
            Err(DbError::NotFound) => break,
            Err(e) => return Err(e),
        }
    }
    let mut turns = Vec::new();
    for (id, before) in chain.into_iter().rev() {
        let own = own_turns(db, id).await?;
        turns.extend(
            own.into_iter()
                .filter(|t| before.is_none_or(|b| t.index < b)),
        );
    }
    Ok(turns)
}

/// A new, empty conversation.
pub async fn create(db: &Db, title: &str, parent: Option<(Uuid, i32)>) -> DbResult<Conversation> {
    create_with_id(db, Uuid::now_v7(), title, parent).await
}

/// Creates a conversation under an id chosen before (its first answer's calls carry it).
pub async fn create_with_id(
    db: &Db,
    id: Uuid,
    title: &str,
    parent: Option<(Uuid, i32)>,
) -> DbResult<Conversation> {
    let ts = now();
    on_db!(db, |p| sqlx::query(
        "insert into conversations (id, title, parent_id, forked_at_turn, created_at, updated_at) \
         values ($1, $2, $3, $4, $5, $5)"
    )
    .bind(id)
    .bind(title)
    .bind(parent.map(|p| p.0))
    .bind(parent.map(|p| p.1))
    .bind(ts)
    .execute(p)
    .await
    .map(|r| r.rows_affected()))?;
    get(db, id).await
}

/// Appends a turn at the next free index of the conversation (counting a fork's inherited
/// turns) and bumps the conversation's `updated_at`. Returns the stored turn.
pub async fn append_turn(db: &Db, turn: &Turn) -> DbResult<Turn> {
    let citations = to_json(&turn.citations)?;
    let related = to_json(&turn.related_articles)?;
    let follow_ups = to_json(&turn.follow_up_questions)?;
    let ts = now();
    let index = on_db!(db, |p| {
        let mut tx = p.begin_write().await?;
        let (own_max, forked_at): (Option<i32>, Option<i32>) = sqlx::query_as(
            "select (select max(turn_index) from turns where conversation_id = $1), \
             forked_at_turn from conversations where id = $1",
        )
        .bind(turn.conversation_id)
        .fetch_one(&mut *tx)
        .await?;
        let index = own_max.map_or(forked_at.unwrap_or(0), |m| m + 1);
        sqlx::query(
            "insert into turns (id, conversation_id, turn_index, question, answer, mode, citations, \
             dropped_citations, confidence, related_articles, follow_up_questions, provider, model, \
             created_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
        )
        .bind(turn.id)
        .bind(turn.conversation_id)
        .bind(index)
        .bind(&turn.question)
        .bind(&turn.answer)
        .bind(turn.mode.as_str())
        .bind(&citations)
        .bind(turn.dropped_citations)
        .bind(turn.confidence.as_str())
        .bind(&related)
        .bind(&follow_ups)
        .bind(&turn.provider)
        .bind(&turn.model)
        .bind(ts)
        .execute(&mut *tx)
        .await?;
        sqlx::query("update conversations set updated_at = $2 where id = $1")
            .bind(turn.conversation_id)
            .bind(ts)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok::<_, DbError>(index)
    })?;
    Ok(Turn {
        index,
        created_at: ts,
        ..turn.clone()
    })
}

/// Records the article a conversation was filed back as.
pub async fn set_filed_article(db: &Db, id: Uuid, article_id: ArticleId) -> DbResult<()> {
    on_db!(db, |p| sqlx::query(
        "update conversations set filed_article_id = $2 where id = $1"
    )
    .bind(id)
    .bind(article_id)
    .execute(p)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Points the conversation at `article_id` only if its filed article is still `expected`
/// (compare-and-set). Two concurrent file-backs of a never-filed conversation both create an
/// article; this lets exactly one of them become the conversation's, so the other can discard
/// its copy instead of leaving an orphan. False when the conversation moved on (or is gone).
pub async fn claim_filed_article(
    db: &Db,
    id: Uuid,
    expected: Option<ArticleId>,
    article_id: ArticleId,
) -> DbResult<bool> {
    let changed = on_db!(db, |p| sqlx::query(
        "update conversations set filed_article_id = $3 where id = $1 \
         and (filed_article_id = $2 or (filed_article_id is null and $2 is null))"
    )
    .bind(id)
    .bind(expected)
    .bind(article_id)
    .execute(p)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(changed == 1)
}

/// Deletes a conversation and its own turns (a fork that could not be answered).
pub async fn delete(db: &Db, id: Uuid) -> DbResult<()> {
    on_db!(db, |p| sqlx::query(
        "delete from conversations where id = $1"
    )
    .bind(id)
    .execute(p)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}
