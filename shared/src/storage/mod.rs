//! Where the wiki's files live, their layout, and writes readers never see half done.
//!
//! ```text
//! raw/<source id>/original.<ext>   the bytes the person submitted or we fetched
//! raw/<source id>/text.md          clean text; claim spans index into this file
//! wiki/<slug>.md                   one markdown file per article (an Obsidian vault)
//! wiki/index.md, wiki/log.md       the index and the append-only activity log
//! ```
//! `raw/` and `wiki/` live in the data directory, or in an S3-compatible bucket when
//! `WIKIMIND_STORAGE__URL` names one (so gateways and workers on several machines share
//! them); the data directory always keeps what is one machine's own: `db/` (the SQLite
//! database in dev mode), `backups/` and the secret key. Keys are only ever built from ids,
//! validated slugs and a fixed set of extensions, never from user-supplied names.

mod bucket;
mod local;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::domain::SourceId;

pub use local::write_atomic;

/// Why a storage operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The bucket refused or could not be reached; `key` is the object's key in it.
    #[error("object storage, {key}: {source}")]
    Bucket {
        key: String,
        #[source]
        source: object_store::Error,
    },
    #[error("invalid {what}: {value:?}")]
    InvalidName { what: &'static str, value: String },
}

impl StorageError {
    /// True when the write failed because the disk (or the user's quota) is full.
    pub fn is_out_of_space(&self) -> bool {
        match self {
            StorageError::Io { source, .. } => {
                source.kind() == std::io::ErrorKind::StorageFull
                    || source.kind() == std::io::ErrorKind::QuotaExceeded
            }
            StorageError::Bucket { .. } | StorageError::InvalidName { .. } => false,
        }
    }

    /// True when what was asked for is not stored.
    pub fn is_not_found(&self) -> bool {
        match self {
            StorageError::Io { source, .. } => source.kind() == std::io::ErrorKind::NotFound,
            StorageError::Bucket { source, .. } => {
                matches!(source, object_store::Error::NotFound { .. })
            }
            StorageError::InvalidName { .. } => false,
        }
    }

    /// True when the bucket did not answer, or refused our credentials: it may answer later
    /// (a 503), unlike a request it cannot serve at all.
    pub fn is_bucket_unavailable(&self) -> bool {
        matches!(
            self,
            StorageError::Bucket {
                source: object_store::Error::Generic { .. }
                    | object_store::Error::PermissionDenied { .. }
                    | object_store::Error::Unauthenticated { .. },
                ..
            }
        )
    }

    /// True when the data directory cannot be written at all (permissions, a read-only mount).
    pub fn is_not_writable(&self) -> bool {
        match self {
            StorageError::Io { source, .. } => matches!(
                source.kind(),
                std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem
            ),
            StorageError::Bucket { .. } | StorageError::InvalidName { .. } => false,
        }
    }
}

/// Result of a storage call.
pub type StorageResult<T> = Result<T, StorageError>;

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> StorageError + '_ {
    move |source| StorageError::Io {
        path: path.to_owned(),
        source,
    }
}

/// Extensions an original document may be stored under.
/// `json` holds a video's transcript with its timings.
const ORIGINAL_EXTENSIONS: &[&str] = &["md", "txt", "html", "pdf", "json"];

/// The two directories whose files may live in a bucket.
pub const FILE_DIRS: [&str; 2] = ["raw", "wiki"];

/// Where `raw/` and `wiki/` are kept.
#[derive(Debug, Clone)]
enum Files {
    Local(local::Local),
    Bucket(Arc<bucket::Bucket>),
}

/// The data directory and the wiki's files.
#[derive(Debug, Clone)]
pub struct Storage {
    root: PathBuf,
    files: Files,
}

impl Storage {
    /// Opens (and creates) the data directory, keeping every file in it.
    pub fn open(root: impl Into<PathBuf>) -> StorageResult<Self> {
        Self::open_with(root, None)
    }

