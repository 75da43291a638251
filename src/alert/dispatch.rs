//! Delivery from the outbox. Each sink has its own worker: while it holds the sink's
//! queue lease (one process at a time, across every instance on the state) it claims the
//! sink's due deliveries (or digests) in order, sends them within its rate limit, settles
//! each verdict, and sleeps until its next delivery falls due. Workers run side by side
//! and share nothing but the store, so a slow, failing, rate-limited or disabled sink
//! never delays another.

use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures_util::future::join_all;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use super::clock::Steady;
use super::group::{by_story, Grouped};
use super::kept::kept;
use super::ratelimit::RateLimiter;
use super::retry::{verdict, Verdict};
use super::sink::{DeliveryError, RetryPolicy, Sink, SinkBuildError};
use super::sinks::{AnySink, Group, Net};
use super::{Batch, Digest};
use crate::config::{Config, DeliveryConfig};
use crate::metrics::metrics;
use crate::store::{
    Attempted, Delivery, DeliveryStatus, PendingDigest, Settlement, Store, StoreError,
};

/// How many deliveries are loaded from the outbox at a time per sink.
const BATCH: usize = 64;
/// Most alerts in one digest; more go into the next one, right after.
pub const DIGEST_MAX: usize = 100;
/// Longest sleep of an idle worker (it also catches deliveries requeued by another
/// process, such as `alerts replay`).
const IDLE: Duration = Duration::from_secs(30);
/// Pause after a state database error, so a broken state is not hammered.
const ERROR_PAUSE: Duration = Duration::from_secs(1);
/// How long a sink's queue lease lasts unrenewed: another instance takes the queue over
/// this long after its holder died (at once when the holder was on this host).
pub const LEASE_HOLD: Duration = Duration::from_secs(60);
/// Renew the lease when it is older than this.
const LEASE_RENEW: Duration = Duration::from_secs(20);
/// How often a worker whose sink's queue another instance holds asks again (it is also
/// woken whenever alerts are queued).
const LEASE_RETRY: Duration = Duration::from_secs(5);

/// Counts of one dispatch round.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DispatchReport {
    /// Acknowledged by the receiver.
    pub delivered: usize,
    /// Failed, to be retried (or waiting for a disabled sink).
    pub retrying: usize,
    /// Failed permanently, or given up (dead).
    pub failed: usize,
    /// Sinks whose delivery queue another process (a running daemon) holds: their
    /// pending deliveries are left to it.
    pub held_elsewhere: Vec<String>,
}

impl std::ops::AddAssign for DispatchReport {
    fn add_assign(&mut self, o: Self) {
        self.delivered += o.delivered;
        self.retrying += o.retrying;
        self.failed += o.failed;
        self.held_elsewhere.extend(o.held_elsewhere);
    }
}

/// One sink and its delivery state in this process.
struct Worker {
    name: String,
    sink: Arc<AnySink>,
    policy: RetryPolicy,
    digest: Option<Duration>,
    /// `group = "story"`: a story's alerts from one poll go as one message.
    by_story: bool,
    limiter: Option<Mutex<RateLimiter>>,
    /// Set by a 410; cleared only by a new dispatcher (reload or restart).
    disabled: AtomicBool,
    /// Unix ms before which nothing is sent: the receiver answered with a wait (429
    /// `Retry-After`, Telegram's `retry_after`), which holds for the whole sink.
    held_until: AtomicI64,
    wake: Notify,
    /// When this process last took or renewed the sink's queue lease, if it holds it.
    lease: Mutex<Option<std::time::Instant>>,
}

impl Worker {
    /// Whether the receiver's last wait is still running.
    fn held(&self, now_ms: i64) -> bool {
        self.held_until.load(Ordering::Relaxed) > now_ms
    }

    /// Holds every delivery of this sink for as long as the receiver asked.
    fn hold_after(&self, outcome: &Result<(), DeliveryError>, now_ms: i64) {
        if let Err(DeliveryError::Retryable {
            retry_after: Some(wait),
            ..
        }) = outcome
        {
            let ms = i64::try_from(wait.as_millis()).unwrap_or(i64::MAX);
            let until = now_ms.saturating_add(ms);
            self.held_until.fetch_max(until, Ordering::Relaxed);
        }
    }
}

