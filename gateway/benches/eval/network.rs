//! How well the compiled corpus is knit into a wiki: links between articles, orphans, vault
//! links that do not resolve under Obsidian's rules, shared concepts and concept pages, read
//! through the API and from the vault files as a user's tools would see them.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use anyhow::Context as _;

use crate::inproc::Gateway;

/// The figures of one compiled wiki.
pub(crate) struct Network {
    pub(crate) articles: usize,
    pub(crate) concept_pages: usize,
    /// Distinct (from, to) pairs of resolved links between two different articles.
    pub(crate) links: usize,
    /// Articles with no resolved link in or out.
    pub(crate) orphans: usize,
    /// Of the Python library pages, those linked to another Python page (either way).
    pub(crate) python_linked: (usize, usize),
    pub(crate) vault_links: usize,
    pub(crate) unresolved_vault_links: Vec<String>,
    pub(crate) concepts: usize,
    pub(crate) shared_concepts: usize,
    /// Shared concepts placed under a broader one in the concept tree, as (concept, parent) keys.
    pub(crate) nested_shared_concepts: Vec<(String, String)>,
}

/// Reads every article (with its links), the concept list and the vault under `wiki_dir`.
/// `python` holds the ids of the articles compiled from the Python library pages.
pub(crate) async fn measure(
    gateway: &Gateway,
    wiki_dir: &Path,
    python: &HashSet<String>,
) -> anyhow::Result<Network> {
    let mut slugs: Vec<String> = Vec::new();
    let mut offset = 0;
    loop {
        let page = gateway
            .get_json(
                "/api/articles",
                &[("limit", "100"), ("offset", &offset.to_string())],
            )
            .await?;
        let items = page["items"].as_array().context("article list items")?;
        slugs.extend(
            items
                .iter()
                .filter_map(|a| Some(a["slug"].as_str()?.to_owned())),
        );
        offset += items.len();
        if items.is_empty() || offset as i64 >= page["total"].as_i64().unwrap_or(0) {
            break;
        }
    }

    let mut edges: HashSet<(String, String)> = HashSet::new();
    let mut page_types: HashMap<String, String> = HashMap::new();
    for slug in &slugs {
        let a = gateway
            .get_json(&format!("/api/articles/{slug}"), &[])
            .await?;
        let id = a["id"].as_str().context("article id")?.to_owned();
        page_types.insert(id.clone(), a["page_type"].as_str().unwrap_or("").to_owned());
        for link in a["backlinks_out"].as_array().into_iter().flatten() {
            if let Some(to) = link["article_id"].as_str()
                && to != id
            {
                edges.insert((id.clone(), to.to_owned()));
            }
        }
    }
    let linked: HashSet<&String> = edges.iter().flat_map(|(a, b)| [a, b]).collect();
    let python_linked = python
        .iter()
        .filter(|p| {
            edges
                .iter()
                .any(|(a, b)| (a == *p && python.contains(b)) || (b == *p && python.contains(a)))
        })
        .count();

    let concepts = gateway.get_json("/api/concepts", &[]).await?;
    let counts: Vec<i64> = concepts["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["article_count"].as_i64())
        .collect();
    let nested_shared_concepts = concepts["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| c["article_count"].as_i64() >= Some(2))
        .filter_map(|c| {
            Some((
                c["name"].as_str()?.to_owned(),
                c["parent"].as_str()?.to_owned(),
            ))
        })
        .collect();

    let (vault_links, unresolved_vault_links) = vault_links(wiki_dir)?;
    Ok(Network {
        articles: page_types.len(),
        concept_pages: page_types.values().filter(|t| *t == "concept").count(),
        links: edges.len(),
        orphans: page_types.keys().filter(|id| !linked.contains(id)).count(),
        python_linked: (python_linked, python.len()),
        vault_links,
        unresolved_vault_links,
        concepts: counts.len(),
        shared_concepts: counts.iter().filter(|n| **n >= 2).count(),
        nested_shared_concepts,
    })
}

/// Every `[[target]]` / `[[target|label]]` in the vault, and those naming no file of it
/// (Obsidian resolves a link to a file name or path; aliases in frontmatter do not count).
fn vault_links(wiki_dir: &Path) -> anyhow::Result<(usize, Vec<String>)> {
    let mut names = HashSet::new();
    let mut files = Vec::new();
    for entry in walk(wiki_dir)? {
        if let Some(stem) = entry.file_stem().and_then(|s| s.to_str()) {
            names.insert(stem.to_owned());
            if let Ok(rel) = entry.strip_prefix(wiki_dir) {
                names.insert(rel.with_extension("").to_string_lossy().into_owned());
            }
        }
        files.push(entry);
    }
    let (mut total, mut unresolved) = (0, Vec::new());
    for file in files {
        let text = std::fs::read_to_string(&file)?;
        let mut rest = text.as_str();
        while let Some(start) = rest.find("[[") {
            let after = &rest[start + 2..];
            let Some(end) = after.find("]]") else { break };
            let inner = &after[..end];
            let target = inner.split(['|', '#']).next().unwrap_or("").trim();
            total += 1;
            if !names.contains(target) {
                unresolved.push(format!("{}: [[{inner}]]", file.display()));
            }
            rest = &after[end + 2..];
        }
    }
    Ok((total, unresolved))
}

/// The markdown files under `dir`, recursively.
fn walk(dir: &Path) -> anyhow::Result<Vec<std::path::PathBuf>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("listing {}", dir.display()))? {
        let path = entry?.path();
        if path.is_dir() {
            out.extend(walk(&path)?);
        } else if path.extension().is_some_and(|e| e == "md") {
            out.push(path);
        }
    }
    Ok(out)
}

