//! WikiMind's gateway: the JSON API, the live-event WebSocket, health checks and the embedded
//! web app. In single-process mode it also runs the worker.

pub mod auth;
mod cached;
pub mod client;
pub mod error;
pub mod extract;
pub mod import;
pub mod limits;
pub mod mcp;
pub mod metrics;
pub mod openapi;
pub mod origin;
pub mod request_id;
pub mod routes;
pub mod server;
pub mod session;
pub mod spa;
pub mod startup;
pub mod state;
pub mod throttle;

pub use startup::{Application, ServeOptions, Services};
