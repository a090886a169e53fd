//! Finding a page's main content and turning it into safe, tidy markdown.

use dom_query::{Document, NodeRef, Selection};

use super::clean_line;

/// Elements that never hold article text, removed wherever they are.
/// Includes the chrome of the documentation generators we meet most
/// (Sphinx sidebars/related bars, DocBook/Publican nav lists, permalinks).
const JUNK: &str = "script, style, noscript, template, iframe, frame, object, embed, \
    applet, svg, canvas, input, button, select, textarea, dialog, link, meta, nav, \
    aside:not(.footnote):not(.footnote-list), footer, [role=navigation], [role=search], \
    [role=complementary], [role=contentinfo], [hidden], [aria-hidden=true], a.headerlink, \
    .sphinxsidebar, div.related, ul.docnav, #banner, .breadcrumb, .breadcrumbs, .skip-link";

/// Containers that pages use to mark their main content, most specific first.
/// The last one is the top-level division of DocBook-generated manuals, whose
/// boxed notes ("TIP", "CAUTION" sidebars) the readability scorer would drop.
const MAIN_CANDIDATES: [&str; 5] = [
    "article",
    "[itemprop=articleBody]",
    "[role=main]",
    "main",
    "body > div:is(.section, .sect1, .chapter, .appendix, .preface, .article, .refentry)",
];

/// A marked container must hold at least this much text to be trusted;
/// below it the page is more likely to misuse the markup, so the
/// readability scorer decides instead.
const MIN_MAIN_CHARS: usize = 200;

/// Link schemes that are kept; anything else (javascript:, data:, vbscript:,
/// file: …) is dropped and only the link text stays.
const SAFE_SCHEMES: [&str; 4] = ["http", "https", "mailto", "ftp"];

/// Removes every non-content element below `root`, plus page-level
/// `<header>`s (a header inside an article usually holds its title) and
/// small forms (search boxes; some sites wrap the whole page in a form).
pub(super) fn remove_junk(root: &NodeRef) {
    let sel = Selection::from(*root);
    sel.select(JUNK).remove();
    for header in sel.select("header").nodes() {
        let in_article = header.ancestors_it(None).any(|a| {
            a.node_name()
                .is_some_and(|n| &*n == "article" || &*n == "main")
        });
        if !in_article {
            header.remove_from_parent();
        }
    }
    for form in sel.select("form").nodes() {
        if text_len(form) < MIN_MAIN_CHARS {
            form.remove_from_parent();
        }
    }
}

/// Number of non-whitespace characters of text below `node`.
fn text_len(node: &NodeRef) -> usize {
    node.text().chars().filter(|c| !c.is_whitespace()).count()
}

/// The element the page itself marks as its main content, if it is
/// unambiguous and substantial.
pub(super) fn find_main(doc: &Document) -> Option<NodeRef<'_>> {
    MAIN_CANDIDATES.iter().find_map(|candidate| {
        let found = doc.select(candidate);
        match found.nodes() {
            [only] if text_len(only) >= MIN_MAIN_CHARS => Some(*only),
            _ => None,
        }
    })
}

/// Sanitises the subtree and converts it to markdown; also returns the
/// text of its first `<h1>`, the best title a page offers.
pub(super) fn render(root: &NodeRef, page_url: Option<&url::Url>) -> (Option<String>, String) {
    remove_junk(root);
    let sel = Selection::from(*root);
    fix_links(&sel, page_url);
    tag_code_languages(&sel);
    // The markdown writer runs consecutive <dt>s together on one line, so
    // terms become paragraphs of their own. Sphinx API signatures (spans and
    // <em>s) read best as one code span, other terms as bold.
    for term in sel.select("dt").nodes() {
        let wrapper = if term.has_class("sig") {
            "code"
        } else {
            "strong"
        };
        term.set_html(format!("<{wrapper}>{}</{wrapper}>", term.inner_html()));
        term.rename("p");
    }
    sel.select("dd").rename("div");
    // Sphinx admonition labels ("Note", "Warning") stand out as bold.
    for label in sel.select("p.admonition-title").nodes() {
        label.set_html(format!("<strong>{}</strong>", label.inner_html()));
    }
    let heading = sel
        .select("h1")
        .nodes()
        .first()
        .and_then(|h| clean_line(&h.text()));
    let markdown = tidy_markdown(&root.md(None));
    (heading, markdown)
}

