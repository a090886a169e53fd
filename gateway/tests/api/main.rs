//! Black-box tests of the gateway: each test spawns the real application on port 0 with a
//! fresh data directory and database, and talks to it over HTTP and WebSocket.

mod articles;
mod ask;
mod ask_stream;
mod backup;
mod budget;
mod cli;
mod concepts;
mod connections;
mod contradictions;
mod credentials;
mod durability;
mod embedding_settings;
mod feeds;
mod graph;
mod health;
mod helpers;
mod hostile_pdfs;
mod hybrid;
mod import;
mod ingest;
mod links;
mod llm;
mod mcp;
mod origin;
mod provider_settings;
mod search;
mod settings;
mod sources;
mod stale;
mod storage_faults;
mod text_edges;
mod traces;
mod vault;
mod wiki_health;
mod youtube;
