//! HTTP plumbing shared by the providers: client and base-URL set-up, the API key
//! (kept out of `Debug` and error text), one JSON POST with status → [`LlmError`]
//! mapping, and `Retry-After` parsing.

use std::fmt;
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, HeaderValue};
use serde_json::Value;

use super::LlmError;

/// Longest error body kept in [`LlmError::Http`]; provider error pages can be large.
const MAX_ERROR_BODY_CHARS: usize = 1000;
/// Connecting should never take long; the request timeout covers the slow part.
const MAX_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// An API key. `Debug` never shows it.
#[derive(Clone)]
pub(crate) struct ApiKey(String);

impl ApiKey {
    /// `None` for a missing or blank key, so "set but empty" counts as not set.
    pub(crate) fn new(key: Option<String>) -> Option<Self> {
        key.map(|k| k.trim().to_owned())
            .filter(|k| !k.is_empty())
            .map(Self)
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey([redacted])")
    }
}

/// How the key is sent.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Auth {
    /// `Authorization: Bearer <key>` when a key is set.
    Bearer,
    /// The key in the named header (`x-api-key`, `x-goog-api-key`).
    Header(&'static str),
}

/// What every HTTP provider holds: one client, the base URL, the key, the model.
#[derive(Debug, Clone)]
pub(crate) struct HttpCore {
    pub(crate) client: reqwest::Client,
    pub(crate) base_url: String,
    pub(crate) model: String,
    pub(crate) timeout: Duration,
    api_key: Option<ApiKey>,
}

impl HttpCore {
    /// Validates the model and base URL (falling back to `default_base`) and builds a client.
    pub(crate) fn new(
        model: String,
        base_url: Option<String>,
        default_base: &str,
        api_key: Option<String>,
        timeout: Duration,
    ) -> Result<Self, LlmError> {
        let model = model.trim().to_owned();
        if model.is_empty() {
            return Err(LlmError::NotConfigured("no model name given".into()));
        }
        let base = base_url
            .map(|b| b.trim().to_owned())
            .filter(|b| !b.is_empty())
            .unwrap_or_else(|| default_base.to_owned());
        let parsed = reqwest::Url::parse(&base)
            .map_err(|e| LlmError::NotConfigured(format!("invalid base URL `{base}`: {e}")))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(LlmError::NotConfigured(format!(
                "base URL `{base}` is not http(s)"
            )));
        }
        let client = reqwest::Client::builder()
            .connect_timeout(timeout.min(MAX_CONNECT_TIMEOUT))
            .user_agent(concat!("wikimind/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| LlmError::NotConfigured(format!("cannot build HTTP client: {e}")))?;
        Ok(Self {
            client,
            base_url: base.trim_end_matches('/').to_owned(),
            model,
            timeout,
            api_key: ApiKey::new(api_key),
        })
    }

    /// Whether a (non-blank) key was configured.
    pub(crate) fn has_key(&self) -> bool {
        self.api_key.is_some()
    }

    /// Fails with `NotConfigured` when the provider needs a key and has none.
    pub(crate) fn require_key(&self, provider: &str) -> Result<(), LlmError> {
        if self.has_key() {
            Ok(())
        } else {
            Err(LlmError::NotConfigured(format!(
                "{provider} needs an API key"
            )))
        }
    }

    /// POSTs `body` as JSON to `url` and returns the parsed JSON reply.
    pub(crate) async fn post_json(
        &self,
        url: &str,
        auth: Auth,
        extra_headers: &[(&'static str, &'static str)],
        body: &Value,
    ) -> Result<Value, LlmError> {
        let response = self.send(url, auth, extra_headers, body, true).await?;
        let bytes = response.bytes().await.map_err(map_reqwest_error)?;
        serde_json::from_slice(&bytes)
            .map_err(|e| LlmError::InvalidResponse(format!("reply body is not JSON: {e}")))
    }

    /// POSTs `body` as JSON to `url` and returns the successful response unread, for a
    /// streamed reply. The whole-request timeout does not apply: a stream may run long, and
    /// the caller bounds it.
    pub(crate) async fn post_for_stream(
        &self,
        url: &str,
        auth: Auth,
        extra_headers: &[(&'static str, &'static str)],
        body: &Value,
    ) -> Result<reqwest::Response, LlmError> {
        self.send(url, auth, extra_headers, body, false).await
    }

    async fn send(
        &self,
        url: &str,
        auth: Auth,
        extra_headers: &[(&'static str, &'static str)],
        body: &Value,
        bounded: bool,
    ) -> Result<reqwest::Response, LlmError> {
        let mut request = self.client.post(url).json(body);
        if bounded {
            request = request.timeout(self.timeout);
        }
        if let Some(key) = &self.api_key {
            let (name, value) = match auth {
                Auth::Bearer => ("authorization", format!("Bearer {}", key.0)),
                Auth::Header(name) => (name, key.0.clone()),
            };
            let mut value = HeaderValue::from_str(&value).map_err(|_| {
                LlmError::NotConfigured(
                    "API key contains characters not allowed in a header".into(),
                )
            })?;
            // Sensitive values are masked if the request is ever debug-printed.
            value.set_sensitive(true);
            request = request.header(name, value);
        }
        for (name, value) in extra_headers {
            request = request.header(*name, *value);
        }
        let response = request.send().await.map_err(map_reqwest_error)?;
        let status = response.status();
        if status == StatusCode::TOO_MANY_REQUESTS {
            return Err(LlmError::RateLimited {
                retry_after: retry_after(response.headers()),
            });
        }
        if !status.is_success() {
            let bytes = response.bytes().await.map_err(map_reqwest_error)?;
            let body = truncate(&String::from_utf8_lossy(&bytes), MAX_ERROR_BODY_CHARS);
            return Err(LlmError::Http {
                status: status.as_u16(),
                body: self.scrub(body),
            });
        }
        Ok(response)
    }

    /// Removes the key from text that came back from the server (some echo it).
    fn scrub(&self, text: String) -> String {
        match &self.api_key {
            Some(key) if text.contains(&key.0) => text.replace(&key.0, "[redacted]"),
            _ => text,
        }
    }
}

pub(crate) fn map_reqwest_error(err: reqwest::Error) -> LlmError {
    if err.is_timeout() {
        return LlmError::Timeout;
    }
    // reqwest's Display hides the cause (e.g. "connection refused"), so walk the chain.
    let err = err.without_url();
    let mut message = err.to_string();
    let mut source = std::error::Error::source(&err);
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    LlmError::Transport(message)
}

/// Reads `retry-after-ms` (OpenAI) or `Retry-After` as seconds or an HTTP-date.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let text = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    if let Some(ms) = text("retry-after-ms").and_then(|v| v.parse::<f64>().ok()) {
        return duration_from_secs(ms / 1000.0);
    }
    let value = text("retry-after")?;
    if let Ok(secs) = value.parse::<f64>() {
        return duration_from_secs(secs);
    }
    let date = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let wait = date.with_timezone(&chrono::Utc) - chrono::Utc::now();
    // A date in the past means "now".
    Some(wait.to_std().unwrap_or(Duration::ZERO))
}

