//! Tests of quote location and grounding, on hand-made text and on the corpus licences.

use std::path::Path;

use super::*;

fn corpus(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata/corpus/text")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn norm(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

fn found<'a>(source: &'a str, quote: &str) -> &'a str {
    let span = locate_quote(source, quote).unwrap_or_else(|| panic!("not found: {quote:?}"));
    span.slice(source)
}

const TEXT: &str = "The Licensor provides the Work on an \"AS IS\" BASIS.\nIt is **not** a\n   warranty of _any_ kind — see `Section 7` for details… \
You may obtain a copy of the License at http://www.apache.org/licenses/LICENSE-2.0 and read it.";

#[test]
fn an_exact_quote_is_found_and_its_span_slices_the_source() {
    let quote = "provides the Work on an";
    assert_eq!(found(TEXT, quote), quote);
    let span = locate_quote(TEXT, quote).unwrap();
    let by_chars: String = TEXT
        .chars()
        .skip(span.start)
        .take(span.end - span.start)
        .collect();
    assert_eq!(by_chars, quote);
}

#[test]
fn case_and_whitespace_differences_are_ignored() {
    assert_eq!(
        found(TEXT, "it is NOT A WARRANTY"),
        "It is **not** a\n   warranty"
    );
    assert_eq!(
        norm(found(TEXT, "the  licensor\tprovides")),
        "the licensor provides"
    );
}

#[test]
fn typographic_quotes_dashes_and_dropped_markdown_are_tolerated() {
    assert_eq!(found(TEXT, "on an “AS IS” basis"), "on an \"AS IS\" BASIS");
    assert_eq!(
        found(TEXT, "of any kind - see Section 7"),
        "of _any_ kind — see `Section 7"
    );
    assert_eq!(found(TEXT, "\"AS IS\""), "\"AS IS\"");
    assert_eq!(
        found(TEXT, "...see Section 7 for details..."),
        "see `Section 7` for details"
    );
    assert_eq!(
        found(TEXT, "The Licensor provides the Work."),
        "The Licensor provides the Work"
    );
}

#[test]
fn an_elided_quote_matches_its_parts_in_order() {
    assert_eq!(
        found(TEXT, "The Licensor provides … warranty of any kind"),
        "The Licensor provides the Work on an \"AS IS\" BASIS.\nIt is **not** a\n   warranty of _any_ kind"
    );
    assert!(locate_quote(TEXT, "warranty of any kind ... The Licensor provides").is_none());
}

#[test]
fn multibyte_text_spans_count_chars_not_bytes() {
    let source = "Préface: le Café — naïve et “élégant”, dit-il.";
    let span = locate_quote(source, "cafe - naive").unwrap();
    assert_eq!(span, Span { start: 12, end: 24 });
    assert_eq!(span.slice(source), "Café — naïve");
    let by_chars: String = source.chars().skip(span.start).take(span.len()).collect();
    assert_eq!(by_chars, "Café — naïve");
    assert_eq!(found(source, "\"élégant\""), "“élégant”");
}

#[test]
fn a_small_typo_in_a_long_quote_is_accepted() {
    let source = corpus("Apache-2.0.txt");
    let exact = "each Contributor hereby grants to You a perpetual, worldwide, non-exclusive, no-charge, royalty-free, irrevocable copyright license";
    let typo = "each Contributor hereby grants to You a perpetual, worldwide, nonexclusive, no-charge, royalty-free, irrevocable copyright lisence";
    let span = locate_quote(&source, typo).unwrap();
    assert_eq!(norm(span.slice(&source)), norm(exact));
    let british =
        "You must give any other recipients of the Work or Derivative Works a copy of this Licence";
    assert!(norm(found(&source, british)).ends_with("a copy of this license"));
}

#[test]
fn a_paraphrase_or_invented_quote_is_rejected() {
    let source = corpus("Apache-2.0.txt");
    for quote in [
        "each Contributor gives You a permanent worldwide free licence to copy the Work",
        "You must give other recipients of the Work a copy of the GPL",
        "the Licensor is liable for all damages arising from use of the Work",
        "Derivative Works shall include works that remain separable",
        "a perpetual license",
        "…",
        "",
    ] {
        assert!(
            locate_quote(&source, quote).is_none(),
            "{quote:?} should not verify"
        );
    }
}

#[test]
fn short_quotes_must_match_exactly() {
    assert!(locate_quote(TEXT, "provides the Wrok").is_none());
    assert!(locate_quote(TEXT, "provides the Work").is_some());
}