    /// Opens the data directory, with `raw/` and `wiki/` in the bucket when one is configured.
    /// Nothing is sent to the bucket yet: readiness checks it.
    pub fn open_with(
        root: impl Into<PathBuf>,
        bucket: Option<&crate::config::BucketSettings>,
    ) -> StorageResult<Self> {
        let root = root.into();
        let files = match bucket {
            Some(config) => Files::Bucket(Arc::new(bucket::Bucket::connect(config)?)),
            None => Files::Local(local::Local::new(root.clone())),
        };
        let own_dirs: &[&str] = match files {
            Files::Local(_) => &["raw", "wiki", "db", "backups"],
            Files::Bucket(_) => &["db", "backups"],
        };
        for dir in own_dirs {
            let path = root.join(dir);
            std::fs::create_dir_all(&path).map_err(io_err(&path))?;
        }
        if let Files::Bucket(bucket) = &files {
            // Files left from before the bucket was configured are not read any more.
            for dir in FILE_DIRS {
                let left = std::fs::read_dir(root.join(dir)).is_ok_and(|mut e| e.next().is_some());
                if left {
                    tracing::warn!(
                        dir = %root.join(dir).display(),
                        bucket = bucket.url(),
                        "the data directory holds wiki files, which are not used while the files \
                         are in a bucket: a wiki moves into one by backup and restore, after which \
                         these may be removed"
                    );
                }
            }
        }
        Ok(Self { root, files })
    }

    /// The data directory (the database in dev mode, backups, the secret key).
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where `raw/` and `wiki/` are, for people: the data directory, or the bucket's URL.
    pub fn files_location(&self) -> String {
        match &self.files {
            Files::Local(_) => self.root.display().to_string(),
            Files::Bucket(bucket) => bucket.url().to_owned(),
        }
    }

    /// True when `raw/` and `wiki/` are in a bucket.
    pub fn in_bucket(&self) -> bool {
        matches!(self.files, Files::Bucket(_))
    }

    /// Borrowed, so the data directory's writes copy nothing; a bucket's request owns a copy.
    async fn put(&self, key: &str, bytes: &[u8]) -> StorageResult<()> {
        match &self.files {
            Files::Local(local) => local.put(key, bytes),
            Files::Bucket(bucket) => bucket.put(key, bytes.to_vec()).await,
        }
    }

    /// A file's bytes; `None` when there is no such file.
    pub async fn read(&self, key: &str) -> StorageResult<Option<Vec<u8>>> {
        let key = file_key(key)?;
        match &self.files {
            Files::Local(local) => local.get(key).await,
            Files::Bucket(bucket) => bucket.get(key).await,
        }
    }

    async fn delete(&self, key: &str) -> StorageResult<()> {
        match &self.files {
            Files::Local(local) => local.delete(key),
            Files::Bucket(bucket) => bucket.delete(key).await,
        }
    }

    /// Every file under `dir` (one of [`FILE_DIRS`], or a directory in one), as keys
    /// (`raw/<id>/text.md`) in sorted order. Files being written are not listed.
    pub async fn list(&self, dir: &str) -> StorageResult<Vec<String>> {
        if !FILE_DIRS.contains(&dir) {
            file_key(dir)?;
        }
        match &self.files {
            Files::Local(local) => local.list(dir),
            Files::Bucket(bucket) => bucket.list(dir).await,
        }
    }

    /// Writes a file under `raw/` or `wiki/` by its key.
    pub async fn write(&self, key: &str, bytes: Vec<u8>) -> StorageResult<()> {
        self.put(file_key(key)?, &bytes).await
    }

    /// Removes a file under `raw/` or `wiki/` by its key, if it exists.
    pub async fn remove(&self, key: &str) -> StorageResult<()> {
        self.delete(file_key(key)?).await
    }

    /// Puts the local file `staged` in place as `key` (a restore's files): moved when the
    /// files are in the data directory (on its file system, so the move is a rename),
    /// uploaded when they are in a bucket.
    pub async fn adopt(&self, key: &str, staged: &Path) -> StorageResult<()> {
        let key = file_key(key)?;
        match &self.files {
            Files::Local(local) => local.adopt(key, staged),
            Files::Bucket(bucket) => {
                let bytes = std::fs::read(staged).map_err(io_err(staged))?;
                bucket.put(key, bytes).await
            }
        }
    }

    /// Stores a source's original bytes.
    pub async fn write_original(&self, id: SourceId, ext: &str, bytes: &[u8]) -> StorageResult<()> {
        self.put(&original_key(id, ext)?, bytes).await
    }

    /// A source's original document and its extension; `None` when it is not stored.
    pub async fn read_original(
        &self,
        id: SourceId,
    ) -> StorageResult<Option<(Vec<u8>, &'static str)>> {
        let Some(ext) = self.original_extension(id).await? else {
            return Ok(None);
        };
        Ok(self
            .read(&original_key(id, ext)?)
            .await?
            .map(|bytes| (bytes, ext)))
    }

    /// True when a source's original document is stored.
    pub async fn has_original(&self, id: SourceId) -> StorageResult<bool> {
        Ok(self.original_extension(id).await?.is_some())
    }

