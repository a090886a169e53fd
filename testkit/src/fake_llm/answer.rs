//! What the fake server answers: finds the source text in the prompt and builds a
//! schema-valid compile result from it (quotes are verbatim slices of the source),
//! completes a previous reply for repair prompts, or samples a value from any other
//! requested schema, or answers a question prompt in prose with `[n]` citations. The rules are listed in the parent module's documentation.

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use super::{Protocol, Reply};

/// All message texts of the request, oldest first, as (is_user, text).
fn messages(protocol: Protocol, request: &Value) -> Vec<(bool, String)> {
    let key = if protocol == Protocol::Gemini {
        "contents"
    } else {
        "messages"
    };
    let Some(list) = request.get(key).and_then(Value::as_array) else {
        return Vec::new();
    };
    list.iter()
        .map(|m| {
            let role = m.get("role").and_then(Value::as_str).unwrap_or("user");
            let text = match (m.get("content"), m.get("parts")) {
                (Some(Value::String(s)), _) => s.clone(),
                // Content-part arrays (OpenAI, Anthropic) and Gemini parts.
                (Some(Value::Array(parts)), _) | (None, Some(Value::Array(parts))) => parts
                    .iter()
                    .filter_map(|p| p.get("text").and_then(Value::as_str))
                    .collect::<Vec<_>>()
                    .join("\n"),
                _ => String::new(),
            };
            (role == "user", text)
        })
        .collect()
}

/// The schema the request asks the reply to follow, wherever the protocol puts it.
fn requested_schema(protocol: Protocol, request: &Value) -> Option<&Value> {
    let pointer = match protocol {
        Protocol::OpenAi => "/response_format/json_schema/schema",
        Protocol::Anthropic => "/tools/0/input_schema",
        Protocol::Gemini => "/generationConfig/responseSchema",
        Protocol::Ollama => "/format",
    };
    request.pointer(pointer).filter(|s| s.is_object())
}

pub(super) fn answer(protocol: Protocol, request: &Value) -> Reply {
    let texts = messages(protocol, request);
    // Latest user message with source first, then any message (a repair conversation).
    let with_source = texts
        .iter()
        .rev()
        .filter(|(is_user, _)| *is_user)
        .chain(texts.iter().rev())
        .find_map(|(_, text)| extract_source(text));
    if let Some((title, source)) = with_source {
        return Reply::Json(compile_result(title, &source));
    }
    if let Some((_, prompt)) = texts
        .iter()
        .rev()
        .find(|(is_user, t)| *is_user && t.contains(QA_MARKER))
    {
        return Reply::Text(qa_answer(prompt));
    }
    if let Some((_, prompt)) = texts
        .iter()
        .rev()
        .find(|(is_user, t)| *is_user && t.contains(HIERARCHY_MARKER))
    {
        return Reply::Json(hierarchy_answer(prompt));
    }
    if let Some((_, prompt)) = texts
        .iter()
        .rev()
        .find(|(is_user, t)| *is_user && t.contains(PAIRS_MARKER))
    {
        return Reply::Json(contradictions_answer(prompt));
    }
    let schema = requested_schema(protocol, request);
    let is_compile = |text: &str| text.contains("article_body") || text.contains("key_claims");
    if schema.is_some_and(|s| is_compile(&s.to_string()))
        || texts.iter().any(|(_, t)| is_compile(t))
    {
        let recovered = texts
            .iter()
            .rev()
            .find_map(|(_, text)| embedded_object(text));
        return Reply::Json(repair_result(recovered));
    }
    match schema {
        Some(schema) => Reply::Json(sample_from_schema(schema, 0)),
        None => Reply::Text("OK".into()),
    }
}

/// What a concept hierarchy prompt's user message lists its concepts under.
const HIERARCHY_MARKER: &str = "Concepts to arrange";

