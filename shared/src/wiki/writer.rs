//! The one way anything is written to the wiki. Compiling a source, filing a conversation back
//! and deleting a source all go through [`Wiki`], which keeps the pieces of an article in step:
//! its database rows (with links, concepts, claims and search passages, in one transaction),
//! its markdown file in the vault, the links of other articles that were waiting for it,
//! `index.md` and `log.md`, the events open readers listen to, and the vectors of its passages.
//!
//! Saving is two steps so a caller can decide between them whether the stored row is really
//! its to publish (filing back claims its conversation there): [`Wiki::store`] writes the rows
//! under a slug nobody else holds, [`Wiki::publish`] writes everything that follows from them.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use super::index_writer::IndexWriter;
use super::mentions;
use super::vault::{LinkedArticle, VaultDispute, VaultLink, vault_file};
use super::{ArticleFile, WikiError, log_entry, render_article};
use crate::compile::{RelationType, aliases_of, identifier_of, normalize_title, slugify};
use crate::config::BudgetSettings;
use crate::db::articles::{ArticleKey, ArticleWrite};
use crate::db::{self, Db, DbError};
use crate::domain::{ArticleId, SourceId};
use crate::events::{Event, EventKind, SharedBus};
use crate::llm::live::LiveLlm;
use crate::storage::Storage;

/// Longest wait at a stop for the last rewrite of `index.md`.
const INDEX_FLUSH_LIMIT: Duration = Duration::from_secs(10);
/// Longest slug generated from a title (a numeric suffix may follow).
const SLUG_MAX: usize = 80;
/// Saves tried when other saves keep taking the free slug first (each try looks it up anew).
const SLUG_RACES: usize = 10;

/// What [`Wiki::link_back`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkBack {
    Added,
    /// The link was there already.
    AlreadyThere,
    /// One of the two pages no longer exists.
    PageGone,
}

/// An article about to be saved: its rows and its file. The writer fills in the slug, the
/// version, the file snapshot, the aliases its title gives and the links its text makes by
/// naming other articles.
#[derive(Debug, Clone)]
pub struct Draft {
    pub write: ArticleWrite,
    pub file: ArticleFile,
    /// Where the article names other articles: its own text, then its source's.
    pub text: String,
}

/// What `log.md` records of a save: the action (`compile`, `file`…) and its details.
#[derive(Debug, Clone)]
pub struct LogLine {
    pub action: &'static str,
    pub fields: Vec<(&'static str, String)>,
}

/// A published article.
#[derive(Debug, Clone)]
pub struct Published {
    pub article: ArticleKey,
    pub version: i32,
    /// True when an existing article was replaced rather than a new one created.
    pub was_update: bool,
    /// Other articles whose unresolved links now point at this one.
    pub relinked: Vec<ArticleKey>,
}

/// What deleting a source removed.
#[derive(Debug, Clone, Default)]
pub struct DeletedSource {
    /// The articles compiled only from it.
    pub articles: Vec<ArticleId>,
    /// The concepts those articles carried, whose pages now describe one article fewer.
    pub concepts: Vec<String>,
}

/// Writes to the wiki (cheap to clone).
#[derive(Clone)]
pub struct Wiki {
    db: Db,
    pub(super) storage: Storage,
    bus: SharedBus,
    /// Holds the embedder in force, which passages are embedded with.
    llm: Arc<LiveLlm>,
    budget: BudgetSettings,
    index: Arc<IndexWriter>,
}

impl std::fmt::Debug for Wiki {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Wiki")
            .field("db", &self.db.dialect())
            .field("data_dir", &self.storage.root())
            .field("embedder", &self.llm.embedder())
            .finish_non_exhaustive()
    }
}

impl Wiki {
    /// A writer over this database, data directory and event bus; passages are embedded
    /// while `llm` holds an embedder (within `budget`).
    pub fn new(
        db: Db,
        storage: Storage,
        bus: SharedBus,
        llm: Arc<LiveLlm>,
        budget: BudgetSettings,
    ) -> Self {
        Self {
            index: IndexWriter::new(db.clone(), storage.clone()),
            db,
            storage,
            bus,
            llm,
            budget,
        }
    }