/// Makes links absolute and drops the ones that are unsafe or useless
/// outside the page (same-page anchors), keeping their text.
fn fix_links(sel: &Selection, page_url: Option<&url::Url>) {
    for link in sel.select("a").nodes() {
        let target = link.attr("href").and_then(|href| safe_url(&href, page_url));
        link.remove_all_attrs();
        match target {
            Some(href) => link.set_attr("href", &href),
            None => link.rename("span"),
        }
    }
    for img in sel.select("img").nodes() {
        let src = img.attr("src").and_then(|src| safe_url(&src, page_url));
        let alt = img.attr("alt");
        img.remove_all_attrs();
        match src {
            Some(src) => {
                img.set_attr("src", &src);
                if let Some(alt) = alt {
                    img.set_attr("alt", &alt);
                }
            }
            None => img.remove_from_parent(),
        }
    }
}

/// The URL to keep for an `href`/`src`, or `None` to drop it.
fn safe_url(raw: &str, page_url: Option<&url::Url>) -> Option<String> {
    let raw = raw.trim();
    if raw.is_empty() || raw.starts_with('#') {
        return None;
    }
    // The url crate follows the WHATWG parser, so tricks like
    // "java\tscript:" are normalised before we look at the scheme.
    let parsed = match page_url {
        Some(base) => base.join(raw),
        None => url::Url::parse(raw),
    };
    match parsed {
        Ok(url) if SAFE_SCHEMES.contains(&url.scheme()) => Some(url.to_string()),
        Ok(_) => None,
        // Relative link and nothing to resolve it against: keep it as is,
        // unless it smuggles a scheme the parser rejected.
        Err(url::ParseError::RelativeUrlWithoutBase) if !raw.contains(':') => Some(raw.to_string()),
        Err(_) => None,
    }
}

/// Sphinx marks code language on a wrapper (`highlight-python3`); move it to
/// the `<pre>` so the markdown fence gets a language tag.
fn tag_code_languages(sel: &Selection) {
    for wrapper in sel.select("div[class*=highlight-]").nodes() {
        let class = wrapper.class().unwrap_or_default();
        let lang = class
            .split_whitespace()
            .find_map(|c| c.strip_prefix("highlight-"))
            .filter(|l| !matches!(*l, "none" | "text" | "default" | ""));
        if let Some(lang) = lang {
            let lang = if lang == "python3" { "python" } else { lang };
            Selection::from(*wrapper)
                .select("pre")
                .set_attr("data-lang", lang);
        }
    }
}

/// Final pass over the markdown outside code blocks: permalink markers,
/// non-breaking spaces, table-cell breaks and runs of blank lines.
pub(super) fn tidy_markdown(md: &str) -> String {
    let mut out = String::with_capacity(md.len());
    // Length of the open code fence's backtick run, if inside one.
    let mut fence: Option<usize> = None;
    let mut blank_run = 0;
    for line in md.lines() {
        let line = line.trim_end();
        let ticks = line.trim_start().chars().take_while(|&c| c == '`').count();
        let in_code = match fence {
            Some(open) => {
                if ticks >= open && line.trim_start().trim_start_matches('`').is_empty() {
                    fence = None;
                }
                true
            }
            // Backtick fences cannot have backticks in their info string;
            // a line like that starts an inline code span instead.
            None if ticks >= 3 && !line.trim_start()[ticks..].contains('`') => {
                fence = Some(ticks);
                true
            }
            None => false,
        };
        if in_code {
            blank_run = 0;
            out.push_str(line);
            out.push('\n');
            continue;
        }
        // Non-breaking spaces (DocBook puts them after section numbers)
        // would defeat searching; leading ones were only visual indent.
        let text = line
            .trim_start_matches('\u{a0}')
            .replace('\u{a0}', " ")
            .replace('¶', "");
        let text = if text.starts_with('|') {
            drop_cell_breaks(&text)
        } else {
            text
        };
        if text.trim().is_empty() {
            blank_run += 1;
            if blank_run > 1 {
                continue;
            }
        } else {
            blank_run = 0;
        }
        out.push_str(text.trim_end());
        out.push('\n');
    }
    out.trim().to_string()
}

/// Table cells join their lines with a literal `<br>`; turn those into
/// spaces so no tag survives (an escaped `\<br>` is text and stays).
fn drop_cell_breaks(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(at) = rest.find("<br>") {
        out.push_str(&rest[..at]);
        out.push_str(if rest[..at].ends_with('\\') {
            "<br>"
        } else {
            " "
        });
        rest = &rest[at + "<br>".len()..];
    }
    out.push_str(rest);
    out
}
