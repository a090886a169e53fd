//! The wiki as a graph: articles and the concepts they share as nodes, resolved links (with
//! their relation) and concept membership as edges, and communities found by modularity
//! (the local-moving phase of Louvain) so a reader sees which pages belong together.
//! Computed on the server and cached until the wiki changes.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde::Serialize;

use crate::db::{self, Db, DbResult};
use crate::domain::ArticleId;

/// Most nodes a graph holds, whatever is asked.
pub const MAX_GRAPH_NODES: i64 = 20_000;
/// Relation of an edge from an article to a concept it carries.
const CONCEPT_RELATION: &str = "concept";
/// Passes of local moving before communities are taken as they are.
const MAX_PASSES: usize = 20;
/// Graphs kept (per concept filter and limit).
const CACHE_ENTRIES: usize = 16;

/// A node of the graph.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct GraphNode {
    /// The article's id, or `concept:{key}` for a concept.
    pub id: String,
    pub kind: NodeKind,
    pub title: String,
    /// The article's slug, or the concept's key.
    pub slug: String,
    /// The article's page type; `None` for a concept.
    #[schema(value_type = Option<crate::compile::PageType>)]
    pub page_type: Option<String>,
    pub degree: usize,
    /// Communities are numbered from 0, largest first.
    pub community: usize,
}

/// What a node of the graph is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NodeKind {
    Article,
    Concept,
}

/// An edge of the graph, from `source` to `target` node id.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct GraphEdge {
    pub source: String,
    pub target: String,
    /// A link's relation (`references`, `extends`…), or `concept` for membership.
    pub relation: String,
}

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct Graph {
    pub nodes: Vec<GraphNode>,
    pub edges: Vec<GraphEdge>,
    /// How many communities the nodes fall into.
    pub communities: usize,
}

/// Graphs by (concept filter, limit), each with the wiki generation it was computed at.
type CachedGraphs = HashMap<(Option<String>, i64), (i64, Arc<Graph>)>;

/// Graphs already computed.
#[derive(Debug, Default)]
pub struct GraphCache {
    entries: Mutex<CachedGraphs>,
}

impl GraphCache {
    /// The graph of up to `limit` articles (most recently changed first; with `concept`, those
    /// carrying it), their links, and the concepts at least two of them share.
    pub async fn graph(&self, db: &Db, concept: Option<&str>, limit: i64) -> DbResult<Arc<Graph>> {
        let limit = limit.clamp(1, MAX_GRAPH_NODES);
        let key = (concept.map(str::to_owned), limit);
        let generation = db::generation::current(db).await?;
        if let Some((g, graph)) = self.lock().get(&key)
            && *g == generation
        {
            return Ok(graph.clone());
        }
        let graph = Arc::new(build(db, concept, limit).await?);
        let mut entries = self.lock();
        // A slower reader of an older wiki must not replace a newer graph.
        if entries.get(&key).is_some_and(|(g, _)| *g > generation) {
            return Ok(graph);
        }
        if entries.len() >= CACHE_ENTRIES {
            entries.clear();
        }
        entries.insert(key, (generation, graph.clone()));
        Ok(graph)
    }

    /// The article's local graph: the pages and shared concepts within `hops` edges of it (links
    /// either way, concept membership), at most `max_nodes`, nearest first; `None` when the
    /// article is not in the wiki's graph. Cut from the whole graph, so colours (communities)
    /// and sizes (degrees) match the Graph screen.
    pub async fn local(
        &self,
        db: &Db,
        article: ArticleId,
        hops: usize,
        max_nodes: usize,
    ) -> DbResult<Option<Graph>> {
        let whole = self.graph(db, None, MAX_GRAPH_NODES).await?;
        Ok(neighbourhood(&whole, &article.to_string(), hops, max_nodes))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, CachedGraphs> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }
}