/// The fake's concept hierarchy: every listed concept (`- key: …` lines, most used first) under
/// the first one. No offline rule would say that of unrelated words, so a test sees whose
/// hierarchy it reads.
fn hierarchy_answer(prompt: &str) -> Value {
    let keys: Vec<&str> = prompt
        .lines()
        .filter_map(|l| l.strip_prefix("- "))
        .filter_map(|l| l.split(':').next())
        .map(str::trim)
        .collect();
    let parents: Vec<Value> = keys
        .iter()
        .skip(1)
        .map(|k| json!({"concept": k, "parent": keys[0]}))
        .collect();
    json!({ "parents": parents })
}

/// What a contradiction check's user message lists its pairs under.
const PAIRS_MARKER: &str = "Pairs to check";

/// The fake's contradiction verdicts: within each `Pair n`, a claim `Ak.` and a claim `Bj.`
/// contradict when they say the same words with different figures ("lit in 1850" against
/// "lit in 1872").
fn contradictions_answer(prompt: &str) -> Value {
    let mut pairs: Vec<(Vec<&str>, Vec<&str>)> = Vec::new();
    for line in prompt.lines() {
        if line.starts_with("Pair ") {
            pairs.push((Vec::new(), Vec::new()));
        }
        let Some((a, b)) = pairs.last_mut() else {
            continue;
        };
        let numbered = |prefix: char| {
            line.strip_prefix(prefix)
                .and_then(|rest| rest.split_once(". "))
                .filter(|(n, _)| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
                .map(|(_, text)| text)
        };
        if let Some(text) = numbered('A') {
            a.push(text);
        } else if let Some(text) = numbered('B') {
            b.push(text);
        }
    }
    let split = |claim: &str| {
        let tokens: Vec<String> = claim
            .split(|c: char| !c.is_alphanumeric())
            .filter(|t| !t.is_empty())
            .map(str::to_lowercase)
            .collect();
        let (figures, words): (Vec<String>, Vec<String>) = tokens
            .into_iter()
            .partition(|t| t.chars().any(|c| c.is_ascii_digit()));
        (words, figures)
    };
    let mut found = Vec::new();
    for (n, (a, b)) in pairs.iter().enumerate() {
        for (i, ca) in a.iter().enumerate() {
            for (j, cb) in b.iter().enumerate() {
                let ((wa, fa), (wb, fb)) = (split(ca), split(cb));
                if wa == wb && !fa.is_empty() && !fb.is_empty() && fa != fb {
                    found.push(json!({
                        "pair": n + 1, "claim_a": i + 1, "claim_b": j + 1,
                        "explanation": "The two pages give different figures for the same thing.",
                    }));
                }
            }
        }
    }
    json!({ "contradictions": found })
}

/// What an answer prompt's user message starts its passages with.
const QA_MARKER: &str = "Passages from the wiki:";

/// A prose answer to a question prompt: the first sentence of each numbered passage followed
/// by its `[n]`, then one sentence citing a passage that was never sent (`[count + 4]`, so
/// `[9]` when five were sent), which the product must drop.
fn qa_answer(prompt: &str) -> String {
    let mut parts = Vec::new();
    let mut lines = prompt.lines().peekable();
    while let Some(line) = lines.next() {
        let Some(rest) = line.strip_prefix('[') else {
            continue;
        };
        let Some((n, _)) = rest.split_once("] ") else {
            continue;
        };
        let Ok(n) = n.parse::<u32>() else {
            continue;
        };
        let body = lines.next().unwrap_or("");
        let first = sentences(body).into_iter().next().unwrap_or(body).trim();
        let first = first.trim_end_matches(['.', '!', '?']);
        parts.push((n, first.to_owned()));
    }
    let mut answer = String::from("From your wiki:");
    for (n, sentence) in &parts {
        answer.push_str(&format!(" {sentence} [{n}]."));
    }
    answer.push_str(&format!(
        " Some of this is also said elsewhere [{}].",
        parts.len() + 4
    ));
    answer
}

/// The text between the `<<<SOURCE` and `SOURCE>>>` lines and the `Title: ` line before it.
fn extract_source(prompt: &str) -> Option<(Option<String>, String)> {
    let open = prompt.find("<<<SOURCE")?;
    let after_marker = &prompt[open + "<<<SOURCE".len()..];
    let body_start = after_marker
        .find('\n')
        .map_or(after_marker.len(), |i| i + 1);
    let rest = &after_marker[body_start..];
    let source = rest.find("SOURCE>>>").map_or(rest, |end| &rest[..end]);
    let title = prompt[..open]
        .lines()
        .rev()
        .find_map(|line| line.trim().strip_prefix("Title:"))
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty());
    Some((title, source.trim().to_owned()))
}

