//! Backup and restore of a whole WikiMind: one ZIP archive holding a consistent snapshot of
//! the database as dialect-neutral JSON lines (see [`crate::db::backup`]), the `raw/` and
//! `wiki/` files, the key stored provider keys are sealed with, and a manifest with every
//! entry's size and SHA-256.
//!
//! A restore reads and checks the whole archive before it writes anything, and writes only
//! into an empty database and data directory, so a corrupt archive or a wrong target loses
//! nothing. Because the database part is dialect-neutral, a personal SQLite wiki restores into
//! the PostgreSQL production stack and back.

pub mod daily;
mod restore;
pub mod vault;

pub use restore::restore;

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::db::backup::{self as tables, TABLES, Table};
use crate::db::{Db, DbError};
// The directories of files an archive holds (of the data directory, or of the bucket).
use crate::storage::{FILE_DIRS, Storage};

/// What the manifest's `format` says.
const FORMAT: &str = "wikimind-backup";
/// The archive layout this build writes and reads.
const FORMAT_VERSION: u32 = 1;
const MANIFEST: &str = "manifest.json";
/// The file the generated secret key lives in (see [`crate::secrets`]).
const SECRET_KEY_FILE: &str = "secret.key";
/// Largest manifest read (it lists entries, not their content).
const MAX_MANIFEST_BYTES: u64 = 64 * 1024 * 1024;

/// Why a backup or restore failed.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the archive is not a WikiMind backup that can be restored: {0}")]
    Corrupt(String),
    #[error("{0}")]
    NotEmpty(String),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Storage(#[from] crate::storage::StorageError),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> BackupError + '_ {
    move |source| BackupError::Io {
        path: path.to_owned(),
        source,
    }
}

fn corrupt(message: impl std::fmt::Display) -> BackupError {
    BackupError::Corrupt(message.to_string())
}

/// One table in the archive.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct TableEntry {
    pub name: String,
    pub columns: Vec<String>,
    pub rows: u64,
}

/// One file of the archive, as the manifest vouches for it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct FileEntry {
    pub path: String,
    pub bytes: u64,
    pub sha256: String,
}

/// What an archive holds.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub version: u32,
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// The WikiMind version that wrote it.
    pub wikimind: String,
    /// The dialect it was taken from (it restores into either).
    pub dialect: String,
    pub tables: Vec<TableEntry>,
    pub entries: Vec<FileEntry>,
}

/// What a restore brought back, as it is reported to whoever asked for it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Restored {
    /// When the archive was made.
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// The WikiMind version that made it.
    pub wikimind: String,
    /// The dialect it was taken from (`sqlite` or `postgres`).
    pub dialect: String,
    /// Rows written, over every table.
    pub rows: u64,
    /// Files of `raw/` and `wiki/` written (and the secret key, when the archive holds it).
    pub files: usize,
}

impl Manifest {
    /// What restoring this archive brought back.
    pub fn restored(&self) -> Restored {
        Restored {
            created_at: self.created_at,
            wikimind: self.wikimind.clone(),
            dialect: self.dialect.clone(),
            rows: self.rows(),
            files: self.files(),
        }
    }

    /// Rows of the archive over every table.
    pub fn rows(&self) -> u64 {
        self.tables.iter().map(|t| t.rows).sum()
    }

    /// Files of the data directory the archive holds.
    pub fn files(&self) -> usize {
        self.entries
            .iter()
            .filter(|e| e.path.starts_with("files/"))
            .count()
    }
}

fn table_path(name: &str) -> String {
    format!("database/{name}.jsonl")
}

/// A ZIP being written, each entry hashed as it goes.
struct Writer {
    zip: zip::ZipWriter<BufWriter<File>>,
    path: PathBuf,
    open: Option<(String, Sha256, u64)>,
    entries: Vec<FileEntry>,
}

impl Writer {
    fn start(&mut self, name: &str) -> std::io::Result<()> {
        self.finish_entry();
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .large_file(true);
        self.zip.start_file(name, options)?;
        self.open = Some((name.to_owned(), Sha256::new(), 0));
        Ok(())
    }

    fn write(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.zip.write_all(bytes)?;
        if let Some((_, hash, n)) = &mut self.open {
            hash.update(bytes);
            *n += bytes.len() as u64;
        }
        Ok(())
    }

    fn finish_entry(&mut self) {
        if let Some((path, hash, bytes)) = self.open.take() {
            self.entries.push(FileEntry {
                path,
                bytes,
                sha256: hex::encode(hash.finalize()),
            });
        }
    }