    /// The database the wiki is stored in, for reading.
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// Stores the draft's rows: in place (same id and slug, next version) when `existing` is
    /// the article being replaced, otherwise under the first free slug of its title. Returns
    /// the stored version. Nothing outside the database is written yet.
    pub async fn store(
        &self,
        draft: &mut Draft,
        existing: Option<&ArticleKey>,
    ) -> Result<i32, WikiError> {
        self.add_names(draft).await?;
        if let Some(a) = existing {
            draft.write.slug = a.slug.clone();
            return self.store_once(draft).await;
        }
        let base = slugify(&draft.write.title, SLUG_MAX);
        for _ in 0..SLUG_RACES {
            draft.write.slug = db::articles::free_slug(&self.db, &base).await?;
            match self.store_once(draft).await {
                // Taken between the lookup and the insert by a save racing for the same title.
                Err(WikiError::Db(DbError::Conflict { constraint }))
                    if constraint.contains("slug") => {}
                other => return other,
            }
        }
        Err(WikiError::Busy(
            "other articles kept taking the free slug for this title",
        ))
    }

    /// The short names the title gives and the identifier its text is about (kept as
    /// aliases), and the passages where the draft may
    /// name other articles (the index new articles search for those naming them).
    async fn add_names(&self, draft: &mut Draft) -> Result<(), WikiError> {
        let identifier = identifier_of(&draft.text);
        for alias in aliases_of(&draft.write.title).into_iter().chain(identifier) {
            let key = normalize_title(&alias);
            if key != draft.write.title_key && !draft.write.alias_keys.contains(&key) {
                draft.write.alias_keys.push(key);
                draft.file.aliases.push(alias);
            }
        }
        draft.write.mention_passages = mentions::passages(&draft.text);
        Ok(())
    }

    /// Links from a stored article to the articles its text names. Looked up after its rows
    /// are committed, as the articles naming it are: of two articles saved at once, each
    /// naming the other, at least one then sees the other's rows, so no link is missed.
    async fn link_mentions(&self, draft: &Draft) -> Result<(), WikiError> {
        let w = &draft.write;
        let mut already: HashSet<String> = w.links.iter().map(|l| l.target_key.clone()).collect();
        already.insert(w.title_key.clone());
        already.extend(w.alias_keys.iter().cloned());
        for link in mentions::outgoing(&self.db, w.id, &draft.text, &already).await? {
            // One link per target: `add` skips a target the article already links to.
            db::links::add(&self.db, w.id, &link).await?;
        }
        Ok(())
    }

    /// Renders the file for the next version and stores the rows with it as the snapshot.
    async fn store_once(&self, draft: &mut Draft) -> Result<i32, WikiError> {
        draft.file.slug = draft.write.slug.clone();
        draft.file.version = db::articles::current_version(&self.db, draft.write.id).await? + 1;
        draft.write.file_content = render_article(&draft.file);
        Ok(db::articles::save_article(&self.db, &draft.write).await?)
    }

    /// Drops rows stored by [`Wiki::store`] that are not to be published after all.
    pub async fn discard(&self, id: ArticleId) -> Result<(), WikiError> {
        Ok(db::articles::delete_article(&self.db, id).await?)
    }

    /// Writes what follows from stored rows: the vault file, the links of other articles that were
    /// waiting for this title or its aliases, the log, and the events; and asks for the index to
    /// be rewritten (see [`Wiki::refresh_index`]).
    pub async fn publish(
        &self,
        draft: Draft,
        version: i32,
        log: LogLine,
    ) -> Result<Published, WikiError> {
        let id = draft.write.id;
        self.link_mentions(&draft).await?;
        self.resolve_own_links(id).await?;
        // The file is the stored current version (a concurrent save may have moved it on).
        let slug = self
            .write_file(id)
            .await?
            .unwrap_or_else(|| draft.write.slug.clone());

        let mut keys = vec![draft.write.title_key.clone()];
        keys.extend(draft.write.alias_keys.iter().cloned());
        // Links waiting for a name resolve to this article only if the name is its alone.
        let owners = db::articles::named_by(&self.db, &keys).await?;
        keys.retain(|k| owners.iter().all(|(key, owner)| key != k || *owner == id));
        let mut relinked = Vec::new();
        // The names written as they read, for those of its keys that are its alone.
        let names: Vec<(String, String)> = std::iter::once(&draft.write.title)
            .chain(&draft.file.aliases)
            .map(|n| (n.clone(), normalize_title(n)))
            .filter(|(_, key)| keys.contains(key))
            .collect();
        let mut others = db::links::resolve_pending(&self.db, id, &keys).await?;
        for from in mentions::incoming(&self.db, id, &names).await? {
            if !others.contains(&from) {
                others.push(from);
            }
        }
        for other in others {
            // Their links to this article now resolve, so their files link to it.
            self.write_file(other).await?;
            if let Some(k) = db::articles::key(&self.db, other).await? {
                relinked.push(k);
            }
        }
        self.index.request();
        let mut fields = log.fields;
        fields.push(("article", slug.clone()));
        self.log(log.action, &draft.write.title, &fields).await;

        let article = ArticleKey {
            id,
            slug,
            title: draft.write.title,
        };
        // Open readers of this page, and of pages whose links now resolve to it, refresh.
        for a in std::iter::once(&article).chain(&relinked) {
            self.announce(a, false).await;
        }
        Ok(Published {
            article,
            version,
            was_update: version > 1,
            relinked,
        })
    }

