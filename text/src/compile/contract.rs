//! The compile contract: the JSON an LLM (or the offline compiler) returns for one source, its
//! JSON schema for providers that enforce schemas, and a parser that turns a raw reply into a
//! [`CompileResult`] or a [`ContractError`] precise enough to send back in a repair prompt.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use thiserror::Error;

/// How well a claim is supported by its source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    /// Stated by the source (and, after grounding, backed by a verified quote).
    Sourced,
    /// Partly stated, partly inferred; also the overall level of a partly verified article.
    Mixed,
    /// Inferred by the compiler rather than stated; also any claim whose quote did not verify.
    Inferred,
    /// An opinion expressed in (or about) the source rather than a fact.
    Opinion,
}

/// The typed relation carried by a backlink suggestion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RelationType {
    /// Mentions or relies on the target.
    References,
    /// Builds on the target.
    Extends,
    /// Replaces the target.
    Supersedes,
    /// Disagrees with the target.
    Contradicts,
    /// Combines the target with other material.
    Synthesizes,
    /// Loosely related.
    RelatedTo,
}

/// The kind of wiki page an article is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum PageType {
    /// Compiled from one source.
    Source,
    /// Synthesised from every article sharing a concept.
    Concept,
    /// A filed answer to a question.
    Answer,
    /// A generated index page.
    Index,
    /// A generated page about the wiki itself.
    Meta,
}

/// Generates `as_str`, `ALL`, `Display` and a case-insensitive `FromStr` from one wire table.
macro_rules! wire_enum {
    ($ty:ident, $kind:literal, { $($variant:ident => $wire:literal),+ $(,)? }) => {
        impl $ty {
            /// Every value, in declaration order.
            pub const ALL: &'static [$ty] = &[$($ty::$variant),+];

            /// The wire value, as written in JSON and frontmatter.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($ty::$variant => $wire),+
                }
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $ty {
            type Err = ContractError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let wanted = s.trim().to_ascii_lowercase().replace(['-', ' '], "_");
                $ty::ALL
                    .iter()
                    .copied()
                    .find(|v| v.as_str() == wanted)
                    .ok_or_else(|| ContractError::UnknownValue {
                        kind: $kind,
                        value: s.to_string(),
                        allowed: $ty::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", "),
                    })
            }
        }
    };
}

wire_enum!(Confidence, "confidence", {
    Sourced => "sourced", Mixed => "mixed", Inferred => "inferred", Opinion => "opinion",
});
wire_enum!(RelationType, "relation_type", {
    References => "references", Extends => "extends", Supersedes => "supersedes",
    Contradicts => "contradicts", Synthesizes => "synthesizes", RelatedTo => "related_to",
});
wire_enum!(PageType, "page_type", {
    Source => "source", Concept => "concept", Answer => "answer", Index => "index", Meta => "meta",
});

/// One key claim of an article, as compiled (before grounding).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompiledClaim {
    /// The claim in the compiler's words.
    pub claim: String,
    /// The compiler's own confidence; grounding may downgrade it.
    pub confidence: Confidence,
    /// A verbatim excerpt of the source supporting the claim.
    pub quote: Option<String>,
}

/// A suggested link from the article to another article, by title.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BacklinkSuggestion {
    /// Title of the target article.
    pub target: String,
    /// How the article relates to the target.
    pub relation_type: RelationType,
}

/// The compiled form of one source: everything needed to write its wiki article.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompileResult {
    /// Concise, specific article title.
    pub title: String,
    /// Page kind; compiling a source always yields [`PageType::Source`] in the end.
    pub page_type: PageType,
    /// Two or three sentences: what the source is and why it matters.
    pub summary: String,
    /// Key claims with confidence and supporting quote.
    pub key_claims: Vec<CompiledClaim>,
    /// Concept names, deduplicated case-insensitively.
    pub concepts: Vec<String>,
    /// Links to existing articles.
    pub backlink_suggestions: Vec<BacklinkSuggestion>,
    /// Questions the source raises but does not answer.
    pub open_questions: Vec<String>,
    /// The article body in markdown.
    pub article_body: String,
}

