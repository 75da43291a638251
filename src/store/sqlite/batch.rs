//! Group commit for poll bookkeeping. A poll that queues no alert writes its articles,
//! validators and next poll time into a batch transaction shared with the polls around
//! it; the batch commits (with `synchronous = NORMAL`) after [`BATCH_POLLS`] polls or
//! [`BATCH_AGE`], before any other use of the state, before a poll that queues an alert
//! commits its own transaction (with `synchronous = FULL`), and when the state is closed.
//! A crash loses at most that much bookkeeping — those articles are simply processed
//! again, and nothing alerted is in a batch.

use std::ops::{Deref, DerefMut};
use std::sync::MutexGuard;
use std::time::{Duration, Instant};

use rusqlite::Connection;

use super::SqliteStore;
use crate::store::StoreError;

/// Polls per batch at most.
pub const BATCH_POLLS: usize = 256;
/// How long a batch stays open at most.
pub const BATCH_AGE: Duration = Duration::from_millis(200);

/// The connection and the batch open on it, if any.
pub(super) struct Db {
    conn: Connection,
    batch: Option<(Instant, usize)>,
}

impl Db {
    pub(super) fn new(conn: Connection) -> Db {
        Db { conn, batch: None }
    }

    /// Commits the open batch, if any, and goes back to `synchronous = FULL`.
    pub(super) fn commit_batch(&mut self) -> Result<(), StoreError> {
        if self.batch.take().is_some() {
            self.conn
                .execute_batch("COMMIT; PRAGMA synchronous = FULL;")?;
        }
        Ok(())
    }

    /// Runs `write` inside the batch (opening one if needed). `spawn_flush` arranges a
    /// commit after [`BATCH_AGE`] when a new batch opens; false means none can be arranged,
    /// and the batch commits at once.
    ///
    /// No savepoint per write: FTS5 writes its pending index to disk at every savepoint,
    /// which made each poll a segment of its own to merge (about half of a new feed's CPU
    /// time). A write that fails before changing anything (a lost lease) leaves the batch
    /// as it was; one that fails after changing rows rolls the whole batch back, as a crash
    /// would (see the module documentation: those polls are simply processed again).
    pub(super) fn in_batch<T>(
        &mut self,
        spawn_flush: impl FnOnce() -> bool,
        write: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        if self.batch.is_none() {
            self.conn
                .execute_batch("PRAGMA synchronous = NORMAL; BEGIN IMMEDIATE;")?;
            self.batch = Some((Instant::now(), if spawn_flush() { 0 } else { BATCH_POLLS }));
        }
        let before = self.conn.total_changes();
        let out = write(&self.conn);
        if out.is_err() && (self.conn.is_autocommit() || self.conn.total_changes() != before) {
            self.abandon_batch();
            return out;
        }
        if let Some((opened, polls)) = &mut self.batch {
            *polls += 1;
            if *polls >= BATCH_POLLS || opened.elapsed() >= BATCH_AGE {
                self.commit_batch()?;
            }
        }
        out
    }

    /// Rolls the open batch back (SQLite may have done so already, on a full disk or an
    /// I/O error) and goes back to `synchronous = FULL`.
    fn abandon_batch(&mut self) {
        self.batch = None;
        let undo = if self.conn.is_autocommit() {
            ""
        } else {
            "ROLLBACK;"
        };
        if let Err(e) = self
            .conn
            .execute_batch(&format!("{undo} PRAGMA synchronous = FULL;"))
        {
            tracing::warn!(error = %e, "rolling back the poll batch failed");
        }
        tracing::warn!("a write in the poll batch failed: the batch was rolled back (those polls are processed again)");
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        if let Err(e) = self.commit_batch() {
            tracing::warn!(error = %crate::net::error_chain(&e), "committing the last poll batch failed");
        }
    }
}

/// The locked connection; derefs to [`Connection`].
pub struct Conn<'a>(MutexGuard<'a, Db>);

impl Conn<'_> {
    pub(super) fn db(&mut self) -> &mut Db {
        &mut self.0
    }
}

impl Deref for Conn<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        &self.0.conn
    }
}

impl DerefMut for Conn<'_> {
    fn deref_mut(&mut self) -> &mut Connection {
        &mut self.0.conn
    }
}

