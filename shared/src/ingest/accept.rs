//! Accepting sources (notes, files, links): validation, de-duplication, storing the original,
//! and committing the source row with its job before the queue is told. Fetching and
//! extraction happen in the worker; nothing here waits on them. The API's handlers, the MCP
//! tools and imports all come here.

use sha2::{Digest, Sha256};

use crate::config::IngestSettings;
use crate::db::sources::NewSource;
use crate::db::{self, Db, DbError};
use crate::domain::{JobId, JobKind, Source, SourceId, SourceKind, Title, TitleError};
use crate::events::{Event, EventKind, SharedBus};
use crate::extract::{DocumentKind, sniff};
use crate::ingest::{content_hash, first_heading, link_source, normalise_text, url_guard};
use crate::jobs::JobQueue;
use crate::storage::{Storage, StorageError};

/// The result of an ingest call.
#[derive(Debug)]
pub enum Accepted {
    New(Source),
    Duplicate(Source),
}

impl Accepted {
    /// The source, new or the one already there.
    pub fn source(&self) -> &Source {
        match self {
            Accepted::New(source) | Accepted::Duplicate(source) => source,
        }
    }

    /// How the API (and MCP's structured content) answers: `{source, duplicate}`.
    pub fn reply(&self) -> AcceptedReply<'_> {
        AcceptedReply {
            source: self.source(),
            duplicate: matches!(self, Accepted::Duplicate(_)),
        }
    }
}

/// A source handed in, as the API answers it.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct AcceptedReply<'a> {
    pub source: &'a Source,
    pub duplicate: bool,
}

/// Why a source was not accepted; nothing of it is stored.
#[derive(Debug, thiserror::Error)]
pub enum AcceptError {
    /// The input breaks a rule (an empty note, a bad link, a title too long…).
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    TooLarge(String),
    /// Not a kind of document WikiMind reads.
    #[error("{0}")]
    Unsupported(String),
    /// The same content is being stored by another request.
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// What accepting a source writes to: the database, the data directory, the queue and the
/// live events, under the ingest limits (cheap to make; borrows them).
#[derive(Clone, Copy)]
pub struct Intake<'a> {
    pub db: &'a Db,
    pub storage: &'a Storage,
    pub queue: &'a JobQueue,
    pub bus: &'a SharedBus,
    pub settings: &'a IngestSettings,
}

/// A title given with a source, under the title rule; an empty one counts as none.
fn clean_title(title: Option<String>) -> Result<Option<String>, AcceptError> {
    match title.as_deref().map(Title::parse) {
        None | Some(Err(TitleError::Empty)) => Ok(None),
        Some(Ok(t)) => Ok(Some(t.into_string())),
        Some(Err(e)) => Err(AcceptError::Invalid(format!("title: {e}"))),
    }
}

