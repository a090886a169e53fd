//! A page of articles for the Wiki screen and `GET /api/articles`, in one statement that
//! returns one row: the total and the page as JSON built by the database.
//!
//! Why one row: on SQLite every statement, and every row it returns, is a hand-over between
//! the async task and the driver's connection thread, and those hand-overs — not SQLite's own
//! work — were most of a list's cost (`make bench-reads`). Building the page in the database
//! turns three statements and a few hundred rows (articles, then their concepts) into one.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::corrupt;
use crate::compile::{Confidence, PageType};
use crate::db::{Db, DbResult};
use crate::domain::{ArticleId, ArticleListItem, ArticleSort, Order};

/// Filters for [`list`].
#[derive(Debug, Clone, Default)]
pub struct ArticleFilter {
    /// Normalised concept key.
    pub concept: Option<String>,
    pub page_type: Option<PageType>,
    pub confidence: Option<Confidence>,
    /// Words that must all appear in the title, summary or body (case-insensitive).
    pub q: Option<String>,
    pub order: Order<ArticleSort>,
    pub limit: i64,
    pub offset: i64,
}

/// The filters in SQL, each only when it is asked for (a condition like `$1 is null or …`
/// would keep the planner from counting or paging by an index), with the values to bind
/// to `$1`, `$2`… in order.
fn conditions<'a>(f: &'a ArticleFilter, pattern: Option<&'a str>) -> (String, Vec<&'a str>) {
    let mut sql = Vec::new();
    let mut values = Vec::new();
    if let Some(concept) = &f.concept {
        values.push(concept.as_str());
        sql.push(format!(
            "exists (select 1 from article_concepts ac join concepts c on c.id = ac.concept_id \
             where ac.article_id = a.id and c.name = ${})",
            values.len()
        ));
    }
    if let Some(page_type) = f.page_type {
        values.push(page_type.as_str());
        sql.push(format!("a.page_type = ${}", values.len()));
    }
    if let Some(confidence) = f.confidence {
        values.push(confidence.as_str());
        sql.push(format!("a.confidence = ${}", values.len()));
    }
    if let Some(pattern) = pattern {
        values.push(pattern);
        sql.push(format!(
            "lower(a.title || ' ' || a.summary || ' ' || a.body) like ${}",
            values.len()
        ));
    }
    let sql = if sql.is_empty() {
        String::new()
    } else {
        format!("where {}", sql.join(" and "))
    };
    (sql, values)
}

/// One article of the page as the database writes it.
#[derive(Deserialize)]
struct Item {
    id: ArticleId,
    slug: String,
    title: String,
    summary: String,
    page_type: String,
    confidence: String,
    provider: String,
    concepts: Vec<String>,
    claim_count: i64,
    source_count: i64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

/// The page's SQL. The dialects differ in their JSON functions, in how an id becomes text
/// (SQLite stores ids as 16-byte blobs), and in how a nested JSON value stays JSON.
fn page_sql(db: &Db, f: &ArticleFilter, filter: &str, values: usize) -> String {
    let by = match f.order.by {
        ArticleSort::Updated => "a.updated_at",
        ArticleSort::Created => "a.created_at",
        ArticleSort::Title => "lower(a.title)",
    };
    // Ties go by id in the same direction, so one index serves both directions (equal titles
    // come oldest first A to Z, newest first Z to A: ids grow with time).
    let direction = f.order.direction.as_str();
    let order = format!("{by} {direction}, a.id {direction}");
    let (limit, offset) = (values + 1, values + 2);
    // PostgreSQL's page is read as text: sqlx decodes text, and the page is parsed here.
    let (object, array, id, as_text) = match db {
        Db::Sqlite(_) => ("json_object", "json_group_array", "lower(hex(a.id))", ""),
        Db::Postgres(_) => ("json_build_object", "json_agg", "a.id", "::text"),
    };
    // SQLite drops the JSON-ness of a value returned by a subquery; `json()` restores it.
    let concepts = match db {
        Db::Sqlite(_) => {
            "json(coalesce((select json_group_array(c.display_name) \
             from concepts c join article_concepts ac on ac.concept_id = c.id \
             where ac.article_id = a.id), '[]'))"
        }
        Db::Postgres(_) => {
            "coalesce((select json_agg(c.display_name) \
             from concepts c join article_concepts ac on ac.concept_id = c.id \
             where ac.article_id = a.id), '[]'::json)"
        }
    };
    // Counts come from subqueries and bodies are not read: a list shows neither.
    format!(
        "select (select count(*) from articles a {filter}) as total, \
         coalesce((select {array}({object}(\
            'id', {id}, 'slug', a.slug, 'title', a.title, 'summary', a.summary, \
            'page_type', a.page_type, 'confidence', a.confidence, 'provider', a.provider, \
            'concepts', {concepts}, \
            'claim_count', (select count(*) from claims c where c.article_id = a.id), \
            'source_count', (select count(*) from article_sources s where s.article_id = a.id), \
            'created_at', a.created_at, 'updated_at', a.updated_at) order by {order}) \
          from (select a.id, a.slug, a.title, a.summary, a.page_type, a.confidence, \
            a.provider, a.created_at, a.updated_at from articles a {filter} \
            order by {order} limit ${limit} offset ${offset}) a), \
         '[]'){as_text} as page"
    )
}

/// A page of articles in the order asked for (most recently updated first by default), and
/// how many articles match in all.
pub async fn list(db: &Db, f: &ArticleFilter) -> DbResult<(Vec<ArticleListItem>, i64)> {
    // One LIKE pattern with the words in order is enough until full-text search replaces it.
    let pattern = f.q.as_deref().map(|q| {
        let words: Vec<String> = q
            .split_whitespace()
            .map(|w| w.to_lowercase().replace(['%', '_', '\\'], ""))
            .filter(|w| !w.is_empty())
            .collect();
        format!("%{}%", words.join("%"))
    });
    // A search of nothing but wildcards matches everything: no condition at all.
    let pattern = pattern.filter(|p| p != "%%");
    let (filter, values) = conditions(f, pattern.as_deref());
    // Only numbers and this module's fragments are formatted in; values are bound.
    let sql = sqlx::AssertSqlSafe(page_sql(db, f, &filter, values.len()));
    let (total, page): (i64, String) = crate::on_db!(db, |p| {
        let mut query = sqlx::query_as(sql);
        for value in &values {
            query = query.bind(*value);
        }
        query.bind(f.limit).bind(f.offset).fetch_one(p).await
    })?;
    let items: Vec<Item> = serde_json::from_str(&page).map_err(corrupt)?;
    let items = items
        .into_iter()
        .map(|mut r| {
            // Byte order, as every other list of an article's concepts.
            r.concepts.sort();
            Ok(ArticleListItem {
                id: r.id,
                concepts: r.concepts,
                slug: r.slug,
                title: r.title,
                summary: r.summary,
                page_type: r.page_type.parse().map_err(corrupt)?,
                confidence: r.confidence.parse().map_err(corrupt)?,
                provider: r.provider,
                claim_count: r.claim_count,
                source_count: r.source_count,
                created_at: r.created_at,
                updated_at: r.updated_at,
            })
        })
        .collect::<DbResult<_>>()?;
    Ok((items, total))
}
