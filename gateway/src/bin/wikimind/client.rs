//! The HTTP client of the command line: the server's address and token, and the error
//! envelope turned into a message and an exit code.

use std::time::Duration;

use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde_json::Value;

/// Why a command failed, and the exit code it ends with.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The server could not be reached.
    Unreachable(String),
    /// The server refused or failed (its envelope's message).
    Server { status: StatusCode, message: String },
    /// Something local: a file that cannot be read, a body that is not what it should be.
    Local(String),
}

impl Failure {
    pub(crate) fn exit_code(&self) -> u8 {
        match self {
            Failure::Server { .. } => 1,
            Failure::Local(_) => 1,
            Failure::Unreachable(_) => 3,
        }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Unreachable(m) => write!(f, "cannot reach WikiMind: {m}"),
            Failure::Server { status, message } => write!(f, "{message} ({})", status.as_u16()),
            Failure::Local(m) => f.write_str(m),
        }
    }
}

pub(crate) type CliResult<T> = Result<T, Failure>;

/// A client of one WikiMind.
pub(crate) struct Client {
    base: String,
    token: Option<String>,
    http: reqwest::Client,
}

impl Client {
    pub(crate) fn new(base: &str, token: Option<String>) -> CliResult<Self> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| Failure::Local(e.to_string()))?;
        Ok(Self {
            base: base.trim_end_matches('/').to_owned(),
            token,
            http,
        })
    }

    pub(crate) fn request(&self, method: Method, path: &str) -> RequestBuilder {
        let r = self.http.request(method, format!("{}{path}", self.base));
        match &self.token {
            Some(t) => r.bearer_auth(t),
            None => r,
        }
    }

    /// Sends `request`; a reply outside 2xx becomes a [`Failure`] with the server's message.
    pub(crate) async fn send(&self, request: RequestBuilder) -> CliResult<Response> {
        let response = request.send().await.map_err(|e| {
            if e.is_connect() || e.is_timeout() {
                Failure::Unreachable(format!("{} ({e})", self.base))
            } else {
                Failure::Local(e.to_string())
            }
        })?;
        if response.status().is_success() {
            return Ok(response);
        }
        let status = response.status();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        let message = body["error"]["message"]
            .as_str()
            .map(str::to_owned)
            .unwrap_or_else(|| status.canonical_reason().unwrap_or("error").to_owned());
        Err(Failure::Server { status, message })
    }

    /// Sends `request` and reads a JSON reply.
    pub(crate) async fn json(&self, request: RequestBuilder) -> CliResult<Value> {
        self.send(request)
            .await?
            .json()
            .await
            .map_err(|e| Failure::Local(format!("the reply was not JSON: {e}")))
    }

    pub(crate) async fn get(&self, path: &str) -> CliResult<Value> {
        self.json(self.request(Method::GET, path)).await
    }
}
