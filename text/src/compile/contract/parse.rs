//! Turns a raw model reply into a [`CompileResult`]: lenient about presentation (fences, prose,
//! legacy shapes, unknown enum values), strict about the fields an article cannot do without.

use std::collections::HashSet;

use serde_json::{Map, Value};

use super::{
    BacklinkSuggestion, CompileResult, CompiledClaim, Confidence, ContractError, PageType,
    RelationType,
};

/// How many `{` positions to try before giving up; bounds the work on a pathological reply.
const MAX_OBJECT_STARTS: usize = 64;

/// Keys of which at least one must be present for an object to count as the reply, so that a
/// nested claim object is never mistaken for the whole reply when the outer JSON is broken.
const TOP_LEVEL_KEYS: [&str; 4] = ["title", "summary", "article_body", "key_claims"];

/// Parses and validates a model reply against the compile contract.
///
/// Accepted leniently: markdown fences and prose around the JSON object, backlink suggestions as
/// plain strings or with an unknown `relation_type` (→ `references`), an unknown or missing
/// `confidence` (→ `inferred`), claims given as plain strings (→ `inferred`, no quote), missing or
/// null optional arrays (→ empty), a missing or unknown `page_type` (→ `source`). All strings are
/// trimmed, empty claims, concepts and questions dropped, concepts deduplicated
/// case-insensitively (first spelling wins), suggestions deduplicated by lower-case target.
///
/// Rejected, with an error naming the field: a reply without a JSON object, a missing or empty
/// `title` or `summary`, a missing `article_body`, `key_claims` missing or not an array, and any
/// field of the wrong JSON type.
pub fn parse_compile_result(raw: &str) -> Result<CompileResult, ContractError> {
    let obj = extract_object(raw)?;
    let title = required_text(&obj, "title")?;
    let summary = required_text(&obj, "summary")?;
    let article_body = match obj.get("article_body") {
        None | Some(Value::Null) => return Err(ContractError::MissingField("article_body")),
        Some(Value::String(body)) => body.trim().to_string(),
        Some(other) => return Err(wrong_type("article_body", "a string", other)),
    };
    let key_claims = match obj.get("key_claims") {
        None | Some(Value::Null) => return Err(ContractError::MissingField("key_claims")),
        Some(Value::Array(items)) => items.iter().filter_map(parse_claim).collect(),
        Some(other) => {
            return Err(wrong_type(
                "key_claims",
                "an array of {claim, confidence, quote} objects",
                other,
            ));
        }
    };
    let page_type = obj
        .get("page_type")
        .and_then(Value::as_str)
        .and_then(|s| s.parse().ok())
        .unwrap_or(PageType::Source);

    let mut seen = HashSet::new();
    let concepts = string_list(&obj, "concepts")?
        .into_iter()
        .filter(|c| seen.insert(c.to_lowercase()))
        .collect();
    let mut seen = HashSet::new();
    let open_questions = string_list(&obj, "open_questions")?
        .into_iter()
        .filter(|q| seen.insert(q.to_lowercase()))
        .collect();

    Ok(CompileResult {
        title,
        page_type,
        summary,
        key_claims,
        concepts,
        backlink_suggestions: backlinks(&obj)?,
        open_questions,
        article_body,
    })
}

/// Finds the reply object. Scanning from each `{` with a streaming parser skips fences and prose
/// on both sides without touching the JSON itself (an `article_body` may contain fences).
fn extract_object(raw: &str) -> Result<Map<String, Value>, ContractError> {
    if raw.trim().is_empty() {
        return Err(ContractError::NotJson("the reply is empty".into()));
    }
    let mut first_error = None;
    let mut saw_other_object = false;
    for (start, _) in raw.match_indices('{').take(MAX_OBJECT_STARTS) {
        let mut stream = serde_json::Deserializer::from_str(&raw[start..]).into_iter::<Value>();
        match stream.next() {
            Some(Ok(Value::Object(map))) => {
                if TOP_LEVEL_KEYS.iter().any(|k| map.contains_key(*k)) {
                    return Ok(map);
                }
                saw_other_object = true;
            }
            Some(Err(err)) if first_error.is_none() => first_error = Some(err.to_string()),
            _ => {}
        }
    }
    if let Some(err) = first_error {
        return Err(ContractError::NotJson(err));
    }
    if saw_other_object {
        return Err(ContractError::MissingField("title"));
    }
    match serde_json::from_str::<Value>(raw.trim()) {
        Ok(other) => Err(ContractError::NotAnObject(json_type(&other))),
        Err(err) => Err(ContractError::NotJson(format!(
            "no JSON object found ({err})"
        ))),
    }
}

