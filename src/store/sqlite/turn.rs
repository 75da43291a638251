//! Turns for short commands beside a busy daemon. SQLite's busy wait is not fair: a
//! waiting process sleeps and looks again, and a daemon that commits all the time has
//! taken the write lock again by then, so `alerts replay` beside a daemon alerting
//! hundreds of stories a second could wait past its busy timeout and fail with
//! "database is locked".
//!
//! A short command asks for the turn by holding an exclusive `flock(2)` on [`TURN_FILE`]
//! in the state directory from just before its first write until it closes the state
//! ([`Turn`]). The daemon (and `once`) look before every use of their connection
//! ([`Turns::wanted`]: a non-blocking shared lock, given back at once); while a turn is
//! held they commit their open batch and wait ([`Turns::wait`], at most [`TURN_WAIT`]),
//! so the command waits only for the statement the daemon was running. A turn held
//! longer (a command stopped in a terminal) holds the daemon up by [`TURN_WAIT`] per
//! use, never for good; without the file (a read-only directory) there are no turns and
//! SQLite's busy wait alone decides, as before.

use std::fs::File;
use std::path::Path;
use std::time::{Duration, Instant};

use rustix::fs::FlockOperation;

/// The file whose lock is the turn.
pub const TURN_FILE: &str = "newshound.db-turn";

/// The longest the daemon waits for one turn to end before it goes on anyway.
pub const TURN_WAIT: Duration = Duration::from_secs(10);

/// How often a waiter looks again.
const LOOK_EVERY: Duration = Duration::from_millis(2);

/// Opens (creating if needed) the turn file of `dir`.
fn open(dir: &Path) -> std::io::Result<File> {
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(dir.join(TURN_FILE))
}

/// The daemon's side: whether a command wants the state.
#[derive(Debug)]
pub struct Turns {
    file: File,
}

impl Turns {
    /// The turns of the state in `dir`; `None` when the file cannot be opened.
    pub fn open(dir: &Path) -> Option<Turns> {
        match open(dir) {
            Ok(file) => Some(Turns { file }),
            Err(e) => {
                tracing::debug!(dir = %dir.display(), error = %e, "no turn file: short commands wait on SQLite's busy timeout alone");
                None
            }
        }
    }

    /// Whether a command holds the turn now.
    pub fn wanted(&self) -> bool {
        crate::pidfile::locked_elsewhere(&self.file)
    }

    /// Waits while a command holds the turn, at most `limit`; whether the turn ended.
    pub fn wait(&self, limit: Duration) -> bool {
        let started = Instant::now();
        while self.wanted() {
            if started.elapsed() >= limit {
                return false;
            }
            std::thread::sleep(LOOK_EVERY);
        }
        true
    }
}

/// A command's turn, held until dropped.
#[derive(Debug)]
pub struct Turn {
    _file: File,
}

impl Turn {
    /// Takes the turn of the state in `dir`, waiting up to `limit` for another command
    /// to give it back. `None` when there is no turn file or the wait ran out: the
    /// command then goes on with SQLite's busy wait alone.
    pub fn take(dir: &Path, limit: Duration) -> Option<Turn> {
        let file = open(dir).ok()?;
        let started = Instant::now();
        loop {
            match rustix::fs::flock(&file, FlockOperation::NonBlockingLockExclusive) {
                Ok(()) => return Some(Turn { _file: file }),
                Err(e) if e == rustix::io::Errno::WOULDBLOCK && started.elapsed() < limit => {
                    std::thread::sleep(LOOK_EVERY)
                }
                Err(e) => {
                    tracing::debug!(dir = %dir.display(), error = %e, "going on without a turn");
                    return None;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_held_turn_is_seen_until_it_is_given_back() {
        let dir = tempfile::tempdir().unwrap();
        let turns = Turns::open(dir.path()).unwrap();
        assert!(!turns.wanted());
        let turn = Turn::take(dir.path(), Duration::ZERO).expect("a free turn");
        assert!(turns.wanted());
        assert!(!turns.wait(Duration::from_millis(20)), "still held");
        assert!(
            Turn::take(dir.path(), Duration::ZERO).is_none(),
            "one command at a time"
        );
        drop(turn);
        assert!(!turns.wanted());
        assert!(turns.wait(Duration::ZERO));
        assert!(Turn::take(dir.path(), Duration::ZERO).is_some());
    }
}