    fn add_bytes(&mut self, name: &str, bytes: &[u8]) -> Result<(), BackupError> {
        self.start(name).map_err(io(&self.path))?;
        self.write(bytes).map_err(io(&self.path))
    }
}

/// Writes a backup of `db` and `storage` to `out` (written aside and renamed into place, so
/// `out` is never half an archive). The archive holds the secret key file when there is one,
/// so keep it as private as the data directory.
pub async fn create(db: &Db, storage: &Storage, out: &Path) -> Result<Manifest, BackupError> {
    let partial = out.with_extension("zip.partial");
    let file = create_private(&partial)?;
    // Removes the partial archive however this ends early: an error, or the future dropped
    // (a client that went away, a shutdown).
    let mut guard = PartialFile(Some(partial.clone()));
    let mut writer = Writer {
        zip: zip::ZipWriter::new(BufWriter::new(file)),
        path: partial.clone(),
        open: None,
        entries: Vec::new(),
    };
    let manifest = write_archive(db, storage, &mut writer).await?;
    let mut inner = writer.zip.finish().map_err(|e| io(&partial)(e.into()))?;
    inner.flush().map_err(io(&partial))?;
    inner
        .into_inner()
        .map_err(|e| io(&partial)(e.into_error()))?
        .sync_all()
        .map_err(io(&partial))?;
    std::fs::rename(&partial, out).map_err(io(out))?;
    guard.0 = None;
    Ok(manifest)
}

/// A file removed when dropped, unless taken out first.
struct PartialFile(Option<PathBuf>);

impl Drop for PartialFile {
    fn drop(&mut self) {
        if let Some(path) = self.0.take() {
            let _ = std::fs::remove_file(path);
        }
    }
}

fn create_private(path: &Path) -> Result<File, BackupError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path).map_err(io(path))
}

async fn write_archive(
    db: &Db,
    storage: &Storage,
    writer: &mut Writer,
) -> Result<Manifest, BackupError> {
    let created_at = crate::db::now();
    // The database first: its snapshot is the moment of the backup. Files written after it
    // (a compile finishing meanwhile) may come along; rows never point at missing files
    // because files are written before the rows that name them.
    let mut current: Option<&'static str> = None;
    let mut line = Vec::new();
    let counts = tables::dump(db, |table: &Table, row| {
        if current != Some(table.name) {
            writer.start(&table_path(table.name))?;
            current = Some(table.name);
        }
        line.clear();
        serde_json::to_writer(&mut line, &row)?;
        line.push(b'\n');
        writer.write(&line)
    })
    .await?;
    for dir in FILE_DIRS {
        for key in storage.list(dir).await? {
            // Deleted (with its source) since the listing: not part of the wiki the database
            // snapshot describes either.
            if let Some(bytes) = storage.read(&key).await? {
                writer.add_bytes(&format!("files/{key}"), &bytes)?;
            }
        }
    }
    let key = storage.root().join(SECRET_KEY_FILE);
    match std::fs::read(&key) {
        Ok(bytes) => writer.add_bytes(&format!("files/{SECRET_KEY_FILE}"), &bytes)?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(io(&key)(e)),
    }
    writer.finish_entry();
    let manifest = Manifest {
        format: FORMAT.to_owned(),
        version: FORMAT_VERSION,
        created_at,
        wikimind: crate::VERSION.to_owned(),
        dialect: db.dialect().to_owned(),
        tables: TABLES
            .iter()
            .map(|t| TableEntry {
                name: t.name.to_owned(),
                columns: t.columns.iter().map(|(c, _)| (*c).to_owned()).collect(),
                rows: counts
                    .iter()
                    .find(|(name, _)| *name == t.name)
                    .map_or(0, |(_, n)| *n),
            })
            .collect(),
        entries: std::mem::take(&mut writer.entries),
    };
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    writer
        .zip
        .start_file(MANIFEST, options)
        .map_err(|e| io(&writer.path)(e.into()))?;
    let json = serde_json::to_vec_pretty(&manifest).map_err(|e| io(&writer.path)(e.into()))?;
    writer.zip.write_all(&json).map_err(io(&writer.path))?;
    Ok(manifest)
}

type Archive = zip::ZipArchive<BufReader<File>>;

fn open_archive(path: &Path) -> Result<Archive, BackupError> {
    let file = File::open(path).map_err(io(path))?;
    zip::ZipArchive::new(BufReader::new(file))
        .map_err(|e| corrupt(format!("not a ZIP archive ({e})")))
}

