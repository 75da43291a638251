//! Liveness of the polling side: each feed's poll loop marks where it stands on a shared
//! [`Board`] (asleep until a time, waiting for a fetch slot, polling since a time), and the
//! systemd watchdog ping is sent only while no loop is stuck. A scheduler whose timers no
//! longer fire, or a poll that hangs past every time limit, stops the pings, and systemd
//! restarts the service.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::time::{Instant, MissedTickBehavior};
use tokio_util::sync::CancellationToken;

use crate::systemd::Notifier;

/// The board's name for the claim loop itself (see [`crate::pipeline::rounds`]): it
/// sleeps between rounds like a feed's loop did, and is stuck when it oversleeps.
pub const ROUNDS: &str = "(claim rounds)";

/// How late a sleeping loop may wake before it counts as stuck.
pub const TIMER_SLACK: Duration = Duration::from_secs(30);

/// How much longer than `http.timeout` a poll may run (parsing and the state write
/// included) before it counts as stuck.
pub const POLL_GRACE: Duration = Duration::from_secs(120);

/// Where one poll loop stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Sleeping until the next poll is due.
    Sleeping { until: Instant },
    /// Awake, waiting for a fetch slot (bounded by the polls that hold the slots).
    Waiting,
    /// Polling since.
    Polling { since: Instant },
    /// Polled; next due then, whichever instance claims it (never stuck).
    Scheduled,
}

#[derive(Debug, Clone)]
struct Slot {
    phase: Phase,
    next_poll: Option<DateTime<Utc>>,
}

/// A loop found stuck.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stall {
    /// The feed whose loop is stuck.
    pub feed: String,
    /// What is wrong, e.g. `poll running for 3m`.
    pub reason: String,
}

/// Where every poll loop of the running config stands.
#[derive(Debug, Default)]
pub struct Board {
    slots: Mutex<HashMap<String, Slot>>,
    stuck_after: Mutex<Duration>,
    state_failure: Mutex<Option<String>>,
}

impl Board {
    /// An empty board.
    pub fn new() -> Board {
        Board::default()
    }

    fn slots(&self) -> MutexGuard<'_, HashMap<String, Slot>> {
        self.slots.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Records that the state fails (`Some(why)`) or reads again (`None`).
    pub fn set_state_failure(&self, why: Option<String>) {
        *self.state_failure.lock().unwrap_or_else(|e| e.into_inner()) = why;
    }

