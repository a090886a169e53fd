//! Tests of HTML extraction against the real-page corpus and hostile input.

use super::*;
use std::path::PathBuf;

fn corpus(page: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata/corpus/html")
        .join(page);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// (page, title, texts the article must contain)
const PAGES: [(&str, &str, &[&str]); 15] = [
    (
        "python/asyncio-task.html",
        "Coroutines and Tasks",
        &[
            "This section outlines high-level asyncio APIs",
            "`asyncio.create_task(coro, *, name=None, context=None)`",
        ],
    ),
    (
        "python/bisect.html",
        "bisect — Array bisection algorithm",
        &[
            "maintaining a list in sorted order",
            "`bisect.insort(a, x, lo=0, hi=len(a), *, key=None)`",
        ],
    ),
    (
        "python/concurrent.futures.html",
        "concurrent.futures — Launching parallel tasks",
        &[
            "provides a high-level interface for asynchronously executing callables",
            "ThreadPoolExecutor",
        ],
    ),
    (
        "python/csv.html",
        "csv — CSV File Reading and Writing",
        &[
            "The so-called CSV (Comma Separated Values) format",
            "`csv.reader(csvfile, dialect='excel', **fmtparams)`",
        ],
    ),
    (
        "python/hashlib.html",
        "hashlib — Secure hashes and message digests",
        &["secure hash and message digest algorithms", "```python"],
    ),
    (
        "python/heapq.html",
        "heapq — Heap queue algorithm",
        &[
            "also known as the priority queue algorithm",
            "`heapq.heappush(heap, item)`",
        ],
    ),
    (
        "python/json.html",
        "json — JSON encoder and decoder",
        &[
            "JSON (JavaScript Object Notation)",
            "## Basic Usage",
            ">>> import json",
        ],
    ),
    (
        "python/queue.html",
        "queue — A synchronized queue class",
        &[
            "implements multi-producer, multi-consumer queues",
            "`class queue.Queue(maxsize=0)`",
        ],
    ),
    (
        "python/sqlite3.html",
        "sqlite3 — DB-API 2.0 interface for SQLite databases",
        &["SQLite is a C library", "| Python type | SQLite type |"],
    ),
    (
        "python/threading.html",
        "threading — Thread-based parallelism",
        &[
            "higher-level threading interfaces",
            "`threading.active_count()`",
        ],
    ),
    (
        "debian-handbook/sect.apt-cache.html",
        "6.3. The apt-cache Command",
        &[
            "can display much of the information stored in APT's internal database",
            "### 6.3.1. The `apt-cache policy` Command",
            "VOCABULARY",
        ],
    ),
    (
        "debian-handbook/sect.apt-get.html",
        "6.2. aptitude, apt-get, and apt Commands",
        &[
            "APT is a vast project",
            "### 6.2.1. Initialization",
            "Incremental updates",
        ],
    ),
    (
        "debian-handbook/sect.backup.html",
        "9.10. Backup",
        &[
            "Making backups is one of the main responsibilities",
            "dirvish",
        ],
    ),
    (
        "debian-handbook/sect.dhcp.html",
        "10.8. DHCP",
        &["Dynamic Host Configuration Protocol", "```"],
    ),
    (
        "debian-handbook/sect.domain-name-servers.html",
        "10.7. Domain Name Servers (DNS)",
        &[
            "fundamental component of the Internet",
            "10.7.2. Configuring bind",
        ],
    ),
];

/// Page chrome of the two generators (Sphinx, DocBook/Publican).
const CHROME: [&str; 17] = [
    "Table of Contents",
    "Previous topic",
    "Next topic",
    "This Page",
    "Report a Bug",
    "Show Source",
    "Quick search",
    "Navigation",
    "Python 3.11.2 documentation",
    "¶",
    "Permalink",
    "Download the ebook",
    "**Prev**",
    "**Next**",
    "Product Site",
    "Documentation Site",
    "<div",
];

#[test]
fn corpus_pages_give_title_body_and_no_chrome() {
    for (page, title, texts) in PAGES {
        let doc = extract_html(&corpus(page), None).unwrap_or_else(|e| panic!("{page}: {e}"));
        assert_eq!(doc.title.as_deref(), Some(title), "{page}");
        for text in texts {
            assert!(doc.markdown.contains(text), "{page}: missing {text:?}");
        }
        for chrome in CHROME {
            assert!(!doc.markdown.contains(chrome), "{page}: has {chrome:?}");
        }
    }
}

#[test]
fn corpus_timing() {
    let pages: Vec<String> = PAGES.iter().map(|(page, ..)| corpus(page)).collect();
    let start = std::time::Instant::now();
    for page in &pages {
        assert!(extract_html(page, None).is_ok());
    }
    eprintln!(
        "extracted {} corpus pages in {:?}",
        pages.len(),
        start.elapsed()
    );
}

#[test]
fn scripts_and_javascript_links_are_dropped() {
    let html = r##"<html><head><title>Hi</title><script>alert(1)</script></head><body>
        <p>Intro text <a href="javascript:alert(1)">x</a> and <a href=" JaVa&#x09;Script:alert(2)">y</a>
        <a href="data:text/html,<script>alert(3)</script>">z</a> <a href="/docs/a.html">docs</a>
        <a href="#frag">here</a></p><script>alert(1)</script><img src="javascript:alert(4)">
        <p onclick="alert(5)">More <b>text</b>.</p><iframe src="https://evil.example"></iframe></body></html>"##;
    let base = url::Url::parse("https://example.com/guide/page.html").ok();
    for url in [None, base.as_ref()] {
        let doc = extract_html(html, url).unwrap();
        let md = doc.markdown.to_lowercase();
        for bad in [
            "<script",
            "alert",
            "javascript",
            "data:",
            "<a ",
            "<p",
            "<img",
            "onclick",
            "iframe",
            "evil",
        ] {
            assert!(!md.contains(bad), "{bad:?} in {md:?}");
        }
        assert!(
            md.contains("intro text x and y") && md.contains("more **text**."),
            "{md}"
        );
        assert!(md.contains("here"), "{md}");
    }
    let doc = extract_html(html, base.as_ref()).unwrap();
    assert!(
        doc.markdown
            .contains("[docs](https://example.com/docs/a.html)"),
        "{}",
        doc.markdown
    );
}

#[test]
fn metadata_and_title_fallbacks() {
    let body = "<p>Plenty of words in one paragraph of text, enough to read.</p>";
    let html = format!(
        r#"<meta name="author" content="Ada Lovelace"><meta property="article:published_time" content="2023-05-01T10:00:00Z">
        <title>Notes on engines — Ada's blog</title>{body}"#
    );
    let doc = extract_html(&html, None).unwrap();
    assert_eq!(doc.title.as_deref(), Some("Notes on engines"));
    assert_eq!(doc.author.as_deref(), Some("Ada Lovelace"));
    assert_eq!(doc.published.as_deref(), Some("2023-05-01T10:00:00Z"));
    // A dash that is part of the title is kept; og:title wins over <title>.
    let doc = extract_html(
        &format!("<title>bisect — Array bisection</title>{body}"),
        None,
    )
    .unwrap();
    assert_eq!(doc.title.as_deref(), Some("bisect — Array bisection"));
    let html = format!(r#"<meta property="og:title" content="Real"><title>Other</title>{body}"#);
    assert_eq!(
        extract_html(&html, None).unwrap().title.as_deref(),
        Some("Real")
    );
    for (tag, title) in [
        (
            "Coroutines and Tasks &#8212; Python 3.11.2 documentation",
            "Coroutines and Tasks",
        ),
        ("Tasks | example.org", "Tasks"),
        ("Release notes - v2.0", "Release notes - v2.0"),
    ] {
        let doc = extract_html(&format!("<title>{tag}</title>{body}"), None).unwrap();
        assert_eq!(doc.title.as_deref(), Some(title));
    }
    // Some sites wrap the whole page in a form; only small forms go.
    let html = format!(
        "<form><input name=q><p>{}</p></form><form>Search: <input></form>",
        "Words. ".repeat(60)
    );
    let md = extract_html(&html, None).unwrap().markdown;
    assert!(md.starts_with("Words.") && !md.contains("Search"), "{md}");
}

#[test]
fn empty_input_is_empty() {
    for html in [
        "",
        "  \n",
        "<html><body></body></html>",
        "<script>x()</script><nav>Home</nav>",
        "<p> ¶ </p>",
    ] {
        assert!(
            matches!(extract_html(html, None), Err(ExtractError::Empty)),
            "{html:?}"
        );
    }
}

#[test]
fn garbage_and_hostile_nesting_do_not_panic() {
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    for round in 0..200 {
        let bytes: Vec<u8> = (0..round * 37)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                // Skew towards markup characters to reach the parser's odd paths.
                b"<>/=\"'&#;!-[]`*ab \n"[(state % 19) as usize]
                    .wrapping_add((state >> 60) as u8 * 7)
            })
            .collect();
        let _ = extract_html(&String::from_utf8_lossy(&bytes), None);
    }
    let page = corpus("python/json.html");
    for cut in (0..page.len()).step_by(7919) {
        let _ = extract_html(page.get(..cut).unwrap_or_default(), None);
    }
    for tag in ["div", "b", "blockquote", "ul", "table"] {
        let nest = |n: usize| {
            format!(
                "{}deep text{}",
                format!("<{tag}>").repeat(n),
                format!("</{tag}>").repeat(n)
            )
        };
        assert!(extract_html(&nest(MAX_DEPTH - 20), None).is_ok(), "{tag}");
        assert!(
            extract_html(&nest(2_000), None)
                .unwrap()
                .markdown
                .contains("deep text"),
            "{tag}"
        );
        assert!(
            matches!(
                extract_html(&nest(10_000), None),
                Err(ExtractError::TooLarge(_))
            ),
            "{tag}"
        );
    }
}
