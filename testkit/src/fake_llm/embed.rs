//! Embeddings in the three wire formats the product reads: OpenAI `/v1/embeddings`, Ollama
//! `/api/embed`, Gemini `:embedContent` and `:batchEmbedContents`.
//!
//! A text's vector counts the character trigrams of its words (`#he`, `hea`, `eap`, …) hashed
//! into [`DIMENSIONS`] buckets. Texts that share word pieces are near each other, so a question
//! with a misspelled word still lands nearest the passage that spells it right: something
//! full-text search cannot do, which lets tests tell the two rankings apart. Modes apply as to
//! any request (failures, rate limits; garbage modes reply with a malformed body).

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::{Outcome, Protocol, SharedState, error, header, next_outcome, record};

/// Vector length unless the request asks for another (`dimensions`, `outputDimensionality`).
pub const DIMENSIONS: usize = 256;

/// The fake embedding of `text`: unit length, `dims` long.
pub fn embed_text(text: &str, dims: usize) -> Vec<f32> {
    let dims = dims.max(1);
    let mut v = vec![0f32; dims];
    let lower = text.to_lowercase();
    for word in lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        let padded: Vec<char> = format!("#{word}#").chars().collect();
        for gram in padded.windows(3) {
            let bucket = fnv1a(gram) % dims as u64;
            v[usize::try_from(bucket).unwrap_or(0)] += 1.0;
        }
    }
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        v.iter_mut().for_each(|x| *x /= norm);
    }
    v
}

fn fnv1a(chars: &[char]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for c in chars {
        for b in (*c as u32).to_le_bytes() {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    hash
}

/// `POST /v1/embeddings`.
pub(super) async fn openai(
    State(s): State<SharedState>,
    uri: Uri,
    h: HeaderMap,
    raw: Bytes,
) -> Response {
    let (body, texts) = match batch(&s, &uri, &h, &raw, Protocol::OpenAi).await {
        Ok(read) => read,
        Err(refused) => return refused,
    };
    let dims = requested_dims(body.get("dimensions"));
    let data: Vec<Value> = texts
        .iter()
        .enumerate()
        .map(|(i, t)| json!({"object": "embedding", "index": i, "embedding": embed_text(t, dims)}))
        .collect();
    let tokens = word_count(&texts);
    let model = body
        .get("model")
        .cloned()
        .unwrap_or(json!("fake-embedding"));
    ok(json!({"object": "list", "data": data, "model": model,
              "usage": {"prompt_tokens": tokens, "total_tokens": tokens}}))
}

/// `POST /api/embed`.
pub(super) async fn ollama(
    State(s): State<SharedState>,
    uri: Uri,
    h: HeaderMap,
    raw: Bytes,
) -> Response {
    let (body, texts) = match batch(&s, &uri, &h, &raw, Protocol::Ollama).await {
        Ok(read) => read,
        Err(refused) => return refused,
    };
    let embeddings: Vec<Vec<f32>> = texts.iter().map(|t| embed_text(t, DIMENSIONS)).collect();
    ok(json!({"model": body.get("model"), "embeddings": embeddings,
              "total_duration": 1, "prompt_eval_count": word_count(&texts)}))
}

/// `POST /v1beta/models/{model}:embedContent` and `:batchEmbedContents`.
pub(super) async fn gemini(
    s: SharedState,
    model_action: String,
    uri: Uri,
    h: HeaderMap,
    raw: Bytes,
) -> Response {
    let body = record(&s, &uri, &h, &raw);
    if let Some(refused) = refusal(&s, Protocol::Gemini).await {
        return refused;
    }
    let one = |request: &Value| -> Option<Value> {
        let text: String = request
            .pointer("/content/parts")?
            .as_array()?
            .iter()
            .filter_map(|p| p.get("text").and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join(" ");
        let dims = requested_dims(request.get("outputDimensionality"));
        Some(json!({"values": embed_text(&text, dims)}))
    };
    if model_action.ends_with(":batchEmbedContents") {
        let requests = body.get("requests").and_then(Value::as_array);
        match requests.map(|r| r.iter().map(one).collect::<Option<Vec<Value>>>()) {
            Some(Some(embeddings)) => ok(json!({"embeddings": embeddings})),
            _ => error(
                Protocol::Gemini,
                StatusCode::BAD_REQUEST,
                "requests[].content.parts[].text expected",
            ),
        }
    } else {
        match one(&body) {
            Some(embedding) => ok(json!({"embedding": embedding})),
            None => error(
                Protocol::Gemini,
                StatusCode::BAD_REQUEST,
                "content.parts[].text expected",
            ),
        }
    }
}

/// The error response the current mode calls for, after the configured latency.
async fn refusal(state: &SharedState, protocol: Protocol) -> Option<Response> {
    let (outcome, latency, _) = next_outcome(state);
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    match outcome {
        Outcome::Answer => None,
        Outcome::Fail(status) => Some(error(protocol, status, "fake failure")),
        Outcome::RateLimit(secs) => {
            let mut response = error(protocol, StatusCode::TOO_MANY_REQUESTS, "fake rate limit");
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, secs.into());
            Some(response)
        }
        Outcome::Garbage => {
            Some((StatusCode::OK, axum::Json(json!({"oops": true}))).into_response())
        }
    }
}

/// Records an OpenAI or Ollama request and reads its `input` texts, or the response that
/// refuses it (the mode's failure, or a malformed input).
async fn batch(
    s: &SharedState,
    uri: &Uri,
    h: &HeaderMap,
    raw: &Bytes,
    protocol: Protocol,
) -> Result<(Value, Vec<String>), Response> {
    let body = record(s, uri, h, raw);
    if let Some(refused) = refusal(s, protocol).await {
        return Err(refused);
    }
    match inputs(body.get("input")) {
        Some(texts) => Ok((body, texts)),
        None => Err(error(
            protocol,
            StatusCode::BAD_REQUEST,
            "input must be a string or strings",
        )),
    }
}

fn inputs(input: Option<&Value>) -> Option<Vec<String>> {
    match input? {
        Value::String(s) => Some(vec![s.clone()]),
        Value::Array(items) => items
            .iter()
            .map(|v| v.as_str().map(str::to_owned))
            .collect(),
        _ => None,
    }
}

fn requested_dims(value: Option<&Value>) -> usize {
    value
        .and_then(Value::as_u64)
        .and_then(|d| usize::try_from(d).ok())
        .filter(|d| *d > 0)
        .unwrap_or(DIMENSIONS)
}

fn word_count(texts: &[String]) -> usize {
    texts
        .iter()
        .map(|t| t.split_whitespace().count())
        .sum::<usize>()
        .max(1)
}

fn ok(body: Value) -> Response {
    (StatusCode::OK, axum::Json(body)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cosine(a: &[f32], b: &[f32]) -> f32 {
        a.iter().zip(b).map(|(x, y)| x * y).sum()
    }

    #[test]
    fn a_misspelling_stays_nearest_its_word() {
        let query = embed_text("prioritty queu", DIMENSIONS);
        let heap = embed_text("heapq: a priority queue algorithm", DIMENSIONS);
        let bisect = embed_text("bisect: array bisection algorithm", DIMENSIONS);
        assert!(cosine(&query, &heap) > cosine(&query, &bisect) + 0.2);
        assert_eq!(embed_text("x", 16).len(), 16);
        assert!((cosine(&heap, &heap) - 1.0).abs() < 1e-5);
    }
}
