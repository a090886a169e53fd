//! Importing a folder of notes, or an Obsidian vault, uploaded as a ZIP: each markdown, text,
//! HTML or PDF file becomes a source, as if uploaded on its own (a note's own `[[links]]` are
//! kept, so the vault's links become the wiki's). The archive is read whole and checked before
//! anything is stored — a name that leaves the archive, too many files, a file or a total
//! larger than the limits (by what is actually inflated, not what the archive claims) refuse
//! it all, so a hostile archive leaves nothing behind.

use std::io::{Cursor, Read};

/// Files an archive may hold that are imported (others are skipped, and count too).
pub const MAX_ENTRIES: usize = 2_000;
/// Files imported from one archive.
pub const MAX_FILES: usize = 500;
/// Extensions imported; anything else (images, attachments, settings) is skipped.
const IMPORTED: [&str; 7] = ["md", "markdown", "txt", "text", "html", "htm", "pdf"];

/// A file of the archive to import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchiveFile {
    /// Its path in the archive, as the reply names it.
    pub path: String,
    /// Its own name, which the import gives the upload.
    pub name: String,
    pub bytes: Vec<u8>,
}

/// The limits of one import.
#[derive(Debug, Clone, Copy)]
pub struct ImportLimits {
    /// Largest file, inflated.
    pub file_bytes: u64,
    /// Largest total of the imported files, inflated.
    pub total_bytes: u64,
}

/// Why an archive was refused, all of it.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ImportError {
    #[error("the upload is not a ZIP archive ({0})")]
    NotAZip(String),
    #[error("the archive names a file outside itself: {0:?}")]
    OutsidePath(String),
    #[error("the archive holds more than {MAX_ENTRIES} entries")]
    TooManyEntries,
    #[error("the archive holds more than {MAX_FILES} files to import")]
    TooManyFiles,
    #[error("{0:?} is larger than the limit of {1} bytes once inflated")]
    FileTooLarge(String, u64),
    #[error("the files add up to more than the limit of {0} bytes once inflated")]
    TotalTooLarge(u64),
    #[error("{0:?} could not be read from the archive ({1})")]
    Unreadable(String, String),
    #[error("the archive holds no markdown, text, HTML or PDF file")]
    Empty,
}

/// Whether a path is one a vault keeps for itself (`.obsidian/`, `.trash/`, macOS's
/// `__MACOSX/` forks) rather than a note.
fn is_hidden(path: &str) -> bool {
    path.split('/')
        .any(|part| part.starts_with('.') || part == "__MACOSX")
}

/// The files of `archive` to import, in the archive's order, checked against `limits`.
pub fn read_archive(archive: &[u8], limits: ImportLimits) -> Result<Vec<ArchiveFile>, ImportError> {
    let mut zip = zip::ZipArchive::new(Cursor::new(archive))
        .map_err(|e| ImportError::NotAZip(e.to_string()))?;
    if zip.len() > MAX_ENTRIES {
        return Err(ImportError::TooManyEntries);
    }
    let mut files = Vec::new();
    let mut total: u64 = 0;
    for index in 0..zip.len() {
        let mut entry = zip
            .by_index(index)
            .map_err(|e| ImportError::NotAZip(e.to_string()))?;
        let raw_name = entry.name_raw().to_owned();
        let raw_name = String::from_utf8_lossy(&raw_name).into_owned();
        // A name with `..`, a root or a drive would be written outside a folder it was
        // unpacked into: such an archive is not a folder of notes.
        let Some(path) = entry.enclosed_name() else {
            return Err(ImportError::OutsidePath(raw_name));
        };
        let path = path.to_string_lossy().replace('\\', "/");
        if entry.is_dir() || is_hidden(&path) {
            continue;
        }
        let name = path.rsplit('/').next().unwrap_or(&path).to_owned();
        let imported = name
            .rsplit_once('.')
            .is_some_and(|(_, ext)| IMPORTED.contains(&ext.to_ascii_lowercase().as_str()));
        if !imported {
            continue;
        }
        if files.len() == MAX_FILES {
            return Err(ImportError::TooManyFiles);
        }
        if entry.size() > limits.file_bytes {
            return Err(ImportError::FileTooLarge(path, limits.file_bytes));
        }
        // What the entry inflates to, read up to one byte past the limit: the sizes an archive
        // states can lie, the inflated bytes cannot.
        let mut bytes = Vec::new();
        (&mut entry)
            .take(limits.file_bytes + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| ImportError::Unreadable(path.clone(), e.to_string()))?;
        let size = bytes.len() as u64;
        if size > limits.file_bytes {
            return Err(ImportError::FileTooLarge(path, limits.file_bytes));
        }
        total += size;
        if total > limits.total_bytes {
            return Err(ImportError::TotalTooLarge(limits.total_bytes));
        }
        files.push(ArchiveFile { path, name, bytes });
    }
    if files.is_empty() {
        return Err(ImportError::Empty);
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    const LIMITS: ImportLimits = ImportLimits {
        file_bytes: 1_000,
        total_bytes: 1_500,
    };

    fn archive(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, bytes) in entries {
            zip.start_file(*name, options).expect("entry");
            zip.write_all(bytes).expect("write");
        }
        zip.finish().expect("finish").into_inner()
    }

    #[test]
    fn notes_are_read_and_vault_settings_and_attachments_skipped() {
        let zip = archive(&[
            ("Vault/Bees.md", b"# Bees\n\nSee [[Hives]]."),
            ("Vault/notes/Hives.md", b"Hives hold the colony."),
            ("Vault/.obsidian/app.json", b"{}"),
            ("Vault/image.png", b"\x89PNG"),
            ("__MACOSX/Vault/._Bees.md", b"fork"),
        ]);
        let files = read_archive(&zip, LIMITS).expect("read");
        let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(paths, ["Vault/Bees.md", "Vault/notes/Hives.md"]);
        assert_eq!(files[1].name, "Hives.md");
        assert_eq!(files[0].bytes, b"# Bees\n\nSee [[Hives]].");
    }

    #[test]
    fn hostile_archives_are_refused_whole() {
        let outside = archive(&[("ok.md", b"fine"), ("../escape.md", b"out")]);
        assert_eq!(
            read_archive(&outside, LIMITS),
            Err(ImportError::OutsidePath("../escape.md".into()))
        );
        // A kilobyte of zeros deflates to a few bytes: the inflated size is what counts.
        let bomb = archive(&[("zeros.txt", &[b'0'; 5_000])]);
        assert!(bomb.len() < 200, "{}", bomb.len());
        assert!(matches!(
            read_archive(&bomb, LIMITS),
            Err(ImportError::FileTooLarge(..))
        ));
        let many = archive(&[("a.md", &[b'a'; 900]), ("b.md", &[b'b'; 900])]);
        assert_eq!(
            read_archive(&many, LIMITS),
            Err(ImportError::TotalTooLarge(1_500))
        );
        assert!(matches!(
            read_archive(b"not a zip at all", LIMITS),
            Err(ImportError::NotAZip(_))
        ));
        let nothing = archive(&[("photo.jpg", b"\xff\xd8")]);
        assert_eq!(read_archive(&nothing, LIMITS), Err(ImportError::Empty));
    }
}
