//! WikiMind's text logic, pure and without I/O: extracting documents (HTML, PDF) into clean
//! text, cleaning text and titles, and compiling a source into an article (the contract,
//! prompts, chunking, grounding, slugs and the offline compiler).
//!
//! It depends on no database, network or runtime, so it is tested and fuzzed on its own; the
//! `shared` crate re-exports it where the rest of WikiMind expects it.

pub mod clean;
pub mod compile;
pub mod extract;
pub mod title;