    /// Resolves the article's links that found no page when it was stored. Two articles saved
    /// at once, each naming the other, may each have been stored before the other existed, and
    /// each have looked for links waiting for its name before the other's were stored: looking
    /// again after storing means one of the two always finds the other.
    async fn resolve_own_links(&self, id: ArticleId) -> Result<(), WikiError> {
        let waiting = db::links::unresolved_of(&self.db, id).await?;
        if waiting.is_empty() {
            return Ok(());
        }
        // One bounded lookup finds the names some other page now goes by; only those are
        // resolved one by one (by the rules that keep a shared name unguessed).
        let keys: Vec<String> = waiting.iter().map(|(_, key)| key.clone()).collect();
        let named: HashSet<String> = db::articles::named_by(&self.db, &keys)
            .await?
            .into_iter()
            .filter(|(_, owner)| *owner != id)
            .map(|(key, _)| key)
            .collect();
        for (text, key) in waiting.iter().filter(|(_, key)| named.contains(key)) {
            if let Some(target) = db::articles::resolve_title(&self.db, text, key, Some(id)).await?
            {
                db::links::point(&self.db, id, key, target.id).await?;
            }
        }
        Ok(())
    }

    /// Writes an article's vault file from its stored page and its current links; returns its
    /// slug (`None` when the article no longer exists).
    pub(super) async fn write_file(&self, id: ArticleId) -> Result<Option<String>, WikiError> {
        let Some((slug, page)) = db::articles::current_page(&self.db, id).await? else {
            return Ok(None);
        };
        let links: Vec<VaultLink> = db::links::targets(&self.db, id)
            .await?
            .into_iter()
            .map(|l| VaultLink {
                target_key: l.target_key,
                target: l
                    .slug
                    .zip(l.title)
                    .map(|(slug, title)| LinkedArticle { slug, title }),
                relation: l.relation_type,
            })
            .collect();
        let disputes: Vec<VaultDispute> = db::contradictions::disputes_of(&self.db, id)
            .await?
            .into_iter()
            .map(|d| VaultDispute {
                superseded: d.resolution == "superseded",
                claim: d.claim,
                by: LinkedArticle {
                    slug: d.by_slug,
                    title: d.by_title,
                },
            })
            .collect();
        self.storage
            .write_article(&slug, &vault_file(&page, &links, &disputes))
            .await?;
        Ok(Some(slug))
    }

    /// [`Wiki::store`], then [`Wiki::publish`].
    pub async fn save(
        &self,
        mut draft: Draft,
        existing: Option<&ArticleKey>,
        log: LogLine,
    ) -> Result<Published, WikiError> {
        let version = self.store(&mut draft, existing).await?;
        self.publish(draft, version, log).await
    }

    /// Gives `from` the inverse of a symmetric link `to` has to it (Health's repair of a
    /// missing inverse): the link row, `from`'s vault file, the log and the event.
    pub async fn link_back(
        &self,
        from: ArticleId,
        to: ArticleId,
        relation: RelationType,
    ) -> Result<LinkBack, WikiError> {
        let (Some(page), Some(target)) = (
            db::articles::key(&self.db, from).await?,
            db::articles::key(&self.db, to).await?,
        ) else {
            return Ok(LinkBack::PageGone);
        };
        if !db::links::link_back(&self.db, from, to, &target.title, relation).await? {
            return Ok(LinkBack::AlreadyThere);
        }
        self.write_file(from).await?;
        self.log(
            "link",
            &page.title,
            &[
                ("relation", relation.as_str().to_owned()),
                ("to", target.slug.clone()),
            ],
        )
        .await;
        self.announce(&page, false).await;
        Ok(LinkBack::Added)
    }

