//! The storage interfaces, cut by use case: what a poll needs ([`PollStore`]), what
//! delivery needs ([`DeliveryStore`]) and what the status page, the commands and
//! `backtest` read ([`ReadStore`]). Every backend (the embedded SQLite, a shared
//! PostgreSQL) implements all three; the rest of newshound sees only these.
//!
//! Common to every method: an `Err` means nothing of the call was written (each write is
//! one transaction) and the state is as it was; the caller decides whether to retry —
//! the poll loop polls the feed again on its next turn, the delivery worker retries the
//! round after a pause, a command reports the error and exits non-zero. No method blocks
//! the calling async worker thread: backends run blocking work elsewhere.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use tokio::sync::Notify;

use super::*;
use crate::alert::SeenIn;
use crate::feeds::Article;

/// What polling needs: claiming a feed, checking which articles are new, and finishing a
/// poll — the once-per-story check, the outbox and the bookkeeping in one transaction.
#[async_trait]
pub trait PollStore: Send + Sync {
    /// Called by the poll loop when `claim.feed` falls due, before fetching. `Mine` when
    /// the feed is due (or was never scheduled) and no other claim holds it; the claim
    /// moves its next poll `claim.hold` and [`super::decide::SEND_MARGIN`] forward, so a
    /// poll that dies is retried by any instance after that. `Taken` with the time to
    /// try again otherwise.
    async fn claim_feed(&self, claim: FeedClaim) -> Result<Claim, StoreError>;

    /// Called when a config starts polling (the daemon's start, each reload), before its
    /// first claim round: every feed of `feeds` gets a row if it has none, and its next
    /// poll is settled as [`super::decide::start_at`] says (a remembered time honoured up
    /// to its cap, none or a past one spread over the start-up jitter, an orphaned claim
    /// due when its hold ends). A row another instance changed meanwhile keeps its change.
    async fn plan_feeds(&self, feeds: Arc<FeedSet>, now: DateTime<Utc>) -> Result<(), StoreError>;

    /// Called by the claim loop each round: claims up to `claim.limit` of `claim.feeds`
    /// whose next poll is at or before `claim.now` (never early), the longest overdue
    /// first, skipping any another instance is claiming at this moment. Each claimed
    /// feed's next poll moves its `hold` and [`super::decide::SEND_MARGIN`] forward, so
    /// no other instance claims it until the poll finishes ([`PollStore::finish_poll`]
    /// writes the real next poll, an interval after the request) or, if the poll dies or
    /// outlives its claim, until that passes: the caller sends the request within the
    /// margin of `claim.now` or renews the claim first ([`PollStore::renew_claim`]). Concurrent rounds of any
    /// number of instances never claim one feed twice. With fewer than `limit` claimed,
    /// also says when the next feed of the set falls due.
    async fn claim_due(&self, claim: DueClaim) -> Result<DueFeeds, StoreError>;

    /// Called by the claim loop when a claimed feed's poll starts after waiting for a
    /// fetch slot: moves the feed's next poll to `hold` and
    /// [`super::decide::SEND_MARGIN`] after `now` if `lease` still holds it, so a poll
    /// that dies is retried no sooner than one hold after its request. `false`
    /// when the claim was lost meanwhile (it passed its hold and another claim took the
    /// feed): the poll is then not made.
    async fn renew_claim(
        &self,
        feed: String,
        lease: Lease,
        now: DateTime<Utc>,
        hold: Duration,
    ) -> Result<bool, StoreError>;

    /// Called by `once` before polling every feed: all it knows of every feed, by name.
    async fn known_feeds(&self) -> Result<HashMap<String, Known>, StoreError>;

    /// The remembered schedule of `feed`, if it was ever scheduled (the poll loop's first
    /// sleep; `None` means "due at once, within the start-up jitter").
    async fn feed_schedule(&self, feed: &str) -> Result<Option<FeedSchedule>, StoreError>;

    /// For each `(article id, content hash)` of `feed`, whether it was processed before
    /// with the same text by the watchlists whose fingerprint is `matcher` (see
    /// [`super::decide::unchanged`]).
    async fn unchanged_articles(
        &self,
        feed: &str,
        articles: Vec<(String, String)>,
        matcher: &str,
    ) -> Result<Vec<bool>, StoreError>;

    /// For each article id of `feed`, whether the state has it from an earlier poll. The
    /// backlog rule (`[daemon] max_age`) asks this only for old-dated articles about to be
    /// matched again. A backend that cannot tell answers `false` for all (they alert as
    /// new: a story is never hidden).
    async fn known_articles(&self, feed: &str, ids: Vec<String>) -> Result<Vec<bool>, StoreError> {
        let _ = feed;
        Ok(vec![false; ids.len()])
    }

