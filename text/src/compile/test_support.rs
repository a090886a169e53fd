//! Test-only helpers: reading the shared corpus, and a crude HTML → markdown conversion standing
//! in for the ingest pipeline's, so compile tests can run on realistic markdown-ish clean text.

use std::path::{Path, PathBuf};

use regex::{Captures, Regex};

pub(crate) fn corpus_path(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata/corpus")
        .join(rel)
}

pub(crate) fn corpus_text(rel: &str) -> String {
    let path = corpus_path(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn re(pattern: &str) -> Regex {
    Regex::new(pattern).unwrap()
}

pub(crate) fn decode_entities(s: &str) -> String {
    re(r"&(#[xX][0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);")
        .replace_all(s, |c: &Captures| {
            let e = &c[1];
            let decoded = if let Some(hex) = e.strip_prefix("#x").or_else(|| e.strip_prefix("#X")) {
                u32::from_str_radix(hex, 16)
                    .ok()
                    .and_then(char::from_u32)
                    .map(String::from)
            } else if let Some(dec) = e.strip_prefix('#') {
                dec.parse().ok().and_then(char::from_u32).map(String::from)
            } else {
                match e {
                    "amp" => Some("&".into()),
                    "lt" => Some("<".into()),
                    "gt" => Some(">".into()),
                    "quot" => Some("\"".into()),
                    "apos" => Some("'".into()),
                    "nbsp" => Some(" ".into()),
                    "para" => Some(String::new()),
                    _ => None,
                }
            };
            decoded.unwrap_or_else(|| c[0].to_string())
        })
        .into_owned()
}

fn strip_tags(s: &str) -> String {
    re(r"(?s)<[^>]*>").replace_all(s, "").into_owned()
}

/// Returns (title, markdown) for an HTML page of the corpus.
pub(crate) fn corpus_html(rel: &str) -> (String, String) {
    let html = corpus_text(rel);
    let title = re(r"(?s)<title[^>]*>(.*?)</title>")
        .captures(&html)
        .map(|c| decode_entities(c[1].trim()))
        .unwrap_or_default();
    (title, html_to_markdown(&html))
}

pub(crate) fn html_to_markdown(html: &str) -> String {
    let main = if let Some(start) = html.find(r#"role="main""#) {
        let rest = &html[start..];
        let end = ["sphinxsidebar", r#"class="footer""#]
            .iter()
            .filter_map(|m| rest.find(m))
            .min()
            .unwrap_or(rest.len());
        let rest = &rest[..end];
        &rest[..rest.rfind('<').unwrap_or(rest.len())]
    } else if let Some(start) = html.find(r#"<div class="section""#) {
        let end = html
            .rfind(r#"<ul class="docnav"#)
            .filter(|e| *e > start)
            .unwrap_or(html.len());
        &html[start..end]
    } else {
        html
    };
    let main = main.find('>').map_or(main, |i| &main[i + 1..]);
    let mut s = re(r"(?is)<(script|style)[^>]*>.*?</(script|style)>")
        .replace_all(main, "")
        .into_owned();
    s = re(r#"(?s)<a class="headerlink"[^>]*>.*?</a>"#)
        .replace_all(&s, "")
        .into_owned();
    let mut code_blocks = Vec::new();
    s = re(r"(?s)<pre[^>]*>(.*?)</pre>")
        .replace_all(&s, |c: &Captures| {
            code_blocks.push(decode_entities(&strip_tags(&c[1])));
            format!("\n\nCODEBLOCK{}PLACEHOLDER\n\n", code_blocks.len() - 1)
        })
        .into_owned();
    s = re(r"\s+").replace_all(&s, " ").into_owned();
    s = re(r"(?s)<h([1-6])[^>]*>(.*?)</h[1-6]>")
        .replace_all(&s, |c: &Captures| {
            let level: usize = c[1].parse().unwrap();
            let text = strip_tags(&re(r"(?s)<code[^>]*>(.*?)</code>").replace_all(&c[2], "`$1`"));
            format!("\n\n{} {}\n\n", "#".repeat(level), text.trim())
        })
        .into_owned();
    s = re(r"(?s)<code[^>]*>(.*?)</code>")
        .replace_all(&s, |c: &Captures| format!("`{}`", strip_tags(&c[1])))
        .into_owned();
    s = re(r#"(?s)<a [^>]*href="([^"]*)"[^>]*>(.*?)</a>"#)
        .replace_all(&s, |c: &Captures| {
            if c[1].starts_with("http") {
                format!("[{}]({})", c[2].trim(), &c[1])
            } else {
                c[2].to_string()
            }
        })
        .into_owned();
    s = re(r"</?(strong|b)>").replace_all(&s, "**").into_owned();
    s = re(r"</?(em|i)>").replace_all(&s, "*").into_owned();
    s = re(r"<li[^>]*>").replace_all(&s, "\n- ").into_owned();
    s = re(r"(?i)</?(p|div|dl|dt|dd|ul|ol|table|tr|br|section|blockquote|h[1-6])[^>]*>")
        .replace_all(&s, "\n\n")
        .into_owned();
    s = decode_entities(&strip_tags(&s));
    s = re(r"[ \t]*\n[ \t]*").replace_all(&s, "\n").into_owned();
    s = re(r"\n(- \n)+").replace_all(&s, "\n").into_owned();
    s = re(r"\n{3,}").replace_all(&s, "\n\n").into_owned();
    s = re(r"- \n+").replace_all(&s, "- ").into_owned();
    for (i, code) in code_blocks.iter().enumerate() {
        s = s.replace(
            &format!("CODEBLOCK{i}PLACEHOLDER"),
            &format!("```\n{}\n```", code.trim_end()),
        );
    }
    s.trim().to_string() + "\n"
}

#[test]
fn html_pages_become_markdown() {
    let (title, md) = corpus_html("html/python/json.html");
    assert!(
        title.starts_with("json — JSON encoder and decoder"),
        "{title}"
    );
    assert!(
        md.starts_with("# `json` — JSON encoder and decoder"),
        "{}",
        &md[..200]
    );
    assert!(md.contains("\n## Basic Usage\n"));
    assert!(md.contains("```\n>>> import json"));
    assert!(!md.contains("<div") && !md.contains("&amp;"));
    let (_, md) = corpus_html("html/debian-handbook/sect.apt-get.html");
    assert!(
        md.starts_with(
            "## 6.2. `aptitude`, `apt-get`, and `apt` Commands\n\nAPT is a vast project"
        )
    );
}
