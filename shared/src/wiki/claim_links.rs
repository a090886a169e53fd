//! Where a claim's quote can be opened at its place in the source: for a video, its watch
//! page at the time of the transcript paragraph that holds the quote.

use std::collections::HashMap;

use crate::domain::SourceId;
use crate::domain::{ArticleDetail, SourceKind};
use crate::ingest::youtube::{self, VideoId};
use crate::storage::Storage;

/// Fills each claim's `source_link` whose source can be opened at the quote. Each such
/// source's clean text is read once; a source whose text is gone simply gets no links.
pub async fn link_claims(article: &mut ArticleDetail, storage: &Storage) {
    let videos: HashMap<SourceId, VideoId> = article
        .sources
        .iter()
        .filter(|s| s.kind == SourceKind::Youtube.as_str())
        .filter_map(|s| {
            let url = url::Url::parse(s.url.as_deref()?).ok()?;
            Some((s.id, youtube::video_id(&url)?))
        })
        .collect();
    if videos.is_empty() {
        return;
    }
    let mut texts: HashMap<SourceId, Option<String>> = HashMap::new();
    for claim in &mut article.claims {
        let (Some(source), Some(span)) = (claim.source_id, claim.span) else {
            continue;
        };
        let Some(video) = videos.get(&source) else {
            continue;
        };
        if let std::collections::hash_map::Entry::Vacant(slot) = texts.entry(source) {
            slot.insert(storage.read_text(source).await.ok());
        }
        let text = texts.get(&source).and_then(Option::as_ref);
        let Some(text) = text else {
            continue;
        };
        let offset = usize::try_from(span.start).unwrap_or(0);
        claim.source_link = Some(match youtube::seconds_before(text, offset) {
            Some(seconds) => video.watch_url_at(seconds),
            None => video.watch_url(),
        });
    }
}
