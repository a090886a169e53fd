//! Reading the wiki: filters, links between articles, and re-resolution of links.

use std::time::Duration;

use crate::helpers::spawn_app;

const LIMIT: Duration = Duration::from_secs(120);

#[tokio::test]
async fn a_mention_of_an_existing_title_becomes_a_resolved_backlink() {
    let app = spawn_app().await;
    let (_, first) = app
        .post_text("# Sourdough\n\nSourdough bread is leavened by wild yeast and lactic acid bacteria. The starter must be fed with flour and water every day. A long fermentation gives the bread its sour taste.", Some("Sourdough"))
        .await;
    let first = app
        .wait_for_source(first["source"]["id"].as_str().expect("id"), LIMIT)
        .await;
    let (_, second) = app
        .post_text("# Bakery notes\n\nOur bakery sells Sourdough every morning. The ovens are heated to a high temperature before dawn. Customers queue early because the loaves sell out quickly.", None)
        .await;
    let second = app
        .wait_for_source(second["source"]["id"].as_str().expect("id"), LIMIT)
        .await;
    let target = first["article_ids"][0].as_str().expect("first article");
    let from = second["article_ids"][0].as_str().expect("second article");

    let (_, article) = app.get_json(&format!("/api/articles/{from}")).await;
    let out = article["backlinks_out"].as_array().expect("out");
    assert!(
        out.iter()
            .any(|l| l["article_id"] == target && l["resolved"] == true),
        "{article}"
    );
    let (_, target_article) = app.get_json(&format!("/api/articles/{target}")).await;
    let incoming = target_article["backlinks_in"].as_array().expect("in");
    assert!(
        incoming.iter().any(|l| l["article_id"] == from),
        "{target_article}"
    );
}

#[tokio::test]
async fn articles_can_be_filtered_and_concepts_listed() {
    let app = spawn_app().await;
    let (status, empty) = app.get_json("/api/articles").await;
    assert_eq!(status, 200);
    assert_eq!(empty, serde_json::json!({"items": [], "total": 0}));
    let (_, a) = app
        .post_text(
            &String::from_utf8(crate::helpers::corpus("text/MPL-2.0.txt")).expect("utf8"),
            None,
        )
        .await;
    app.wait_for_source(a["source"]["id"].as_str().expect("id"), LIMIT)
        .await;

    let (status, list) = app
        .get_json("/api/articles?page_type=source&limit=10")
        .await;
    assert_eq!(status, 200);
    assert_eq!(list["total"], 1);
    let item = &list["items"][0];
    assert!(item["claim_count"].as_i64().unwrap_or_default() > 0);
    assert_eq!(item["source_count"], 1);

    let (_, concepts) = app.get_json("/api/concepts").await;
    let first = concepts["items"][0]["display_name"]
        .as_str()
        .expect("a concept")
        .to_owned();
    let (_, by_concept) = app
        .get_json(&format!("/api/articles?concept={}", urlencode(&first)))
        .await;
    assert_eq!(by_concept["total"], 1, "{by_concept}");
    // Every filter at once still finds it; a page past the end is empty but counts it.
    let confidence = item["confidence"].as_str().expect("confidence");
    let (_, all_filters) = app
        .get_json(&format!(
            "/api/articles?concept={}&page_type=source&confidence={confidence}&q=license",
            urlencode(&first)
        ))
        .await;
    assert_eq!(all_filters["total"], 1, "{all_filters}");
    assert_eq!(all_filters["items"][0]["id"], item["id"], "{all_filters}");
    let (_, past_the_end) = app.get_json("/api/articles?offset=5").await;
    assert_eq!(past_the_end["total"], 1, "{past_the_end}");
    assert_eq!(
        past_the_end["items"],
        serde_json::json!([]),
        "{past_the_end}"
    );

    let (_, found) = app.get_json("/api/articles?q=license").await;
    assert_eq!(found["total"], 1);
    let (_, missing) = app.get_json("/api/articles?q=zebra+crossing").await;
    assert_eq!(missing["total"], 0);
    let (status, _) = app.get_json("/api/articles?confidence=certain").await;
    assert_eq!(status, 400);
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
