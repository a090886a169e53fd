//! Feeds as one use case: subscribing (an RSS 2.0, Atom or JSON Feed URL, checked like any
//! URL a person gives), reading a feed document, and turning each item not seen before into a
//! source — its linked page, fetched by the worker like any URL source, or, for an item with
//! no link, its own content. The item's content is kept so the worker can compile it when the
//! linked page cannot be fetched. Polling (when, and the conditional GET) is the worker's.

use uuid::Uuid;

use crate::db::feeds::{Feed, NewItem};
use crate::db::sources::NewSource;
use crate::db::{self, Db, DbError};
use crate::domain::{JobId, JobKind, SourceId, SourceKind, Title};
use crate::ingest::url_guard;
use crate::storage::Storage;

/// The shortest and longest time between two polls of a feed.
pub const MIN_POLL_SECS: i64 = 5 * 60;
pub const MAX_POLL_SECS: i64 = 7 * 24 * 3600;
/// Items taken from one reading of a feed (the newest first, as feeds list them).
pub const MAX_ITEMS_PER_POLL: usize = 100;
/// Characters of an item's content kept to stand in for its page.
const MAX_CONTENT_CHARS: usize = 200_000;

/// Why a feed could not be subscribed to or read.
#[derive(Debug, thiserror::Error)]
pub enum FeedError {
    #[error("{0}")]
    Invalid(String),
    #[error("this feed is subscribed already")]
    AlreadySubscribed,
    #[error("not a feed (RSS, Atom or JSON Feed): {0}")]
    NotAFeed(String),
    #[error(transparent)]
    Db(DbError),
    #[error(transparent)]
    Storage(#[from] crate::storage::StorageError),
}

impl From<DbError> for FeedError {
    fn from(e: DbError) -> Self {
        match e {
            DbError::Conflict { .. } => FeedError::AlreadySubscribed,
            e => FeedError::Db(e),
        }
    }
}

/// Subscribes to the feed at `raw`, polled every `poll_secs` (due for a first poll at once).
pub async fn subscribe(
    db: &Db,
    raw: &str,
    poll_secs: i64,
    allow_private: bool,
) -> Result<Feed, FeedError> {
    if !(MIN_POLL_SECS..=MAX_POLL_SECS).contains(&poll_secs) {
        return Err(FeedError::Invalid(format!(
            "a feed is polled every {} minutes to {} days",
            MIN_POLL_SECS / 60,
            MAX_POLL_SECS / 86_400
        )));
    }
    let url = url_guard::parse_url(raw.trim(), allow_private)
        .map_err(|e| FeedError::Invalid(e.to_string()))?;
    url_guard::resolve_checked(&url, allow_private)
        .await
        .map_err(|e| FeedError::Invalid(e.to_string()))?;
    Ok(db::feeds::insert(db, Uuid::now_v7(), url.as_str(), poll_secs).await?)
}

/// One item of a feed document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// The item's id in the feed (its GUID, or one the parser derives from its content).
    pub guid: String,
    pub title: Option<String>,
    /// Its page, when it links to one over http(s).
    pub link: Option<String>,
    /// Its own HTML or text content, when it carries some.
    pub content: Option<String>,
}

/// A feed document read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    pub title: Option<String>,
    pub items: Vec<Item>,
}

/// Reads an RSS, Atom or JSON Feed document served at `url`. An item without an id of its own
/// gets one derived from its link and title (or the feed's address and its title), so it is
/// the same item on every reading.
pub fn parse(bytes: &[u8], url: &str) -> Result<Document, FeedError> {
    let feed = feed_rs::parser::Builder::new()
        .base_uri(Some(url))
        .build()
        .parse(bytes)
        .map_err(|e| FeedError::NotAFeed(e.to_string()))?;
    let items = feed
        .entries
        .into_iter()
        .take(MAX_ITEMS_PER_POLL)
        .map(|entry| {
            // The page an item is about: its alternate link, else its first http(s) link.
            let link = entry
                .links
                .iter()
                .filter(|l| l.href.starts_with("http://") || l.href.starts_with("https://"))
                .min_by_key(|l| !matches!(l.rel.as_deref(), None | Some("alternate")))
                .map(|l| l.href.clone());
            let content = entry
                .content
                .and_then(|c| c.body)
                .or_else(|| entry.summary.map(|s| s.content))
                .filter(|c| !c.trim().is_empty())
                .map(|c| crate::domain::cut_on_word(&c, MAX_CONTENT_CHARS));
            Item {
                guid: entry.id,
                title: entry.title.map(|t| t.content),
                link,
                content,
            }
        })
        .collect();
    Ok(Document {
        title: feed.title.map(|t| t.content),
        items,
    })
}

