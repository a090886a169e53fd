//! The prompts that ask an LLM to compile a source into the compile contract, ask it to repair
//! an invalid reply, and the inverse parse that recovers the source text from a user prompt.

/// Line that opens the source text in a user prompt.
const SOURCE_OPEN: &str = "<<<SOURCE\n";
/// Line that closes the source text in a user prompt (preceded by a newline).
const SOURCE_CLOSE: &str = "\nSOURCE>>>";
/// Most existing concepts / titles listed, so a large wiki does not crowd out the source.
const MAX_LISTED: usize = 300;
/// Most characters of a previous reply echoed back in a repair prompt.
const MAX_ECHOED_REPLY: usize = 20_000;

/// System prompt for compilation: role, rules and the schema in prose.
pub const COMPILE_SYSTEM_PROMPT: &str = r#"You are the compiler of a personal knowledge base: a living wiki built from the sources a person collects. You turn one source document into one wiki article.

Reply with valid JSON only: a single object, no preamble, no markdown fences, no comments.

Rules:
- Every claim must be attributable to the source. Do not add facts from outside it.
- "quote" must be an EXACT verbatim excerpt of at most 25 words, copied character for character from the source text between <<<SOURCE and SOURCE>>>. Never fabricate, paraphrase, translate or merge quotes. If no single passage supports the claim, set "quote" to null.
- Use confidence "sourced" only for claims the quote states directly; "mixed" when the claim goes partly beyond the quote; "inferred" for your own inferences; "opinion" for opinions (the author's or others').
- Concepts are short, lower-case noun phrases (for example "thread pool", "json encoding"). When a list of existing concepts is given, reuse those names instead of inventing synonyms.
- Backlink suggestions may only target titles from the list of existing article titles, when a list is given; otherwise suggest none. Suggest only genuinely related articles.
- Open questions are questions the source raises but does not answer; they should be worth researching.
- Never invent statistics, names, dates or citations.

The JSON object has exactly these fields:
- "title": string. Concise, specific article title.
- "page_type": string. Always "source".
- "summary": string. Two or three sentences: what the source is and why it matters.
- "key_claims": array of objects {"claim": string, "confidence": "sourced" | "mixed" | "inferred" | "opinion", "quote": string or null}. Five to twelve of the most important claims, each self-contained.
- "concepts": array of strings. Three to eight key concepts.
- "backlink_suggestions": array of objects {"target": string (an existing article title), "relation_type": "references" | "extends" | "supersedes" | "contradicts" | "synthesizes" | "related_to"}.
- "open_questions": array of strings. Zero to five.
- "article_body": string. The article's text in markdown, at least 300 words for a substantial source, with ## headings named after the source's own topics, linking existing articles as [[Exact Title]]. The summary, the key claims and the open questions are shown with the article already: do not repeat them in an "Overview", "Key points" or "Open questions" section. Write plain prose, not the source's markup."#;

/// Puts a list entry on one line so it cannot break the prompt's line structure.
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The user prompt for compiling `text`. The text appears verbatim between a `<<<SOURCE` line and
/// a `SOURCE>>>` line (see [`extract_source_from_prompt`]); a `Title:` line comes before it and
/// the existing concepts and titles (at most 300 of each, in the order given) after it. The text
/// is never truncated here: callers chunk long sources first.
pub fn compile_user_prompt(
    title: Option<&str>,
    text: &str,
    existing_concepts: &[String],
    existing_titles: &[String],
) -> String {
    let mut prompt = String::with_capacity(text.len() + 1024);
    if let Some(title) = title.map(one_line).filter(|t| !t.is_empty()) {
        prompt.push_str("Title: ");
        prompt.push_str(&title);
        prompt.push('\n');
    }
    prompt.push_str(
        "Compile the source below into a wiki article following the JSON schema exactly.\n\n",
    );
    prompt.push_str(SOURCE_OPEN);
    prompt.push_str(text);
    prompt.push_str(SOURCE_CLOSE);
    prompt.push('\n');
    let concepts: Vec<String> = existing_concepts
        .iter()
        .map(|c| one_line(c))
        .filter(|c| !c.is_empty())
        .take(MAX_LISTED)
        .collect();
    if !concepts.is_empty() {
        prompt.push_str(
            "\nExisting concepts in this wiki (reuse these names before inventing new ones): ",
        );
        prompt.push_str(&concepts.join(", "));
        prompt.push('\n');
    }
    let titles: Vec<String> = existing_titles
        .iter()
        .map(|t| one_line(t))
        .filter(|t| !t.is_empty())
        .take(MAX_LISTED)
        .collect();
    if !titles.is_empty() {
        prompt.push_str(
            "\nExisting article titles (backlink targets must be chosen from this list):\n",
        );
        for title in titles {
            prompt.push_str("- ");
            prompt.push_str(&title);
            prompt.push('\n');
        }
    }
    prompt
}

