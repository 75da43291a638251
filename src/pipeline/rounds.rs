//! The daemon's polling, in rounds: claim the feeds of this config that are due from the
//! state — as many at once as there is room for, at most [`ROUND_MAX`] — poll each
//! through the [`Gate`] (global and per-host caps), and sleep until the next one falls
//! due, a poll ends, or shutdown. Which feed is due, and whose it is, lives in the state
//! ([`crate::store::PollStore::claim_due`]), so any number of instances share one
//! schedule; the stages and the timing decisions themselves are pure
//! ([`crate::feeds::schedule`], [`crate::feeds::adaptive`]).

use std::collections::HashSet;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::Notify;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use super::{PollOutcome, PollResult};
use crate::config::FeedConfig;
use crate::feeds::gate::Gate;
use crate::feeds::schedule::initial_delay;
use crate::health::{Board, ROUNDS};
use crate::net::error_chain;
use crate::store::decide::SEND_MARGIN;
use crate::store::{Claimed, DueFeeds, FeedSet, PlannedFeed, StoreError};

/// The most feeds one round claims.
pub const ROUND_MAX: usize = 500;

/// The longest sleep between rounds: what other instances changed (a feed planned
/// sooner, a dead instance's claim) is seen at least this often.
pub const IDLE_MAX: Duration = Duration::from_secs(30);

/// A poll that has not begun fetching this long after its claim (or its last renewal)
/// renews the claim first: half the [`SEND_MARGIN`] a claim holds beyond its hold, the
/// other half for the request to reach the server. So another instance claims the feed
/// a whole hold after the request at the earliest, even if this poll dies or outlives
/// its claim, however long it waited for its fetch slot.
const RENEW_AFTER: Duration = Duration::from_millis(SEND_MARGIN.as_millis() as u64 / 2);

/// A round starts this long after the next feed falls due, so it claims the feeds due
/// close together in one batch: a poll may be late by this, never early.
const GATHER: Duration = Duration::from_millis(500);

/// The most claims that wait for a busy host beyond the capacity.
const PARKED_MAX: usize = ROUND_MAX;

/// The pause after a round or a plan the state refused, before trying again.
const RETRY: Duration = Duration::from_secs(5);