/// Reads an archive's manifest and checks every entry it lists against its size and SHA-256,
/// and that its tables are those this version restores. Nothing is written.
pub fn verify(path: &Path) -> Result<Manifest, BackupError> {
    let mut zip = open_archive(path)?;
    let manifest: Manifest = {
        let entry = zip
            .by_name(MANIFEST)
            .map_err(|_| corrupt("it has no manifest.json"))?;
        let mut bytes = Vec::new();
        entry
            .take(MAX_MANIFEST_BYTES)
            .read_to_end(&mut bytes)
            .map_err(|e| corrupt(format!("manifest.json cannot be read ({e})")))?;
        serde_json::from_slice(&bytes).map_err(|e| corrupt(format!("manifest.json: {e}")))?
    };
    if manifest.format != FORMAT {
        return Err(corrupt(format!("its format is {:?}", manifest.format)));
    }
    if manifest.version != FORMAT_VERSION {
        return Err(corrupt(format!(
            "it is of format version {}, and this WikiMind restores version {FORMAT_VERSION}",
            manifest.version
        )));
    }
    // Tables added since the archive was written are restored empty, and columns added since
    // take their defaults; a table or column this version does not know is refused.
    for archived in &manifest.tables {
        let table = TABLES
            .iter()
            .find(|t| t.name == archived.name)
            .ok_or_else(|| {
                corrupt(format!(
                    "it has a table {} this version does not know",
                    archived.name
                ))
            })?;
        tables::archived_columns(table, &archived.columns).map_err(corrupt)?;
    }
    let listed: HashMap<&str, &FileEntry> = manifest
        .entries
        .iter()
        .map(|e| (e.path.as_str(), e))
        .collect();
    for table in &manifest.tables {
        if table.rows > 0 && !listed.contains_key(table_path(&table.name).as_str()) {
            return Err(corrupt(format!("the rows of {} are missing", table.name)));
        }
    }
    for entry in &manifest.entries {
        if entry.path.starts_with("files/")
            && safe_relative(&entry.path["files/".len()..]).is_none()
        {
            return Err(corrupt(format!(
                "{} is not a path inside the data directory",
                entry.path
            )));
        }
        let mut file = zip
            .by_name(&entry.path)
            .map_err(|_| corrupt(format!("{} is listed but missing", entry.path)))?;
        let mut hash = Sha256::new();
        let mut bytes = 0u64;
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = file
                .read(&mut buf)
                .map_err(|e| corrupt(format!("{} cannot be read ({e})", entry.path)))?;
            if n == 0 {
                break;
            }
            bytes += n as u64;
            // An entry longer than the manifest says is damaged; stop reading it there.
            if bytes > entry.bytes {
                break;
            }
            hash.update(&buf[..n]);
        }
        if bytes != entry.bytes || hex::encode(hash.finalize()) != entry.sha256 {
            return Err(corrupt(format!(
                "{} does not match its checksum: the archive is damaged",
                entry.path
            )));
        }
    }
    Ok(manifest)
}

/// `relative` as a path under the data directory, or `None` if it would leave it or is not a
/// file of `raw/`, `wiki/` or the secret key.
fn safe_relative(relative: &str) -> Option<PathBuf> {
    let path = Path::new(relative);
    // Each segment plain, as storage keys must be (`Path::components` would let `a//b` and
    // `a/./b` through by normalising them).
    let plain = relative
        .split('/')
        .all(|part| !part.is_empty() && part != "." && part != "..")
        && path
            .components()
            .all(|c| matches!(c, std::path::Component::Normal(_)));
    let first = relative.split('/').next().unwrap_or("");
    let allowed =
        FILE_DIRS.contains(&first) && relative.contains('/') || relative == SECRET_KEY_FILE;
    (plain && allowed && !relative.is_empty()).then(|| path.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn archived_paths_stay_inside_the_data_directory() {
        assert!(safe_relative("raw/0b7c/original.pdf").is_some());
        assert!(safe_relative("wiki/heapq.md").is_some());
        assert!(safe_relative("secret.key").is_some());
        assert!(safe_relative("raw/../../etc/passwd").is_none());
        assert!(safe_relative("/etc/passwd").is_none());
        assert!(safe_relative("db/wikimind.db").is_none());
        assert!(safe_relative("wiki").is_none());
        assert!(safe_relative("raw//x").is_none());
        assert!(safe_relative("raw/./x").is_none());
        assert!(safe_relative("").is_none());
    }
}
