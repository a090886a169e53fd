//! The vault export: every file of `wiki/` in one ZIP, laid out as Obsidian opens it (the
//! links the wiki writes resolve under Obsidian's rules; see [`crate::wiki`]).

use std::io::{Cursor, Write};
use std::path::Path;

use super::{BackupError, io};
use crate::storage::Storage;

/// The vault as a ZIP archive, in memory. Whole files are read, so a file being rewritten
/// meanwhile is either its old or its new self (files are replaced whole).
pub async fn vault_zip(storage: &Storage) -> Result<Vec<u8>, BackupError> {
    let mut files = Vec::new();
    for key in storage.list("wiki").await? {
        // Removed since it was listed (its source deleted): not part of the vault any more.
        if let Some(bytes) = storage.read(&key).await? {
            let name = key.strip_prefix("wiki/").unwrap_or(&key).to_owned();
            files.push((name, bytes));
        }
    }
    // Compressing a large vault takes a while: off the async threads.
    tokio::task::spawn_blocking(move || zip_files(files))
        .await
        .map_err(|e| io(Path::new("vault.zip"))(std::io::Error::other(e)))?
}

fn zip_files(files: Vec<(String, Vec<u8>)>) -> Result<Vec<u8>, BackupError> {
    let zip_err = |e: std::io::Error| io(Path::new("vault.zip"))(e);
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in files {
        zip.start_file(name, options)
            .map_err(|e| zip_err(e.into()))?;
        zip.write_all(&bytes).map_err(zip_err)?;
    }
    let cursor = zip.finish().map_err(|e| zip_err(e.into()))?;
    Ok(cursor.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_vault_holds_every_wiki_file_under_its_own_path() {
        let dir = tempfile::tempdir().expect("dir");
        let storage = Storage::open(dir.path()).expect("storage");
        storage
            .write_article("heapq", "# heapq\n\nSee [[bisect]].")
            .await
            .expect("write");
        storage
            .write("wiki/concepts/queues.md", b"# Queues".to_vec())
            .await
            .expect("write");
        let bytes = vault_zip(&storage).await.expect("zip");
        let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).expect("archive");
        let mut names: Vec<String> = (0..zip.len())
            .map(|i| {
                zip.by_index(i)
                    .expect("entry")
                    .name()
                    .expect("name")
                    .into_owned()
            })
            .collect();
        names.sort();
        assert_eq!(names, ["concepts/queues.md", "heapq.md"]);
        let mut text = String::new();
        std::io::Read::read_to_string(&mut zip.by_name("heapq.md").expect("entry"), &mut text)
            .expect("read");
        assert!(text.contains("[[bisect]]"));
    }
}