    /// Records how a person resolved a contradiction; the page whose claim lost shows it as
    /// disputed (in the API and in its vault file), and open readers of both pages refresh.
    pub async fn resolve_contradiction(
        &self,
        resolution: &db::contradictions::Resolution,
    ) -> Result<(), WikiError> {
        db::contradictions::record_resolution(&self.db, resolution).await?;
        let keys = db::articles::keys_by_ids(&self.db, &[resolution.a, resolution.b]).await?;
        for page in &keys {
            // The losing page's file lists the disputed claim (a changed resolution may move
            // it from one page to the other).
            self.write_file(page.id).await?;
            self.announce(page, false).await;
        }
        let titles: Vec<String> = keys.iter().map(|k| k.title.clone()).collect();
        self.log(
            "resolve",
            &titles.join(" / "),
            &[("resolution", resolution.resolution.clone())],
        )
        .await;
        Ok(())
    }

    /// Asks for `index.md` to be rewritten from the database. It is written shortly after, off
    /// the caller's path, once for every request made meanwhile.
    pub fn refresh_index(&self) {
        self.index.request();
    }

    /// At a stop: waits for the rewrites of `index.md` asked for so far (a failed one is logged
    /// and left to the next change), at most [`INDEX_FLUSH_LIMIT`]; the next start rewrites it
    /// when the wait runs out.
    pub async fn flush_index(&self) {
        if tokio::time::timeout(INDEX_FLUSH_LIMIT, self.index.flush())
            .await
            .is_err()
        {
            tracing::warn!("index.md not rewritten before the stop; the next start does it");
        }
    }

    /// Deletes a source: its row and files, and with `cascade` the articles compiled only from
    /// it (rows, files, index entries). Returns the deleted articles and their concepts.
    pub async fn delete_source(
        &self,
        id: SourceId,
        cascade: bool,
    ) -> Result<DeletedSource, WikiError> {
        db::sources::get(&self.db, id).await?;
        let mut deleted = Vec::new();
        let mut concepts = Vec::new();
        if cascade {
            for article in db::articles::only_from_source(&self.db, id).await? {
                for key in db::concepts::keys_for_article(&self.db, article.id).await? {
                    if !concepts.contains(&key) {
                        concepts.push(key);
                    }
                }
                db::articles::delete_article(&self.db, article.id).await?;
                if let Err(e) = self.storage.remove_article(&article.slug).await {
                    tracing::warn!(error = %e, slug = %article.slug, "could not remove the article file");
                }
                self.announce(&article, true).await;
                deleted.push(article.id);
            }
        }
        db::sources::delete(&self.db, id).await?;
        if let Err(e) = self.storage.remove_source(id).await {
            tracing::warn!(error = %e, %id, "could not remove the source's files");
        }
        if !deleted.is_empty() {
            self.index.request();
        }
        self.log(
            "delete",
            &id.to_string(),
            &[("articles_deleted", deleted.len().to_string())],
        )
        .await;
        Ok(DeletedSource {
            articles: deleted,
            concepts,
        })
    }

    /// Deletes one article: its rows, its file and its index entry; links to it wait
    /// unresolved for an article of its name.
    pub async fn remove_article(&self, id: ArticleId) -> Result<(), WikiError> {
        let Some(article) = db::articles::key(&self.db, id).await? else {
            return Ok(());
        };
        db::articles::delete_article(&self.db, id).await?;
        if let Err(e) = self.storage.remove_article(&article.slug).await {
            tracing::warn!(error = %e, slug = %article.slug, "could not remove the article file");
        }
        self.index.request();
        self.log(
            "remove",
            &article.title,
            &[("article", article.slug.clone())],
        )
        .await;
        self.announce(&article, true).await;
        Ok(())
    }

    /// Gives passages without vectors theirs, when an embedding provider is configured.
    /// A failure leaves them to the next pass; they are found by full-text search meanwhile.
    pub async fn embed_pending(&self) {
        let Some(embedder) = self.llm.embedder() else {
            return;
        };
        if let Err(e) = crate::embed::index_pending(&self.db, &embedder, &self.budget, None).await {
            tracing::warn!(error = %e, "passages not embedded yet; they are found by full-text search");
        }
    }

    /// Appends to `log.md`. The wiki itself is already stored: a log that cannot be appended
    /// to is reported, not worth failing the write over.
    pub(super) async fn log(&self, action: &str, subject: &str, fields: &[(&str, String)]) {
        let entry = log_entry(db::now(), action, subject, fields);
        if let Err(e) = self.storage.append_log(&entry).await {
            tracing::warn!(error = %e, "could not append to the log");
        }
    }

    pub(super) async fn announce(&self, a: &ArticleKey, deleted: bool) {
        self.bus
            .publish(Event::new(EventKind::ArticleUpdated {
                article_id: a.id,
                slug: a.slug.clone(),
                title: a.title.clone(),
                deleted,
            }))
            .await;
    }
}
