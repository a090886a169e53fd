//! Tests on the corpus PDFs and broken files, and of the clean-up and metadata decoding.
//! PDFs built for the test, hostile ones included, are in `built`.

mod built;

use std::path::{Path, PathBuf};

use super::text::Line;
use super::{ExtractError, PdfDocument, clean, extract_pdf, meta};

fn corpus(name: &str) -> Vec<u8> {
    let path: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata/corpus/pdf")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

#[test]
fn small_corpus_pdf_has_pages_metadata_and_prose() {
    let doc = extract_pdf(&corpus("debian-reference-pages-1-12.pdf"), 100).expect("extracts");
    assert_eq!(doc.page_count(), 12);
    assert_eq!(doc.title.as_deref(), Some("Debian Reference"));
    assert_eq!(doc.author.as_deref(), Some("Osamu Aoki"));
    assert_eq!(doc.created.as_deref(), Some("2023-02-04"));
    // Page 1 is the blank cover of the printed book; the title page is page 2.
    assert_eq!(doc.pages[0], "");
    assert_eq!(doc.pages[1], "Debian Reference\n\nOsamu Aoki");
    // Two lines joined, the running header "Debian Reference ii" gone, "non-" kept.
    assert!(doc.pages[2].starts_with("Copyright © 2013-2021 Osamu Aoki\n\nThis Debian"));
    assert!(doc.pages[2].contains(
        "a broad overview of the Debian system as a post-installation user’s guide. It covers \
         many aspects of system administration through shell-command examples for \
         non-developers."
    ));
    // Table-of-contents leaders are dropped.
    assert!(doc.pages[4].contains("\n1.1.1 The shell prompt 1\n"));
    let markdown = doc.to_markdown();
    assert!(markdown.starts_with("Debian Reference\n\nOsamu Aoki\n\nCopyright"));
    assert!(!markdown.contains("  ") && !markdown.contains("\n\n\n"));
    assert!(!markdown.contains(['\u{c}', '\u{a0}', '\u{fffd}']));
}

#[test]
fn full_corpus_pdf_reads_every_page() {
    let doc = extract_pdf(&corpus("debian-reference.pdf"), 1000).expect("extracts");
    assert_eq!(doc.page_count(), 261);
    assert_eq!(doc.title.as_deref(), Some("Debian Reference"));
    let with_text = doc.pages.iter().filter(|p| p.len() > 200).count();
    assert!(with_text >= 250, "only {with_text} pages with text");
    let page = &doc.pages[39];
    // A bullet that the PDF wrapped over two lines reads as one line.
    assert!(page.contains(
        "• Reading a file for the first time or after one day changes the atime attribute of \
         the file on the GNU/Linux system if its filesystem is mounted with ”relatime”."
    ));
    // "un-/der" de-hyphenated; code lines kept apart.
    assert!(page.contains("improve the filesystem read performance under the normal use cases."));
    assert!(page.contains("$ LANG=C ls -l foo\n-rw-rw-r-- 1 penguin penguin 0 Oct 16 21:35 foo\n"));
    assert!(!page.contains("12 / 233"), "running header left in");
    let all = doc.to_markdown();
    // A table cell overflowing into the next column is still separated from it.
    assert!(all.contains("/var/lib/dpkg/info/package_name.conffiles list of configuration files"));
    assert!(all.contains("by manipulating candidate version (see Section 2.7.3)."));
    assert!(
        all.contains("I hope this ”Debian Reference (version 2.100)” (2023-02-04 11:59:01 UTC)")
    );
}

#[test]
fn more_pages_than_allowed_is_too_large() {
    let result = extract_pdf(&corpus("debian-reference-pages-1-12.pdf"), 5);
    assert!(matches!(result, Err(ExtractError::TooLarge(ref why)) if why.contains("12 pages")));
}

#[test]
fn other_files_are_invalid() {
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";
    for bytes in [&png[..], b"Just some text, not a PDF.", b"", b"%PDF-1.7\n"] {
        let result = extract_pdf(bytes, 10);
        assert!(
            matches!(
                result,
                Err(ExtractError::Invalid {
                    expected: "PDF",
                    ..
                })
            ),
            "{result:?}"
        );
    }
}

#[test]
fn truncated_and_corrupted_files_do_not_panic() {
    let bytes = corpus("debian-reference-pages-1-12.pdf");
    for cut in [
        16,
        1000,
        bytes.len() / 3,
        bytes.len() / 2,
        bytes.len() - 200,
    ] {
        let result = extract_pdf(&bytes[..cut], 100);
        assert!(
            matches!(result, Err(ExtractError::Invalid { .. })),
            "{result:?}"
        );
    }
    let mut garbage = b"%PDF-1.4\n".to_vec();
    garbage.extend((0..20_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8));
    let result = extract_pdf(&garbage, 100);
    assert!(
        matches!(result, Err(ExtractError::Invalid { .. })),
        "{result:?}"
    );
    // Flip bytes all over a valid file, stream data and structure alike.
    for step in [97, 1009, 7919] {
        let mut damaged = bytes.clone();
        for at in (step..damaged.len()).step_by(step) {
            damaged[at] ^= 0x5a;
        }
        let _ = extract_pdf(&damaged, 100);
    }
}

// ---- clean-up and metadata units ---------------------------------------------------------

fn clean_one(lines: Vec<Line>) -> String {
    clean::clean_pages(&[lines]).remove(0)
}

#[test]
fn wrapped_lines_join_and_hyphenation_is_undone() {
    let text = clean_one(vec![
        Line::at(
            "A line of prose that runs all the way to the right edge of the emer-",
            50.0,
            550.0,
            false,
        ),
        Line::at("gency exit, and then a self-", 50.0, 548.0, false),
        Line::at("contained ending.", 50.0, 200.0, false),
        Line::at("• A list item starts its own line", 50.0, 549.0, true),
        Line::at("• even after a full-width line.", 50.0, 300.0, false),
        Line::at("It ran all the years from 1990–", 50.0, 549.0, true),
        Line::at("2000 and had a spaced -", 50.0, 549.0, false),
        Line::at("dash.", 50.0, 90.0, false),
        Line::at(
            "Tab\tand\u{a0}nbsp, the ﬁne\u{c} print\u{ad}ed",
            50.0,
            300.0,
            true,
        ),
    ]);
    assert_eq!(
        text,
        "A line of prose that runs all the way to the right edge of the emergency exit, and \
         then a self-contained ending.\n\n• A list item starts its own line\n• even after a \
         full-width line.\n\nIt ran all the years from 1990–2000 and had a spaced - \
         dash.\n\nTab and nbsp, the fine printed"
    );
}

#[test]
fn running_headers_and_leaders_are_dropped() {
    let mut pages: Vec<Vec<Line>> = vec![vec![Line::at("My Book", 50.0, 120.0, false)]];
    for number in 1..=5 {
        pages.push(vec![
            Line::at(&format!("My Book {number} / 5"), 50.0, 550.0, false),
            Line::at(
                &format!("Chapter {number} . . . . . . . . {number}"),
                50.0,
                550.0,
                true,
            ),
            Line::at("Wait... what?", 50.0, 150.0, true),
        ]);
    }
    let cleaned = clean::clean_pages(&pages);
    assert_eq!(cleaned[0], "My Book");
    assert_eq!(cleaned[3], "Chapter 3 3\n\nWait... what?");
}

#[test]
fn markdown_joins_pages_with_text() {
    let doc = PdfDocument {
        title: None,
        author: None,
        created: None,
        pages: vec!["One.".into(), String::new(), "Two.".into()],
    };
    assert_eq!(doc.to_markdown(), "One.\n\nTwo.");
    assert_eq!(doc.page_count(), 3);
}

#[test]
fn text_strings_and_dates_decode() {
    assert_eq!(meta::decode_text(b"\xFE\xFF\x00H\x00i"), "Hi");
    assert_eq!(meta::decode_text(b"\xFE\xFF\xD8\x00"), "\u{FFFD}");
    assert_eq!(meta::decode_text(b"\xEF\xBB\xBFcaf\xC3\xA9"), "café");
    assert_eq!(meta::decode_text(b"\x8Fquoted\x90 \xA0"), "‘quoted’ €");
    assert_eq!(
        meta::pdf_date("D:20230204115901-00'00'").as_deref(),
        Some("2023-02-04")
    );
    assert_eq!(meta::pdf_date("20001231").as_deref(), Some("2000-12-31"));
    assert_eq!(meta::pdf_date("D:2023"), None);
    assert_eq!(meta::pdf_date("D:20230231"), None);
    assert_eq!(meta::pdf_date("D:2023ab01"), None);
}