/// What one attempt sends, with the outbox rows it settles.
enum Unit {
    Single(Box<Delivery>),
    Digest(Digest, u32, Option<i64>),
    /// A story's alerts from several watchlists, and the rows they settle.
    Story(Digest, Vec<Delivery>),
}

impl Unit {
    fn batch(&self) -> Batch<'_> {
        match self {
            Unit::Single(d) => Batch::Single(&d.alert),
            Unit::Digest(d, ..) => Batch::Digest(d),
            Unit::Story(d, _) => Batch::Story(d),
        }
    }

    fn attempts(&self) -> (u32, Option<i64>) {
        match self {
            Unit::Single(d) => (d.attempts, d.first_attempt_at),
            Unit::Digest(_, attempts, first) => (*attempts, *first),
            Unit::Story(_, rows) => (
                rows.iter().map(|r| r.attempts).max().unwrap_or(0),
                rows.iter().filter_map(|r| r.first_attempt_at).min(),
            ),
        }
    }
}

/// The configured sinks and the outbox they deliver from.
pub struct Dispatcher {
    store: Store,
    net: Net,
    workers: Vec<Worker>,
    /// This process in the leases.
    owner: String,
    /// What retry and schedule times are read off (see [`Steady`]).
    clock: Arc<Steady>,
}

impl Dispatcher {
    /// A dispatcher over `sinks`: (name, sink, its delivery settings), sending through `net`.
    pub fn new(
        store: Store,
        net: Net,
        sinks: Vec<(String, Arc<AnySink>, DeliveryConfig)>,
    ) -> Dispatcher {
        let workers = sinks
            .into_iter()
            .map(|(name, sink, d)| Worker {
                name,
                sink,
                policy: RetryPolicy::from(&d),
                digest: d.digest,
                by_story: d.group == Group::Story,
                limiter: d.rate_limit.map(|r| Mutex::new(RateLimiter::new(r))),
                disabled: AtomicBool::new(false),
                held_until: AtomicI64::new(0),
                wake: Notify::new(),
                lease: Mutex::new(None),
            })
            .collect();
        Dispatcher {
            store,
            net,
            workers,
            owner: crate::store::instance_id(),
            clock: super::clock::system(),
        }
    }

    /// This dispatcher reading time off `clock` (tests drive it by hand).
    pub fn with_clock(mut self, clock: Arc<Steady>) -> Dispatcher {
        self.clock = clock;
        self
    }

    /// A dispatcher over the sinks of `config`, with transports built from its `[http]`.
    pub fn from_config(store: Store, config: &Config) -> Result<Dispatcher, SinkBuildError> {
        let net = Net::new(&config.http).map_err(SinkBuildError::Http)?;
        let sinks = config
            .sinks
            .iter()
            .map(|s| (s.name.clone(), Arc::new(s.sink.clone()), s.delivery.clone()))
            .collect();
        Ok(Dispatcher::new(store, net, sinks))
    }

    /// The state the outbox lives in.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The sink names.
    pub fn sink_names(&self) -> Vec<String> {
        self.workers.iter().map(|w| w.name.clone()).collect()
    }

    /// Attempts every delivery due now, once each, every sink side by side; stops early
    /// when `cancel` fires (what is left stays pending).
    pub async fn deliver_due(
        &self,
        cancel: &CancellationToken,
    ) -> Result<DispatchReport, StoreError> {
        let rounds = self.workers.iter().map(|w| self.drain(w, cancel));
        let mut total = DispatchReport::default();
        let results = join_all(rounds).await;
        self.release_all().await;
        for r in results {
            total += r?;
        }
        Ok(total)
    }

    /// Gives up every queue lease this process holds.
    async fn release_all(&self) {
        for w in &self.workers {
            if lock(&w.lease).take().is_none() {
                continue;
            }
            if let Err(e) = self.store.release_sink(&w.name, &self.owner).await {
                let error = crate::net::error_chain(&e);
                tracing::warn!(sink = %w.name, error, "releasing the sink's queue lease failed");
            }
        }
    }

