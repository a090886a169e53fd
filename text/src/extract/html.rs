//! Web page → readable markdown.
//!
//! Owns turning one HTML page into its main content as clean markdown plus
//! the page's title, author and publication date. Navigation, sidebars,
//! page headers/footers, forms and scripts are dropped; links survive as
//! markdown links unless their target is not a plain web/mail address.
//! Everything here treats the input as hostile: no raw HTML reaches the
//! output and no input makes it panic.

use dom_query::{Document, NodeRef};
use dom_smoothie::Readability;

use super::ExtractError;

mod content;
#[cfg(test)]
mod tests;

use content::{find_main, remove_junk, render, tidy_markdown};

/// Readable content of a web page.
#[derive(Debug, Clone, PartialEq)]
pub struct HtmlDocument {
    /// The page's own title (its main heading, og:title or cleaned `<title>`).
    pub title: Option<String>,
    /// The author as the page states it in its metadata.
    pub author: Option<String>,
    /// Publication date as found (ISO date if the page gives one).
    pub published: Option<String>,
    /// Main content as clean markdown.
    pub markdown: String,
}

/// Pages beyond this are refused rather than parsed: the DOM costs many
/// times the source size in memory.
const MAX_HTML_BYTES: usize = 32 * 1024 * 1024;

/// Deeper element nesting than this is flattened to plain text: the
/// markdown and readability steps recurse per level and would exhaust a
/// thread's stack (browsers cap tree depth at 512 for the same reason).
const MAX_DEPTH: usize = 512;

/// Refuse pages whose raw markup opens more nested containers than this:
/// the HTML parser's cost grows with the square of the nesting depth.
const MAX_NESTING_ESTIMATE: usize = 4096;

/// Extracts the main content of `html` as markdown, with title and metadata.
///
/// `page_url`, when given, makes relative links and images absolute.
pub fn extract_html(html: &str, page_url: Option<&url::Url>) -> Result<HtmlDocument, ExtractError> {
    if html.len() > MAX_HTML_BYTES {
        return Err(ExtractError::TooLarge(format!(
            "{} bytes of HTML (limit {MAX_HTML_BYTES})",
            html.len()
        )));
    }
    if html.trim().is_empty() {
        return Err(ExtractError::Empty);
    }
    let nesting = nesting_estimate(html);
    if nesting > MAX_NESTING_ESTIMATE {
        return Err(ExtractError::TooLarge(format!(
            "elements nested about {nesting} deep (limit {MAX_NESTING_ESTIMATE})"
        )));
    }
    // No page URL for the readability crate: it would resolve links such as
    // "java\tscript:…" as relative paths; `safe_url` resolves them properly.
    let mut reader = Readability::new(html, None, None).map_err(|e| ExtractError::Invalid {
        expected: "HTML document",
        detail: e.to_string(),
    })?;

    // Metadata first: the cleaning below removes <meta>, JSON-LD scripts and
    // page headers that may hold the byline.
    let json_ld = reader.parse_json_ld();
    let headline = json_ld.as_ref().and_then(|ld| clean_line(&ld.title));
    let meta = reader.get_article_metadata(json_ld);
    let author = meta.byline.as_deref().and_then(clean_line).or_else(|| {
        let found = reader
            .doc
            .select("[itemprop=author] [itemprop=name], [itemprop=author], a[rel=author]");
        found
            .nodes()
            .first()
            .and_then(|n| clean_line(&n.attr("content").unwrap_or_else(|| n.text())))
    });
    let published = meta
        .published_time
        .as_deref()
        .and_then(clean_line)
        .or_else(|| {
            let found = reader.doc.select("[itemprop=datePublished], time[pubdate]");
            found.nodes().first().and_then(|n| {
                let value = n.attr("content").or_else(|| n.attr("datetime"));
                clean_line(&value.unwrap_or_else(|| n.text()))
            })
        });
    let site = meta.site_name.as_deref();
    // Title sources from most to least trustworthy; the page's first <h1>
    // (found while rendering) beats them all.
    let titles = [
        first_value(&reader.doc, "meta[property='og:title']", "content")
            .map(|t| strip_site_suffix(&t, site)),
        headline,
        first_value(&reader.doc, "title", "").map(|t| strip_site_suffix(&t, site)),
        clean_line(&meta.title),
    ];
    remove_junk(&reader.doc.root());

    let (heading, markdown) = if max_depth(&reader.doc.root()) > MAX_DEPTH {
        // Too deep for the recursive steps: keep the words, lose the markup.
        let root = reader.doc.body().unwrap_or_else(|| reader.doc.root());
        (None, tidy_markdown(&root.formatted_text()))
    } else if let Some(main) = find_main(&reader.doc) {
        render(&main, page_url)
    } else {
        match reader.parse() {
            Ok(article) => render(&Document::fragment(article.content).root(), page_url),
            // The scorer found nothing it likes; the whole cleaned body is
            // still better than nothing for short or unusual pages.
            Err(_) => {
                let doc = Document::from(html);
                remove_junk(&doc.root());
                render(&doc.body().unwrap_or_else(|| doc.root()), page_url)
            }
        }
    };

    if !markdown.chars().any(char::is_alphanumeric) {
        return Err(ExtractError::Empty);
    }
    Ok(HtmlDocument {
        title: heading.or_else(|| titles.into_iter().flatten().next()),
        author,
        published,
        markdown,
    })
}

