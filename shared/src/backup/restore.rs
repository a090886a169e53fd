//! Restoring an archive: into an empty database and data directory only, with every entry
//! checked twice (whole, before anything is written, and again as it is written) and the
//! database written in one transaction, so a failed restore leaves both as they were.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::{
    Archive, BackupError, FILE_DIRS, FileEntry, Manifest, SECRET_KEY_FILE, corrupt, create_private,
    io, open_archive, safe_relative, table_path, verify,
};
use crate::db::Db;
use crate::db::backup::{self as tables, TABLES};
use crate::storage::Storage;

/// Files a WikiMind writes into `wiki/` by itself as soon as it runs, with nothing in it yet:
/// the generated index (and its temporary files while one is written) and the activity log.
/// A running WikiMind with an empty wiki holds them; a restore replaces or rewrites them.
fn is_generated(relative: &Path) -> bool {
    let Some(name) = relative.to_str() else {
        return false;
    };
    name == "wiki/index.md"
        || name == "wiki/log.md"
        || (name.starts_with("wiki/.index.md.") && name.ends_with(".tmp"))
}

/// True when `dir` (under `root`) holds nothing but empty directories and generated files (a
/// symbolic link counts as something: a restore must not write through one).
fn holds_nothing(root: &Path, dir: &Path) -> Result<bool, BackupError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(true),
        Err(e) => return Err(io(dir)(e)),
    };
    for entry in entries {
        let path = entry.map_err(io(dir))?.path();
        let kind = std::fs::symlink_metadata(&path)
            .map_err(io(&path))?
            .file_type();
        if kind.is_file() && path.strip_prefix(root).is_ok_and(is_generated) {
            continue;
        }
        if !kind.is_dir() || !holds_nothing(root, &path)? {
            return Ok(false);
        }
    }
    Ok(true)
}

fn holds_a_wiki(table: &str) -> BackupError {
    BackupError::NotEmpty(format!(
        "the database already holds a wiki (its {table} have rows); restore into an empty one"
    ))
}

/// Refuses a data directory, or a bucket, whose `raw/` or `wiki/` holds anything a WikiMind
/// did not generate by itself.
async fn ensure_no_files(storage: &Storage) -> Result<(), BackupError> {
    for dir in FILE_DIRS {
        // With a bucket, what the data directory holds is not the wiki's (and is not read).
        if !storage.in_bucket() && !holds_nothing(storage.root(), &storage.root().join(dir))? {
            return Err(BackupError::NotEmpty(format!(
                "the data directory's {dir}/ is not empty; restore into an empty data directory"
            )));
        }
        if storage.in_bucket()
            && let Some(key) = storage
                .list(dir)
                .await?
                .into_iter()
                .find(|key| !is_generated(Path::new(key)))
        {
            return Err(BackupError::NotEmpty(format!(
                "{} already holds {key}; restore into an empty bucket prefix",
                storage.files_location()
            )));
        }
    }
    Ok(())
}

/// Reads through to `inner`, hashing what passes.
struct Hashing<R> {
    inner: R,
    hash: Sha256,
    bytes: u64,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hash.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
}

impl<R> Hashing<R> {
    fn new(inner: R) -> Self {
        Self {
            inner,
            hash: Sha256::new(),
            bytes: 0,
        }
    }

    /// Fails unless what was read is exactly what the manifest vouches for.
    fn check(self, entry: &FileEntry) -> Result<(), BackupError> {
        if self.bytes != entry.bytes || hex::encode(self.hash.finalize()) != entry.sha256 {
            return Err(corrupt(format!(
                "{} does not match its checksum: the archive is damaged",
                entry.path
            )));
        }
        Ok(())
    }
}

fn entry<'a>(manifest: &'a Manifest, path: &str) -> Result<&'a FileEntry, BackupError> {
    manifest
        .entries
        .iter()
        .find(|e| e.path == path)
        .ok_or_else(|| corrupt(format!("{path} is not in the manifest")))
}

/// Copies the archive's files into `staging`, checking each again as it is written; returns
/// their paths relative to the data directory.
fn stage_files(
    zip: &mut Archive,
    manifest: &Manifest,
    staging: &Path,
) -> Result<Vec<PathBuf>, BackupError> {
    let mut staged = Vec::new();
    for entry in &manifest.entries {
        let Some(relative) = entry.path.strip_prefix("files/") else {
            continue;
        };
        let relative = safe_relative(relative).ok_or_else(|| {
            corrupt(format!(
                "{} is not a path inside the data directory",
                entry.path
            ))
        })?;
        let target = staging.join(&relative);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(io(parent))?;
        }
        // Every staged file is private; the secret key stays so once in place.
        let mut out = create_private(&target)?;
        let file = zip
            .by_name(&entry.path)
            .map_err(|_| corrupt(format!("{} is missing", entry.path)))?;
        let mut reader = Hashing::new(file.take(entry.bytes.saturating_add(1)));
        std::io::copy(&mut reader, &mut out)
            .map_err(|e| corrupt(format!("{}: {e}", entry.path)))?;
        reader.check(entry)?;
        out.sync_all().map_err(io(&target))?;
        if relative != Path::new(SECRET_KEY_FILE) {
            set_mode(&target, 0o644)?;
        }
        staged.push(relative);
    }
    Ok(staged)
}

fn set_mode(path: &Path, mode: u32) -> Result<(), BackupError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).map_err(io(path))?;
    }
    #[cfg(not(unix))]
    let _ = (path, mode);
    Ok(())
}

