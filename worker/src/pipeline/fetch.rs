//! Fetching a URL safely: every connection goes through a resolver that refuses private
//! addresses (unless allowed), every redirect hop is re-checked, the body is streamed with a
//! size limit, and the whole request has a timeout.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use shared::config::IngestSettings;
use shared::db::source_checks::Validators;
use shared::ingest::url_guard;
use url::Url;

use super::StageError;

/// What a fetch returned.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// The URL after redirects.
    pub final_url: Url,
    pub content_type: Option<String>,
    pub bytes: Vec<u8>,
    /// The response's `ETag` and `Last-Modified`, for asking again conditionally.
    pub validators: Validators,
}

impl Fetched {
    /// What tells the extractor the document's kind: its content type, else its path.
    pub fn kind_hint(&self) -> Option<String> {
        self.content_type
            .clone()
            .or_else(|| Some(self.final_url.path().to_owned()))
    }
}

/// What a conditional fetch returned.
#[derive(Debug, Clone)]
pub enum Conditional {
    /// The server answered 304: nothing changed since the validators were given.
    NotModified,
    Fetched(Fetched),
}

/// DNS resolution with the SSRF check applied to every name reqwest connects to.
#[derive(Debug, Clone)]
struct GuardedResolver {
    allow_private: bool,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow_private = self.allow_private;
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> = url_guard::resolve_host(&host, 0, allow_private).await?;
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}

/// An HTTP client configured for fetching sources.
#[derive(Debug, Clone)]
pub struct Fetcher {
    client: reqwest::Client,
    max_bytes: usize,
    allow_private: bool,
}

