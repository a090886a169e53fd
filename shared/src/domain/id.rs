//! The ids of sources, articles and jobs, each a type of its own.
//!
//! All three are UUIDs (version 7 when made here, so they sort by creation; a concept page's is
//! derived from its concept) stored and sent exactly as a bare `Uuid` is — the same column
//! types, the same JSON string — but a function that takes a `SourceId` cannot be handed an
//! article's id by mistake: the compiler refuses the swap that a plain `Uuid` would let through
//! to a query that then finds nothing, or the wrong row.
//!
//! Text, JSON and rows are read as whichever of them the receiving field or parameter is; in
//! code a bare `Uuid` becomes one only by naming the type (`SourceId::from_uuid`).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! entity_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
            Serialize, Deserialize, sqlx::Type, utoipa::ToSchema,
        )]
        #[serde(transparent)]
        #[sqlx(transparent)]
        #[schema(value_type = String, format = Uuid)]
        pub struct $name(Uuid);

        impl $name {
            /// A new id, sorting after the ids this process made before it.
            #[must_use]
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }

            /// The id an untyped `Uuid` is known to be.
            #[must_use]
            pub const fn from_uuid(id: Uuid) -> Self {
                Self(id)
            }

            /// The bare UUID, for what takes any id (keys, event payloads).
            #[must_use]
            pub const fn as_uuid(self) -> Uuid {
                self.0
            }
        }

        /// A new id, as [`Self::new`].
        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    };
}

entity_id!(
    /// A source's id: one thing fed to WikiMind (a page, a file, a note, a video, a feed item).
    SourceId
);
entity_id!(
    /// An article's id: one page of the wiki, compiled or concept.
    ArticleId
);
entity_id!(
    /// A job's id: one run of the pipeline (compile, recompile, fetch …).
    JobId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_reads_and_writes_as_its_uuid() {
        let id = SourceId::new();
        let text = id.to_string();
        assert_eq!(text, id.as_uuid().to_string());
        assert_eq!(text.parse::<SourceId>().unwrap(), id);
        assert_eq!(serde_json::to_string(&id).unwrap(), format!("\"{text}\""));
        let back: SourceId = serde_json::from_str(&format!("\"{text}\"")).unwrap();
        assert_eq!(back, id);
        assert!("not-an-id".parse::<ArticleId>().is_err());
    }

    #[test]
    fn new_ids_sort_by_creation() {
        let first = JobId::new();
        let second = JobId::new();
        assert!(first < second);
    }
}
