//! The three embedding wire formats: the URL, the request body and reading the vectors and
//! token count back.
//!
//! - OpenAI and compatible servers: `POST {base}/embeddings {model, input: [..], dimensions?}`
//!   → `{data: [{index, embedding}], usage: {prompt_tokens}}`.
//! - Ollama: `POST {base}/api/embed {model, input: [..], truncate: true}` →
//!   `{embeddings: [[..]], prompt_eval_count}`.
//! - Gemini: `POST {base}/v1beta/models/{model}:batchEmbedContents {requests: [{model,
//!   content: {parts: [{text}]}, taskType, outputDimensionality?}]}` → `{embeddings:
//!   [{values}]}` (each request is an `embedContent` request; Gemini reports no tokens).

use serde_json::{Value, json};

use super::Purpose;
use crate::config::EmbeddingProvider;
use crate::llm::LlmError;
use crate::llm::http::count_at;

/// The endpoint for a batch of texts.
pub(super) fn url(provider: EmbeddingProvider, base: &str, model: &str) -> String {
    match provider {
        EmbeddingProvider::Openai => format!("{base}/embeddings"),
        EmbeddingProvider::Ollama => format!("{base}/api/embed"),
        EmbeddingProvider::Google => format!("{base}/v1beta/models/{model}:batchEmbedContents"),
    }
}

/// The request body for `texts`.
pub(super) fn body(
    provider: EmbeddingProvider,
    model: &str,
    texts: &[String],
    purpose: Purpose,
    dimensions: Option<u32>,
) -> Value {
    match provider {
        EmbeddingProvider::Openai => {
            let mut body = json!({"model": model, "input": texts, "encoding_format": "float"});
            if let Some(d) = dimensions {
                body["dimensions"] = json!(d);
            }
            body
        }
        EmbeddingProvider::Ollama => json!({"model": model, "input": texts, "truncate": true}),
        EmbeddingProvider::Google => {
            let task = match purpose {
                Purpose::Document => "RETRIEVAL_DOCUMENT",
                Purpose::Query => "RETRIEVAL_QUERY",
            };
            let requests: Vec<Value> = texts
                .iter()
                .map(|text| {
                    let mut r = json!({
                        "model": format!("models/{model}"),
                        "content": {"parts": [{"text": text}]},
                        "taskType": task,
                    });
                    if let Some(d) = dimensions {
                        r["outputDimensionality"] = json!(d);
                    }
                    r
                })
                .collect();
            json!({"requests": requests})
        }
    }
}

/// The vectors (in input order) and the input tokens the provider reported.
pub(super) fn parse(
    provider: EmbeddingProvider,
    reply: &Value,
    expected: usize,
) -> Result<(Vec<Vec<f32>>, u64), LlmError> {
    let (vectors, tokens): (Vec<Vec<f32>>, u64) = match provider {
        EmbeddingProvider::Openai => {
            let data = array(reply, "/data")?;
            let mut indexed: Vec<(u64, Vec<f32>)> = data
                .iter()
                .enumerate()
                .map(|(i, item)| {
                    let index = item
                        .get("index")
                        .and_then(Value::as_u64)
                        .unwrap_or(i as u64);
                    floats(item.get("embedding")).map(|v| (index, v))
                })
                .collect::<Result<_, _>>()?;
            // The data array is documented to be in input order, but `index` is what counts.
            indexed.sort_by_key(|(i, _)| *i);
            let vectors = indexed.into_iter().map(|(_, v)| v).collect();
            (vectors, count_at(reply, "/usage/prompt_tokens"))
        }
        EmbeddingProvider::Ollama => {
            let vectors = array(reply, "/embeddings")?
                .iter()
                .map(|v| floats(Some(v)))
                .collect::<Result<_, _>>()?;
            (vectors, count_at(reply, "/prompt_eval_count"))
        }
        EmbeddingProvider::Google => {
            let vectors = array(reply, "/embeddings")?
                .iter()
                .map(|e| floats(e.get("values")))
                .collect::<Result<_, _>>()?;
            (vectors, 0)
        }
    };
    if vectors.len() != expected {
        return Err(LlmError::InvalidResponse(format!(
            "asked for {expected} embeddings, got {}",
            vectors.len()
        )));
    }
    if let Some(first) = vectors.first()
        && (first.is_empty() || vectors.iter().any(|v| v.len() != first.len()))
    {
        return Err(LlmError::InvalidResponse(
            "embeddings are empty or of different lengths".into(),
        ));
    }
    Ok((vectors, tokens))
}