impl Fetcher {
    /// Builds the client from the ingest settings.
    pub fn new(settings: &IngestSettings) -> Result<Self, reqwest::Error> {
        let allow_private = settings.allow_private_urls;
        let max_redirects = settings.max_redirects;
        let redirect = reqwest::redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() > max_redirects {
                return attempt.error(format!("more than {max_redirects} redirects"));
            }
            if attempt.previous().iter().any(|u| u == attempt.url()) {
                return attempt.error("redirect loop");
            }
            match url_guard::check_static(attempt.url(), allow_private) {
                Ok(()) => attempt.follow(),
                Err(e) => attempt.error(e),
            }
        });
        let client = reqwest::Client::builder()
            .user_agent(concat!(
                "WikiMind/",
                env!("CARGO_PKG_VERSION"),
                " (knowledge compiler)"
            ))
            .timeout(Duration::from_secs(settings.fetch_timeout_secs))
            .connect_timeout(Duration::from_secs(settings.fetch_timeout_secs.min(10)))
            .redirect(redirect)
            // A proxy would resolve names itself, bypassing the guarded resolver.
            .no_proxy()
            .dns_resolver(Arc::new(GuardedResolver { allow_private }))
            .build()?;
        Ok(Self {
            client,
            max_bytes: settings.max_fetch_bytes,
            allow_private,
        })
    }

    /// Fetches a URL, refusing private targets, oversized bodies and error statuses.
    pub async fn fetch(&self, url: &Url) -> Result<Fetched, StageError> {
        self.fetch_if_changed(url, &Validators::default())
            .await
            .and_then(plain)
    }

    /// A GET with headers of the caller's (a language, a cookie), under the same checks.
    pub async fn get_with(
        &self,
        url: &Url,
        headers: &[(reqwest::header::HeaderName, &str)],
    ) -> Result<Fetched, StageError> {
        let mut request = self.client.get(url.clone());
        for (name, value) in headers {
            request = request.header(name, *value);
        }
        self.send(url, request).await.and_then(plain)
    }

    /// A POST of a JSON body (an API call), under the same checks.
    pub async fn post_json(
        &self,
        url: &Url,
        body: &serde_json::Value,
    ) -> Result<Fetched, StageError> {
        let request = self.client.post(url.clone()).json(body);
        self.send(url, request).await.and_then(plain)
    }

    /// Fetches a URL unless it is unchanged since a fetch that returned `validators`
    /// (a conditional GET with `If-None-Match` / `If-Modified-Since`), with the checks of
    /// [`Fetcher::fetch`].
    #[tracing::instrument(skip_all, fields(url = %url), err)]
    pub async fn fetch_if_changed(
        &self,
        url: &Url,
        validators: &Validators,
    ) -> Result<Conditional, StageError> {
        let mut request = self.client.get(url.clone()).header(
            reqwest::header::ACCEPT,
            "text/html,application/xhtml+xml,application/pdf,text/plain;q=0.9,*/*;q=0.5",
        );
        if let Some(etag) = &validators.etag {
            request = request.header(reqwest::header::IF_NONE_MATCH, etag);
        }
        if let Some(modified) = &validators.last_modified {
            request = request.header(reqwest::header::IF_MODIFIED_SINCE, modified);
        }
        self.send(url, request).await
    }

    /// Sends a request to `url` (checked first; every redirect and connection is checked by
    /// the client) and reads its body within the size limit.
    async fn send(
        &self,
        url: &Url,
        request: reqwest::RequestBuilder,
    ) -> Result<Conditional, StageError> {
        url_guard::check_static(url, self.allow_private)
            .map_err(|e| StageError::permanent(e.to_string()))?;
        let response = request.send().await.map_err(describe_send_error)?;
        let status = response.status();
        if status == reqwest::StatusCode::NOT_MODIFIED {
            return Ok(Conditional::NotModified);
        }
        if !status.is_success() {
            let message = format!("the server answered {status}");
            // 429 and 5xx may pass; 4xx will not.
            return Err(if status.is_server_error() || status.as_u16() == 429 {
                StageError::transient(message)
            } else {
                StageError::permanent(message)
            });
        }
        if let Some(len) = response.content_length()
            && len > self.max_bytes as u64
        {
            return Err(StageError::permanent(format!(
                "the document is {len} bytes, more than the limit of {} bytes",
                self.max_bytes
            )));
        }
        let final_url = response.url().clone();
        let header = |name| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let content_type = header(reqwest::header::CONTENT_TYPE);
        let validators = Validators {
            etag: header(reqwest::header::ETAG),
            last_modified: header(reqwest::header::LAST_MODIFIED),
        };
        let mut bytes = Vec::new();
        let mut stream = response.bytes_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(describe_send_error)?;
            // Counting decoded bytes also stops compressed "bombs" at the limit.
            if bytes.len() + chunk.len() > self.max_bytes {
                return Err(StageError::permanent(format!(
                    "the document is larger than the limit of {} bytes",
                    self.max_bytes
                )));
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(Conditional::Fetched(Fetched {
            final_url,
            content_type,
            bytes,
            validators,
        }))
    }
}

/// A request without validators has nothing for a 304 to answer.
fn plain(answer: Conditional) -> Result<Fetched, StageError> {
    match answer {
        Conditional::Fetched(fetched) => Ok(fetched),
        Conditional::NotModified => Err(StageError::permanent(
            "the server answered 304 Not Modified to a plain request",
        )),
    }
}

fn describe_send_error(err: reqwest::Error) -> StageError {
    // The redirect policy's and resolver's own messages are the useful part of the chain.
    let mut detail = err.to_string();
    let mut source = std::error::Error::source(&err);
    while let Some(inner) = source {
        detail = inner.to_string();
        source = inner.source();
    }
    let refused = detail.contains("loopback, private or link-local")
        || detail.contains("only http and https")
        || detail.contains("redirect");
    if err.is_timeout() {
        StageError::transient(format!("the request timed out: {detail}"))
    } else if refused || err.is_redirect() {
        StageError::permanent(detail)
    } else if err.is_connect() {
        StageError::transient(format!("could not connect: {detail}"))
    } else {
        StageError::transient(detail)
    }
}
