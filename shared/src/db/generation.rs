//! The wiki's generation: a counter the database itself bumps (by triggers) whenever something
//! a reader sees may have changed, whichever process or code path wrote it. A cache of read
//! answers keyed by it is never stale and costs at most one tiny statement per read to check
//! (on PostgreSQL, reads asking at once share one).

use std::sync::{Arc, Mutex};

use futures::future::BoxFuture;
use tokio::sync::watch;

use super::{Db, DbResult};
use crate::on_db;

/// The wiki's current generation. Read it *before* reading what is cached under it: an answer
/// read afterwards is at least as new as the generation it is filed under.
pub async fn current(db: &Db) -> DbResult<i64> {
    let (value,): (i64,) = on_db!(db, |p| sqlx::query_as(CURRENT).fetch_one(p).await)?;
    Ok(value)
}

/// Moves the generation on by hand, for a change the triggers cannot see: what a restore
/// does after its commit (indexing the restored vectors, putting the secret key in place)
/// changes answers read in between.
pub async fn bump(db: &Db) -> DbResult<()> {
    on_db!(db, |p| sqlx::query(
        "update wiki_generation set value = value + 1 where id = 1"
    )
    .execute(p)
    .await
    .map(drop))?;
    Ok(())
}

/// The statement both ways of reading run.
const CURRENT: &str = "select value from wiki_generation where id = 1";

/// Reads the generation the cheapest way the database allows: on SQLite through a read-only
/// connection of its own, on the caller's thread ([`sqliteread`]: microseconds, where a
/// statement through the pool is a hand-over to its connection thread and back); on
/// PostgreSQL one statement shared by the callers that ask at once (see `SharedRead`);
/// through the pool when neither can be had.
#[derive(Debug)]
pub struct Reader {
    db: Db,
    direct: Option<sqliteread::Int64Query>,
    shared: Option<Arc<SharedRead>>,
}

impl Reader {
    /// A reader of `db`'s generation (its migrations already run).
    pub fn new(db: &Db) -> Self {
        let (direct, shared) = match db {
            Db::Sqlite(pool) => {
                let options = pool.connect_options();
                let path = options.get_filename();
                let direct = sqliteread::Int64Query::open(path, CURRENT)
                    .inspect_err(|e| {
                        tracing::warn!(error = %e, "reading the wiki's generation through the pool");
                    })
                    .ok();
                (direct, None)
            }
            Db::Postgres(_) => {
                let db = db.clone();
                let read: ReadFn = Box::new(move || {
                    let db = db.clone();
                    Box::pin(async move {
                        current(&db)
                            .await
                            .inspect_err(|e| {
                                tracing::debug!(error = %e, "the shared generation read failed");
                            })
                            .ok()
                    })
                });
                (None, Some(Arc::new(SharedRead::new(read))))
            }
        };
        Self {
            db: db.clone(),
            direct,
            shared,
        }
    }

    /// The wiki's current generation (see [`current`]).
    pub async fn current(&self) -> DbResult<i64> {
        if let Some(direct) = &self.direct {
            match direct.read() {
                Ok(value) => return Ok(value),
                // Busy (a WAL being recovered, say): the pool waits as long as it must.
                Err(e) => tracing::debug!(error = %e, "the generation read directly failed"),
            }
        }
        if let Some(shared) = &self.shared
            && let Some(value) = shared.current().await
        {
            return Ok(value);
        }
        // No shared read, or it failed: this caller's own statement says why (or succeeds).
        current(&self.db).await
    }

    /// How many statements this reader has sent to the database server (the reads made on
    /// SQLite's own connection are not statements sent anywhere).
    pub fn statements(&self) -> u64 {
        self.shared
            .as_ref()
            .map_or(0, |shared| shared.state().started)
    }
}

/// One generation statement at a time, shared: a caller that arrives while one is under way
/// waits for the next, which starts after it arrived — so it still sees every commit made
/// before it asked — and every caller waiting then gets that statement's answer. A burst of
/// cached reads costs the database server one round trip per round trip's worth of requests
/// instead of one each, where each is as small as the server's answer to it.
struct SharedRead {
    /// One read of the generation; `None` when it failed.
    read: ReadFn,
    state: Mutex<ReadState>,
    /// The last finished statement: its number and its answer.
    answers: watch::Sender<(u64, Option<i64>)>,
}

/// How [`SharedRead`] reads the generation (a statement through the pool).
type ReadFn = Box<dyn Fn() -> BoxFuture<'static, Option<i64>> + Send + Sync>;

impl std::fmt::Debug for SharedRead {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedRead")
            .field("state", &*self.state())
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Default)]
struct ReadState {
    /// Statements started so far; the one under way, if any, is the last of them.
    started: u64,
    /// The highest statement number a caller waits for.
    wanted: u64,
    /// A task is sending the statements.
    running: bool,
}

