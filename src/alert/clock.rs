//! The delivery clock. Retry times are stored as wall-clock instants (they outlive the
//! process), but a running daemon must not be fooled when the wall clock is set: set
//! back, a retry stored for "in 2 s" would wait for the hour or day to pass again; set
//! forward, a delivery failing for a minute would look failing for a day and turn dead.
//! [`Steady`] reads the wall clock through the monotonic one: it never runs backwards
//! (set back, it goes on from where it was, at the monotonic rate), and a forward jump
//! is followed but remembered, so [`Steady::failing_for`] does not count it as time a
//! delivery spent failing.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// A step of the wall clock ahead of the monotonic one larger than this is a jump (an
/// operator or NTP setting the clock), not drift.
pub const JUMP: Duration = Duration::from_secs(2);
/// Forward jumps remembered (the oldest are forgotten first).
const JUMPS_KEPT: usize = 64;

/// Where time comes from. Contract: `mono` never decreases; `wall_ms` may jump either
/// way. Implementations are cheap and thread-safe.
pub trait TimeSource: Send + Sync {
    /// The wall clock, Unix milliseconds.
    fn wall_ms(&self) -> i64;
    /// The monotonic clock, from an arbitrary origin.
    fn mono(&self) -> Duration;
}

/// The system's clocks.
pub struct SystemClocks {
    origin: Instant,
}

impl TimeSource for SystemClocks {
    fn wall_ms(&self) -> i64 {
        chrono::Utc::now().timestamp_millis()
    }

    fn mono(&self) -> Duration {
        self.origin.elapsed()
    }
}

struct State {
    /// The last time handed out, Unix ms, and the monotonic reading then.
    last_ms: i64,
    last_mono: Duration,
    /// Forward jumps: (steady time once jumped, ms skipped), oldest first.
    jumps: VecDeque<(i64, i64)>,
}

/// Wall-clock time that never goes back and knows its forward jumps.
pub struct Steady {
    source: Box<dyn TimeSource>,
    state: Mutex<State>,
}

impl Steady {
    /// A steady clock over `source`, starting at its wall time.
    pub fn new(source: Box<dyn TimeSource>) -> Steady {
        let state = State {
            last_ms: source.wall_ms(),
            last_mono: source.mono(),
            jumps: VecDeque::new(),
        };
        Steady {
            source,
            state: Mutex::new(state),
        }
    }

    /// Now, Unix ms: the wall clock while it runs with the monotonic one (within
    /// [`JUMP`]); after it was set back, the last time plus the monotonic time since;
    /// after it jumped forward, the wall clock again (the jump is remembered).
    pub fn now_ms(&self) -> i64 {
        let (wall, mono) = (self.source.wall_ms(), self.source.mono());
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let ran = i64::try_from(mono.saturating_sub(s.last_mono).as_millis()).unwrap_or(i64::MAX);
        let steady = s.last_ms.saturating_add(ran);
        let jump_ms = i64::try_from(JUMP.as_millis()).unwrap_or(i64::MAX);
        let now = if wall > steady.saturating_add(jump_ms) {
            if s.jumps.len() == JUMPS_KEPT {
                s.jumps.pop_front();
            }
            s.jumps.push_back((wall, wall - steady));
            tracing::warn!(skipped_ms = wall - steady, "the wall clock jumped forward");
            wall
        } else {
            // Set back (or a little slow): keep going from where it was.
            wall.max(steady)
        };
        s.last_ms = now;
        s.last_mono = mono;
        now
    }

    /// Now, as a date.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        chrono::DateTime::from_timestamp_millis(self.now_ms()).unwrap_or_else(chrono::Utc::now)
    }

    /// How long something that started failing at `since_ms` (Unix ms, read off this
    /// clock or another process's wall clock) has been failing: the time since then,
    /// less every forward jump of the clock since.
    pub fn failing_for(&self, since_ms: i64) -> Duration {
        let now = self.now_ms();
        let s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let skipped: i64 = s
            .jumps
            .iter()
            .filter(|(at, skipped)| at - skipped >= since_ms)
            .map(|(_, skipped)| skipped)
            .sum();
        let ms = now.saturating_sub(since_ms).saturating_sub(skipped);
        Duration::from_millis(u64::try_from(ms).unwrap_or(0))
    }
}

/// The process's steady clock over the system clocks, shared by every dispatcher (a
/// reload keeps what it knows of the clock's jumps).
pub fn system() -> Arc<Steady> {
    static CLOCK: OnceLock<Arc<Steady>> = OnceLock::new();
    CLOCK
        .get_or_init(|| {
            Arc::new(Steady::new(Box::new(SystemClocks {
                origin: Instant::now(),
            })))
        })
        .clone()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicI64, Ordering};

    /// A hand-driven clock pair: (wall ms, monotonic ms).
    #[derive(Default, Clone)]
    struct Hand(Arc<(AtomicI64, AtomicI64)>);

    impl Hand {
        fn run(&self, ms: i64) {
            self.0 .0.fetch_add(ms, Ordering::SeqCst);
            self.0 .1.fetch_add(ms, Ordering::SeqCst);
        }
        fn set_wall(&self, delta_ms: i64) {
            self.0 .0.fetch_add(delta_ms, Ordering::SeqCst);
        }
    }

    impl TimeSource for Hand {
        fn wall_ms(&self) -> i64 {
            self.0 .0.load(Ordering::SeqCst)
        }
        fn mono(&self) -> Duration {
            Duration::from_millis(self.0 .1.load(Ordering::SeqCst) as u64)
        }
    }

    fn clock(start: i64) -> (Steady, Hand) {
        let hand = Hand::default();
        hand.0 .0.store(start, Ordering::SeqCst);
        (Steady::new(Box::new(hand.clone())), hand)
    }

    const DAY: i64 = 86_400_000;

    #[test]
    fn set_back_it_goes_on_from_where_it_was() {
        let (c, hand) = clock(1_000_000);
        hand.run(500);
        assert_eq!(c.now_ms(), 1_000_500);
        hand.set_wall(-DAY);
        hand.run(1_000);
        assert_eq!(
            c.now_ms(),
            1_001_500,
            "a retry due at +2 s is due 2 s later"
        );
        hand.run(1_000);
        assert_eq!(c.now_ms(), 1_002_500);
    }

    #[test]
    fn set_forward_it_follows_but_does_not_count_the_jump_as_failing() {
        let (c, hand) = clock(1_000_000);
        let first_failure = c.now_ms();
        hand.run(60_000);
        hand.set_wall(2 * DAY);
        assert_eq!(c.now_ms(), 1_060_000 + 2 * DAY);
        hand.run(30_000);
        assert_eq!(c.failing_for(first_failure), Duration::from_secs(90));
        // A failure that began after the jump owes it nothing.
        let later = c.now_ms();
        hand.run(5_000);
        assert_eq!(c.failing_for(later), Duration::from_secs(5));
    }

    #[test]
    fn drift_within_the_tolerance_is_followed() {
        let (c, hand) = clock(0);
        hand.run(1_000);
        hand.set_wall(1_500);
        assert_eq!(c.now_ms(), 2_500);
        assert_eq!(c.failing_for(0), Duration::from_millis(2_500));
        hand.set_wall(-300);
        assert_eq!(c.now_ms(), 2_500, "never backwards");
    }
}