fn required_text(obj: &Map<String, Value>, field: &'static str) -> Result<String, ContractError> {
    match obj.get(field) {
        None | Some(Value::Null) => Err(ContractError::MissingField(field)),
        Some(Value::String(s)) if s.trim().is_empty() => Err(ContractError::EmptyField(field)),
        Some(Value::String(s)) => Ok(s.trim().to_string()),
        Some(other) => Err(wrong_type(field, "a string", other)),
    }
}

fn parse_claim(item: &Value) -> Option<CompiledClaim> {
    let (claim, confidence, quote) = match item {
        Value::String(text) => (text.trim(), Confidence::Inferred, None),
        Value::Object(map) => {
            let text = ["claim", "text", "statement"]
                .iter()
                .find_map(|k| map.get(*k).and_then(Value::as_str))?;
            let confidence = map
                .get("confidence")
                .and_then(Value::as_str)
                .and_then(|c| c.parse().ok())
                .unwrap_or(Confidence::Inferred);
            let quote = map
                .get("quote")
                .and_then(Value::as_str)
                .map(unwrap_quotation_marks)
                .filter(|q| !q.is_empty())
                .map(str::to_string);
            (text.trim(), confidence, quote)
        }
        _ => return None,
    };
    (!claim.is_empty()).then(|| CompiledClaim {
        claim: claim.to_string(),
        confidence,
        quote,
    })
}

/// Models often wrap the quote in quotation marks of their own; those are not part of the
/// excerpt. Only a matching outer pair is removed, never marks inside the quote.
fn unwrap_quotation_marks(quote: &str) -> &str {
    const PAIRS: [(char, char); 5] = [
        ('"', '"'),
        ('\u{201c}', '\u{201d}'),
        ('\'', '\''),
        ('\u{2018}', '\u{2019}'),
        ('\u{ab}', '\u{bb}'),
    ];
    let trimmed = quote.trim();
    for (open, close) in PAIRS {
        if let Some(inner) = trimmed
            .strip_prefix(open)
            .and_then(|rest| rest.strip_suffix(close))
        {
            // A quote that starts and ends with a quoted term ("A" … "B") keeps its marks.
            if !inner.contains(open) && !inner.contains(close) {
                return inner.trim();
            }
        }
    }
    trimmed
}

fn string_list(
    obj: &Map<String, Value>,
    field: &'static str,
) -> Result<Vec<String>, ContractError> {
    let items = match obj.get(field) {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::String(single)) => vec![Value::String(single.clone())],
        Some(Value::Array(items)) => items.clone(),
        Some(other) => return Err(wrong_type(field, "an array of strings", other)),
    };
    Ok(items
        .iter()
        .filter_map(|item| match item {
            Value::String(s) => Some(s.as_str()),
            // `{"name": …}` is a common way for models to wrap a list entry.
            Value::Object(map) => map.get("name").and_then(Value::as_str),
            _ => None,
        })
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect())
}

fn backlinks(obj: &Map<String, Value>) -> Result<Vec<BacklinkSuggestion>, ContractError> {
    let items = match obj.get("backlink_suggestions") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(items)) => items,
        Some(other) => {
            return Err(wrong_type(
                "backlink_suggestions",
                "an array of {target, relation_type} objects",
                other,
            ));
        }
    };
    let mut seen = HashSet::new();
    Ok(items
        .iter()
        .filter_map(|item| match item {
            Value::String(target) => Some((target.as_str(), RelationType::References)),
            Value::Object(map) => {
                let target = ["target", "title"]
                    .iter()
                    .find_map(|k| map.get(*k).and_then(Value::as_str))?;
                let relation = ["relation_type", "relation", "type"]
                    .iter()
                    .find_map(|k| map.get(*k).and_then(Value::as_str))
                    .and_then(|r| r.parse().ok())
                    .unwrap_or(RelationType::References);
                Some((target, relation))
            }
            _ => None,
        })
        .map(|(target, relation_type)| (target.trim(), relation_type))
        .filter(|(target, _)| !target.is_empty() && seen.insert(target.to_lowercase()))
        .map(|(target, relation_type)| BacklinkSuggestion {
            target: target.to_string(),
            relation_type,
        })
        .collect())
}

fn wrong_type(field: &'static str, expected: &'static str, found: &Value) -> ContractError {
    ContractError::WrongType {
        field,
        expected,
        found: json_type(found),
    }
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
