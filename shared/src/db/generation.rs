//! The wiki's generation: a counter the database itself bumps (by triggers) whenever something
//! a reader sees may have changed, whichever process or code path wrote it. A cache of read
//! answers keyed by it is never stale and costs at most one tiny statement per read to check
//! (on PostgreSQL, reads asking at once share one).

use std::sync::{Arc, Mutex};

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
/// PostgreSQL one statement shared by the callers that ask at once ([`SharedRead`]); through
/// the pool when neither can be had.
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
            Db::Postgres(_) => (None, Some(Arc::new(SharedRead::new(db)))),
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
        if let Some(shared) = &self.shared {
            return shared.current().await;
        }
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
#[derive(Debug)]
struct SharedRead {
    db: Db,
    state: Mutex<ReadState>,
    /// The last finished statement: its number and its answer (`None` when it failed).
    answers: watch::Sender<(u64, Option<i64>)>,
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
    fn new(db: &Db) -> Self {
        Self {
            db: db.clone(),
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

    async fn current(self: &Arc<Self>) -> DbResult<i64> {
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
        let answer = answers
            .wait_for(|(number, _)| *number >= needed)
            .await
            .ok()
            .and_then(|answer| answer.1);
        match answer {
            Some(value) => Ok(value),
            // The shared statement failed: this caller's own says why (or succeeds).
            None => current(&self.db).await,
        }
    }

    async fn send_while_wanted(&self) {
        loop {
            let number = {
                let mut state = self.state();
                if state.wanted <= state.started {
                    state.running = false;
                    return;
                }
                state.started += 1;
                state.started
            };
            let value = current(&self.db)
                .await
                .inspect_err(|e| tracing::debug!(error = %e, "the shared generation read failed"))
                .ok();
            self.answers.send_replace((number, value));
        }
    }
}