#[test]
fn grounding_marks_claims_and_downgrades_unverified_ones() {
    let claims = vec![
        CompiledClaim {
            claim: "Found".into(),
            confidence: Confidence::Sourced,
            quote: Some("an “as is” basis".into()),
        },
        CompiledClaim {
            claim: "Invented".into(),
            confidence: Confidence::Sourced,
            quote: Some("the Work is guaranteed to be bug free".into()),
        },
        CompiledClaim {
            claim: "Unquoted".into(),
            confidence: Confidence::Mixed,
            quote: None,
        },
        CompiledClaim {
            claim: "Opinion".into(),
            confidence: Confidence::Opinion,
            quote: Some("nowhere to be found in it".into()),
        },
        CompiledClaim {
            claim: "Inferred but found".into(),
            confidence: Confidence::Inferred,
            quote: Some("for details".into()),
        },
    ];
    let grounded = ground_claims(TEXT, &claims);
    let summary: Vec<(bool, Confidence)> = grounded
        .iter()
        .map(|g| (g.verified, g.confidence))
        .collect();
    assert_eq!(
        summary,
        [
            (true, Confidence::Sourced),
            (false, Confidence::Inferred),
            (false, Confidence::Inferred),
            (false, Confidence::Opinion),
            (true, Confidence::Inferred),
        ]
    );
    assert_eq!(grounded[0].span.unwrap().slice(TEXT), "an \"AS IS\" BASIS");
    assert!(grounded[1].span.is_none());
    assert_eq!(grounded[0].text, "Found");
}

#[test]
fn a_verified_quote_is_stored_as_the_passage_it_spans() {
    // The compiler quoted the prose of a markdown link without its target; the stored quote
    // must still be the source's own text, so the span always slices to it.
    let source = "This is similar to `sorted(iterable)`, but unlike [sorted()](functions.html#sorted), \
                  this implementation is not stable.";
    let claims = [CompiledClaim {
        claim: "heapsort is not stable".into(),
        confidence: Confidence::Sourced,
        quote: Some("but unlike sorted(), this implementation is not stable".into()),
    }];
    let grounded = ground_claims(source, &claims);
    let span = grounded[0].span.expect("located despite the link markup");
    assert_eq!(grounded[0].quote.as_deref(), Some(span.slice(source)));
    assert!(span.slice(source).ends_with("is not stable"), "{span:?}");
}

#[test]
fn overall_confidence_follows_the_verified_share() {
    let claim = |verified| GroundedClaim {
        text: String::new(),
        confidence: Confidence::Sourced,
        quote: None,
        verified,
        span: None,
    };
    let of =
        |v: usize, n: usize| overall_confidence(&(0..n).map(|i| claim(i < v)).collect::<Vec<_>>());
    assert_eq!(of(0, 0), Confidence::Inferred);
    assert_eq!(of(4, 5), Confidence::Sourced);
    assert_eq!(of(3, 5), Confidence::Mixed);
    assert_eq!(of(2, 5), Confidence::Mixed);
    assert_eq!(of(1, 5), Confidence::Inferred);
}

#[test]
fn span_slice_handles_edges() {
    let text = "añb";
    assert_eq!(Span { start: 1, end: 2 }.slice(text), "ñ");
    assert_eq!(Span { start: 0, end: 3 }.slice(text), "añb");
    assert_eq!(Span { start: 3, end: 3 }.slice(text), "");
    assert_eq!(Span { start: 5, end: 9 }.slice(text), "");
}

#[test]
fn markdown_link_targets_are_invisible_to_matching() {
    let source = "JSON, specified by [**RFC 7159**](https://datatracker.ietf.org/doc/html/rfc7159.html) and by [ECMA-404](https://ecma.org/404), is a format.";
    assert_eq!(
        found(source, "specified by RFC 7159 and by ECMA-404, is a format"),
        "specified by [**RFC 7159**](https://datatracker.ietf.org/doc/html/rfc7159.html) and by [ECMA-404](https://ecma.org/404), is a format"
    );
    assert!(
        locate_quote(
            source,
            "specified by [RFC 7159](https://other.example/x) and by ECMA-404"
        )
        .is_some()
    );
    assert!(locate_quote(source, "datatracker ietf org").is_none());
}

#[test]
fn a_repeated_passage_is_located_where_it_is_verbatim() {
    let source = "IF THE LOCK IS HELD, WAIT. Later: if the lock is held, wait. Finally: If the lock is held, wait.";
    let span = locate_quote(source, "If the lock is held, wait.").unwrap();
    assert_eq!(span.slice(source), "If the lock is held, wait.");
    assert_eq!(span.start, source.find("If the").unwrap());
    // Without a verbatim occurrence, the first case-insensitive one is used.
    let span = locate_quote(source, "IF the LOCK is held").unwrap();
    assert_eq!(span.start, 0);
}

#[test]
fn many_quotes_against_a_long_source_are_located_with_one_index() {
    let text = corpus("GPL-3.txt").repeat(8);
    let locator = QuoteLocator::new(&text);
    let last_copy = text.len() - text.len() / 8;
    let sentences: Vec<&str> = text[last_copy..]
        .split(". ")
        .filter(|s| s.split_whitespace().count() >= 8)
        .take(50)
        .collect();
    for sentence in &sentences {
        let quote: String = sentence
            .split_whitespace()
            .take(20)
            .collect::<Vec<_>>()
            .join(" ");
        let span = locator.locate(&quote).unwrap_or_else(|| panic!("{quote}"));
        assert_eq!(norm(span.slice(&text)), norm(&quote));
    }
    assert!(sentences.len() >= 40);
    assert!(
        locator
            .locate("this sentence does not occur anywhere in the licence text at all")
            .is_none()
    );
}