impl SharedRead {
    fn new(read: ReadFn) -> Self {
        Self {
            read,
            state: Mutex::new(ReadState::default()),
            answers: watch::channel((0, None)).0,
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, ReadState> {
        // Nothing panics while holding it; a poisoned state is still consistent.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The generation as a statement started after this call read it; `None` when that
    /// statement failed.
    async fn current(self: &Arc<Self>) -> Option<i64> {
        let mut answers = self.answers.subscribe();
        let needed = {
            let mut state = self.state();
            // Not the statement under way: it may have read the row before this caller came.
            let needed = state.started + 1;
            state.wanted = state.wanted.max(needed);
            if !state.running {
                state.running = true;
                // A task of its own, so a caller that gives up (its client went away) cannot
                // leave the others waiting for a statement nobody sends.
                let this = Arc::clone(self);
                tokio::spawn(async move { this.send_while_wanted().await });
            }
            needed
        };
        answers
            .wait_for(|(number, _)| *number >= needed)
            .await
            .ok()
            .and_then(|answer| answer.1)
    }

    async fn send_while_wanted(&self) {
        let mut stopped = Stopped(Some(self));
        loop {
            let number = {
                let mut state = self.state();
                if state.wanted <= state.started {
                    state.running = false;
                    stopped.0 = None;
                    return;
                }
                state.started += 1;
                state.started
            };
            let value = (self.read)().await;
            // Only ever forward, so a caller never sees an answer older than one it saw.
            self.answers.send_if_modified(|last| {
                let newer = number > last.0;
                if newer {
                    *last = (number, value);
                }
                newer
            });
        }
    }
}

/// Whoever waits when the task sending the statements ends without finishing (it panicked,
/// or the runtime is shutting down) is answered "no answer" — each then reads on its own —
/// and the next caller starts a task again, instead of all of them waiting for good.
struct Stopped<'a>(Option<&'a SharedRead>);

impl Drop for Stopped<'_> {
    fn drop(&mut self) {
        if let Some(read) = self.0 {
            let mut state = read.state();
            state.running = false;
            state.started = state.started.max(state.wanted);
            read.answers.send_replace((state.started, None));
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicI64, Ordering};

    use tokio::sync::Semaphore;

    use super::*;

    /// A generation held in memory, read by statements that each take their snapshot when
    /// they start and answer only when `finish` lets one through.
    fn held_reads() -> (Arc<SharedRead>, Arc<AtomicI64>, Arc<Semaphore>) {
        let value = Arc::new(AtomicI64::new(0));
        let finish = Arc::new(Semaphore::new(0));
        let (v, f) = (value.clone(), finish.clone());
        let read: ReadFn = Box::new(move || {
            let snapshot = v.load(Ordering::SeqCst);
            let finish = f.clone();
            Box::pin(async move {
                finish.acquire().await.expect("open").forget();
                Some(snapshot)
            })
        });
        (Arc::new(SharedRead::new(read)), value, finish)
    }

    async fn until(condition: impl Fn() -> bool) {
        let wait = async {
            while !condition() {
                tokio::task::yield_now().await;
            }
        };
        tokio::time::timeout(std::time::Duration::from_secs(5), wait)
            .await
            .expect("the state expected was never reached");
    }

    #[tokio::test]
    async fn a_caller_is_answered_by_a_statement_started_after_it_came() {
        let (shared, value, finish) = held_reads();
        let first = tokio::spawn({
            let shared = shared.clone();
            async move { shared.current().await }
        });
        until(|| shared.state().started == 1).await;
        // A change commits while the first statement, which read before it, is under way.
        value.store(1, Ordering::SeqCst);
        let (second, third) = (
            tokio::spawn({
                let shared = shared.clone();
                async move { shared.current().await }
            }),
            tokio::spawn({
                let shared = shared.clone();
                async move { shared.current().await }
            }),
        );
        until(|| shared.state().wanted == 2).await;
        finish.add_permits(2);
        // The first caller came before the change: either answer is right for it.
        assert!(first.await.expect("first").is_some());
        assert_eq!(
            second.await.expect("second"),
            Some(1),
            "not the older answer"
        );
        assert_eq!(third.await.expect("third"), Some(1));
        assert_eq!(
            shared.state().started,
            2,
            "the two callers who came meanwhile share one statement"
        );
    }

    #[tokio::test]
    async fn callers_waiting_when_the_reading_task_dies_are_answered_and_reads_go_on() {
        let calls = Arc::new(AtomicI64::new(0));
        let counted = calls.clone();
        let read: ReadFn = Box::new(move || {
            let call = counted.fetch_add(1, Ordering::SeqCst);
            Box::pin(async move {
                assert!(call > 0, "the first statement's task dies");
                Some(7)
            })
        });
        let shared = Arc::new(SharedRead::new(read));
        assert_eq!(shared.current().await, None, "told to read on its own");
        assert!(!shared.state().running);
        assert_eq!(shared.current().await, Some(7), "a new task reads again");
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }
}