fn array<'a>(reply: &'a Value, pointer: &str) -> Result<&'a Vec<Value>, LlmError> {
    reply
        .pointer(pointer)
        .and_then(Value::as_array)
        .ok_or_else(|| LlmError::InvalidResponse(format!("no `{pointer}` array in the reply")))
}

fn floats(value: Option<&Value>) -> Result<Vec<f32>, LlmError> {
    let items = value
        .and_then(Value::as_array)
        .ok_or_else(|| LlmError::InvalidResponse("an embedding is not an array".into()))?;
    items
        .iter()
        .map(|x| {
            x.as_f64()
                .filter(|f| f.is_finite())
                .map(|f| f as f32)
                .ok_or_else(|| LlmError::InvalidResponse("an embedding holds a non-number".into()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [EmbeddingProvider; 3] = [
        EmbeddingProvider::Openai,
        EmbeddingProvider::Ollama,
        EmbeddingProvider::Google,
    ];

    #[test]
    fn urls_follow_each_api() {
        assert_eq!(
            url(EmbeddingProvider::Openai, "http://h/v1", "m"),
            "http://h/v1/embeddings"
        );
        assert_eq!(
            url(EmbeddingProvider::Ollama, "http://h", "m"),
            "http://h/api/embed"
        );
        assert_eq!(
            url(EmbeddingProvider::Google, "http://h", "text-embedding-004"),
            "http://h/v1beta/models/text-embedding-004:batchEmbedContents"
        );
    }

    #[test]
    fn bodies_carry_every_text_and_the_options() {
        let texts = vec!["a".to_owned(), "b".to_owned()];
        let b = body(
            EmbeddingProvider::Openai,
            "m",
            &texts,
            Purpose::Query,
            Some(256),
        );
        assert_eq!(b["input"], json!(["a", "b"]));
        assert_eq!(b["dimensions"], 256);
        let b = body(EmbeddingProvider::Google, "m", &texts, Purpose::Query, None);
        assert_eq!(b["requests"][1]["content"]["parts"][0]["text"], "b");
        assert_eq!(b["requests"][0]["taskType"], "RETRIEVAL_QUERY");
        assert_eq!(b["requests"][0]["model"], "models/m");
        assert!(b["requests"][0].get("outputDimensionality").is_none());
    }

    #[test]
    fn replies_are_read_in_input_order() {
        let openai = json!({"data": [
            {"index": 1, "embedding": [0.0, 1.0]},
            {"index": 0, "embedding": [1.0, 0.0]}
        ], "usage": {"prompt_tokens": 7}});
        let (v, tokens) = parse(EmbeddingProvider::Openai, &openai, 2).unwrap();
        assert_eq!(v, vec![vec![1.0, 0.0], vec![0.0, 1.0]]);
        assert_eq!(tokens, 7);
        let ollama = json!({"embeddings": [[0.5, 0.5]], "prompt_eval_count": 3});
        assert_eq!(parse(EmbeddingProvider::Ollama, &ollama, 1).unwrap().1, 3);
        let google = json!({"embeddings": [{"values": [0.25, 0.75]}]});
        assert_eq!(
            parse(EmbeddingProvider::Google, &google, 1).unwrap().0,
            vec![vec![0.25, 0.75]]
        );
    }

    #[test]
    fn malformed_replies_are_errors() {
        for provider in ALL {
            assert!(parse(provider, &json!({"oops": 1}), 1).is_err());
        }
        let short = json!({"embeddings": [[1.0]]});
        assert!(parse(EmbeddingProvider::Ollama, &short, 2).is_err());
        let ragged = json!({"embeddings": [[1.0], [1.0, 2.0]]});
        assert!(parse(EmbeddingProvider::Ollama, &ragged, 2).is_err());
        let text = json!({"embeddings": [["x"]]});
        assert!(parse(EmbeddingProvider::Ollama, &text, 1).is_err());
    }
}