async fn build(db: &Db, concept: Option<&str>, limit: i64) -> DbResult<Graph> {
    let articles = db::graph::articles(db, concept, limit).await?;
    let index: HashMap<ArticleId, usize> = articles
        .iter()
        .enumerate()
        .map(|(i, a)| (a.id, i))
        .collect();
    let mut nodes: Vec<GraphNode> = articles
        .iter()
        .map(|a| GraphNode {
            id: a.id.to_string(),
            kind: NodeKind::Article,
            title: a.title.clone(),
            slug: a.slug.clone(),
            page_type: Some(a.page_type.clone()),
            degree: 0,
            community: 0,
        })
        .collect();
    let mut pairs: Vec<(usize, usize, String)> = Vec::new();
    for (from, to, relation) in db::graph::links(db).await? {
        if let (Some(&a), Some(&b)) = (index.get(&from), index.get(&to)) {
            pairs.push((a, b, relation));
        }
    }
    // Concepts at least two of the listed articles share: one node each, an edge per article.
    let mut members: HashMap<String, (String, Vec<usize>)> = HashMap::new();
    for (article, key, display) in db::graph::concepts(db).await? {
        if let Some(&a) = index.get(&article) {
            members
                .entry(key)
                .or_insert_with(|| (display, Vec::new()))
                .1
                .push(a);
        }
    }
    let mut shared: Vec<(String, (String, Vec<usize>))> = members
        .into_iter()
        .filter(|(_, (_, m))| m.len() >= 2)
        .collect();
    shared.sort_by(|a, b| a.0.cmp(&b.0));
    for (key, (display, articles)) in shared {
        if nodes.len() as i64 >= MAX_GRAPH_NODES {
            break;
        }
        let c = nodes.len();
        nodes.push(GraphNode {
            id: format!("concept:{key}"),
            kind: NodeKind::Concept,
            title: display,
            slug: key,
            page_type: None,
            degree: 0,
            community: 0,
        });
        pairs.extend(
            articles
                .into_iter()
                .map(|a| (a, c, CONCEPT_RELATION.to_owned())),
        );
    }

    let undirected: Vec<(usize, usize)> = pairs.iter().map(|(a, b, _)| (*a, *b)).collect();
    let community = communities(nodes.len(), &undirected);
    for (a, b) in &undirected {
        nodes[*a].degree += 1;
        nodes[*b].degree += 1;
    }
    for (node, c) in nodes.iter_mut().zip(&community) {
        node.community = *c;
    }
    let edges = pairs
        .into_iter()
        .map(|(a, b, relation)| GraphEdge {
            source: nodes[a].id.clone(),
            target: nodes[b].id.clone(),
            relation,
        })
        .collect();
    Ok(Graph {
        communities: community.iter().max().map_or(0, |m| m + 1),
        nodes,
        edges,
    })
}

/// The part of `graph` within `hops` edges of the node `center` (edges taken either way), at
/// most `max_nodes` nodes: breadth first, and within one hop the best connected first. Edges
/// are those between the nodes kept. `None` when `center` is not a node.
fn neighbourhood(graph: &Graph, center: &str, hops: usize, max_nodes: usize) -> Option<Graph> {
    let index: HashMap<&str, usize> = graph
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.id.as_str(), i))
        .collect();
    let start = *index.get(center)?;
    let mut adjacent: Vec<Vec<usize>> = vec![Vec::new(); graph.nodes.len()];
    for e in &graph.edges {
        if let (Some(&a), Some(&b)) = (index.get(e.source.as_str()), index.get(e.target.as_str())) {
            adjacent[a].push(b);
            adjacent[b].push(a);
        }
    }
    let mut kept = vec![start];
    let mut seen = std::collections::HashSet::from([start]);
    let mut frontier = vec![start];
    for _ in 0..hops {
        let mut next: Vec<usize> = Vec::new();
        for &n in &frontier {
            for &m in &adjacent[n] {
                if seen.insert(m) {
                    next.push(m);
                }
            }
        }
        next.sort_by(|a, b| {
            let (a, b) = (&graph.nodes[*a], &graph.nodes[*b]);
            b.degree.cmp(&a.degree).then_with(|| a.id.cmp(&b.id))
        });
        next.truncate(max_nodes.saturating_sub(kept.len()));
        kept.extend(&next);
        frontier = next;
    }
    let inside: std::collections::HashSet<&str> =
        kept.iter().map(|&i| graph.nodes[i].id.as_str()).collect();
    let nodes: Vec<GraphNode> = kept.iter().map(|&i| graph.nodes[i].clone()).collect();
    let edges: Vec<GraphEdge> = graph
        .edges
        .iter()
        .filter(|e| inside.contains(e.source.as_str()) && inside.contains(e.target.as_str()))
        .cloned()
        .collect();
    Some(Graph {
        communities: graph.communities,
        nodes,
        edges,
    })
}

