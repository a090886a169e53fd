//! `raw/` and `wiki/` in the data directory: a key is a path under it, and every write is a
//! temporary file renamed into place.

use std::io::Write;
use std::path::{Path, PathBuf};

use uuid::Uuid;

use super::{StorageResult, io_err};

/// The data directory holding the files.
#[derive(Debug, Clone)]
pub(super) struct Local {
    root: PathBuf,
}

impl Local {
    pub(super) fn new(root: PathBuf) -> Self {
        Self { root }
    }

    fn path(&self, key: &str) -> PathBuf {
        self.root.join(key)
    }

    pub(super) fn put(&self, key: &str, bytes: &[u8]) -> StorageResult<()> {
        write_atomic(&self.path(key), bytes)
    }

    /// Read off the async threads: an original may be a large PDF.
    pub(super) async fn get(&self, key: &str) -> StorageResult<Option<Vec<u8>>> {
        let path = self.path(key);
        match tokio::fs::read(&path).await {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io_err(&path)(e)),
        }
    }

    pub(super) fn len(&self, key: &str) -> StorageResult<Option<u64>> {
        let path = self.path(key);
        match std::fs::metadata(&path) {
            Ok(meta) => Ok(Some(meta.len())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io_err(&path)(e)),
        }
    }

    pub(super) fn delete(&self, key: &str) -> StorageResult<()> {
        let path = self.path(key);
        match std::fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io_err(&path)(e)),
            _ => Ok(()),
        }
    }

    pub(super) fn adopt(&self, key: &str, staged: &Path) -> StorageResult<()> {
        let target = self.path(key);
        if let Some(dir) = target.parent() {
            std::fs::create_dir_all(dir).map_err(io_err(dir))?;
        }
        std::fs::rename(staged, &target).map_err(io_err(&target))
    }

    pub(super) fn remove_dir(&self, key: &str) -> StorageResult<()> {
        let dir = self.path(key);
        match std::fs::remove_dir_all(&dir) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io_err(&dir)(e)),
            _ => Ok(()),
        }
    }

    pub(super) fn list(&self, dir: &str) -> StorageResult<Vec<String>> {
        let mut out = Vec::new();
        files_under(&self.root, &self.path(dir), &mut out)?;
        out.sort();
        Ok(out)
    }

    /// One write call per entry keeps concurrent appends (gateway and worker in one process,
    /// or several on one volume) from interleaving mid-entry.
    pub(super) fn append(&self, key: &str, header: &str, text: &str) -> StorageResult<()> {
        let path = self.path(key);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io_err(dir))?;
        }
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(io_err(&path))?;
        let is_new = file.metadata().map(|m| m.len() == 0).unwrap_or(false);
        let mut buf = String::new();
        if is_new {
            buf.push_str(header);
        }
        buf.push_str(text);
        file.write_all(buf.as_bytes()).map_err(io_err(&path))
    }
}

/// Every regular file under `dir`, as keys relative to `base` with `/` separators; files
/// being written (temporaries renamed into place when whole) are not part of the wiki.
fn files_under(base: &Path, dir: &Path, out: &mut Vec<String>) -> StorageResult<()> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(io_err(dir)(e)),
    };
    for entry in entries {
        let path = entry.map_err(io_err(dir))?.path();
        let kind = match std::fs::symlink_metadata(&path) {
            Ok(meta) => meta.file_type(),
            // Removed since the directory was read.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(io_err(&path)(e)),
        };
        if kind.is_dir() {
            files_under(base, &path, out)?;
        } else if kind.is_file() {
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if name.starts_with('.') && name.ends_with(".tmp") {
                continue;
            }
            let key = path
                .strip_prefix(base)
                .ok()
                .and_then(|p| p.to_str())
                .map(|p| p.replace(std::path::MAIN_SEPARATOR, "/"));
            if let Some(key) = key {
                out.push(key);
            }
        }
    }
    Ok(())
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
    fn listings_leave_out_files_being_written() {
        let dir = tempfile::tempdir().expect("tempdir");
        let local = Local::new(dir.path().to_owned());
        local.put("wiki/a.md", b"a").expect("put");
        std::fs::write(dir.path().join("wiki/.b.md.123.tmp"), b"half").expect("tmp");
        assert_eq!(local.list("wiki").expect("list"), vec!["wiki/a.md"]);
        assert!(local.list("raw").expect("missing dir").is_empty());
    }
}
