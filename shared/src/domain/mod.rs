//! Domain types shared by the gateway and the worker: what a source, a job and an article are,
//! and the wire values of their enums.

mod article;
mod conversation;
mod id;
mod job;
mod sort;
mod source;
mod text_enum;

pub use article::{
    ArticleDetail, ArticleListItem, ArticleSourceRef, Claim, ClaimDispute, ClaimDisputeBy,
    ClaimSpan, LinkRef,
};
pub use conversation::{
    AnswerConfidence, AnswerMode, ArticleRef, Citation, CitedPassage, Conversation, SourceRef, Turn,
};
pub use id::{ArticleId, JobId, SourceId};
pub use job::{Job, JobKind, JobStatus};
pub use sort::{ArticleSort, Direction, JobSort, ListSort, Order, SourceSort};
pub use source::{Source, SourceKind, SourceStatus};
pub use text::title::{
    MAX_TITLE_CHARS, Title, TitleError, cut_on_word, is_unstorable, single_line,
};
pub use text_enum::UnknownValue;