    /// The extension a source's original is stored under, found by one listing of its
    /// directory (not one request per known extension).
    async fn original_extension(&self, id: SourceId) -> StorageResult<Option<&'static str>> {
        let keys = self.list(&source_dir(id)).await?;
        Ok(ORIGINAL_EXTENSIONS
            .iter()
            .copied()
            .find(|ext| original_key(id, ext).is_ok_and(|key| keys.contains(&key))))
    }

    /// Stores a source's clean text.
    pub async fn write_text(&self, id: SourceId, text: &str) -> StorageResult<()> {
        self.put(&text_key(id), text.as_bytes()).await
    }

    /// Reads a source's clean text.
    pub async fn read_text(&self, id: SourceId) -> StorageResult<String> {
        let key = text_key(id);
        let bytes = self.read(&key).await?.ok_or_else(|| StorageError::Io {
            path: PathBuf::from(&key),
            source: std::io::ErrorKind::NotFound.into(),
        })?;
        String::from_utf8(bytes).map_err(|e| StorageError::Io {
            path: PathBuf::from(key),
            source: std::io::Error::new(std::io::ErrorKind::InvalidData, e),
        })
    }

    /// The size of a source's clean text in bytes; `None` when it is not stored yet.
    pub async fn text_len(&self, id: SourceId) -> StorageResult<Option<u64>> {
        let key = text_key(id);
        match &self.files {
            Files::Local(local) => local.len(&key),
            Files::Bucket(bucket) => bucket.len(&key).await,
        }
    }

    /// Removes everything stored for a source.
    pub async fn remove_source(&self, id: SourceId) -> StorageResult<()> {
        match &self.files {
            Files::Local(local) => local.remove_dir(&source_dir(id)),
            Files::Bucket(bucket) => {
                for key in bucket.list(&source_dir(id)).await? {
                    bucket.delete(&key).await?;
                }
                Ok(())
            }
        }
    }

    /// Writes an article file.
    pub async fn write_article(&self, slug: &str, content: &str) -> StorageResult<()> {
        self.put(&article_key(slug)?, content.as_bytes()).await
    }

    /// Removes an article file if it exists.
    pub async fn remove_article(&self, slug: &str) -> StorageResult<()> {
        self.delete(&article_key(slug)?).await
    }

    /// Replaces `wiki/index.md`.
    pub async fn write_index(&self, content: &str) -> StorageResult<()> {
        self.put(INDEX_KEY, content.as_bytes()).await
    }

    /// Appends an entry to `wiki/log.md`, creating it with a header first.
    pub async fn append_log(&self, entry: &str) -> StorageResult<()> {
        let mut text = entry.to_owned();
        if !entry.ends_with('\n') {
            text.push('\n');
        }
        match &self.files {
            Files::Local(local) => local.append(LOG_KEY, LOG_HEADER, &text),
            Files::Bucket(bucket) => bucket.append(LOG_KEY, LOG_HEADER, &text).await,
        }
    }

    /// Space on the data directory's file system: bytes free for this process, and whether
    /// that is almost nothing (under 64 MiB, or under 5 % of a file system smaller than
    /// 1.28 GiB), when writes are about to fail.
    pub fn free_space(&self) -> StorageResult<(u64, bool)> {
        let stat = rustix::fs::statvfs(&self.root).map_err(|e| StorageError::Io {
            path: self.root.clone(),
            source: e.into(),
        })?;
        let free = stat.f_bavail.saturating_mul(stat.f_frsize);
        let size = stat.f_blocks.saturating_mul(stat.f_frsize);
        Ok((free, free < (size / 20).min(64 << 20)))
    }

    /// True when the data directory, and the bucket when there is one, can be written to
    /// (for readiness checks).
    pub async fn check_writable(&self) -> StorageResult<()> {
        let probe = self.root.join(".ready-probe");
        write_atomic(&probe, b"ok")?;
        std::fs::remove_file(&probe).map_err(io_err(&probe))?;
        if let Files::Bucket(bucket) = &self.files {
            bucket.check_writable(READY_PROBE_KEY).await?;
        }
        Ok(())
    }
}

const INDEX_KEY: &str = "wiki/index.md";
const LOG_KEY: &str = "wiki/log.md";
const LOG_HEADER: &str = "# Activity Log\n\n";
/// Outside `raw/` and `wiki/`, so a listing or a backup never meets it.
const READY_PROBE_KEY: &str = ".ready-probe";

/// `key` when it names a file under `raw/` or `wiki/` with plain path segments.
fn file_key(key: &str) -> StorageResult<&str> {
    let valid = FILE_DIRS.iter().any(|dir| {
        key.strip_prefix(dir)
            .is_some_and(|rest| rest.starts_with('/'))
    }) && key
        .split('/')
        .all(|part| !part.is_empty() && part != "." && part != "..");
    if valid {
        Ok(key)
    } else {
        Err(StorageError::InvalidName {
            what: "file key",
            value: key.to_owned(),
        })
    }
}