    /// Called once per poll with everything it learnt. In one transaction: each article's
    /// candidate alerts are queued (alert, story keys, one pending delivery per sink)
    /// unless the watchlist has seen one of the story's keys, or (with `near`) alerted a
    /// near copy, which is recorded as a copy instead; then the article rows, the poll's
    /// outcome, validators, next poll time and feed-health alerts. Returns per article
    /// what it queued. With a `lease`, nothing is written unless the claim still holds
    /// the feed: [`StoreError::LeaseLost`]. Concurrent calls from any number of
    /// instances never queue two alerts for one story of one watchlist.
    async fn finish_poll(&self, write: PollWrite) -> Result<Vec<Recorded>, StoreError>;

    /// For each article id of `feed`, whether its article page was already tried
    /// (`full_text`): a page is fetched once per story, never retried.
    async fn pages_tried(&self, feed: &str, ids: Vec<String>) -> Result<Vec<bool>, StoreError>;

    /// Called by the page stage once per article page tried. In one transaction: the
    /// page's outcome (its readable text, `write.article.article`, or the reason there is
    /// none) and, when `write.alerts` has any, those whose story the watchlist has not
    /// seen are queued exactly as [`PollStore::finish_poll`] queues them (near copies
    /// recorded as copies). Returns what it queued.
    async fn finish_page(&self, write: PageWrite) -> Result<Recorded, StoreError>;

    /// Deletes stored articles first seen before `before`; returns how many. The
    /// once-per-story record and the outbox are kept.
    async fn prune_articles(&self, before: DateTime<Utc>) -> Result<usize, StoreError>;
}

/// What delivery needs. Each sink's queue is worked by one instance at a time, the one
/// holding the sink's lease ([`DeliveryStore::claim_sink`]); it loads due units, sends
/// them and settles each verdict. A unit loaded but never settled (the instance died)
/// stays pending and is sent again by the next holder — the only way a receiver sees an
/// alert twice.
#[async_trait]
pub trait DeliveryStore: Send + Sync {
    /// Takes or renews the lease on `sink`'s queue for `owner`, for `hold`. `true` when
    /// `owner` holds it now; `false` while another live owner does. A lease past its
    /// time, or held by a process of this host that is gone, is taken over.
    async fn claim_sink(&self, sink: &str, owner: &str, hold: Duration)
        -> Result<bool, StoreError>;

    /// Gives the lease on `sink` up, if `owner` holds it (at shutdown, so the next
    /// instance need not wait for it to pass).
    async fn release_sink(&self, sink: &str, owner: &str) -> Result<(), StoreError>;