/// Sentences as verbatim slices of `text`: split at line breaks and at `.`, `!`, `?`
/// followed by whitespace, with markdown list/heading markers dropped.
fn sentences(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line
            .trim()
            .trim_start_matches(['#', '-', '*', '>', ' '])
            .trim();
        let mut start = 0;
        let bytes = line.as_bytes();
        for (i, b) in bytes.iter().enumerate() {
            let at_end = i + 1 == bytes.len();
            if matches!(b, b'.' | b'!' | b'?') && (at_end || bytes[i + 1].is_ascii_whitespace()) {
                out.push(line[start..=i].trim());
                start = i + 1;
            }
        }
        out.push(line[start..].trim());
    }
    out.retain(|s| !s.is_empty());
    out
}

/// The first `n` words of `s`, as a slice of it (so it stays verbatim).
fn first_words(s: &str, n: usize) -> &str {
    let mut words = 0;
    let mut in_word = false;
    for (i, c) in s.char_indices() {
        if c.is_whitespace() {
            if in_word && words == n {
                return &s[..i];
            }
            in_word = false;
        } else if !in_word {
            in_word = true;
            words += 1;
        }
    }
    s
}

const STOPWORDS: &[&str] = &[
    "about", "after", "again", "being", "could", "every", "other", "their", "there", "these",
    "those", "through", "under", "where", "which", "while", "would", "should", "because", "before",
];

/// The words a sentence relates its subject to another page with, and the relation they name.
const RELATION_PHRASES: &[(&str, &str)] = &[
    (" is related to ", "related_to"),
    (" are related to ", "related_to"),
    (" contradicts ", "contradicts"),
    (" extends ", "extends"),
    (" supersedes ", "supersedes"),
];

/// Typed links, as a model suggests them from what the text says: a sentence such as "Fog
/// signals are related to Lighthouse keeping." suggests `related_to` "Lighthouse keeping" —
/// the rest of the sentence, when it starts with a capital as titles do.
fn suggested_links(sentences: &[&str]) -> Vec<Value> {
    let mut links = Vec::new();
    for sentence in sentences {
        for (phrase, relation) in RELATION_PHRASES {
            let Some(at) = sentence.find(phrase) else {
                continue;
            };
            let target = sentence[at + phrase.len()..]
                .trim()
                .trim_end_matches(['.', '!', '?', ';', ':']);
            if target.starts_with(char::is_uppercase) && target.split_whitespace().count() <= 8 {
                links.push(json!({"target": target, "relation_type": relation}));
            }
        }
    }
    links
}

