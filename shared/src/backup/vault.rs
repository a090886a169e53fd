//! The vault export: every file of `wiki/` in one ZIP, laid out as Obsidian opens it (the
//! links the wiki writes resolve under Obsidian's rules; see [`crate::wiki`]).

use std::io::{Cursor, Write};

use super::{BackupError, files_under, io};
use crate::storage::Storage;

/// The vault as a ZIP archive, in memory. Whole files are read, so a file being rewritten
/// meanwhile is either its old or its new self (files are replaced by rename).
pub fn vault_zip(storage: &Storage) -> Result<Vec<u8>, BackupError> {
    let wiki = storage.wiki_dir();
    let mut files = Vec::new();
    files_under(&wiki, &wiki, &mut files)?;
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (relative, path) in files {
        let bytes = std::fs::read(&path).map_err(io(&path))?;
        zip.start_file(relative, options)
            .map_err(|e| io(&wiki)(e.into()))?;
        zip.write_all(&bytes).map_err(io(&wiki))?;
    }
    let cursor = zip.finish().map_err(|e| io(&wiki)(e.into()))?;
    Ok(cursor.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_vault_holds_every_wiki_file_under_its_own_path() {
        let dir = tempfile::tempdir().expect("dir");
        let storage = Storage::open(dir.path()).expect("storage");
        storage
            .write_article("heapq", "# heapq\n\nSee [[bisect]].")
            .expect("write");
        std::fs::create_dir_all(storage.wiki_dir().join("concepts")).expect("dir");
        std::fs::write(storage.wiki_dir().join("concepts/queues.md"), "# Queues").expect("write");
        let bytes = vault_zip(&storage).expect("zip");
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
