//! The data directory: its layout and every path in it, and atomic file writes.
//!
//! ```text
//! <data>/raw/<source id>/original.<ext>   the bytes the person submitted or we fetched
//! <data>/raw/<source id>/text.md          clean text; claim spans index into this file
//! <data>/wiki/<slug>.md                   one markdown file per article (an Obsidian vault)
//! <data>/wiki/index.md, wiki/log.md       the index and the append-only activity log
//! <data>/db/                              the SQLite database (dev mode)
//! <data>/backups/
//! ```
//! Paths are only ever built from ids, validated slugs and a fixed set of extensions, never
//! from user-supplied names.

use std::io::Write;
use std::path::{Path, PathBuf};

use uuid::Uuid;

/// Why a storage operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
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
            StorageError::InvalidName { .. } => false,
        }
    }

    /// True when the data directory cannot be written at all (permissions, a read-only mount).
    pub fn is_not_writable(&self) -> bool {
        match self {
            StorageError::Io { source, .. } => matches!(
                source.kind(),
                std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem
            ),
            StorageError::InvalidName { .. } => false,
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

/// The data directory.
#[derive(Debug, Clone)]
pub struct Storage {
    root: PathBuf,
}

impl Storage {
    /// Opens (and creates) the data directory layout.
    pub fn open(root: impl Into<PathBuf>) -> StorageResult<Self> {
        let storage = Self { root: root.into() };
        for dir in ["raw", "wiki", "db", "backups"] {
            let path = storage.root.join(dir);
            std::fs::create_dir_all(&path).map_err(io_err(&path))?;
        }
        Ok(storage)
    }

    /// The root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `<data>/wiki`.
    pub fn wiki_dir(&self) -> PathBuf {
        self.root.join("wiki")
    }

    /// `<data>/raw/<id>`.
    pub fn source_dir(&self, id: Uuid) -> PathBuf {
        // A Uuid renders as hex and dashes only, so it is always a safe path segment.
        self.root.join("raw").join(id.hyphenated().to_string())
    }

    /// `<data>/raw/<id>/original.<ext>`; `ext` must be one of the known extensions.
    pub fn original_path(&self, id: Uuid, ext: &str) -> StorageResult<PathBuf> {
        if !ORIGINAL_EXTENSIONS.contains(&ext) {
            return Err(StorageError::InvalidName {
                what: "extension",
                value: ext.to_owned(),
            });
        }
        Ok(self.source_dir(id).join(format!("original.{ext}")))
    }

    /// `<data>/raw/<id>/text.md`.
    pub fn text_path(&self, id: Uuid) -> PathBuf {
        self.source_dir(id).join("text.md")
    }

    /// `<data>/wiki/<slug>.md`; the slug must be lowercase ASCII letters, digits and dashes.
    pub fn article_path(&self, slug: &str) -> StorageResult<PathBuf> {
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
        Ok(self.wiki_dir().join(format!("{slug}.md")))
    }

    /// `<data>/wiki/index.md`.
    pub fn index_path(&self) -> PathBuf {
        self.wiki_dir().join("index.md")
    }

    /// `<data>/wiki/log.md`.
    pub fn log_path(&self) -> PathBuf {
        self.wiki_dir().join("log.md")
    }

    /// Stores a source's original bytes.
    pub fn write_original(&self, id: Uuid, ext: &str, bytes: &[u8]) -> StorageResult<PathBuf> {
        let path = self.original_path(id, ext)?;
        write_atomic(&path, bytes)?;
        Ok(path)
    }

    /// Finds a source's original file, whatever its extension.
    pub fn find_original(&self, id: Uuid) -> Option<(PathBuf, &'static str)> {
        ORIGINAL_EXTENSIONS.iter().find_map(|ext| {
            let path = self.source_dir(id).join(format!("original.{ext}"));
            path.is_file().then_some((path, *ext))
        })
    }

    /// Stores a source's clean text.
    pub fn write_text(&self, id: Uuid, text: &str) -> StorageResult<()> {
        write_atomic(&self.text_path(id), text.as_bytes())
    }

    /// Reads a source's clean text.
    pub fn read_text(&self, id: Uuid) -> StorageResult<String> {
        let path = self.text_path(id);
        std::fs::read_to_string(&path).map_err(io_err(&path))
    }

    /// Removes everything stored for a source.
    pub fn remove_source(&self, id: Uuid) -> StorageResult<()> {
        let dir = self.source_dir(id);
        match std::fs::remove_dir_all(&dir) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io_err(&dir)(e)),
            _ => Ok(()),
        }
    }

    /// Writes an article file.
    pub fn write_article(&self, slug: &str, content: &str) -> StorageResult<()> {
        write_atomic(&self.article_path(slug)?, content.as_bytes())
    }

    /// Removes an article file if it exists.
    pub fn remove_article(&self, slug: &str) -> StorageResult<()> {
        let path = self.article_path(slug)?;
        match std::fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io_err(&path)(e)),
            _ => Ok(()),
        }
    }

    /// Appends an entry to `wiki/log.md`, creating it with a header first.
    pub fn append_log(&self, entry: &str) -> StorageResult<()> {
        let path = self.log_path();
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(io_err(&path))?;
        let is_new = file.metadata().map(|m| m.len() == 0).unwrap_or(false);
        let mut buf = String::new();
        if is_new {
            buf.push_str("# Activity Log\n\n");
        }
        buf.push_str(entry);
        if !entry.ends_with('\n') {
            buf.push('\n');
        }
        // One write call per entry keeps concurrent appends from interleaving mid-entry.
        file.write_all(buf.as_bytes()).map_err(io_err(&path))
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

    /// True when the directory can be written to (for readiness checks).
    pub fn check_writable(&self) -> StorageResult<()> {
        let probe = self.root.join(".ready-probe");
        write_atomic(&probe, b"ok")?;
        std::fs::remove_file(&probe).map_err(io_err(&probe))
    }
}