    /// Whether this process holds `w`'s queue lease, taking or renewing it when due.
    async fn hold_lease(&self, w: &Worker) -> Result<bool, StoreError> {
        let fresh = lock(&w.lease).is_some_and(|at| at.elapsed() < LEASE_RENEW);
        if fresh {
            return Ok(true);
        }
        let taken_at = std::time::Instant::now();
        let held = self
            .store
            .claim_sink(&w.name, &self.owner, LEASE_HOLD)
            .await?;
        let mut lease = lock(&w.lease);
        if held && lease.is_none() {
            tracing::debug!(sink = %w.name, owner = %self.owner, "took the sink's delivery queue");
        }
        *lease = held.then_some(taken_at);
        Ok(held)
    }

    /// Delivers until `cancel` fires: one loop per sink, each woken when `wake` is
    /// notified (a poll queued alerts) or when its next delivery falls due. An attempt
    /// in flight at cancellation finishes; the rest stays pending.
    pub async fn run(&self, wake: Arc<Notify>, cancel: CancellationToken) {
        let remote = self.store.outbox_wakeups().unwrap_or_default();
        let fan_out = async {
            loop {
                tokio::select! {
                    _ = cancel.cancelled() => return,
                    _ = wake.notified() => {}
                    _ = remote.notified() => {}
                }
                self.workers.iter().for_each(|w| w.wake.notify_one());
            }
        };
        let loops = join_all(self.workers.iter().map(|w| self.worker_loop(w, &cancel)));
        tokio::join!(fan_out, loops);
        self.write_kept_before_exit().await;
        self.release_all().await;
    }

    /// A last try at the outcomes the state could not record. What is still kept stays
    /// for the next dispatcher of a reload, or is lost with the process (those
    /// deliveries are then sent again after the restart).
    async fn write_kept_before_exit(&self) {
        for w in &self.workers {
            if let Err(e) = kept().flush(&w.name, &self.store).await {
                let error = crate::net::error_chain(&e);
                tracing::error!(
                    sink = %w.name,
                    error,
                    "delivery outcomes the state could not record are still kept: if the process stops before they are written, those deliveries are sent again after the restart"
                );
            }
        }
    }

    async fn worker_loop(&self, w: &Worker, cancel: &CancellationToken) {
        loop {
            let pause = match self.drain(w, cancel).await {
                Ok(_) if lock(&w.lease).is_none() => LEASE_RETRY,
                Ok(_) => self.pause(w).await,
                Err(e) => {
                    let error = crate::net::error_chain(&e);
                    tracing::error!(sink = %w.name, error, "delivery round failed");
                    ERROR_PAUSE
                }
            };
            if w.disabled.load(Ordering::Relaxed) {
                return cancel.cancelled().await;
            }
            tokio::select! {
                _ = cancel.cancelled() => return,
                _ = w.wake.notified() => {}
                _ = tokio::time::sleep(pause) => {}
            }
        }
    }

    /// How long `w` may sleep: until its next delivery, digest or free rate slot.
    async fn pause(&self, w: &Worker) -> Duration {
        let now = self.clock.now_ms();
        let next = match self.next_wake(w).await {
            Ok(Some(at)) => at,
            Ok(None) => return IDLE,
            Err(e) => {
                let error = crate::net::error_chain(&e);
                tracing::error!(sink = %w.name, error, "reading the outbox failed");
                return ERROR_PAUSE;
            }
        };
        let next = match w.limiter.as_ref() {
            Some(l) => lock(l).wait_until(now).map_or(next, |free| free.max(next)),
            None => next,
        };
        let next = next.max(w.held_until.load(Ordering::Relaxed));
        Duration::from_millis(u64::try_from(next - now).unwrap_or(0)).min(IDLE.min(LEASE_RENEW))
    }

    /// When (unix ms) `w` has something to send next.
    async fn next_wake(&self, w: &Worker) -> Result<Option<i64>, StoreError> {
        let oldest = self.store.next_due(&w.name).await?;
        let Some(window) = w.digest else {
            return Ok(oldest);
        };
        let window_ms = i64::try_from(window.as_millis()).unwrap_or(i64::MAX);
        let formed = oldest.map(|t| t.saturating_add(window_ms));
        let digest = self.store.next_digest_due(&w.name).await?;
        Ok([formed, digest].into_iter().flatten().min())
    }

