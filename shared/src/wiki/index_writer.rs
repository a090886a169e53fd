//! `index.md` rewritten off the path of the write that changed the wiki. The index is made from
//! every article, so rewriting it inside each save made a save cost more as the wiki grew;
//! here a save only asks for a rewrite, and one task per process writes it shortly after,
//! once for however many saves asked meanwhile.
//!
//! Several processes (gateway and workers) may each rewrite it. The file is replaced
//! atomically, so a reader never sees half of one; and a writer that finds the articles changed
//! while it was rendering (another process saved, and may have written its newer index before
//! this older one landed) renders again, so the last file written is never older than the last
//! change.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock, Weak};
use std::time::Duration;

use tokio::sync::{Notify, watch};

use super::refresh_index;
use crate::db::{self, Db};
use crate::storage::Storage;

/// How long a rewrite waits for more saves to join it.
const COALESCE: Duration = Duration::from_millis(100);
/// Renders in a row when the articles keep changing under it, before it waits for a request.
const MAX_RENDERS: usize = 5;

/// Rewrites `index.md` when asked, one rewrite for the requests made while it waited or wrote.
pub(super) struct IndexWriter {
    db: Db,
    storage: Storage,
    /// Requests made so far.
    requested: AtomicU64,
    /// Requests served so far (written, or failed and logged).
    served: watch::Sender<u64>,
    /// Shared with the task, which holds the writer itself only weakly: dropping the last
    /// `Wiki` lets go of the database and storage, and the idle task with them.
    wake: Arc<Notify>,
    task: OnceLock<()>,
}

impl IndexWriter {
    pub(super) fn new(db: Db, storage: Storage) -> Arc<Self> {
        Arc::new(Self {
            db,
            storage,
            requested: AtomicU64::new(0),
            served: watch::Sender::new(0),
            wake: Arc::new(Notify::new()),
            task: OnceLock::new(),
        })
    }

    /// Asks for a rewrite and returns at once. The writing task starts with the first request,
    /// on the runtime the request is made on.
    pub(super) fn request(self: &Arc<Self>) {
        self.requested.fetch_add(1, Ordering::SeqCst);
        self.task.get_or_init(|| {
            tokio::spawn(Self::run(Arc::downgrade(self), Arc::clone(&self.wake)));
        });
        self.wake.notify_one();
    }

    /// Waits until every rewrite asked for so far has been made (or has failed and been
    /// logged).
    pub(super) async fn flush(&self) {
        let target = self.requested.load(Ordering::SeqCst);
        let mut served = self.served.subscribe();
        // The sender lives as long as `self`, so this only ends when the target is reached.
        let _ = served.wait_for(|n| *n >= target).await;
    }

    async fn run(writer: Weak<Self>, wake: Arc<Notify>) {
        loop {
            wake.notified().await;
            tokio::time::sleep(COALESCE).await;
            let Some(this) = writer.upgrade() else {
                return;
            };
            this.write_requested().await;
        }
    }

    /// Writes the index for the requests made so far, again while the articles change under it
    /// (at most [`MAX_RENDERS`] times), and marks those requests served.
    async fn write_requested(&self) {
        let target = self.requested.load(Ordering::SeqCst);
        for _ in 0..MAX_RENDERS {
            let before = db::articles::index_fingerprint(&self.db).await;
            if let Err(e) = refresh_index(&self.db, &self.storage).await {
                tracing::warn!(error = %e, "index.md not rewritten; the next change retries");
                break;
            }
            let after = db::articles::index_fingerprint(&self.db).await;
            match (before, after) {
                (Ok(before), Ok(after)) if before == after => break,
                (Ok(_), Ok(_)) => continue,
                (Err(e), _) | (_, Err(e)) => {
                    tracing::warn!(error = %e, "could not tell whether index.md is current");
                    break;
                }
            }
        }
        self.served.send_replace(target);
    }
}