/// The follow-up prompt after an invalid reply: says what was wrong and asks for corrected JSON
/// only. Very long replies are echoed in part.
pub fn repair_prompt(previous_reply: &str, error: &str) -> String {
    let echoed = match previous_reply.char_indices().nth(MAX_ECHOED_REPLY) {
        Some((cut, _)) => format!("{}\n[… reply truncated …]", &previous_reply[..cut]),
        None => previous_reply.to_string(),
    };
    format!(
        "Your previous reply could not be used: {error}.\n\n\
         Previous reply:\n<<<REPLY\n{echoed}\nREPLY>>>\n\n\
         Return the corrected article as a single JSON object that follows the schema from the \
         system prompt exactly: all fields present, \"title\", \"summary\" and \"article_body\" \
         non-empty strings, \"key_claims\" an array. Reply with the JSON only, without any \
         explanation or markdown fences."
    )
}

/// Recovers the exact source text from a prompt made by [`compile_user_prompt`]: everything
/// between the first `<<<SOURCE` line and the last `SOURCE>>>` line. `None` if the markers are
/// missing.
pub fn extract_source_from_prompt(prompt: &str) -> Option<&str> {
    let open = if prompt.starts_with(SOURCE_OPEN) {
        0
    } else {
        prompt.find(&format!("\n{SOURCE_OPEN}"))? + 1
    };
    let start = open + SOURCE_OPEN.len();
    // The last marker is ours: everything after it is one-line list entries that cannot form a
    // bare `SOURCE>>>` line, while the source itself may contain one.
    let close = prompt[start..]
        .match_indices(SOURCE_CLOSE)
        .map(|(i, _)| start + i)
        .filter(|i| {
            let after = &prompt[i + SOURCE_CLOSE.len()..];
            after.is_empty() || after.starts_with('\n')
        })
        .last()?;
    Some(&prompt[start..close])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(text: &str) {
        let prompt = compile_user_prompt(Some("T"), text, &["a".into()], &["SOURCE>>>".into()]);
        assert_eq!(extract_source_from_prompt(&prompt), Some(text), "{prompt}");
    }

    #[test]
    fn the_source_round_trips_exactly() {
        for text in [
            "plain text",
            "",
            "\n",
            "trailing newline\n\n",
            "\nleading newline",
            "contains\nSOURCE>>>\nand <<<SOURCE\nmarkers\nSOURCE>>>",
            "ünïcödé — “quotes” 東京",
        ] {
            round_trip(text);
        }
        let prompt = compile_user_prompt(None, "x", &[], &[]);
        assert!(prompt.starts_with("Compile the source"));
        assert_eq!(extract_source_from_prompt(&prompt), Some("x"));
    }

    #[test]
    fn the_user_prompt_lists_title_concepts_and_titles_in_order() {
        let prompt = compile_user_prompt(
            Some("json —\nencoder"),
            "Body.",
            &["json".into(), "  ".into(), "thread\npool".into()],
            &["Python Queue".into(), "Threading".into()],
        );
        let title = prompt.find("Title: json — encoder\n").unwrap();
        let source = prompt.find("<<<SOURCE\nBody.\nSOURCE>>>\n").unwrap();
        let concepts = prompt
            .find("reuse these names before inventing new ones): json, thread pool\n")
            .unwrap();
        let titles = prompt.find("- Python Queue\n- Threading\n").unwrap();
        assert!(
            title < source && source < concepts && concepts < titles,
            "{prompt}"
        );
    }

    #[test]
    fn prompts_without_markers_give_nothing() {
        assert_eq!(extract_source_from_prompt("no markers"), None);
        assert_eq!(extract_source_from_prompt("<<<SOURCE\nunterminated"), None);
    }

    #[test]
    fn the_system_prompt_states_the_rules_and_schema() {
        for needle in [
            "valid JSON only",
            "EXACT verbatim excerpt of at most 25 words",
            "Never fabricate",
            "\"inferred\"",
            "reuse those names",
            "existing article titles",
            "\"backlink_suggestions\"",
            "\"article_body\"",
        ] {
            assert!(COMPILE_SYSTEM_PROMPT.contains(needle), "{needle}");
        }
    }

    #[test]
    fn the_repair_prompt_quotes_the_error_and_asks_for_json_only() {
        let prompt = repair_prompt("{\"title\": \"\"}", "field `title` must not be empty");
        assert!(prompt.contains("field `title` must not be empty"));
        assert!(prompt.contains("{\"title\": \"\"}"));
        assert!(prompt.contains("Reply with the JSON only"));
        let long = repair_prompt(&"é".repeat(30_000), "e");
        assert!(long.contains("reply truncated") && long.len() < 50_000);
    }
}