fn duration_from_secs(secs: f64) -> Option<Duration> {
    (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs.min(86_400.0)))
}

/// Cuts `text` to at most `max` characters (on a char boundary), marking the cut.
pub(crate) fn truncate(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

/// OpenAI and Anthropic only accept `[A-Za-z0-9_-]{1,64}` as schema / tool names.
pub(crate) fn wire_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .take(64)
        .collect();
    if cleaned.is_empty() {
        "result".to_owned()
    } else {
        cleaned
    }
}

/// A token count at a JSON pointer, 0 when absent (some servers omit usage).
pub(crate) fn count_at(value: &Value, pointer: &str) -> u64 {
    value.pointer(pointer).and_then(Value::as_u64).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        map
    }

    #[test]
    fn retry_after_reads_seconds_milliseconds_and_dates() {
        assert_eq!(
            retry_after(&headers(&[("retry-after", "3")])),
            Some(Duration::from_secs(3))
        );
        assert_eq!(
            retry_after(&headers(&[("retry-after-ms", "250"), ("retry-after", "3")])),
            Some(Duration::from_millis(250))
        );
        let future = chrono::Utc::now() + chrono::Duration::seconds(120);
        let date = future.format("%a, %d %b %Y %H:%M:%S GMT").to_string();
        let wait = retry_after(&headers(&[("retry-after", &date)])).unwrap();
        assert!(wait > Duration::from_secs(100) && wait <= Duration::from_secs(120));
        let past = retry_after(&headers(&[(
            "retry-after",
            "Sun, 06 Nov 1994 08:49:37 GMT",
        )]));
        assert_eq!(past, Some(Duration::ZERO));
        assert_eq!(retry_after(&headers(&[("retry-after", "soon")])), None);
        assert_eq!(retry_after(&HeaderMap::new()), None);
    }

    #[test]
    fn truncate_respects_char_boundaries() {
        assert_eq!(truncate("héllo", 2), "hé…");
        assert_eq!(truncate("abc", 3), "abc");
    }

    #[test]
    fn wire_name_is_sanitised() {
        assert_eq!(wire_name("compile result!"), "compile_result_");
        assert_eq!(wire_name(""), "result");
        assert_eq!(wire_name(&"x".repeat(80)).len(), 64);
    }

    #[test]
    fn api_key_is_redacted_in_debug() {
        let core = HttpCore::new(
            "m".into(),
            None,
            "https://example.com",
            Some("sk-secret".into()),
            Duration::from_secs(1),
        )
        .unwrap();
        assert!(!format!("{core:?}").contains("sk-secret"));
        assert_eq!(core.scrub("bad key sk-secret".into()), "bad key [redacted]");
    }

    #[test]
    fn base_url_is_validated_and_trimmed() {
        let t = Duration::from_secs(1);
        let core = HttpCore::new("m".into(), Some("http://h:1/v1/".into()), "x", None, t).unwrap();
        assert_eq!(core.base_url, "http://h:1/v1");
        assert!(HttpCore::new("m".into(), Some("ftp://h".into()), "x", None, t).is_err());
        assert!(HttpCore::new(" ".into(), None, "http://h", None, t).is_err());
    }
}