/// Turns an item not seen before into a source with its queued job; returns `(job id,
/// source id)` for the caller to hand to the queue. `None` when the item was seen before, has
/// neither a link nor content, or links to a page that is a source already.
pub async fn accept(
    db: &Db,
    storage: &Storage,
    feed_id: Uuid,
    item: &Item,
    allow_private: bool,
) -> Result<Option<(JobId, SourceId)>, FeedError> {
    let link = item
        .link
        .as_deref()
        .and_then(|l| url_guard::parse_url(l, allow_private).ok());
    if link.is_none() && item.content.is_none() {
        return Ok(None);
    }
    let new = NewItem {
        guid: &item.guid,
        link: item.link.as_deref(),
        title: item.title.as_deref(),
        content: item.content.as_deref(),
    };
    if !db::feeds::insert_item(db, feed_id, &new).await? {
        return Ok(None);
    }
    match source_of(db, storage, feed_id, item, link).await {
        Ok(made) => Ok(made),
        Err(e) => {
            // Not seen after all: the next reading tries the item again.
            db::feeds::forget_item(db, feed_id, &item.guid).await?;
            Err(e)
        }
    }
}

/// The source a newly seen item becomes (see [`accept`]).
async fn source_of(
    db: &Db,
    storage: &Storage,
    feed_id: Uuid,
    item: &Item,
    link: Option<url::Url>,
) -> Result<Option<(JobId, SourceId)>, FeedError> {
    let title = item
        .title
        .as_deref()
        .and_then(Title::derive)
        .map(Title::into_string);
    let id = SourceId::new();
    let source = match link {
        Some(url) => {
            // A source already: the item is seen, and its content never stands in for that
            // source (which is not the feed's).
            let (kind, url) = crate::ingest::link_source(&url);
            if db::sources::find_live_by_url(db, &url).await?.is_some() {
                return Ok(None);
            }
            NewSource {
                id,
                kind,
                title,
                url: Some(url),
                content_hash: None,
                original_hash: None,
                original_ext: None,
                original_mime: None,
                byte_size: None,
            }
        }
        None => {
            // No page to fetch: the item's own content is the document.
            let content = item.content.as_deref().unwrap_or_default();
            storage
                .write_original(id, "html", content.as_bytes())
                .await?;
            NewSource {
                id,
                kind: SourceKind::Html,
                title,
                url: None,
                content_hash: None,
                original_hash: None,
                original_ext: Some("html".to_owned()),
                original_mime: Some("text/html".to_owned()),
                byte_size: i64::try_from(content.len()).ok(),
            }
        }
    };
    let job_id = JobId::new();
    if let Err(e) = db::sources::insert_with_job(db, &source, job_id, JobKind::IngestSource).await {
        let _ = storage.remove_source(id).await;
        return Err(e.into());
    }
    db::feeds::set_item_source(db, feed_id, &item.guid, id).await?;
    Ok(Some((job_id, id)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const RSS: &str = r#"<?xml version="1.0"?><rss version="2.0"><channel><title>Tides</title>
        <item><title>Spring tides</title><link>http://example.test/spring</link>
        <guid>a1</guid><description>When sun and moon pull together.</description></item>
        <item><title>Neap</title><guid>a2</guid><description><![CDATA[<p>Weak tides.</p>]]></description></item>
        </channel></rss>"#;

    #[test]
    fn rss_items_keep_their_guid_link_and_content() {
        let doc = parse(RSS.as_bytes(), "http://example.test/feed").expect("rss");
        assert_eq!(doc.title.as_deref(), Some("Tides"));
        assert_eq!(doc.items.len(), 2);
        assert_eq!(doc.items[0].guid, "a1");
        assert_eq!(
            doc.items[0].link.as_deref(),
            Some("http://example.test/spring")
        );
        assert_eq!(doc.items[1].link, None);
        assert!(
            doc.items[1]
                .content
                .as_deref()
                .is_some_and(|c| c.contains("Weak tides"))
        );
    }

    #[test]
    fn an_item_without_an_id_is_the_same_item_on_every_reading() {
        let rss = r#"<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>
            <item><title>Neap</title><description>Weak tides.</description></item>
            </channel></rss>"#;
        let first = parse(rss.as_bytes(), "http://example.test/feed").expect("rss");
        let again = parse(rss.as_bytes(), "http://example.test/feed").expect("rss");
        assert_eq!(first.items[0].guid, again.items[0].guid);
    }

    #[test]
    fn atom_and_json_feed_are_read_and_other_documents_refused() {
        let atom = r#"<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>A</title>
            <id>urn:a</id><updated>2026-01-01T00:00:00Z</updated>
            <entry><id>urn:e1</id><title>One</title><updated>2026-01-01T00:00:00Z</updated>
            <link rel="alternate" href="https://example.test/one"/></entry></feed>"#;
        let doc = parse(atom.as_bytes(), "http://example.test/atom").expect("atom");
        assert_eq!(
            doc.items[0].link.as_deref(),
            Some("https://example.test/one")
        );
        let json = r#"{"version":"https://jsonfeed.org/version/1.1","title":"J",
            "items":[{"id":"j1","url":"https://example.test/j1","content_text":"Hi"}]}"#;
        let doc = parse(json.as_bytes(), "http://example.test/json").expect("json feed");
        assert_eq!(doc.items[0].guid, "j1");
        assert!(matches!(
            parse(
                b"<html><body>not a feed</body></html>",
                "http://example.test/"
            ),
            Err(FeedError::NotAFeed(_))
        ));
    }
}