    /// One round for one sink: every unit due when it started, once each — when this
    /// process holds the sink's queue lease (else nothing: its holder delivers).
    async fn drain(
        &self,
        w: &Worker,
        cancel: &CancellationToken,
    ) -> Result<DispatchReport, StoreError> {
        // Only units due when this round started: a retry scheduled now waits.
        let started = self.clock.now();
        let mut report = DispatchReport::default();
        // Outcomes not yet recorded are written first; until they are, nothing is sent.
        kept().flush(&w.name, &self.store).await?;
        if !self.hold_lease(w).await? {
            report.held_elsewhere.push(w.name.clone());
            return Ok(report);
        }
        loop {
            if !self.hold_lease(w).await? {
                return Ok(report);
            }
            let units = self.due_units(w, started).await?;
            if units.is_empty() {
                return Ok(report);
            }
            for unit in units {
                let held = w.held(self.clock.now_ms());
                if cancel.is_cancelled() || w.disabled.load(Ordering::Relaxed) || held {
                    return Ok(report);
                }
                if !take_slot(w, self.clock.now_ms()) {
                    return Ok(report);
                }
                if !self.hold_lease(w).await? {
                    return Ok(report);
                }
                let outcome = w.sink.deliver(&self.net, unit.batch()).await;
                w.hold_after(&outcome, self.clock.now_ms());
                report += self.settle(w, &unit, outcome).await?;
            }
        }
    }

    /// The units of `w` due at `at`: for a digest sink, digests (formed once the oldest
    /// waiting alert is a window old); otherwise single deliveries.
    async fn due_units(&self, w: &Worker, at: DateTime<Utc>) -> Result<Vec<Unit>, StoreError> {
        let Some(window) = w.digest else {
            let due = self.store.due_deliveries(&w.name, at, BATCH).await?;
            if w.by_story {
                return Ok(by_story(&w.name, due).into_iter().map(story_unit).collect());
            }
            return Ok(due.into_iter().map(|d| Unit::Single(Box::new(d))).collect());
        };
        let window = chrono::Duration::from_std(window).unwrap_or(chrono::Duration::MAX);
        while let Some(oldest) = self.store.next_due(&w.name).await? {
            if oldest.saturating_add(window.num_milliseconds()) > at.timestamp_millis() {
                break;
            }
            if self
                .store
                .form_digest(&w.name, at, DIGEST_MAX)
                .await?
                .is_none()
            {
                break;
            }
        }
        let due = self.store.due_digests(&w.name, at).await?;
        Ok(due.into_iter().map(digest_unit).collect())
    }

    /// Records the verdict on one attempt.
    async fn settle(
        &self,
        w: &Worker,
        unit: &Unit,
        outcome: Result<(), DeliveryError>,
    ) -> Result<DispatchReport, StoreError> {
        let now = self.clock.now();
        let (attempts, first) = unit.attempts();
        let failing = first.map_or(Duration::ZERO, |f| self.clock.failing_for(f));
        let v = verdict(outcome, attempts, failing, w.policy);
        log_verdict(w, unit, &v, attempts + 1);
        if matches!(v, Verdict::Gone(_)) {
            w.disabled.store(true, Ordering::Relaxed);
        }
        let (status, error, next) = recorded_as(&v, now);
        metrics().record_delivery(&w.name, metric_result(&v));
        let single = |alert_id: &str| Attempted::Single {
            alert_id: alert_id.to_string(),
            sink: w.name.clone(),
        };
        let attempted = match unit {
            Unit::Single(d) => vec![single(&d.alert.id)],
            Unit::Digest(d, ..) => vec![Attempted::Digest { id: d.id.clone() }],
            // A story group settles each member's own row.
            Unit::Story(_, rows) => rows.iter().map(|r| single(&r.alert.id)).collect(),
        };
        let settlements: Vec<Settlement> = attempted
            .into_iter()
            .map(|attempted| Settlement {
                attempted,
                status,
                error: error.map(str::to_string),
                next_attempt_at: next,
                now,
            })
            .collect();
        self.record(w, settlements).await?;
        Ok(DispatchReport::counting(
            status,
            unit.batch().alerts().len(),
        ))
    }
}

impl Dispatcher {
    /// Writes the settlements of one attempt. When the state takes no writes (the disk
    /// is full…), the unwritten ones are kept and written before `w` sends anything
    /// else: the receiver has answered, so the attempt is never made again for a record.
    async fn record(&self, w: &Worker, settlements: Vec<Settlement>) -> Result<(), StoreError> {
        let mut left = settlements.into_iter();
        while let Some(s) = left.next() {
            if let Err(e) = self.store.settle(s.clone()).await {
                let error = crate::net::error_chain(&e);
                tracing::error!(
                    sink = %w.name,
                    error,
                    "recording a delivery's outcome failed: it is kept and written before this sink sends anything else"
                );
                kept()
                    .keep(&w.name, std::iter::once(s).chain(left).collect())
                    .await;
                return Err(e);
            }
        }
        Ok(())
    }
}