/// Cleaned text of the first element matching `selector`: its `attr`
/// attribute, or its text when `attr` is empty.
fn first_value(doc: &Document, selector: &str, attr: &str) -> Option<String> {
    let found = doc.select(selector);
    let node = found.nodes().first()?;
    let value = if attr.is_empty() {
        Some(node.text())
    } else {
        node.attr(attr)
    };
    clean_line(&value?)
}

/// Drops a trailing " — Site name" from a page title when the tail is the
/// site's declared name or reads like one ("… documentation", a domain);
/// other dashes are left alone, as they are often part of the title itself.
fn strip_site_suffix(title: &str, site_name: Option<&str>) -> String {
    const SEPARATORS: [&str; 6] = [" — ", " – ", " | ", " - ", " · ", " :: "];
    const SITE_WORDS: [&str; 6] = [
        "documentation",
        "docs",
        "manual",
        "handbook",
        "wiki",
        "blog",
    ];
    let cut = SEPARATORS
        .iter()
        .filter_map(|sep| title.rfind(sep).map(|at| (at, at + sep.len())))
        .max_by_key(|(at, _)| *at);
    if let Some((at, tail_start)) = cut {
        let (head, tail) = (
            title[..at].trim(),
            title[tail_start..].trim().to_lowercase(),
        );
        let is_domain = !tail.contains(' ')
            && tail.rsplit_once('.').is_some_and(|(host, tld)| {
                !host.is_empty() && tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic())
            });
        let is_site = is_domain
            || site_name.is_some_and(|name| name.trim().to_lowercase() == tail)
            || SITE_WORDS.iter().any(|word| tail.contains(word));
        if is_site && !head.is_empty() {
            return head.to_string();
        }
    }
    title.to_string()
}

/// Linear scan estimating how deep the parser will nest elements, so that
/// hostile input is refused before the (quadratic) parse. Raw-text elements
/// and comments are skipped; tags the parser closes implicitly or never
/// nests (void elements, `<p>`, `<li>`, table parts …) are not counted.
fn nesting_estimate(html: &str) -> usize {
    const NOT_NESTING: [&str; 33] = [
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
        "source", "track", "wbr", "p", "li", "dt", "dd", "option", "optgroup", "tr", "td", "th",
        "thead", "tbody", "tfoot", "colgroup", "caption", "rb", "rt", "rp", "html", "body",
    ];
    // (<template> is not here: its content is parsed like any other markup.)
    const RAW_TEXT: [&str; 6] = ["script", "style", "textarea", "title", "xmp", "noscript"];
    let lower = html.to_ascii_lowercase();
    let (mut depth, mut deepest, mut pos) = (0usize, 0usize, 0usize);
    while let Some(found) = lower.get(pos..).and_then(|rest| rest.find('<')) {
        pos += found + 1;
        let rest = lower.get(pos..).unwrap_or_default();
        if rest.starts_with("!--") {
            pos += rest.find("-->").unwrap_or(rest.len());
            continue;
        }
        let closing = rest.starts_with('/');
        let name_start = usize::from(closing);
        let name_len = rest[name_start..]
            .find(|c: char| !c.is_ascii_alphanumeric())
            .unwrap_or(rest.len() - name_start);
        let name = &rest[name_start..name_start + name_len];
        if name.is_empty() || NOT_NESTING.contains(&name) {
            continue;
        }
        if RAW_TEXT.contains(&name) {
            // Markup inside scripts and styles is text to the parser.
            if !closing {
                pos += rest.find(&format!("</{name}")).unwrap_or(rest.len());
            }
        } else if closing {
            depth = depth.saturating_sub(1);
        } else {
            depth += 1;
            deepest = deepest.max(depth);
        }
    }
    deepest
}

/// Depth of the deepest element below `root`, walked without recursion.
fn max_depth(root: &NodeRef) -> usize {
    let mut stack = vec![(*root, 0usize)];
    let mut deepest = 0;
    while let Some((node, depth)) = stack.pop() {
        deepest = deepest.max(depth);
        stack.extend(node.element_children().into_iter().map(|c| (c, depth + 1)));
    }
    deepest
}

/// One-line text with whitespace collapsed and permalink markers removed;
/// `None` if nothing readable is left.
fn clean_line(text: &str) -> Option<String> {
    let line = text
        .replace('¶', " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    (!line.is_empty() && line.chars().count() <= 500).then_some(line)
}
