//! When each feed is polled: soon after start, spread by a jitter of at most 10% of its
//! interval (or at the next poll time the state remembers, so a restart does not poll
//! everything at once), then after each poll at the time [`super::adaptive`] decided,
//! through the [`Gate`] that caps polls in all and per host.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use super::adaptive::{next_interval, Bounds, Inputs, Reason, RETRY_AFTER_CAP};
use super::gate::Gate;
use crate::config::FeedConfig;
use crate::health::Board;
use crate::pipeline::{PollOutcome, PollResult};
use crate::store::{FeedSchedule, StoreError};

/// The delay before a feed's first poll: uniformly random in `[0, interval / 10]`.
pub fn initial_delay(interval: Duration) -> Duration {
    interval.mul_f64(fastrand::f64() * 0.1)
}

/// The delay before a feed's first poll when the state remembers its schedule: the time
/// left until the remembered next poll (a restart or reload honours it — at most
/// `max_interval` away, as the config now says, or a day for a server's `Retry-After`),
/// else [`initial_delay`].
pub fn first_delay(feed: &FeedConfig, due: Option<&FeedSchedule>, now: DateTime<Utc>) -> Duration {
    let Some(due) = due else {
        return initial_delay(feed.interval);
    };
    let cap = match Reason::from_label(&due.reason) {
        Some(Reason::RetryAfter) => RETRY_AFTER_CAP,
        _ => feed.max_interval,
    };
    match (due.next_poll - now).to_std() {
        Ok(left) if !left.is_zero() => left.min(cap),
        _ => initial_delay(feed.interval),
    }
}

/// The next poll of `feed` after one that told `inputs`, at `now`: the decided interval
/// stretched by `jitter` (0 to 1) times 10%, so feeds failing together do not come back
/// together — and never sooner than decided.
pub fn plan(feed: &FeedConfig, inputs: &Inputs, now: DateTime<Utc>, jitter: f64) -> FeedSchedule {
    let decision = next_interval(&Bounds::of(feed), inputs);
    let delay = decision
        .interval
        .mul_f64(1.0 + 0.1 * jitter.clamp(0.0, 1.0));
    let next_poll = chrono::Duration::from_std(delay)
        .ok()
        .and_then(|d| now.checked_add_signed(d))
        .unwrap_or(DateTime::<Utc>::MAX_UTC);
    FeedSchedule {
        next_poll,
        interval: decision.interval,
        reason: decision.reason.label().to_string(),
    }
}

/// One turn of a feed's loop.
#[derive(Debug, Clone)]
pub enum Turn {
    /// This process claimed the feed and polled it.
    Polled(PollOutcome),
    /// Not due after all, or claimed by another instance: next due then.
    Taken {
        /// When to try again.
        next_poll: DateTime<Utc>,
    },
}

/// What the poll loop needs from a poller; the daemon's is the
/// [`Pipeline`](crate::pipeline::Pipeline) (claim, then poll), tests drive the loop with a
/// scripted one under paused time.
pub trait Poller: Clone + Send + Sync + 'static {
    /// Claims `feed` and, when this process got it, polls it once; the outcome carries
    /// its next poll time.
    fn poll(&self, feed: &FeedConfig) -> impl Future<Output = Result<Turn, StoreError>> + Send;
    /// The schedule the state remembers for `feed`, if any.
    fn due(&self, feed: &FeedConfig) -> impl Future<Output = Option<FeedSchedule>> + Send;
}

/// Polls `feed` on its schedule until `cancel` fires; wakes the delivery loop when a poll
/// queued alerts. Every poll passes the `gate` (global and per-host caps); each step is
/// marked on `board`, the heartbeat the watchdog reads.
pub async fn poll_loop<P: Poller>(
    poller: P,
    feed: FeedConfig,
    gate: Arc<Gate>,
    wake: Arc<Notify>,
    board: Arc<Board>,
    cancel: CancellationToken,
) {
    let mut delay = first_delay(&feed, poller.due(&feed).await.as_ref(), Utc::now());
    loop {
        board.sleeping(&feed.name, delay);
        tokio::select! {
            _ = cancel.cancelled() => return,
            _ = tokio::time::sleep(delay) => {}
        }
        board.waiting(&feed.name);
        let poll = async {
            let _pass = gate.enter(&feed.source).await;
            board.polling(&feed.name);
            poller.poll(&feed).await
        };
        let outcome = tokio::select! {
            _ = cancel.cancelled() => return,
            outcome = poll => outcome,
        };
        delay = after_poll(&feed, outcome, &wake);
    }
}

/// Logs a poll's outcome, wakes the delivery loop for its alerts, and returns the delay
/// until the next poll.
fn after_poll(feed: &FeedConfig, outcome: Result<Turn, StoreError>, wake: &Notify) -> Duration {
    match outcome {
        Ok(Turn::Taken { next_poll }) => until(next_poll),
        Ok(Turn::Polled(o)) => {
            if !o.alerts.is_empty() {
                wake.notify_one();
            }
            if let PollResult::Ok { articles, new } = o.result {
                tracing::info!(feed = %feed.name, articles, new, alerts = o.alerts.len(), "polled");
            }
            match o.schedule {
                Some(s) => until(s.next_poll),
                None => feed.interval,
            }
        }
        Err(e @ StoreError::LeaseLost { .. }) => {
            tracing::warn!(feed = %feed.name, error = %e, "poll outlived its claim");
            feed.interval
        }
        Err(e) => {
            tracing::error!(feed = %feed.name, error = %crate::net::error_chain(&e), "state error while polling");
            feed.interval
        }
    }
}

/// The time left until `at` (zero when past).
fn until(at: DateTime<Utc>) -> Duration {
    (at - Utc::now()).to_std().unwrap_or(Duration::ZERO)
}

#[cfg(test)]
#[path = "schedule_tests.rs"]
mod tests;