/// Writes a file atomically: a temporary file in the same directory, flushed to disk, then
/// renamed over the target, so readers never see a half-written file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> StorageResult<()> {
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    std::fs::create_dir_all(dir).map_err(io_err(dir))?;
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{file_name}.{}.tmp", Uuid::new_v4().simple()));
    let result = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(io_err(path)(e));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_paths_are_built_from_ids_and_slugs_only() {
        let dir = tempfile::tempdir().expect("tempdir");
        let s = Storage::open(dir.path()).expect("open");
        let id = Uuid::nil();
        assert!(
            s.original_path(id, "pdf")
                .expect("pdf")
                .ends_with("raw/00000000-0000-0000-0000-000000000000/original.pdf")
        );
        assert!(s.original_path(id, "../x").is_err());
        assert!(s.article_path("../../etc/passwd").is_err());
        assert!(s.article_path("Hello").is_err());
        assert!(
            s.article_path("index").is_err(),
            "reserved for the wiki index"
        );
        assert!(s.article_path("json-encoder-2").is_ok());
    }

    #[test]
    fn atomic_writes_replace_content_and_leave_no_temp_files() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("a.md");
        write_atomic(&path, b"one").expect("write");
        write_atomic(&path, b"two").expect("rewrite");
        assert_eq!(std::fs::read_to_string(&path).expect("read"), "two");
        let names: Vec<_> = std::fs::read_dir(dir.path()).expect("ls").collect();
        assert_eq!(names.len(), 1);
    }

    #[test]
    fn the_log_gets_a_header_once() {
        let dir = tempfile::tempdir().expect("tempdir");
        let s = Storage::open(dir.path()).expect("open");
        s.append_log("## one").expect("append");
        s.append_log("## two").expect("append");
        let log = std::fs::read_to_string(s.log_path()).expect("read");
        assert_eq!(log, "# Activity Log\n\n## one\n## two\n");
    }
}