impl Intake<'_> {
    /// A pasted or typed note.
    pub async fn text(
        &self,
        content: &str,
        title: Option<String>,
    ) -> Result<Accepted, AcceptError> {
        if content.len() > self.settings.max_text_bytes {
            return Err(AcceptError::TooLarge(format!(
                "the text is larger than the limit of {} bytes",
                self.settings.max_text_bytes
            )));
        }
        let title = clean_title(title)?;
        let text = normalise_text(content);
        if text.is_empty() {
            return Err(AcceptError::Invalid("content must not be empty".to_owned()));
        }
        let kind = match sniff(text.as_bytes(), None) {
            Ok(DocumentKind::Markdown) => DocumentKind::Markdown,
            _ => DocumentKind::Text,
        };
        let title = title.or_else(|| first_heading(&text));
        self.store_clean(SourceKind::Text, kind, content.as_bytes(), &text, title)
            .await
    }

    /// An uploaded file; its kind is decided by its content.
    pub async fn file(
        &self,
        file_name: Option<&str>,
        bytes: &[u8],
    ) -> Result<Accepted, AcceptError> {
        if bytes.is_empty() {
            return Err(AcceptError::Invalid("the file is empty".to_owned()));
        }
        let name = match file_name {
            Some(name) => Some(validate_file_name(name)?),
            None => None,
        };
        let kind = sniff(bytes, name).map_err(|what| {
            let claimed = name.map(|n| format!(" (named {n:?})")).unwrap_or_default();
            AcceptError::Unsupported(format!(
                "{what}{claimed}; upload a PDF, HTML, markdown or text file"
            ))
        })?;
        if name.is_some_and(|n| n.to_ascii_lowercase().ends_with(".pdf"))
            && kind != DocumentKind::Pdf
        {
            return Err(AcceptError::Unsupported(
                "the file is named .pdf but is not a PDF".to_owned(),
            ));
        }
        match kind {
            DocumentKind::Text | DocumentKind::Markdown => {
                let raw = std::str::from_utf8(bytes).map_err(|_| {
                    AcceptError::Unsupported("the file is not valid UTF-8 text".to_owned())
                })?;
                let text = normalise_text(raw);
                if text.is_empty() {
                    return Err(AcceptError::Invalid("the file has no text".to_owned()));
                }
                let title = first_heading(&text).or_else(|| name.and_then(title_from_file_name));
                let source_kind = if kind == DocumentKind::Markdown {
                    SourceKind::Markdown
                } else {
                    SourceKind::Text
                };
                self.store_clean(source_kind, kind, bytes, &text, title)
                    .await
            }
            DocumentKind::Html | DocumentKind::Pdf => {
                let original_hash = hex::encode(Sha256::digest(bytes));
                if let Some(existing) =
                    db::sources::find_by_original_hash(self.db, &original_hash).await?
                {
                    return Ok(Accepted::Duplicate(existing));
                }
                let source_kind = if kind == DocumentKind::Pdf {
                    SourceKind::Pdf
                } else {
                    SourceKind::Html
                };
                let id = SourceId::new();
                if let Err(e) = self
                    .storage
                    .write_original(id, kind.extension(), bytes)
                    .await
                {
                    // An atomic write leaves no file when it fails; the directory may remain.
                    let _ = self.storage.remove_source(id).await;
                    return Err(e.into());
                }
                let new = NewSource {
                    id,
                    kind: source_kind,
                    title: None,
                    url: None,
                    content_hash: None,
                    original_hash: Some(original_hash),
                    original_ext: Some(kind.extension().to_owned()),
                    original_mime: Some(kind.mime().to_owned()),
                    byte_size: i64::try_from(bytes.len()).ok(),
                };
                self.insert_and_enqueue(new).await
            }
        }
    }

    /// A web page, document or video by URL.
    pub async fn url(&self, raw: &str) -> Result<Accepted, AcceptError> {
        let allow_private = self.settings.allow_private_urls;
        let url = url_guard::parse_url(raw, allow_private)
            .map_err(|e| AcceptError::Invalid(e.to_string()))?;
        // A video is read through YouTube's player at the configured base URL, never fetched
        // from the link itself; every form of its link is one source.
        let (kind, url_text) = link_source(&url);
        if kind == SourceKind::Url {
            url_guard::resolve_checked(&url, allow_private)
                .await
                .map_err(|e| AcceptError::Invalid(e.to_string()))?;
        }
        if let Some(existing) = db::sources::find_live_by_url(self.db, &url_text).await? {
            return Ok(Accepted::Duplicate(existing));
        }
        let new = NewSource {
            id: SourceId::new(),
            kind,
            title: None,
            url: Some(url_text),
            content_hash: None,
            original_hash: None,
            original_ext: None,
            original_mime: None,
            byte_size: None,
        };
        self.insert_and_enqueue(new).await
    }

    /// Stores a source whose clean text is known at once (notes, text and markdown files).
    async fn store_clean(
        &self,
        source_kind: SourceKind,
        kind: DocumentKind,
        original: &[u8],
        text: &str,
        title: Option<String>,
    ) -> Result<Accepted, AcceptError> {
        let hash = content_hash(text);
        if let Some(existing) = db::sources::find_by_hash(self.db, &hash).await? {
            return Ok(Accepted::Duplicate(existing));
        }
        let id = SourceId::new();
        // Nothing half-written stays behind: a failure after the first file removes it again.
        let written = match self
            .storage
            .write_original(id, kind.extension(), original)
            .await
        {
            Ok(()) => self.storage.write_text(id, text).await,
            Err(e) => Err(e),
        };
        if let Err(e) = written {
            let _ = self.storage.remove_source(id).await;
            return Err(e.into());
        }
        let new = NewSource {
            id,
            kind: source_kind,
            title,
            url: None,
            content_hash: Some(hash.clone()),
            original_hash: Some(hex::encode(Sha256::digest(original))),
            original_ext: Some(kind.extension().to_owned()),
            original_mime: Some(kind.mime().to_owned()),
            byte_size: i64::try_from(original.len()).ok(),
        };
        match self.insert_and_enqueue(new).await {
            // The same content arrived concurrently: the other request stored it.
            Err(AcceptError::Conflict(_)) => {
                let _ = self.storage.remove_source(id).await;
                let existing = db::sources::find_by_hash(self.db, &hash)
                    .await?
                    .ok_or_else(|| {
                        AcceptError::Conflict("the same content is being ingested".to_owned())
                    })?;
                Ok(Accepted::Duplicate(existing))
            }
            other => other,
        }
    }

    /// Commits the source and its job together, then queues the job. A failed push is not lost:
    /// the job row stays in the outbox until the queue takes it (see [`crate::outbox`]).
    async fn insert_and_enqueue(&self, new: NewSource) -> Result<Accepted, AcceptError> {
        let job_id = JobId::new();
        let source = match db::sources::insert_with_job(
            self.db,
            &new,
            job_id,
            JobKind::IngestSource,
        )
        .await
        {
            Ok(source) => source,
            Err(e) => {
                let _ = self.storage.remove_source(new.id).await;
                return Err(match e {
                    DbError::Conflict { .. } => {
                        AcceptError::Conflict("the same content was already ingested".to_owned())
                    }
                    other => other.into(),
                });
            }
        };
        crate::outbox::dispatch(self.db, self.queue, job_id, source.id).await;
        self.bus
            .publish(Event::new(EventKind::SourceUpdated {
                source: Box::new(source.clone()),
            }))
            .await;
        if let Ok(job) = db::jobs::get(self.db, job_id).await {
            self.bus
                .publish(Event::new(EventKind::JobUpdated { job: Box::new(job) }))
                .await;
        }
        Ok(Accepted::New(source))
    }
}

/// Refuses names with path components or control characters; returns the name unchanged.
fn validate_file_name(name: &str) -> Result<&str, AcceptError> {
    let bad = name.is_empty()
        || name.len() > 255
        || name.contains(['/', '\\', '\0'])
        || name == "."
        || name == ".."
        || name.chars().any(char::is_control);
    if bad {
        return Err(AcceptError::Invalid(format!(
            "invalid file name {name:?}: it must be a plain name without a path"
        )));
    }
    Ok(name)
}

fn title_from_file_name(name: &str) -> Option<String> {
    let stem = name.rsplit_once('.').map(|(s, _)| s).unwrap_or(name);
    Title::derive(&stem.replace(['_', '-'], " ")).map(Title::into_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_with_paths_are_refused() {
        assert!(validate_file_name("../../x.md").is_err());
        assert!(validate_file_name("a\\b.txt").is_err());
        assert!(validate_file_name("..").is_err());
        assert!(validate_file_name("notes.md").is_ok());
    }

    #[test]
    fn titles_come_from_file_names_without_extension() {
        assert_eq!(
            title_from_file_name("my_reading-notes.md").as_deref(),
            Some("my reading notes")
        );
    }
}