/// A compile result grounded in `source`: every quote is a verbatim slice of it.
fn compile_result(title: Option<String>, source: &str) -> Value {
    let all = sentences(source);
    let title = title
        .or_else(|| {
            all.first()
                .map(|s| first_words(s, 8).trim_end_matches('.').to_owned())
        })
        .unwrap_or_else(|| "Untitled".to_owned());
    let summary = match all.len() {
        0 => "The source is empty.".to_owned(),
        1 => all[0].to_owned(),
        _ => format!("{} {}", all[0], all[1]),
    };
    let word_count = |s: &str| s.split_whitespace().count();
    let mut quotes: Vec<&str> = all
        .iter()
        .copied()
        .filter(|s| (5..=25).contains(&word_count(s)))
        .take(5)
        .collect();
    // Short on good sentences: fall back to the opening words of longer ones.
    for s in &all {
        if quotes.len() >= 3 {
            break;
        }
        let q = first_words(s, 25);
        if word_count(q) >= 3 && !quotes.contains(&q) {
            quotes.push(q);
        }
    }
    let claims: Vec<Value> = quotes
        .iter()
        .map(|q| json!({"claim": q, "confidence": "sourced", "quote": q}))
        .collect();
    let mut counts: HashMap<String, (usize, usize)> = HashMap::new();
    let words = source
        .split(|c: char| !c.is_alphanumeric())
        .map(str::to_lowercase);
    for (position, word) in words.enumerate() {
        if word.chars().count() >= 5
            && word.chars().all(char::is_alphabetic)
            && !STOPWORDS.contains(&word.as_str())
        {
            counts.entry(word).or_insert((0, position)).0 += 1;
        }
    }
    let mut ranked: Vec<(String, (usize, usize))> = counts.into_iter().collect();
    ranked.sort_by(|a, b| b.1.0.cmp(&a.1.0).then(a.1.1.cmp(&b.1.1)));
    let concepts: Vec<String> = ranked.into_iter().take(4).map(|(w, _)| w).collect();
    let bullets: String = quotes.iter().map(|q| format!("- {q}\n")).collect();
    let body = format!("## Overview\n\n{summary}\n\n## Key points\n\n{bullets}");
    json!({
        "title": title, "page_type": "source", "summary": summary, "key_claims": claims,
        "concepts": concepts, "backlink_suggestions": suggested_links(&all), "open_questions": [],
        "article_body": body,
    })
}

/// The outermost `{…}` in `text`, if it parses as a JSON object.
fn embedded_object(text: &str) -> Option<Map<String, Value>> {
    let start = text.find('{')?;
    let end = text.rfind('}')?;
    match serde_json::from_str::<Value>(text.get(start..=end)?) {
        Ok(Value::Object(map)) => Some(map),
        _ => None,
    }
}

/// A valid compile result keeping whatever valid fields `previous` had.
fn repair_result(previous: Option<Map<String, Value>>) -> Value {
    let prev = previous.unwrap_or_default();
    let text = |key: &str, default: &str| {
        prev.get(key)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .unwrap_or(default)
            .to_owned()
    };
    let strings = |key: &str| -> Vec<Value> {
        let list = prev.get(key).and_then(Value::as_array);
        list.into_iter()
            .flatten()
            .filter(|v| v.is_string())
            .cloned()
            .collect()
    };
    let claims: Vec<Value> = prev
        .get("key_claims")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|c| {
            let claim = c.get("claim")?.as_str()?;
            let confidence = c
                .get("confidence")
                .and_then(Value::as_str)
                .unwrap_or("inferred");
            let confidence = match confidence {
                "sourced" | "mixed" | "inferred" | "opinion" => confidence,
                _ => "inferred",
            };
            let quote = c.get("quote").and_then(Value::as_str).unwrap_or("");
            Some(json!({"claim": claim, "confidence": confidence, "quote": quote}))
        })
        .collect();
    let summary = text("summary", "No source text was available to summarise.");
    json!({
        "title": text("title", "Untitled"), "page_type": "source", "summary": summary,
        "key_claims": claims, "concepts": strings("concepts"), "backlink_suggestions": [],
        "open_questions": strings("open_questions"),
        "article_body": text("article_body", &format!("## Overview\n\n{summary}\n")),
    })
}