/// Model calls made while compiling the corpus.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct ModelCalls {
    /// Compiling the sources (one call per part of a long source).
    pub(crate) compile: usize,
    /// Arranging the shared concepts into a hierarchy.
    pub(crate) hierarchy: usize,
    /// Everything else: concept pages.
    pub(crate) other: usize,
}

/// The markdown table of the figures.
pub(crate) fn report(n: &Network, sources: usize, calls: ModelCalls) {
    let share = |part: usize, whole: usize| 100.0 * part as f64 / whole.max(1) as f64;
    println!("\n## Wiki network\n");
    println!("| measure | value |\n|---|---|");
    println!("| articles (concept pages included) | {} |", n.articles);
    println!("| links between articles | {} |", n.links);
    println!(
        "| orphan articles (no link in or out) | {} ({:.0} %) |",
        n.orphans,
        share(n.orphans, n.articles)
    );
    println!(
        "| Python pages linked to another Python page | {} of {} |",
        n.python_linked.0, n.python_linked.1
    );
    println!(
        "| vault `[[links]]` / unresolved under Obsidian's rules | {} / {} |",
        n.vault_links,
        n.unresolved_vault_links.len()
    );
    println!(
        "| concepts / with ≥ 2 articles | {} / {} ({:.0} %) |",
        n.concepts,
        n.shared_concepts,
        share(n.shared_concepts, n.concepts)
    );
    println!(
        "| shared concepts under a broader one | {} of {} |",
        n.nested_shared_concepts.len(),
        n.shared_concepts
    );
    println!("| concept pages | {} |", n.concept_pages);
    let per_source = |c: usize| c as f64 / sources.max(1) as f64;
    println!(
        "| LLM calls per source | {:.2} (compile {:.2}, concept pages {:.2}, concept hierarchy {:.2}) |",
        per_source(calls.compile + calls.other + calls.hierarchy),
        per_source(calls.compile),
        per_source(calls.other),
        per_source(calls.hierarchy)
    );
    for (concept, parent) in &n.nested_shared_concepts {
        println!("\nnested: {concept} under {parent}");
    }
    for link in n.unresolved_vault_links.iter().take(10) {
        println!("\nunresolved: {link}");
    }
}