/// Why a reply does not satisfy the compile contract. The `Display` text names the field and the
/// problem so that it can be sent back to the model verbatim in a repair prompt.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ContractError {
    /// The reply contains no parseable JSON object.
    #[error("the reply is not valid JSON: {0}")]
    NotJson(String),
    /// The reply parsed, but the top-level value is not an object.
    #[error("the reply must be a single JSON object, but it is {0}")]
    NotAnObject(&'static str),
    /// A required field is absent or null.
    #[error("required field `{0}` is missing")]
    MissingField(&'static str),
    /// A required text field is blank.
    #[error("field `{0}` must not be empty")]
    EmptyField(&'static str),
    /// A field has the wrong JSON type.
    #[error("field `{field}` must be {expected}, but it is {found}")]
    WrongType {
        /// The offending field.
        field: &'static str,
        /// What the contract wants there.
        expected: &'static str,
        /// The JSON type that was found.
        found: &'static str,
    },
    /// A string is not one of the allowed wire values.
    #[error("unknown {kind} `{value}` (allowed: {allowed})")]
    UnknownValue {
        /// Which enumeration was being parsed.
        kind: &'static str,
        /// The rejected text.
        value: String,
        /// The accepted values, comma-separated.
        allowed: String,
    },
}

const ALL_FIELDS: [&str; 8] = [
    "title",
    "page_type",
    "summary",
    "key_claims",
    "concepts",
    "backlink_suggestions",
    "open_questions",
    "article_body",
];

fn wire_values<T: Copy>(all: &[T], f: fn(T) -> &'static str) -> Vec<&'static str> {
    all.iter().map(|v| f(*v)).collect()
}

/// The strict JSON schema of [`CompileResult`]: every property required, no additional
/// properties, `quote` a string or null. Usable as an OpenAI `json_schema` (strict), an Ollama
/// `format` and an Anthropic tool `input_schema`; Gemini wants [`gemini_response_schema`].
pub fn compile_json_schema() -> Value {
    let string_array = |description: &str| json!({"type": "array", "items": {"type": "string"}, "description": description});
    json!({
        "type": "object",
        "properties": {
            "title": {"type": "string", "description": "Concise, specific article title."},
            "page_type": {"type": "string", "enum": wire_values(PageType::ALL, PageType::as_str), "description": "Always \"source\"."},
            "summary": {"type": "string", "description": "Two or three sentences: what this is and why it matters."},
            "key_claims": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "claim": {"type": "string", "description": "One self-contained claim made by the source."},
                        "confidence": {"type": "string", "enum": wire_values(Confidence::ALL, Confidence::as_str)},
                        "quote": {"type": ["string", "null"], "description": "Exact verbatim excerpt of at most 25 words copied from the source, or null."}
                    },
                    "required": ["claim", "confidence", "quote"],
                    "additionalProperties": false
                }
            },
            "concepts": string_array("Key concepts, reusing existing concept names where they fit."),
            "backlink_suggestions": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "target": {"type": "string", "description": "Title of an existing related article."},
                        "relation_type": {"type": "string", "enum": wire_values(RelationType::ALL, RelationType::as_str)}
                    },
                    "required": ["target", "relation_type"],
                    "additionalProperties": false
                }
            },
            "open_questions": string_array("Questions the source raises but does not answer."),
            "article_body": {"type": "string", "description": "The article in markdown with ## headings."}
        },
        "required": ALL_FIELDS,
        "additionalProperties": false
    })
}

/// [`compile_json_schema`] rewritten for Gemini's `responseSchema`, which is an OpenAPI 3.0
/// subset: upper-case type names, `nullable` instead of type unions, no `additionalProperties`,
/// and `propertyOrdering` so the model writes fields in the documented order.
pub fn gemini_response_schema() -> Value {
    fn convert(schema: &Value) -> Value {
        let Value::Object(map) = schema else {
            return schema.clone();
        };
        let mut out = Map::new();
        for (key, value) in map {
            match (key.as_str(), value) {
                ("additionalProperties", _) => {}
                ("type", Value::Array(types)) => {
                    let mut names = types
                        .iter()
                        .filter_map(Value::as_str)
                        .filter(|t| *t != "null");
                    if let Some(name) = names.next() {
                        out.insert("type".into(), Value::String(name.to_ascii_uppercase()));
                    }
                    if types.iter().any(|t| t == "null") {
                        out.insert("nullable".into(), Value::Bool(true));
                    }
                }
                ("type", Value::String(name)) => {
                    out.insert("type".into(), Value::String(name.to_ascii_uppercase()));
                }
                ("properties", Value::Object(props)) => {
                    let converted = props.iter().map(|(k, v)| (k.clone(), convert(v))).collect();
                    out.insert("properties".into(), Value::Object(converted));
                    // `required` lists the fields in contract order; a map may be sorted.
                    let order = map.get("required").cloned().unwrap_or_else(|| {
                        Value::Array(props.keys().cloned().map(Value::String).collect())
                    });
                    out.insert("propertyOrdering".into(), order);
                }
                ("items", items) => {
                    out.insert("items".into(), convert(items));
                }
                _ => {
                    out.insert(key.clone(), value.clone());
                }
            }
        }
        Value::Object(out)
    }
    convert(&compile_json_schema())
}

mod parse;

pub use parse::parse_compile_result;

#[cfg(test)]
mod tests;