/// Writes every table of the archive through `restore`, checking each entry again as it is
/// read.
async fn restore_tables(
    zip: &mut Archive,
    manifest: &Manifest,
    restore: &mut tables::Restore,
) -> Result<(), BackupError> {
    for table in TABLES {
        let Some(archived) = manifest.tables.iter().find(|t| t.name == table.name) else {
            continue;
        };
        if archived.rows == 0 {
            continue;
        }
        let columns = tables::archived_columns(table, &archived.columns)?;
        let path = table_path(table.name);
        let listed = entry(manifest, &path)?;
        let file = zip
            .by_name(&path)
            .map_err(|_| corrupt(format!("{path} is missing")))?;
        let mut reader = BufReader::new(Hashing::new(file.take(listed.bytes.saturating_add(1))));
        let mut line = String::new();
        let mut rows = 0u64;
        loop {
            line.clear();
            let n = reader
                .read_line(&mut line)
                .map_err(|e| corrupt(format!("{path}: {e}")))?;
            if n == 0 {
                break;
            }
            let row: Vec<serde_json::Value> =
                serde_json::from_str(&line).map_err(|e| corrupt(format!("{path}: {e}")))?;
            restore.row(table, &columns, row).await?;
            rows += 1;
        }
        reader.into_inner().check(listed)?;
        if rows != archived.rows {
            return Err(corrupt(format!(
                "{path} holds {rows} rows where the manifest says {}",
                archived.rows
            )));
        }
        restore.end_table().await?;
    }
    Ok(())
}

/// Restores the archive at `path` into `db` and `storage`, which must be empty: no source,
/// article, conversation or feed in the database, nothing under `raw/` or `wiki/`. The archive
/// is verified whole first; its files are staged (and checked again as they are written), the
/// database is written in one transaction, the files are moved into place, and only then is
/// the transaction committed. A restore that fails leaves the database and the data directory
/// as it found them.
pub async fn restore(path: &Path, db: &Db, storage: &Storage) -> Result<Manifest, BackupError> {
    let manifest = verify(path)?;
    ensure_no_files(storage).await?;
    let mut restore = match tables::Restore::begin(db).await? {
        Ok(restore) => restore,
        Err(table) => return Err(holds_a_wiki(table)),
    };
    let staging = storage
        .root()
        .join(format!(".restore-{}", uuid::Uuid::new_v4().simple()));
    let mut moved = Vec::new();
    let written = write_all(path, &manifest, &mut restore, storage, &staging, &mut moved).await;
    let outcome = match written {
        Ok(key) => match restore.commit().await {
            // The restored vectors get their index now, not at the next start (nearest
            // passages are looked up there). The wiki is restored either way: a failure
            // here is said, and the next start builds it.
            Ok(()) => {
                if let Err(e) = crate::db::vectors::backfill(db).await {
                    tracing::warn!(error = %e, "restored vectors not indexed yet; the next start indexes them");
                }
                Ok(key)
            }
            Err(e) => Err(e.into()),
        },
        Err(e) => {
            if let Err(rollback) = restore.rollback().await {
                tracing::warn!(error = %rollback, "rolling the restore back failed");
            }
            Err(e)
        }
    };
    let mut keep_staging = false;
    let outcome = match outcome {
        // The secret key replaces one the data directory may have made when it was first
        // opened, so it moves only once nothing can be undone any more.
        Ok(Some(key)) => std::fs::rename(&key, storage.root().join(SECRET_KEY_FILE)).map_err(|e| {
            keep_staging = true;
            BackupError::Io {
                path: key.clone(),
                source: std::io::Error::new(
                    e.kind(),
                    format!("the wiki is restored, but its secret key stays here; move it into the data directory as {SECRET_KEY_FILE} ({e})"),
                ),
            }
        }),
        Ok(None) => Ok(()),
        Err(e) => {
            for key in moved.iter().rev() {
                if let Err(e) = storage.remove(key).await {
                    tracing::warn!(%key, error = %e, "a restored file was not removed after the restore failed");
                }
            }
            Err(e)
        }
    };
    // Answers read between the commit and now (vectors not indexed yet, provider keys not
    // readable yet) may have been cached under the restore's generation.
    if let Err(e) = crate::db::generation::bump(db).await {
        tracing::warn!(error = %e, "cached answers of the wiki before its restore may be served until the next change");
    }
    // Kept only when the secret key could not be moved out of it.
    if !keep_staging
        && let Err(e) = std::fs::remove_dir_all(&staging)
        && e.kind() != std::io::ErrorKind::NotFound
    {
        tracing::warn!(path = %staging.display(), error = %e, "the restore's staging directory was not removed");
    }
    outcome.map(|()| manifest)
}

/// Stages the files, writes every table and moves the files (all but the secret key) into
/// place, recording each moved file in `moved`. Returns the staged secret key, if any.
async fn write_all(
    path: &Path,
    manifest: &Manifest,
    restore: &mut tables::Restore,
    storage: &Storage,
    staging: &Path,
    moved: &mut Vec<String>,
) -> Result<Option<PathBuf>, BackupError> {
    let mut zip = open_archive(path)?;
    let staged = stage_files(&mut zip, manifest, staging)?;
    restore_tables(&mut zip, manifest, restore).await?;
    let mut key = None;
    for relative in staged {
        if relative == Path::new(SECRET_KEY_FILE) {
            key = Some(staging.join(&relative));
            continue;
        }
        let key = relative
            .to_str()
            .map(|k| k.replace(std::path::MAIN_SEPARATOR, "/"))
            .ok_or_else(|| corrupt(format!("{} is not a file name", relative.display())))?;
        storage.adopt(&key, &staging.join(&relative)).await?;
        moved.push(key);
    }
    Ok(key)
}
