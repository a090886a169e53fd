//! Job handlers, one per file.

pub mod process_source;