    /// Pending deliveries to `sink` due at `now`, oldest first, not batched in a digest,
    /// at most `limit`. A row whose alert no longer decodes is marked failed (and
    /// logged), never returned.
    async fn due_deliveries(
        &self,
        sink: &str,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<Delivery>, StoreError>;

    /// When (unix ms) the oldest pending delivery to `sink` outside a digest is due.
    async fn next_due(&self, sink: &str) -> Result<Option<i64>, StoreError>;

    /// Batches up to `max` pending deliveries to `sink` not yet in a digest into a new
    /// digest due now, in one transaction; `None` when there are none.
    async fn form_digest(
        &self,
        sink: &str,
        now: DateTime<Utc>,
        max: usize,
    ) -> Result<Option<String>, StoreError>;

    /// Pending digests of `sink` due at `now`, with their member alerts.
    async fn due_digests(
        &self,
        sink: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<PendingDigest>, StoreError>;

    /// When (unix ms) the next pending digest of `sink` is due.
    async fn next_digest_due(&self, sink: &str) -> Result<Option<i64>, StoreError>;

    /// Records the verdict on one attempt: the delivery (or the digest and, in the same
    /// transaction, every member) takes `status`, one more attempt, the error and for
    /// `Pending` the next attempt time.
    async fn settle(&self, settlement: Settlement) -> Result<(), StoreError>;

    /// Queues alerts that remember no story (feed-health alerts).
    async fn queue_alerts(
        &self,
        alerts: Vec<NewAlert>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    /// Requeues every delivery of the alerts `ids` (whatever their state): pending, due
    /// `now`, attempts and first-attempt time reset, out of any digest. Returns how many.
    async fn replay_alerts(
        &self,
        ids: Vec<String>,
        now: DateTime<Utc>,
    ) -> Result<usize, StoreError>;

    /// Requeues every dead delivery; returns (deliveries, distinct alerts) requeued.
    async fn replay_dead(&self, now: DateTime<Utc>) -> Result<(usize, usize), StoreError>;

    /// Notified when another instance queues alerts (a shared backend); `None` when
    /// every writer is this process, which wakes its workers itself.
    fn outbox_wakeups(&self) -> Option<Arc<Notify>> {
        None
    }
}

/// What the status page, `/api/status`, the commands and `backtest` read. Nothing here
/// writes; results reflect every committed write of every instance.
#[async_trait]
pub trait ReadStore: Send + Sync {
    /// What the state remembers of every feed it ever polled, by name.
    async fn feed_states(&self) -> Result<HashMap<String, FeedState>, StoreError>;
    /// Every remembered schedule, by feed name.
    async fn feed_schedules(&self) -> Result<HashMap<String, FeedSchedule>, StoreError>;
    /// The `limit` newest alerts, newest first, each with its deliveries.
    async fn recent_alerts(&self, limit: usize) -> Result<Vec<RecentAlert>, StoreError>;
    /// Deliveries by state.
    async fn outbox_counts(&self) -> Result<OutboxCounts, StoreError>;
    /// Alerts with at least one delivery still pending.
    async fn alerts_pending(&self) -> Result<u64, StoreError>;
    /// Every alert the state holds.
    async fn alerts_total(&self) -> Result<u64, StoreError>;
    /// The outbox, newest first, optionally only one status.
    async fn outbox(
        &self,
        status: Option<DeliveryStatus>,
        limit: usize,
    ) -> Result<Vec<OutboxRow>, StoreError>;
    /// Whether an alert with this id is in the outbox.
    async fn alert_exists(&self, id: &str) -> Result<bool, StoreError>;
    /// The alert already queued for this story under `watchlist`, if any.
    async fn story_alert(
        &self,
        watchlist: &str,
        keys: Vec<String>,
    ) -> Result<Option<String>, StoreError>;
    /// The copies recorded for an alert, in the order they were seen.
    async fn copies_of(&self, alert_id: &str) -> Result<Vec<SeenIn>, StoreError>;
    /// Articles first seen at or after `since`, oldest first.
    async fn stored_articles(&self, since: DateTime<Utc>) -> Result<Vec<Article>, StoreError>;
    /// At most `limit` articles first seen at or after `since`, newest first (the rule
    /// tester's bounded scan).
    async fn newest_articles(
        &self,
        since: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<Article>, StoreError>;
    /// One stored article.
    async fn stored_article(&self, feed: &str, id: &str) -> Result<Option<Article>, StoreError>;
    /// What became of the article page of `article_id` (from `feed`), if it was tried.
    async fn page_record(
        &self,
        feed: &str,
        article_id: &str,
    ) -> Result<Option<PageRecord>, StoreError>;
    /// Alerts created at or after `since`, oldest first.
    async fn alerts_since(&self, since: DateTime<Utc>) -> Result<Vec<PastAlert>, StoreError>;
}

/// A whole backend: the three interfaces over one state, and the desk's
/// ([`super::DeskStore`]) where the backend has it.
pub trait Backend: PollStore + DeliveryStore + ReadStore {
    /// The desk's reads and writes (both backends have them); `None` for a backend that
    /// does not: the desk's pages, API and commands then answer with an error saying so.
    fn desk(&self) -> Option<&dyn super::DeskStore> {
        None
    }
    /// Commits anything the backend holds back for speed (SQLite's poll batch); called at
    /// shutdown and by tests. Errors are logged.
    fn flush(&self) {}
    /// Checks, blocking, that the state is still the one opened and still reads (the
    /// daemon calls it every few seconds, off the async threads):
    /// [`StoreError::Replaced`] when it was removed or replaced, another error when it
    /// fails. Backends without such a check answer `Ok`.
    fn probe(&self) -> Result<(), StoreError> {
        Ok(())
    }
    /// A short description for logs: the file, or the URL without its password.
    fn describe(&self) -> String;
    /// The per-host request slots every instance on this state shares; `None` for a
    /// backend one process owns (its own per-host limit is the whole limit).
    fn host_slots(&self) -> Option<Arc<dyn HostSlots>> {
        None
    }
}

/// One held slot of a host (see [`HostSlots`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlotLease {
    /// The host, lower case.
    pub host: String,
    /// Which of its slots, `0..limit`.
    pub slot: i32,
    /// This holding's own token: giving back frees the slot only while it still holds it.
    pub token: String,
}

/// `http.per_host` across every instance on one shared state: a host has `limit` slots,
/// and a request to it is made only while holding one. A slot is a lease that ends by
/// itself after its `ttl`, so an instance that dies never keeps a host's slots.
///
/// Called by the poll gate before each feed request (after the instance's own per-host
/// limit admitted it). `Ok(None)`: every slot is held; the caller waits and asks again.
/// `Err`: the store failed; the caller waits and asks again. [`HostSlots::give_back`] is
/// called when the request ends; its errors are logged, the lease then simply expires.
#[async_trait]
pub trait HostSlots: Send + Sync {
    /// Takes a free (or expired) slot of `host` out of `limit` for at most `ttl`.
    async fn take_slot(
        &self,
        host: &str,
        limit: usize,
        ttl: Duration,
    ) -> Result<Option<SlotLease>, StoreError>;
    /// Frees `lease`'s slot if it still holds it.
    async fn give_back(&self, lease: &SlotLease) -> Result<(), StoreError>;
}