/// The `result` label of `newshound_deliveries_total` for a verdict.
fn metric_result(v: &Verdict) -> &'static str {
    match v {
        Verdict::Delivered => "delivered",
        Verdict::Failed(_) => "failed",
        Verdict::Dead(_) => "dead",
        Verdict::Retry { .. } | Verdict::Gone(_) => "retry",
    }
}

/// How a verdict is stored: status, error, next attempt.
fn recorded_as(v: &Verdict, now: DateTime<Utc>) -> (DeliveryStatus, Option<&str>, DateTime<Utc>) {
    match v {
        Verdict::Delivered => (DeliveryStatus::Delivered, None, now),
        Verdict::Failed(e) => (DeliveryStatus::Failed, Some(e), now),
        Verdict::Dead(e) => (DeliveryStatus::Dead, Some(e), now),
        Verdict::Retry { reason, delay } => {
            let delay = chrono::Duration::from_std(*delay).unwrap_or(chrono::Duration::MAX);
            let next = now.checked_add_signed(delay).unwrap_or(now);
            (DeliveryStatus::Pending, Some(reason), next)
        }
        // Due at once, for when a reload or restart enables the sink again.
        Verdict::Gone(e) => (DeliveryStatus::Pending, Some(e), now),
    }
}

impl DispatchReport {
    /// `n` alerts that ended in `status`.
    fn counting(status: DeliveryStatus, n: usize) -> DispatchReport {
        let mut r = DispatchReport::default();
        match status {
            DeliveryStatus::Delivered => r.delivered = n,
            DeliveryStatus::Pending => r.retrying = n,
            DeliveryStatus::Failed | DeliveryStatus::Dead => r.failed = n,
            DeliveryStatus::Muted => {}
        }
        r
    }
}

fn story_unit(g: Grouped) -> Unit {
    match g {
        Grouped::Alone(d) => Unit::Single(d),
        Grouped::Story(digest, rows) => Unit::Story(digest, rows),
    }
}

fn digest_unit(p: PendingDigest) -> Unit {
    let digest = Digest {
        id: p.id,
        alerts: p.alerts,
    };
    Unit::Digest(digest, p.attempts, p.first_attempt_at)
}

/// Takes a rate-limit slot for an attempt now; `false` when the sink must wait.
fn take_slot(w: &Worker, now: i64) -> bool {
    let Some(limiter) = &w.limiter else {
        return true;
    };
    let mut l = lock(limiter);
    if l.wait_until(now).is_some() {
        return false;
    }
    l.record(now);
    true
}

fn lock<T>(l: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // Plain numbers behind these locks: a panic elsewhere cannot leave them inconsistent.
    l.lock().unwrap_or_else(|e| e.into_inner())
}

fn log_verdict(w: &Worker, unit: &Unit, v: &Verdict, attempt: u32) {
    let sink = w.name.as_str();
    let (id, alerts) = (unit.batch().id(), unit.batch().alerts().len());
    match v {
        Verdict::Delivered => tracing::debug!(id, sink, alerts, "delivered"),
        Verdict::Failed(error) => {
            tracing::error!(id, sink, alerts, error, "delivery failed permanently")
        }
        Verdict::Dead(error) => {
            tracing::error!(
                id,
                sink,
                alerts,
                error,
                attempts = attempt,
                "delivery gave up: dead"
            )
        }
        Verdict::Retry { reason, delay } => {
            let retry_in = humantime::format_duration(*delay).to_string();
            tracing::warn!(
                id,
                sink,
                alerts,
                error = reason,
                attempts = attempt,
                retry_in,
                "delivery failed, will retry"
            )
        }
        Verdict::Gone(error) => tracing::error!(
            id,
            sink,
            error,
            "SINK DISABLED: the receiver says the endpoint is gone (HTTP 410); its deliveries stay \
             pending until a reload (SIGHUP) or restart re-enables it"
        ),
    }
}