/// What the claim loop needs; the daemon's is the [`Pipeline`](super::Pipeline) (the
/// state's claims, then a poll), tests drive the loop with a scripted one under paused
/// time.
pub trait Rounds: Clone + Send + Sync + 'static {
    /// Now, as the schedule counts it.
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
    /// Plans `feeds` from now (see [`crate::store::PollStore::plan_feeds`]).
    fn plan(&self, feeds: Arc<FeedSet>) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Claims up to `limit` due feeds of `feeds` (see
    /// [`crate::store::PollStore::claim_due`]).
    fn claim(
        &self,
        feeds: Arc<FeedSet>,
        limit: usize,
    ) -> impl Future<Output = Result<DueFeeds, StoreError>> + Send;
    /// Renews `claimed` as its poll starts after a wait (see
    /// [`crate::store::PollStore::renew_claim`]); `false` when it was lost.
    fn renew(
        &self,
        feed: &FeedConfig,
        claimed: &Claimed,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
    /// Polls `feed`, which `claimed` holds, once.
    fn poll(
        &self,
        feed: &FeedConfig,
        claimed: Claimed,
    ) -> impl Future<Output = Result<PollOutcome, StoreError>> + Send;
}

/// What one config's claim loop works with.
pub struct Polling {
    /// The config's feeds (shared with the config, not copied).
    pub feeds: Arc<[FeedConfig]>,
    /// The caps on polls at once.
    pub gate: Arc<Gate>,
    /// `daemon.concurrency`: claims beyond it wait for a slot, up to as many again.
    pub concurrency: usize,
    /// Woken when a poll queued alerts (the delivery loop).
    pub wake: Arc<Notify>,
    /// Where the loop and each poll stand (the watchdog's heartbeat).
    pub board: Arc<Board>,
}

/// The set the state plans and claims: each feed held for its interval, first polled
/// within the first tenth of it, remembered times honoured up to `max_interval`.
pub fn feed_set(feeds: &[FeedConfig]) -> FeedSet {
    FeedSet::new(
        feeds
            .iter()
            .map(|f| PlannedFeed {
                name: f.name.clone(),
                hold: f.interval,
                first: initial_delay(f.interval),
                cap: f.max_interval,
            })
            .collect(),
    )
}

/// Runs claim rounds for `polling.feeds` until `cancel` fires; polls in flight then are
/// dropped (their claims pass after their hold, as a crash's would).
pub async fn poll_rounds<R: Rounds>(rounds: R, polling: Polling, cancel: CancellationToken) {
    let set = Arc::new(feed_set(&polling.feeds));
    if set.is_empty() || !plan(&rounds, &set, &polling.board, &cancel).await {
        return;
    }
    let mut run = Run::new(rounds, polling, set);
    loop {
        if run.wants_round() {
            run.round().await;
        }
        let sleep = run.sleep();
        tokio::select! {
            _ = cancel.cancelled() => return,
            done = run.running.join_next(), if !run.running.is_empty() => run.finished(done),
            _ = tokio::time::sleep(sleep) => {}
        }
    }
}

/// Plans the set, retrying until the state takes it; `false` when cancelled first.
async fn plan<R: Rounds>(
    rounds: &R,
    set: &Arc<FeedSet>,
    board: &Board,
    cancel: &CancellationToken,
) -> bool {
    loop {
        board.sleeping(ROUNDS, RETRY);
        match rounds.plan(set.clone()).await {
            Ok(()) => return true,
            Err(e) => {
                tracing::error!(error = %error_chain(&e), "planning the feeds' polls failed; retrying")
            }
        }
        tokio::select! {
            _ = cancel.cancelled() => return false,
            _ = tokio::time::sleep(RETRY) => {}
        }
    }
}

/// A poll task's end: the feed and how its poll went.
type Ended = (String, Result<PollOutcome, StoreError>);

/// The claim loop's state between rounds.
struct Run<R> {
    rounds: R,
    polling: Polling,
    set: Arc<FeedSet>,
    /// Where the set's `i`th feed stands in `polling.feeds` (`at[i]`), looked up through
    /// the set's own index of names: the loop keeps no copy of the feeds.
    at: Vec<u32>,
    running: JoinSet<Ended>,
    /// Feeds claimed and not finished.
    in_flight: HashSet<String>,
    /// Of those, the ones queued for a busy host (they hold no global slot, so they do
    /// not count against the room for more claims).
    parked: Arc<AtomicUsize>,
    /// When to claim next.
    next_round: DateTime<Utc>,
    /// The last round claimed all it could: more are due.
    backlog: bool,
}

impl<R: Rounds> Run<R> {
    fn new(rounds: R, polling: Polling, set: Arc<FeedSet>) -> Run<R> {
        // Indices, not copies: at 20,000 feeds each copy of the config's feeds (or a map
        // keyed by their names) is megabytes held for the config's lifetime.
        let mut at = Vec::with_capacity(set.len());
        for (i, f) in polling.feeds.iter().enumerate() {
            // A later duplicate name is not in the set (`check` refuses them anyway).
            if set.position(&f.name) == Some(at.len()) {
                at.extend(u32::try_from(i).ok());
            }
        }
        Run {
            next_round: rounds.now(),
            rounds,
            polling,
            set,
            at,
            running: JoinSet::new(),
            in_flight: HashSet::new(),
            parked: Arc::default(),
            backlog: false,
        }
    }

    /// Claims beside polls: up to `concurrency` polling and as many again waiting.
    fn capacity(&self) -> usize {
        2 * self.polling.concurrency.max(1)
    }

    /// Room for more claims: the capacity less the claims holding or awaiting a global
    /// slot, and at most [`PARKED_MAX`] more waiting for a busy host.
    fn room(&self) -> usize {
        let parked = self.parked.load(Ordering::Relaxed).min(self.running.len());
        let active = self.running.len() - parked;
        let total = self.capacity() + PARKED_MAX;
        self.capacity()
            .saturating_sub(active)
            .min(total.saturating_sub(self.running.len()))
    }

    /// Whether to claim now: a round is due and there is room — after a full round, room
    /// for half the capacity, so rounds stay batches while a backlog drains.
    fn wants_round(&self) -> bool {
        let room = self.room();
        let enough = if self.backlog {
            room >= self.capacity() / 2
        } else {
            room > 0
        };
        enough && self.rounds.now() >= self.next_round
    }

    /// How long to sleep before looking again (the loop also wakes when a poll ends).
    fn sleep(&self) -> Duration {
        let left = (self.next_round - self.rounds.now())
            .to_std()
            .unwrap_or(Duration::ZERO);
        self.polling.board.sleeping(ROUNDS, left);
        if self.room() == 0 || (self.backlog && !self.wants_round()) {
            // Only a poll ending makes room; the timer is the watchdog's heartbeat.
            return IDLE_MAX;
        }
        left.min(IDLE_MAX)
    }

    /// One round: claims what is due and starts polling it.
    async fn round(&mut self) {
        let limit = self.room().min(ROUND_MAX);
        let now = self.rounds.now();
        match self.rounds.claim(self.set.clone(), limit).await {
            Ok(due) => {
                self.backlog = due.claimed.len() >= limit;
                let idle = now + chrono::Duration::from_std(IDLE_MAX).unwrap_or_default();
                self.next_round = match (self.backlog, due.next_due) {
                    (true, _) => now,
                    (false, Some(at)) => gathered(at).min(idle),
                    (false, None) => idle,
                };
                for claimed in due.claimed {
                    self.start(claimed, now);
                }
            }
            Err(e) => {
                tracing::error!(error = %error_chain(&e), "claiming due feeds failed; retrying");
                self.next_round = now + chrono::Duration::from_std(RETRY).unwrap_or_default();
            }
        }
    }

    /// Starts polling a feed claimed at `claimed_at` (no later than the claim's own time).
    fn start(&mut self, claimed: Claimed, claimed_at: DateTime<Utc>) {
        let Some(at) = self
            .set
            .position(&claimed.feed)
            .and_then(|i| self.at.get(i))
            .map(|&i| i as usize)
        else {
            return;
        };
        let feed = &self.polling.feeds[at];
        if !self.in_flight.insert(feed.name.clone()) {
            // Claimed again while its poll still waits (a host far behind): that poll
            // will find its claim lost; this one is not started twice.
            tracing::warn!(feed = %feed.name, "claimed again while its poll still waits for its host");
            return;
        }
        let (rounds, gate, board, parked, feeds) = (
            self.rounds.clone(),
            self.polling.gate.clone(),
            self.polling.board.clone(),
            self.parked.clone(),
            self.polling.feeds.clone(),
        );
        board.waiting(&feed.name);
        self.running.spawn(async move {
            let feed = &feeds[at];
            parked.fetch_add(1, Ordering::Relaxed);
            let host = gate.enter_host(&feed.source).await;
            parked.fetch_sub(1, Ordering::Relaxed);
            let _pass = gate.enter_global(host).await;
            // Renewed until the fetch begins within RENEW_AFTER of the claim's last move.
            let mut since = claimed_at;
            while rounds.now() - since > chrono::Duration::from_std(RENEW_AFTER).unwrap_or_default()
            {
                since = rounds.now();
                match rounds.renew(feed, &claimed).await {
                    Ok(true) => {}
                    Ok(false) => {
                        let lost = StoreError::LeaseLost {
                            feed: feed.name.clone(),
                        };
                        return (feed.name.clone(), Err(lost));
                    }
                    Err(e) => return (feed.name.clone(), Err(e)),
                }
            }
            board.polling(&feed.name);
            // Boxed: a task waiting at the gate holds a few words, not a whole poll's state.
            let outcome = Box::pin(rounds.poll(feed, claimed)).await;
            (feed.name.clone(), outcome)
        });
    }

    /// A poll ended: logs it, wakes delivery for its alerts, and claims again by its
    /// next poll at the latest.
    fn finished(&mut self, done: Option<Result<Ended, tokio::task::JoinError>>) {
        let Some(joined) = done else { return };
        let (feed, outcome) = joined.unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()));
        self.in_flight.remove(&feed);
        let next = after_poll(&feed, outcome, &self.polling.wake);
        self.polling.board.scheduled(&feed, next);
        if let Some(at) = next {
            self.next_round = self.next_round.min(gathered(at));
        }
    }
}

/// When to claim a feed due at `at`: [`GATHER`] later.
fn gathered(at: DateTime<Utc>) -> DateTime<Utc> {
    at + chrono::Duration::from_std(GATHER).unwrap_or_default()
}

/// Logs a poll's outcome, wakes the delivery loop for its alerts, and returns when the
/// feed is next due, if the poll said.
fn after_poll(
    feed: &str,
    outcome: Result<PollOutcome, StoreError>,
    wake: &Notify,
) -> Option<DateTime<Utc>> {
    match outcome {
        Ok(o) => {
            if !o.alerts.is_empty() {
                wake.notify_one();
            }
            if let PollResult::Ok { articles, new } = o.result {
                tracing::info!(feed, articles, new, alerts = o.alerts.len(), "polled");
            }
            o.schedule.map(|s| s.next_poll)
        }
        Err(e @ StoreError::LeaseLost { .. }) => {
            tracing::warn!(feed, error = %e, "poll outlived its claim");
            None
        }
        Err(e) => {
            tracing::error!(feed, error = %error_chain(&e), "state error while polling");
            None
        }
    }
}

#[cfg(test)]
#[path = "rounds_tests.rs"]
mod tests;
