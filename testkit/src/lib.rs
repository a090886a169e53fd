//! Test support shared by the workspace's black-box tests and benchmarks.

pub mod backend;
pub mod corpus_server;
pub mod fake_llm;
pub mod fake_youtube;
pub mod s3_server;