impl SqliteStore {
    /// The connection, with any open batch committed first: every use outside the poll
    /// path sees (and starts from) committed state.
    pub(super) fn conn(&self) -> Conn<'_> {
        let mut conn = self.poll_conn();
        if let Err(e) = conn.db().commit_batch() {
            tracing::warn!(error = %crate::net::error_chain(&e), "committing the poll batch failed");
        }
        conn
    }

    /// The connection as the poll path uses it: an open batch stays open — unless a
    /// short command holds the turn ([`super::turn`]): then the batch commits and this
    /// waits for the command, up to [`TURN_WAIT`](super::TURN_WAIT).
    pub(super) fn poll_conn(&self) -> Conn<'_> {
        // A panic while holding the lock leaves SQLite consistent (transactions roll back).
        let mut conn = Conn(self.db.lock().unwrap_or_else(|e| e.into_inner()));
        if let Some(turns) = self.turns.as_deref().filter(|t| t.wanted()) {
            if let Err(e) = conn.db().commit_batch() {
                tracing::warn!(error = %crate::net::error_chain(&e), "committing the poll batch failed");
            }
            if !turns.wait(super::TURN_WAIT) {
                tracing::warn!(
                    waited = ?super::TURN_WAIT,
                    "a command beside the daemon held its turn at the state this long; going on"
                );
            }
        }
        conn
    }

    /// Commits the open poll batch, if any.
    pub fn flush(&self) -> Result<(), StoreError> {
        self.poll_conn().db().commit_batch()
    }

    /// Arranges a commit of the batch just opened after [`BATCH_AGE`]; false outside a
    /// tokio runtime.
    pub(super) fn spawn_flush(&self) -> bool {
        let Ok(handle) = tokio::runtime::Handle::try_current() else {
            return false;
        };
        let store = self.clone();
        handle.spawn(async move {
            tokio::time::sleep(BATCH_AGE).await;
            // On the blocking pool: the commit syncs, and may wait for a command's turn.
            let flushed = tokio::task::spawn_blocking(move || store.flush()).await;
            if let Ok(Err(e)) = flushed {
                tracing::warn!(error = %crate::net::error_chain(&e), "committing the poll batch failed");
            }
        });
        true
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;
    use crate::store::{PollRecord, PollWrite};

    fn write(feed: &str) -> PollWrite {
        PollWrite {
            record: PollRecord {
                feed: feed.into(),
                result: "not_modified",
                error: None,
                validators: None,
                at: Utc::now(),
            },
            schedule: None,
            articles: Vec::new(),
            health: Vec::new(),
            matcher: "m".into(),
            lease: None,
            by: String::new(),
            now: Utc::now(),
        }
    }

    /// Feeds another connection (another process) sees.
    fn committed(dir: &std::path::Path) -> i64 {
        let other = Connection::open(dir.join(super::super::db::DB_FILE)).unwrap();
        other
            .query_row("SELECT COUNT(*) FROM feeds", [], |r| r.get(0))
            .unwrap()
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn bookkeeping_is_batched_until_age_count_other_use_or_close() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path()).unwrap();
        store.finish_poll(write("a")).unwrap();
        store.finish_poll(write("b")).unwrap();
        assert_eq!(committed(dir.path()), 0, "in the open batch");
        tokio::time::sleep(BATCH_AGE * 3).await;
        assert_eq!(committed(dir.path()), 2, "committed after BATCH_AGE");
        store.finish_poll(write("c")).unwrap();
        assert_eq!(
            store.feed_state("c").unwrap().map(|s| s.name),
            Some("c".into()),
            "the poll path reads its own batch"
        );
        assert_eq!(committed(dir.path()), 2);
        store.outbox(None, 1).unwrap();
        assert_eq!(
            committed(dir.path()),
            3,
            "any other use commits the batch first"
        );
    }

    #[test]
    fn closing_the_state_commits_the_batch() {
        let dir = tempfile::tempdir().unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        let store = SqliteStore::open(dir.path()).unwrap();
        runtime.block_on(async { store.finish_poll(write("a")).unwrap() });
        assert_eq!(committed(dir.path()), 0, "in the open batch");
        // As at shutdown: the runtime drops the pending flush, then the last handle goes.
        drop(runtime);
        drop(store);
        assert_eq!(committed(dir.path()), 1);
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_command_holding_the_turn_has_the_batch_committed_and_the_state_to_itself() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path()).unwrap();
        store.finish_poll(write("a")).unwrap();
        assert_eq!(committed(dir.path()), 0, "in the open batch");
        // The command's schema check writes: it gets in once the batch commits.
        let path = dir.path().to_path_buf();
        let command = tokio::task::spawn_blocking(move || SqliteStore::open_command(&path))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(committed(dir.path()), 1, "the batch was committed for it");
        let (done, finished) = std::sync::mpsc::channel();
        let daemon = store.clone();
        let poll = std::thread::spawn(move || {
            let out = daemon.finish_poll(write("b"));
            done.send(()).unwrap();
            out
        });
        assert!(
            finished.recv_timeout(Duration::from_millis(300)).is_err(),
            "the daemon waits while the command holds its turn"
        );
        assert_eq!(
            command.replay_dead(Utc::now()).unwrap(),
            (0, 0),
            "its own write"
        );
        drop(command);
        finished
            .recv_timeout(super::super::TURN_WAIT)
            .expect("the daemon goes on once the command closed the state");
        poll.join().unwrap().unwrap();
        assert_eq!(committed(dir.path()), 2);
    }

    #[test]
    fn outside_a_runtime_every_poll_commits() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path()).unwrap();
        store.finish_poll(write("a")).unwrap();
        assert_eq!(committed(dir.path()), 1);
    }
}
