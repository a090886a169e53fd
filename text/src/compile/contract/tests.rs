//! Tests of the compile contract: round trips, the schemas, lenient parsing and rejections.

use serde_json::{Value, json};

use super::*;

fn sample() -> CompileResult {
    CompileResult {
        title: "Apache License 2.0".into(),
        page_type: PageType::Source,
        summary: "A permissive licence. It grants copyright and patent rights.".into(),
        key_claims: vec![
            CompiledClaim {
                claim: "Contributors grant a patent licence.".into(),
                confidence: Confidence::Sourced,
                quote: Some("each Contributor hereby grants to You a perpetual".into()),
            },
            CompiledClaim {
                claim: "It is popular.".into(),
                confidence: Confidence::Opinion,
                quote: None,
            },
        ],
        concepts: vec!["patent license".into()],
        backlink_suggestions: vec![BacklinkSuggestion {
            target: "MIT License".into(),
            relation_type: RelationType::RelatedTo,
        }],
        open_questions: vec!["How does it combine with GPL-2.0?".into()],
        article_body: "## Overview\n\nText.".into(),
    }
}

fn minimal() -> Value {
    json!({"title": "T", "summary": "S.", "key_claims": [], "article_body": "B"})
}

#[test]
fn a_result_round_trips_through_json_with_wire_names() {
    let result = sample();
    let text = serde_json::to_string(&result).unwrap();
    assert!(text.contains(r#""relation_type":"related_to""#));
    assert!(text.contains(r#""confidence":"opinion""#));
    assert!(text.contains(r#""quote":null"#));
    assert_eq!(parse_compile_result(&text).unwrap(), result);
    let back: CompileResult = serde_json::from_str(&text).unwrap();
    assert_eq!(back, result);
}

#[test]
fn enums_parse_their_wire_values_and_reject_others() {
    for c in Confidence::ALL {
        assert_eq!(c.as_str().parse::<Confidence>().unwrap(), *c);
    }
    for r in RelationType::ALL {
        assert_eq!(r.as_str().parse::<RelationType>().unwrap(), *r);
    }
    for p in PageType::ALL {
        assert_eq!(p.to_string().parse::<PageType>().unwrap(), *p);
    }
    assert_eq!(
        " Related-To ".parse::<RelationType>().unwrap(),
        RelationType::RelatedTo
    );
    let err = "certain".parse::<Confidence>().unwrap_err().to_string();
    assert!(
        err.contains("certain") && err.contains("sourced, mixed, inferred, opinion"),
        "{err}"
    );
}

#[test]
fn the_schema_is_strict_everywhere() {
    fn check(schema: &Value, path: &str) {
        if schema["type"] == "object" {
            let props = schema["properties"].as_object().unwrap();
            let required: Vec<&str> = schema["required"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap())
                .collect();
            let mut keys: Vec<&str> = props.keys().map(String::as_str).collect();
            let mut req = required.clone();
            keys.sort_unstable();
            req.sort_unstable();
            assert_eq!(keys, req, "{path}: every property must be required");
            assert_eq!(schema["additionalProperties"], false, "{path}");
            for (k, v) in props {
                check(v, &format!("{path}.{k}"));
            }
        }
        if let Some(items) = schema.get("items") {
            check(items, &format!("{path}[]"));
        }
    }
    let schema = compile_json_schema();
    check(&schema, "$");
    assert_eq!(
        schema["properties"]["key_claims"]["items"]["properties"]["quote"]["type"],
        json!(["string", "null"])
    );
    assert_eq!(
        schema["properties"]["key_claims"]["items"]["properties"]["confidence"]["enum"],
        json!(["sourced", "mixed", "inferred", "opinion"])
    );
    // The schema describes exactly the serialised shape of a result.
    let value = serde_json::to_value(sample()).unwrap();
    let keys: Vec<&String> = value.as_object().unwrap().keys().collect();
    assert!(
        keys.iter()
            .all(|k| schema["properties"].get(k.as_str()).is_some())
    );
}

#[test]
fn the_gemini_schema_uses_the_openapi_subset() {
    let schema = gemini_response_schema();
    let text = schema.to_string();
    assert!(!text.contains("additionalProperties"));
    assert_eq!(schema["type"], "OBJECT");
    let quote = &schema["properties"]["key_claims"]["items"]["properties"]["quote"];
    assert_eq!(quote["type"], "STRING");
    assert_eq!(quote["nullable"], true);
    assert_eq!(schema["propertyOrdering"][0], "title");
    assert_eq!(schema["required"].as_array().unwrap().len(), 8);
}

#[test]
fn fences_and_surrounding_prose_are_ignored() {
    let body = serde_json::to_string(&sample()).unwrap();
    for raw in [
        format!("```json\n{body}\n```"),
        format!("```\n{body}\n```\n"),
        format!(
            "Sure! Here is the article {{as requested}}:\n\n{body}\n\nLet me know if you need more."
        ),
    ] {
        assert_eq!(parse_compile_result(&raw).unwrap(), sample(), "{raw}");
    }
}

#[test]
fn legacy_and_sloppy_shapes_are_normalised() {
    let raw = json!({
        "title": "  Threads  ",
        "summary": " Threads run concurrently. ",
        "key_claims": [
            {"claim": " Locks serialise access. ", "confidence": "certain", "quote": "\u{201c}a lock is a synchronization primitive\u{201d}"},
            {"claim": "   ", "confidence": "sourced"},
            {"claim": "No confidence given"},
            "A bare string claim",
            42
        ],
        "concepts": ["Thread", "thread", " ", "Lock", {"name": "Queue"}],
        "backlink_suggestions": ["Queue", {"target": "Locks", "relation_type": "inspires"}, {"target": "queue", "relation_type": "extends"}, {"target": "Futures", "relation_type": "extends"}],
        "article_body": "  body  "
    })
    .to_string();
    let result = parse_compile_result(&raw).unwrap();
    assert_eq!(result.title, "Threads");
    assert_eq!(result.summary, "Threads run concurrently.");
    assert_eq!(result.page_type, PageType::Source);
    assert_eq!(result.article_body, "body");
    assert_eq!(result.key_claims.len(), 3);
    assert_eq!(result.key_claims[0].claim, "Locks serialise access.");
    assert_eq!(result.key_claims[0].confidence, Confidence::Inferred);
    assert_eq!(
        result.key_claims[0].quote.as_deref(),
        Some("a lock is a synchronization primitive")
    );
    assert_eq!(result.key_claims[1].confidence, Confidence::Inferred);
    assert_eq!(result.key_claims[2].claim, "A bare string claim");
    assert_eq!(result.concepts, ["Thread", "Lock", "Queue"]);
    let targets: Vec<(&str, RelationType)> = result
        .backlink_suggestions
        .iter()
        .map(|b| (b.target.as_str(), b.relation_type))
        .collect();
    assert_eq!(
        targets,
        [
            ("Queue", RelationType::References),
            ("Locks", RelationType::References),
            ("Futures", RelationType::Extends)
        ]
    );
    assert!(result.open_questions.is_empty());
}

#[test]
fn missing_or_empty_required_fields_are_rejected_by_name() {
    let cases: [(&str, Value, &str); 7] = [
        ("title", Value::Null, "required field `title` is missing"),
        ("title", json!("  "), "field `title` must not be empty"),
        (
            "summary",
            Value::Null,
            "required field `summary` is missing",
        ),
        ("summary", json!(""), "field `summary` must not be empty"),
        (
            "article_body",
            Value::Null,
            "required field `article_body` is missing",
        ),
        (
            "key_claims",
            json!("none"),
            "field `key_claims` must be an array",
        ),
        (
            "concepts",
            json!(7),
            "field `concepts` must be an array of strings, but it is a number",
        ),
    ];
    for (field, value, expected) in cases {
        let mut obj = minimal();
        if value.is_null() {
            obj.as_object_mut().unwrap().remove(field);
        } else {
            obj[field] = value;
        }
        let err = parse_compile_result(&obj.to_string())
            .unwrap_err()
            .to_string();
        assert!(err.contains(expected), "{field}: {err}");
    }
    let mut obj = minimal();
    obj.as_object_mut().unwrap().remove("key_claims");
    assert_eq!(
        parse_compile_result(&obj.to_string()).unwrap_err(),
        ContractError::MissingField("key_claims")
    );
}

#[test]
fn non_json_replies_are_rejected_with_the_parser_message() {
    let err = parse_compile_result("I cannot help with that.").unwrap_err();
    assert!(matches!(err, ContractError::NotJson(_)), "{err}");
    let err = parse_compile_result("").unwrap_err().to_string();
    assert!(err.contains("empty"), "{err}");
    let err = parse_compile_result(
        r#"{"title": "T", "summary": "S", "key_claims": [{"claim": "c"},], }"#,
    )
    .unwrap_err();
    assert!(
        matches!(err, ContractError::NotJson(ref m) if m.contains("line 1")),
        "{err}"
    );
    let err = parse_compile_result("[1, 2]").unwrap_err().to_string();
    assert!(
        err.contains("must be a single JSON object, but it is an array"),
        "{err}"
    );
    assert_eq!(
        parse_compile_result(r#"{"foo": 1}"#).unwrap_err(),
        ContractError::MissingField("title")
    );
}
