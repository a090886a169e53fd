//! WikiMind's shared core: configuration, telemetry, the database (all SQL), the data
//! directory, domain types, the LLM layer, jobs and events; the pure text logic (extraction and
//! compiling) comes from the `text` crate and is re-exported here.
//!
//! This crate knows nothing of HTTP serving; the gateway and the worker build on it.

pub mod ask;
pub mod backup;
pub mod budget;
pub mod config;
pub mod costs;
pub mod db;
pub mod domain;
pub mod embed;
pub mod events;
pub mod feeds;
pub mod health;
pub mod ingest;
pub mod jobs;
pub mod llm;
pub mod outbox;
pub mod read_cache;
pub mod recompile;
pub mod search;
pub mod secrets;
pub mod shutdown;
pub mod storage;
pub mod telemetry;
pub mod wiki;

pub use text::{compile, extract};

/// The version reported by `/health`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
