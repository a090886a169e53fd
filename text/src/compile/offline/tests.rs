//! Tests of the offline compiler on the corpus (licence texts and HTML pages converted to
//! markdown), on hand-made edge cases, and on generated messy text.

use super::sentences::split_sentences;
use super::*;
use crate::compile::grounding::ground_claims;
use crate::compile::grounding::tokens::without_link_targets;
use crate::compile::test_support::{corpus_html, corpus_text};

fn show(name: &str, r: &CompileResult) {
    println!(
        "==== {name}\nTITLE: {}\nSUMMARY: {}\nCONCEPTS: {:?}\nLINKS: {:?}\nQUESTIONS: {:?}",
        r.title,
        r.summary,
        r.concepts,
        r.backlink_suggestions
            .iter()
            .map(|b| &b.target)
            .collect::<Vec<_>>(),
        r.open_questions
    );
    for c in &r.key_claims {
        println!(
            "  CLAIM: {}\n     Q: {}",
            c.claim,
            c.quote.as_deref().unwrap_or("-")
        );
    }
    println!("BODY:\n{}\n", r.article_body);
}

fn check_grounded(text: &str, r: &CompileResult) {
    let grounded = ground_claims(text, &r.key_claims);
    for (g, c) in grounded.iter().zip(&r.key_claims) {
        assert!(g.verified, "claim did not verify: {:?}", c.quote);
        let quote = c.quote.as_deref().unwrap();
        let span = g.span.unwrap();
        let sliced: String = text.chars().skip(span.start).take(span.len()).collect();
        let collapsed = sliced.split_whitespace().collect::<Vec<_>>().join(" ");
        if collapsed != quote {
            // Quotes give links as their text; the visible words must be the same.
            assert!(
                text.contains("]("),
                "span must slice the text to the quote: {collapsed:?} / {quote:?}"
            );
            // (A link glued to a word, "é[link](…)", reads as one word "élink".)
            assert_eq!(
                tokens(&without_link_targets(&sliced)).concat(),
                tokens(quote).concat(),
                "span must slice the text to the quote"
            );
        }
        assert!(quote.split_whitespace().count() <= 25);
    }
}