    /// Why the state fails, while it does.
    pub fn state_failure(&self) -> Option<String> {
        self.state_failure
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Forgets the loops of the previous config; a poll running longer than `stuck_after`
    /// will count as stuck.
    pub fn reset(&self, stuck_after: Duration) {
        self.slots().clear();
        *self.stuck_after.lock().unwrap_or_else(|e| e.into_inner()) = stuck_after;
    }

    /// `feed`'s loop sleeps for `delay` before its next poll.
    pub fn sleeping(&self, feed: &str, delay: Duration) {
        let next = Utc::now() + chrono::Duration::from_std(delay).unwrap_or_default();
        self.set(
            feed,
            Phase::Sleeping {
                until: Instant::now() + delay,
            },
            Some(next),
        );
    }

    /// `feed` was polled (or its poll ended) and is next due at `next_poll`.
    pub fn scheduled(&self, feed: &str, next_poll: Option<DateTime<Utc>>) {
        self.set(feed, Phase::Scheduled, next_poll);
    }

    /// `feed`'s loop woke and waits for a fetch slot.
    pub fn waiting(&self, feed: &str) {
        self.set(feed, Phase::Waiting, None);
    }

    /// `feed` is being polled.
    pub fn polling(&self, feed: &str) {
        self.set(
            feed,
            Phase::Polling {
                since: Instant::now(),
            },
            None,
        );
    }

    fn set(&self, feed: &str, phase: Phase, next_poll: Option<DateTime<Utc>>) {
        let slot = Slot { phase, next_poll };
        let mut slots = self.slots();
        // A feed's name is copied once, at its first mark, not at each of its poll's
        // three or four.
        match slots.get_mut(feed) {
            Some(at) => *at = slot,
            None => {
                slots.insert(feed.to_string(), slot);
            }
        }
    }

    /// When `feed` is next polled, if its loop sleeps (`None` while it polls).
    pub fn next_poll(&self, feed: &str) -> Option<DateTime<Utc>> {
        self.slots().get(feed).and_then(|s| s.next_poll)
    }

    /// Whether `feed` is being polled or waits for a slot right now.
    pub fn busy(&self, feed: &str) -> bool {
        self.slots()
            .get(feed)
            .is_some_and(|s| matches!(s.phase, Phase::Waiting | Phase::Polling { .. }))
    }

    /// The first loop that is stuck at `now`, if any.
    pub fn stall(&self, now: Instant) -> Option<Stall> {
        let stuck_after = *self.stuck_after.lock().unwrap_or_else(|e| e.into_inner());
        let slots = self.slots();
        let mut stalls: Vec<Stall> = slots
            .iter()
            .filter_map(|(feed, slot)| {
                let reason = match slot.phase {
                    Phase::Sleeping { until } if now > until + TIMER_SLACK => {
                        let what = if feed == ROUNDS {
                            "claim round"
                        } else {
                            "poll"
                        };
                        format!("{what} overdue by {}s", (now - until).as_secs())
                    }
                    Phase::Polling { since } if now > since + stuck_after => {
                        format!("poll running for {}s", (now - since).as_secs())
                    }
                    _ => return None,
                };
                Some(Stall {
                    feed: feed.clone(),
                    reason,
                })
            })
            .collect();
        stalls.sort_by(|a, b| a.feed.cmp(&b.feed));
        stalls.into_iter().next()
    }
}

/// Sends `WATCHDOG=1` every `every` while no poll loop is stuck; withholds it (and says
/// why, once) while one is. Runs until `cancel`.
pub async fn watchdog(
    notifier: Notifier,
    every: Duration,
    board: std::sync::Arc<Board>,
    cancel: CancellationToken,
) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut withheld = false;
    loop {
        tokio::select! {
            _ = cancel.cancelled() => return,
            _ = tick.tick() => {}
        }
        let stall = board.state_failure().map(|reason| Stall {
            feed: "(state)".into(),
            reason,
        });
        match stall.or_else(|| board.stall(Instant::now())) {
            None => {
                if withheld {
                    tracing::info!("poll loops are moving again: watchdog pings resume");
                }
                withheld = false;
                notifier.notify("WATCHDOG=1");
            }
            Some(stall) if !withheld => {
                withheld = true;
                tracing::error!(feed = %stall.feed, reason = %stall.reason, "poll loop stuck: withholding the watchdog ping");
            }
            Some(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_sleeping_loop_is_fine_until_its_timer_is_long_overdue() {
        let board = Board::new();
        board.reset(Duration::from_secs(60));
        board.sleeping("a", Duration::from_secs(300));
        assert!(board.next_poll("a").is_some());
        tokio::time::advance(Duration::from_secs(320)).await;
        assert_eq!(board.stall(Instant::now()), None);
        tokio::time::advance(Duration::from_secs(20)).await;
        let stall = board.stall(Instant::now()).expect("overdue");
        assert_eq!(stall.feed, "a");
        assert!(stall.reason.contains("overdue by 40s"), "{stall:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_hung_poll_is_a_stall_but_waiting_for_a_slot_is_not() {
        let board = Board::new();
        board.reset(Duration::from_secs(60));
        board.polling("hung");
        board.waiting("queued");
        assert!(board.busy("hung") && board.busy("queued"));
        tokio::time::advance(Duration::from_secs(59)).await;
        assert_eq!(board.stall(Instant::now()), None);
        tokio::time::advance(Duration::from_secs(2)).await;
        let stall = board.stall(Instant::now()).expect("hung");
        assert_eq!(stall.feed, "hung");
        board.sleeping("hung", Duration::from_secs(10));
        assert_eq!(board.stall(Instant::now()), None, "it moved on");
    }

    #[tokio::test(start_paused = true)]
    async fn reset_forgets_the_old_loops() {
        let board = Board::new();
        board.reset(Duration::from_secs(1));
        board.polling("old");
        tokio::time::advance(Duration::from_secs(5)).await;
        assert!(board.stall(Instant::now()).is_some());
        board.reset(Duration::from_secs(1));
        assert_eq!(board.stall(Instant::now()), None);
        assert_eq!(board.next_poll("old"), None);
    }

    #[tokio::test(start_paused = true)]
    async fn the_watchdog_pings_only_while_no_loop_is_stuck() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notify.sock");
        let socket = std::os::unix::net::UnixDatagram::bind(&path).unwrap();
        socket.set_nonblocking(true).unwrap();
        let board = std::sync::Arc::new(Board::new());
        board.reset(Duration::from_secs(10));
        board.polling("feed");
        let cancel = CancellationToken::new();
        let every = Duration::from_secs(1);
        let task = tokio::spawn(watchdog(
            Notifier::with_socket(&path),
            every,
            board.clone(),
            cancel.clone(),
        ));
        let received = || {
            let mut pings = 0;
            let mut buf = [0u8; 64];
            while let Ok(n) = socket.recv(&mut buf) {
                assert_eq!(&buf[..n], b"WATCHDOG=1");
                pings += 1;
            }
            pings
        };
        tokio::time::sleep(Duration::from_millis(5500)).await;
        assert_eq!(received(), 6, "pings at t = 0..5 s while the poll is young");
        tokio::time::sleep(Duration::from_secs(10)).await;
        assert_eq!(
            received(),
            5,
            "pings stop once the poll hangs past 10 s (t = 6..10 only)"
        );
        board.sleeping("feed", Duration::from_secs(60));
        tokio::time::sleep(Duration::from_secs(3)).await;
        assert_eq!(received(), 3, "pings resume when the loop moves on");
        cancel.cancel();
        task.await.unwrap();
    }
}
