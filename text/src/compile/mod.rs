//! Compiling a source into a wiki article, as pure logic with no I/O: the JSON contract between
//! the compiler and the rest of the system, the LLM prompts, chunking of long sources and merging
//! of their parts into chapters, bodies that say each thing once, grounding of quotes against the
//! source text, slugs and normalised titles, and the deterministic offline compiler used when no
//! LLM is configured.

pub mod body;
pub mod chunking;
pub mod concepts;
pub mod contract;
pub mod grounding;
mod markdown;
pub mod mentions;
pub mod merge;
pub mod offline;
pub mod prompt;
pub mod slug;
#[cfg(test)]
mod test_support;

pub use body::readable_body;
pub use chunking::{Chunk, chunk_text};
pub use concepts::{concept_hierarchy, concept_key};
pub use contract::{
    BacklinkSuggestion, CompileResult, CompiledClaim, Confidence, ContractError, PageType,
    RelationType, compile_json_schema, gemini_response_schema, parse_compile_result,
};
pub use grounding::{
    GroundedClaim, QuoteLocator, Span, ground_claims, locate_quote, overall_confidence,
};
pub use mentions::{aliases_of, identifier_of, key_terms, phrase_keys};
pub use merge::merge_results;
pub use offline::{OfflineInput, compile_offline};
pub use prompt::{
    COMPILE_SYSTEM_PROMPT, compile_user_prompt, extract_source_from_prompt, repair_prompt,
};
pub use slug::{first_free_slug, normalize_title, slugify};