/// `raw/<id>`: an id renders as hex and dashes only, so it is always a safe key segment.
fn source_dir(id: SourceId) -> String {
    format!("raw/{}", id.as_uuid().hyphenated())
}

/// `raw/<id>/original.<ext>`; `ext` must be one of the known extensions.
fn original_key(id: SourceId, ext: &str) -> StorageResult<String> {
    if !ORIGINAL_EXTENSIONS.contains(&ext) {
        return Err(StorageError::InvalidName {
            what: "extension",
            value: ext.to_owned(),
        });
    }
    Ok(format!("{}/original.{ext}", source_dir(id)))
}

/// `raw/<id>/text.md`.
fn text_key(id: SourceId) -> String {
    format!("{}/text.md", source_dir(id))
}

/// `wiki/<slug>.md`; the slug must be lowercase ASCII letters, digits and dashes.
fn article_key(slug: &str) -> StorageResult<String> {
    let valid = !slug.is_empty()
        && slug.len() <= 120
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !matches!(slug, "index" | "log");
    if !valid {
        return Err(StorageError::InvalidName {
            what: "slug",
            value: slug.to_owned(),
        });
    }
    Ok(format!("wiki/{slug}.md"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_built_from_ids_and_slugs_only() {
        let id = SourceId::from_uuid(uuid::Uuid::nil());
        assert_eq!(
            original_key(id, "pdf").expect("pdf"),
            "raw/00000000-0000-0000-0000-000000000000/original.pdf"
        );
        assert!(original_key(id, "../x").is_err());
        assert!(article_key("../../etc/passwd").is_err());
        assert!(article_key("Hello").is_err());
        assert!(article_key("index").is_err(), "reserved for the wiki index");
        assert_eq!(
            article_key("json-encoder-2").expect("slug"),
            "wiki/json-encoder-2.md"
        );
    }

    #[tokio::test]
    async fn files_are_written_read_listed_and_removed_by_key() {
        let dir = tempfile::tempdir().expect("tempdir");
        let s = Storage::open(dir.path()).expect("open");
        let id = SourceId::new();
        s.write_original(id, "pdf", b"%PDF")
            .await
            .expect("original");
        s.write_text(id, "text").await.expect("text");
        assert!(s.has_original(id).await.expect("has"));
        assert_eq!(
            s.read_original(id).await.expect("read"),
            Some((b"%PDF".to_vec(), "pdf"))
        );
        assert_eq!(s.text_len(id).await.expect("len"), Some(4));
        s.write_article("heapq", "# heapq").await.expect("article");
        let keys = s.list("raw").await.expect("list");
        assert_eq!(
            keys,
            vec![
                format!("raw/{id}/original.pdf"),
                format!("raw/{id}/text.md")
            ]
        );
        assert_eq!(s.list("wiki").await.expect("list"), vec!["wiki/heapq.md"]);
        s.remove_source(id).await.expect("remove");
        assert!(s.list("raw").await.expect("list").is_empty());
        assert!(!s.has_original(id).await.expect("has"));
        assert_eq!(s.text_len(id).await.expect("len"), None);
        s.remove_article("heapq").await.expect("remove");
        s.remove_article("heapq")
            .await
            .expect("removing twice is fine");
        assert_eq!(s.read("wiki/heapq.md").await.expect("read"), None);
    }

    #[tokio::test]
    async fn restored_files_must_stay_under_raw_or_wiki() {
        let dir = tempfile::tempdir().expect("tempdir");
        let s = Storage::open(dir.path()).expect("open");
        for key in [
            "db/wikimind.db",
            "raw/../db/x",
            "wiki",
            "wiki/",
            "/etc/passwd",
            "raw//x",
        ] {
            assert!(s.write(key, b"x".to_vec()).await.is_err(), "{key}");
        }
        s.write("wiki/concepts/queues.md", b"# Queues".to_vec())
            .await
            .expect("a file in a directory of wiki/");
    }

    #[tokio::test]
    async fn the_log_gets_a_header_once() {
        let dir = tempfile::tempdir().expect("tempdir");
        let s = Storage::open(dir.path()).expect("open");
        s.append_log("## one").await.expect("append");
        s.append_log("## two").await.expect("append");
        let log = std::fs::read_to_string(dir.path().join("wiki/log.md")).expect("read");
        assert_eq!(log, "# Activity Log\n\n## one\n## two\n");
    }
}