fn titles(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

#[test]
fn licence_texts_compile_into_grounded_articles() {
    for (file, title) in [
        ("Apache-2.0.txt", "Apache License"),
        ("MPL-2.0.txt", "Mozilla Public License Version 2.0"),
        ("GPL-3.txt", "GNU General Public License"),
    ] {
        let text = corpus_text(&format!("text/{file}"));
        let existing = titles(&[
            "GNU General Public License",
            "Apache License",
            "Derivative Works",
            "Python",
            "Go",
        ]);
        let r = compile_offline(&OfflineInput {
            title: None,
            text: &text,
            existing_titles: &existing,
        });
        show(file, &r);
        assert_eq!(r.title, title);
        assert!(
            (5..=12).contains(&r.key_claims.len()),
            "{file}: {} claims",
            r.key_claims.len()
        );
        assert!(
            (3..=8).contains(&r.concepts.len()),
            "{file}: {:?}",
            r.concepts
        );
        check_grounded(&text, &r);
        check_article(&r);
        let links: Vec<&str> = r
            .backlink_suggestions
            .iter()
            .map(|b| b.target.as_str())
            .collect();
        match file {
            "Apache-2.0.txt" => assert_eq!(links, ["Derivative Works"]),
            "MPL-2.0.txt" => assert_eq!(links, ["GNU General Public License"]),
            // Its own title is not a link target.
            _ => assert!(links.is_empty(), "{links:?}"),
        }
    }
}

/// Checks that hold for every article made from a real document.
fn check_article(r: &CompileResult) {
    let sentences = split_sentences(&r.summary).len();
    assert!(
        (1..=3).contains(&sentences),
        "summary has {sentences} sentences: {}",
        r.summary
    );
    assert!(
        !r.article_body.contains("</") && !r.article_body.contains("<div"),
        "raw HTML in body"
    );
    // The summary and the claims are shown above the body; the body does not say them again.
    assert!(
        !r.article_body.contains(r.summary.as_str()),
        "{}",
        r.article_body
    );
    for claim in &r.key_claims {
        assert!(
            !r.article_body.contains(&format!("- {}", claim.claim)),
            "the body repeats the claim {:?}",
            claim.claim
        );
    }
    assert!(!r.article_body.contains("## Key points") && !r.article_body.contains("## Overview"));
    for concept in &r.concepts {
        assert_eq!(concept, &concept.to_lowercase());
        assert!(
            concept.chars().any(char::is_alphabetic) && !concept.contains(['`', '*', '[', '(']),
            "{concept}"
        );
    }
    for link in &r.backlink_suggestions {
        assert!(r.article_body.contains(&format!("- [[{}]]", link.target)));
        assert_eq!(link.relation_type, RelationType::References);
    }
    assert!(
        r.key_claims
            .iter()
            .all(|c| c.confidence == Confidence::Sourced)
    );
    // The offline provider's reply goes through the same contract parser as any model's.
    let reparsed =
        crate::compile::contract::parse_compile_result(&serde_json::to_string(r).unwrap());
    assert_eq!(reparsed.as_ref(), Ok(r));
}

#[test]
fn html_pages_compile_into_grounded_articles() {
    let pages: Vec<String> = ["python", "debian-handbook"]
        .iter()
        .flat_map(|dir| {
            std::fs::read_dir(crate::compile::test_support::corpus_path(&format!(
                "html/{dir}"
            )))
            .unwrap()
            .map(move |e| format!("{dir}/{}", e.unwrap().file_name().to_string_lossy()))
        })
        .collect();
    let mut pages = pages;
    pages.sort();
    assert_eq!(pages.len(), 15);
    for page in &pages {
        let (html_title, text) = corpus_html(&format!("html/{page}"));
        let existing = titles(&[
            "Python",
            "JSON",
            "Debian",
            "APT",
            "Thread",
            "Queue",
            "Event Loop",
        ]);
        let r = compile_offline(&OfflineInput {
            title: None,
            text: &text,
            existing_titles: &existing,
        });
        show(page, &r);
        assert!(!r.title.is_empty() && !html_title.is_empty());
        assert!(
            (5..=12).contains(&r.key_claims.len()),
            "{page}: {} claims",
            r.key_claims.len()
        );
        assert!(
            (3..=8).contains(&r.concepts.len()),
            "{page}: {:?}",
            r.concepts
        );
        check_grounded(&text, &r);
        check_article(&r);
        assert!(
            r.key_claims.iter().all(|c| !c.claim.contains('`')
                && !c.claim.contains("](")
                && !c.claim.contains("**"))
        );
    }
}

#[test]
fn the_same_input_always_gives_the_same_article() {
    let (_, text) = corpus_html("html/python/queue.html");
    let existing = titles(&["Thread", "Python", "Heap"]);
    let input = OfflineInput {
        title: Some("queue"),
        text: &text,
        existing_titles: &existing,
    };
    let first = compile_offline(&input);
    for _ in 0..3 {
        assert_eq!(compile_offline(&input), first);
    }
    assert_eq!(first.title, "queue");
}

#[test]
fn mentioned_titles_become_links_by_exact_or_normalised_form() {
    let text = "Notes on karpathys wiki and the Café culture. We also use C here, while go is a verb and Rustacean is a word.\n\nThe thread pool is described in Thread Pools.";
    let existing = titles(&[
        "Karpathy's Wiki",
        "Cafe",
        "C",
        "Go",
        "Rust",
        "The",
        "  ",
        "Thread pools",
        "thread-pools",
        "Nowhere",
    ]);
    let r = compile_offline(&OfflineInput {
        title: Some("Notes"),
        text,
        existing_titles: &existing,
    });
    let links: Vec<&str> = r
        .backlink_suggestions
        .iter()
        .map(|b| b.target.as_str())
        .collect();
    assert_eq!(links, ["Karpathy's Wiki", "Cafe", "C", "Thread pools"]);
    assert!(
        r.article_body.ends_with(
            "## Related\n\n- [[Karpathy's Wiki]]\n- [[Cafe]]\n- [[C]]\n- [[Thread pools]]"
        )
    );
    let own = compile_offline(&OfflineInput {
        title: Some("Thread Pools"),
        text,
        existing_titles: &existing,
    });
    assert!(
        own.backlink_suggestions
            .iter()
            .all(|b| !b.target.eq_ignore_ascii_case("thread pools"))
    );
}

#[test]
fn titles_come_from_input_heading_first_line_or_first_sentence() {
    let title = |given: Option<&str>, text: &str| {
        compile_offline(&OfflineInput {
            title: given,
            text,
            existing_titles: &[],
        })
        .title
    };
    assert_eq!(title(Some("  Given  "), "# Heading\n\nText."), "Given");
    assert_eq!(
        title(None, "Intro line.\n\n## The `json` **module**\n\nText."),
        "The json module"
    );
    assert_eq!(
        title(
            None,
            "\u{c}ii\n\nGNU GENERAL PUBLIC LICENSE\n\nThe licence text follows here."
        ),
        "GNU General Public License"
    );
    let long = "This first sentence is far too long to be a title because it keeps going on and on about many things. Second.";
    let t = title(None, long);
    assert!(t.ends_with('…') && t.chars().count() <= 81, "{t}");
    assert_eq!(title(None, ""), "Untitled");
    assert_eq!(title(None, "   \n\n  "), "Untitled");
}

#[test]
fn degenerate_texts_never_panic() {
    let cases = [
        String::new(),
        " \n\t\n".to_string(),
        "```\nfn main() {}\n```\n".to_string(),
        "word ".repeat(5000),
        "One short sentence.".to_string(),
        "東京は日本の首都です。人口は多い。".to_string(),
        "Café — naïve résumé. Ünïcödé façade déjà vu. ".repeat(20),
        "# \n## \n###\n- \n1.\n> quote\n| a | b |\n".to_string(),
        "a. b. c. d. e. f. g.".to_string(),
        "...!!!???".repeat(100),
        "[link](http://x) ".repeat(50),
    ];
    for text in &cases {
        let r = compile_offline(&OfflineInput {
            title: None,
            text,
            existing_titles: &titles(&["Café", "東京"]),
        });
        assert!(!r.title.is_empty());
        check_grounded(text, &r);
        assert!(r.key_claims.len() <= 12 && r.concepts.len() <= 8);
    }
    // Any text with something in it gets a summary, so the result passes the contract: code,
    // and symbols without a letter or digit.
    for text in ["```\nfn main() {}\n```\n", "🎉🎉", "...!!!???", "—", "?"] {
        let r = compile_offline(&OfflineInput {
            title: None,
            text,
            existing_titles: &[],
        });
        assert!(!r.summary.is_empty(), "{text:?}");
        assert!(
            crate::compile::contract::parse_compile_result(&serde_json::to_string(&r).unwrap())
                .is_ok(),
            "{text:?}: {r:?}"
        );
    }
    let empty = compile_offline(&OfflineInput {
        title: Some("Empty"),
        text: "",
        existing_titles: &[],
    });
    assert_eq!(empty.title, "Empty");
    assert!(empty.key_claims.is_empty() && empty.concepts.is_empty() && empty.summary.is_empty());
}

#[test]
fn short_prose_gets_a_summary_and_verbatim_claims() {
    let text = "Rust is a systems programming language. It guarantees memory safety without a garbage collector. \
                The borrow checker enforces ownership rules at compile time. Cargo is the Rust package manager and build tool. \
                Crates are published to crates.io for others to use. Rust compiles to native code through LLVM.";
    let r = compile_offline(&OfflineInput {
        title: None,
        text,
        existing_titles: &titles(&["Cargo", "LLVM"]),
    });
    assert_eq!(r.title, "Rust is a systems programming language");
    assert!(
        r.summary
            .starts_with("Rust is a systems programming language."),
        "{}",
        r.summary
    );
    assert!(r.key_claims.len() >= 4, "{:?}", r.key_claims);
    check_grounded(text, &r);
    let links: Vec<&str> = r
        .backlink_suggestions
        .iter()
        .map(|b| b.target.as_str())
        .collect();
    assert_eq!(links, ["Cargo", "LLVM"]);
    assert!(r.concepts.contains(&"rust".to_string()), "{:?}", r.concepts);
}

#[test]
fn generated_messy_texts_compile_and_ground_without_panics() {
    const PIECES: [&str; 32] = [
        "The ",
        "thread ",
        "pool ",
        "Lock",
        ". ",
        "? ",
        "! ",
        "\n",
        "\n\n",
        "# ",
        "## ",
        "```\n",
        "- ",
        "1. ",
        "**",
        "`",
        "_",
        "[link](http://x.y/z) ",
        "“quoted” ",
        "é",
        "naïve ",
        "東京",
        "—",
        "...",
        "(",
        ")",
        "|",
        "    ",
        "Definitions.\n\n",
        "ALL CAPS LINE\n\n",
        "e.g. ",
        "\u{301}",
    ];
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) as usize
    };
    for _ in 0..300 {
        let len = next() % 400;
        let text: String = (0..len).map(|_| PIECES[next() % PIECES.len()]).collect();
        let r = compile_offline(&OfflineInput {
            title: None,
            text: &text,
            existing_titles: &titles(&["Thread Pool", "Lock", "東京"]),
        });
        check_grounded(&text, &r);
        let chunks = crate::compile::chunking::chunk_text(&text, 1 + next() % 200);
        assert_eq!(
            chunks.iter().map(|c| c.text.as_str()).collect::<String>(),
            text
        );
        // Any run of whole words of the text is a valid quote of it.
        let start = next() % (text.len() + 1);
        let window = text
            .get(start..(start + 80).min(text.len()))
            .unwrap_or_default();
        if let (Some(a), Some(b)) = (
            window.find(char::is_whitespace),
            window.rfind(char::is_whitespace),
        ) {
            let piece = &window[a..b];
            if !crate::compile::grounding::tokens::tokens(piece).is_empty() {
                assert!(
                    crate::compile::grounding::locate_quote(&text, piece).is_some(),
                    "{piece:?} in {text:?}"
                );
            }
        }
    }
}