/// The community of each of `n` nodes joined by `edges` (undirected, repeats adding weight):
/// each node moves to the neighbouring community that most increases modularity, in node
/// order, until a pass moves none. Numbered from 0, largest community first; deterministic.
pub fn communities(n: usize, edges: &[(usize, usize)]) -> Vec<usize> {
    let mut adjacency: Vec<HashMap<usize, f64>> = vec![HashMap::new(); n];
    for &(a, b) in edges {
        if a == b || a >= n || b >= n {
            continue;
        }
        *adjacency[a].entry(b).or_default() += 1.0;
        *adjacency[b].entry(a).or_default() += 1.0;
    }
    let degree: Vec<f64> = adjacency.iter().map(|m| m.values().sum()).collect();
    let two_m: f64 = degree.iter().sum();
    let mut community: Vec<usize> = (0..n).collect();
    if two_m > 0.0 {
        let mut total: Vec<f64> = degree.clone();
        for _ in 0..MAX_PASSES {
            let mut moved = false;
            for i in 0..n {
                if degree[i] == 0.0 {
                    continue;
                }
                let own = community[i];
                total[own] -= degree[i];
                let mut links_to: HashMap<usize, f64> = HashMap::new();
                for (&j, &w) in &adjacency[i] {
                    *links_to.entry(community[j]).or_default() += w;
                }
                let gain = |c: usize, k_in: f64| k_in - total[c] * degree[i] / two_m;
                let mut best = (own, gain(own, links_to.get(&own).copied().unwrap_or(0.0)));
                let mut candidates: Vec<(&usize, &f64)> = links_to.iter().collect();
                candidates.sort_by_key(|(c, _)| **c);
                for (&c, &k_in) in candidates {
                    let g = gain(c, k_in);
                    if g > best.1 + 1e-12 {
                        best = (c, g);
                    }
                }
                total[best.0] += degree[i];
                if best.0 != own {
                    community[i] = best.0;
                    moved = true;
                }
            }
            if !moved {
                break;
            }
        }
    }
    // Renumber: largest first, ties by first node.
    let mut sizes: HashMap<usize, (usize, usize)> = HashMap::new();
    for (i, c) in community.iter().enumerate() {
        let e = sizes.entry(*c).or_insert((0, i));
        e.0 += 1;
    }
    let mut order: Vec<(usize, (usize, usize))> = sizes.into_iter().collect();
    order.sort_by(|a, b| b.1.0.cmp(&a.1.0).then(a.1.1.cmp(&b.1.1)));
    let number: HashMap<usize, usize> = order
        .into_iter()
        .enumerate()
        .map(|(k, (c, _))| (c, k))
        .collect();
    community.iter().map(|c| number[c]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_cliques_joined_by_one_edge_are_two_communities() {
        let mut edges = Vec::new();
        for group in [[0, 1, 2, 3], [4, 5, 6, 7]] {
            for a in 0..4 {
                for b in a + 1..4 {
                    edges.push((group[a], group[b]));
                }
            }
        }
        edges.push((3, 4));
        let c = communities(9, &edges);
        assert!(c[..4].iter().all(|x| *x == c[0]));
        assert!(c[4..8].iter().all(|x| *x == c[4]));
        assert_ne!(c[0], c[4]);
        assert_ne!(c[8], c[0], "an isolated node is a community of its own");
        assert_ne!(c[8], c[4]);
        assert_eq!(communities(9, &edges), c, "deterministic");
        assert_eq!(communities(0, &[]), Vec::<usize>::new());
    }

    fn node(id: &str, degree: usize) -> GraphNode {
        GraphNode {
            id: id.into(),
            kind: NodeKind::Article,
            title: id.into(),
            slug: id.into(),
            page_type: Some("source".into()),
            degree,
            community: 0,
        }
    }

    fn edge(source: &str, target: &str) -> GraphEdge {
        GraphEdge {
            source: source.into(),
            target: target.into(),
            relation: "references".into(),
        }
    }

    #[test]
    fn the_neighbourhood_is_cut_by_hops_and_size_nearest_first() {
        // a → b → c → d, and e → a: two hops from a reach b, e and c, not d.
        let graph = Graph {
            nodes: vec![
                node("a", 2),
                node("b", 2),
                node("c", 2),
                node("d", 1),
                node("e", 1),
            ],
            edges: vec![
                edge("a", "b"),
                edge("b", "c"),
                edge("c", "d"),
                edge("e", "a"),
            ],
            communities: 1,
        };
        let local = neighbourhood(&graph, "a", 2, 10).unwrap();
        let ids: Vec<&str> = local.nodes.iter().map(|n| n.id.as_str()).collect();
        assert_eq!(ids, ["a", "b", "e", "c"]);
        assert_eq!(local.edges.len(), 3, "c → d leaves the neighbourhood");
        let one = neighbourhood(&graph, "a", 1, 10).unwrap();
        assert_eq!(one.nodes.len(), 3);
        let small = neighbourhood(&graph, "a", 2, 2).unwrap();
        let ids: Vec<&str> = small.nodes.iter().map(|n| n.id.as_str()).collect();
        assert_eq!(ids, ["a", "b"], "the best connected neighbour first");
        assert!(neighbourhood(&graph, "z", 2, 10).is_none());
    }
}
