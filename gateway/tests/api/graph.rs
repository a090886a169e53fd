//! `GET /api/graph`: the articles, the concepts they share, the links between them with their
//! relations, and communities; `GET /api/articles/{id}/graph`: one article's neighbourhood.

use serde_json::Value;

use crate::helpers::{assert_envelope, spawn_app};

fn node<'a>(graph: &'a Value, id: &str) -> &'a Value {
    graph["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .find(|n| n["id"] == id)
        .unwrap_or_else(|| panic!("no node {id}: {graph}"))
}

#[tokio::test]
async fn the_graph_holds_articles_their_links_and_communities() {
    let app = spawn_app().await;
    let bisect = app.compiled_note("# bisect — Array bisection\n\nThe bisect module keeps a list sorted without sorting it again after each insertion. For a priority queue, heapq keeps the smallest item first instead.").await;
    let heapq = app.compiled_note("# heapq — Heap queue algorithm\n\nThe heapq module implements heaps on plain lists. To find insertion points in a sorted list, bisect is the better tool.").await;
    let loner = app.compiled_note("# Lighthouses\n\nA lighthouse marks dangerous coasts with a light that sailors can recognise at night.").await;

    let (status, graph) = app.get_json("/api/graph").await;
    assert_eq!(status, 200, "{graph}");
    let (b, h, l) = (
        node(&graph, &bisect),
        node(&graph, &heapq),
        node(&graph, &loner),
    );
    assert_eq!(b["kind"], "article");
    assert_eq!(b["page_type"], "source");
    assert!(b["slug"].is_string() && b["title"].is_string(), "{b}");
    let edges = graph["edges"].as_array().expect("edges");
    for (from, to) in [(&bisect, &heapq), (&heapq, &bisect)] {
        assert!(
            edges.iter().any(|e| e["source"] == from.as_str()
                && e["target"] == to.as_str()
                && e["relation"] == "references"),
            "{graph}"
        );
    }
    assert!(b["degree"].as_u64().unwrap_or(0) >= 2, "{graph}");
    assert_eq!(
        b["community"], h["community"],
        "linked pages belong together: {graph}"
    );
    assert_ne!(l["community"], b["community"], "{graph}");
    assert_eq!(l["degree"], 0, "{graph}");
    assert!(graph["communities"].as_u64().unwrap_or(0) >= 2, "{graph}");

    // A limit keeps the most recently changed articles.
    let (_, small) = app.get_json("/api/graph?limit=1").await;
    let articles: Vec<&Value> = small["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .filter(|n| n["kind"] == "article")
        .collect();
    assert_eq!(articles.len(), 1, "{small}");

    // A concept no article carries gives an empty graph; bad limits are refused.
    let (status, none) = app.get_json("/api/graph?concept=no-such-concept").await;
    assert_eq!(status, 200);
    assert_eq!(none["nodes"], serde_json::json!([]), "{none}");
    for bad in [
        "/api/graph?limit=0",
        "/api/graph?limit=abc",
        "/api/graph?colour=red",
    ] {
        let (status, body) = app.get_json(bad).await;
        assert_envelope(status, &body, 400);
    }
}

#[tokio::test]
async fn an_articles_local_graph_reaches_its_neighbours_and_no_further() {
    let app = spawn_app().await;
    let bisect = app.compiled_note("# bisect — Array bisection\n\nThe bisect module keeps a list sorted without sorting it again after each insertion.").await;
    let heapq = app.compiled_note("# heapq — Heap queue algorithm\n\nThe heapq module implements heaps on plain lists. To find insertion points in a sorted list, bisect is the better tool.").await;
    let sched = app.compiled_note("# sched — Event scheduler\n\nThe sched module runs events at given times; its queue is kept in order with heapq.").await;
    let loner = app.compiled_note("# Lighthouses\n\nA lighthouse marks dangerous coasts with a light that sailors can recognise at night.").await;

    let ids = |graph: &Value| -> Vec<String> {
        graph["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .filter(|n| n["kind"] == "article")
            .map(|n| n["id"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    // sched → heapq → bisect: bisect is two hops from sched, the lighthouse none.
    let (status, two) = app.get_json(&format!("/api/articles/{sched}/graph")).await;
    assert_eq!(status, 200, "{two}");
    let found = ids(&two);
    assert_eq!(
        found.first(),
        Some(&sched),
        "the article comes first: {two}"
    );
    assert!(found.contains(&heapq) && found.contains(&bisect), "{two}");
    assert!(!found.contains(&loner), "{two}");
    let (whole_status, whole) = app.get_json("/api/graph").await;
    assert_eq!(whole_status, 200);
    assert_eq!(
        node(&two, &heapq)["community"],
        node(&whole, &heapq)["community"],
        "colours match the Graph screen"
    );
    // Every edge joins two nodes of the local graph, and the one from sched to heapq is there.
    let nodes: Vec<&str> = two["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .filter_map(|n| n["id"].as_str())
        .collect();
    let edges = two["edges"].as_array().expect("edges");
    for e in edges {
        for end in [&e["source"], &e["target"]] {
            assert!(nodes.contains(&end.as_str().unwrap_or_default()), "{e}");
        }
    }
    assert!(
        edges
            .iter()
            .any(|e| e["source"] == sched.as_str() && e["target"] == heapq.as_str()),
        "{two}"
    );

    let (_, one) = app
        .get_json(&format!("/api/articles/{sched}/graph?hops=1"))
        .await;
    let found = ids(&one);
    assert!(found.contains(&heapq) && !found.contains(&bisect), "{one}");
    let (_, alone) = app.get_json(&format!("/api/articles/{loner}/graph")).await;
    assert_eq!(ids(&alone), vec![loner], "{alone}");

    let (status, body) = app
        .get_json("/api/articles/00000000-0000-0000-0000-000000000001/graph")
        .await;
    assert_envelope(status, &body, 404);
    for bad in [
        format!("/api/articles/{sched}/graph?hops=0"),
        format!("/api/articles/{sched}/graph?hops=9"),
        format!("/api/articles/{sched}/graph?limit=0"),
        "/api/articles/not-an-id/graph".to_owned(),
    ] {
        let (status, body) = app.get_json(&bad).await;
        assert_envelope(status, &body, 400);
    }
}