/// A value that satisfies a (simple) JSON schema: first enum value, all properties,
/// `minItems` array elements, `"fake"` strings, minimum numbers.
fn sample_from_schema(schema: &Value, depth: usize) -> Value {
    if depth > 8 {
        return Value::Null;
    }
    if let Some(first) = schema
        .get("enum")
        .and_then(Value::as_array)
        .and_then(|e| e.first())
    {
        return first.clone();
    }
    if let Some(value) = schema.get("const") {
        return value.clone();
    }
    if let Some(first) = ["anyOf", "oneOf"].iter().find_map(|k| {
        schema
            .get(*k)
            .and_then(Value::as_array)
            .and_then(|v| v.first())
    }) {
        return sample_from_schema(first, depth + 1);
    }
    let kind = match schema.get("type") {
        Some(Value::String(t)) => t.as_str(),
        Some(Value::Array(types)) => types
            .iter()
            .filter_map(Value::as_str)
            .find(|t| *t != "null")
            .unwrap_or("null"),
        _ if schema.get("properties").is_some() => "object",
        _ => "string",
    };
    match kind {
        "object" => {
            let props = schema.get("properties").and_then(Value::as_object);
            let fields = props.into_iter().flatten();
            Value::Object(
                fields
                    .map(|(k, s)| (k.clone(), sample_from_schema(s, depth + 1)))
                    .collect(),
            )
        }
        "array" => {
            let n = schema.get("minItems").and_then(Value::as_u64).unwrap_or(0);
            let item = schema.get("items").cloned().unwrap_or(Value::Null);
            Value::Array(
                (0..n)
                    .map(|_| sample_from_schema(&item, depth + 1))
                    .collect(),
            )
        }
        "integer" | "number" => schema.get("minimum").cloned().unwrap_or(json!(0)),
        "boolean" => Value::Bool(false),
        "null" => Value::Null,
        _ => Value::String("fake".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_and_title_are_extracted() {
        let prompt =
            "Title: Heaps\nAuthor: x\n---\n<<<SOURCE\nA heap is a tree.\nSOURCE>>>\n---\nGo.";
        assert_eq!(
            extract_source(prompt),
            Some((Some("Heaps".into()), "A heap is a tree.".into()))
        );
        assert_eq!(extract_source("no markers"), None);
    }

    #[test]
    fn sentences_are_verbatim_slices() {
        let text = "# Title\nFirst one. Second one!\n- item three? tail";
        assert_eq!(
            sentences(text),
            ["Title", "First one.", "Second one!", "item three?", "tail"]
        );
        assert_eq!(first_words("a  b c d", 2), "a  b");
    }

    #[test]
    fn claims_that_differ_only_in_figures_contradict() {
        let prompt = "Pairs to check:\n\nPair 1\nA: Harbour light\n\
            A1. Storms closed the harbour.\nA2. The light was first lit in 1850.\n\
            B: Keepers\nB1. The light was first lit in 1872.\n\nPair 2\nA: X\nA1. It is 3 m tall.\n\
            B: Y\nB1. It is 3 m tall.\n";
        let answer = contradictions_answer(prompt);
        assert_eq!(
            answer["contradictions"],
            json!([{"pair": 1, "claim_a": 2, "claim_b": 1,
                    "explanation": "The two pages give different figures for the same thing."}])
        );
    }

    #[test]
    fn a_sentence_that_relates_two_pages_suggests_a_typed_link() {
        let result = compile_result(
            None,
            "Fog signals warned ships when the light could not be seen. \
             Fog signals are related to Lighthouse keeping. The horn extends nothing at all.",
        );
        assert_eq!(
            result["backlink_suggestions"],
            json!([{"target": "Lighthouse keeping", "relation_type": "related_to"}])
        );
    }

    #[test]
    fn compile_result_quotes_come_from_the_source() {
        let source = "Short. This sentence has exactly enough words to count. \
                      Another sentence that is also long enough here. A third sentence with plenty of words.";
        let result = compile_result(None, source);
        let claims = result["key_claims"].as_array().unwrap();
        assert_eq!(claims.len(), 3);
        for claim in claims {
            assert!(source.contains(claim["quote"].as_str().unwrap()));
        }
        assert_eq!(result["title"], "Short");
    }

    #[test]
    fn schema_sampling_fills_required_shapes() {
        let schema = json!({"type": "object", "properties": {
            "answer": {"type": "string"}, "n": {"type": "integer", "minimum": 2},
            "tags": {"type": "array", "minItems": 1, "items": {"enum": ["a", "b"]}}}});
        assert_eq!(
            sample_from_schema(&schema, 0),
            json!({"answer": "fake", "n": 2, "tags": ["a"]})
        );
    }
}
