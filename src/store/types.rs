//! The values the storage interfaces take and give: plain data, the same for every backend.

use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};

use crate::alert::Alert;
use crate::feeds::fingerprint::Fingerprint;
use crate::feeds::Article;

/// What the state remembers about a feed.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct FeedState {
    /// The feed name.
    pub name: String,
    /// ETag of the last full response.
    pub etag: Option<String>,
    /// Last-Modified of the last full response.
    pub last_modified: Option<String>,
    /// When it was last polled (RFC 3339).
    pub last_poll: Option<String>,
    /// `ok`, `not_modified` or `error`.
    pub last_result: Option<String>,
    /// The last error, when the last poll failed.
    pub last_error: Option<String>,
    /// Failed polls in a row.
    pub consecutive_failures: u32,
    /// The instance that finished the last poll (empty before any).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub polled_by: String,
}

/// When a feed is next due, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FeedSchedule {
    /// The next poll.
    pub next_poll: DateTime<Utc>,
    /// The interval chosen after the last poll (before jitter).
    #[serde(with = "humantime_serde")]
    pub interval: Duration,
    /// What chose it: `interval`, `publishing`, `cache-control`, `ttl`,
    /// `sy:updatePeriod`, `backoff` or `retry-after`.
    pub reason: String,
}

/// A feed's remembered state and schedule.
pub type Known = (FeedState, Option<FeedSchedule>);

/// A request to poll one feed now, on behalf of one instance.
#[derive(Debug, Clone)]
pub struct FeedClaim {
    /// The feed name.
    pub feed: String,
    /// The claiming instance (see [`crate::store::instance_id`]).
    pub owner: String,
    /// Now.
    pub now: DateTime<Utc>,
    /// How long the claim keeps every other instance off the feed: its next poll is
    /// moved this far forward, so a poll that never finishes is retried after it.
    pub hold: Duration,
}

/// The proof that a poll holds its feed; [`PollWrite`] carries it back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    /// The instance.
    pub owner: String,
    /// Unique per claim.
    pub token: String,
}

/// What a claim got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// The feed is this poll's until it finishes (or `hold` passes).
    Mine {
        /// Hand back with the poll's writes.
        lease: Lease,
        /// What the state knew before this claim.
        known: Option<Box<Known>>,
    },
    /// Not due, or claimed by another instance: try again at `next_poll`.
    Taken {
        /// When the feed is next due.
        next_poll: DateTime<Utc>,
    },
}

/// The outcome of one poll, to record.
#[derive(Debug, Clone)]
pub struct PollRecord {
    /// The feed name.
    pub feed: String,
    /// `ok`, `not_modified` or `error`.
    pub result: &'static str,
    /// The error, when it failed.
    pub error: Option<String>,
    /// New validators (only for a full successful response).
    pub validators: Option<(Option<String>, Option<String>)>,
    /// When.
    pub at: DateTime<Utc>,
}

/// An alert to queue, with the sinks it goes to.
#[derive(Debug, Clone)]
pub struct NewAlert {
    /// The alert.
    pub alert: Alert,
    /// Sink names.
    pub sinks: Vec<String>,
    /// The story's keys (GUID, link) remembered for the watchlist.
    pub story_keys: Vec<String>,
}

/// How to look for an earlier copy of a story.
#[derive(Debug, Clone)]
pub struct NearDupCheck {
    /// The new article's fingerprint.
    pub fingerprint: Fingerprint,
    /// Only alerts created since then are compared.
    pub since: DateTime<Utc>,
    /// Similarity at or above which two texts are the same story.
    pub similarity: f64,
}

/// One article to record, with the alerts it would raise.
#[derive(Debug, Clone)]
pub struct ArticleWrite {
    /// The article.
    pub article: Article,
    /// Candidate alerts (queued unless the story was seen, or is a near copy).
    pub alerts: Vec<NewAlert>,
    /// The near-duplicate check, when enabled and the article would alert.
    pub near: Option<NearDupCheck>,
}

/// Everything one poll writes.
#[derive(Debug, Clone)]
pub struct PollWrite {
    /// The outcome and validators.
    pub record: PollRecord,
    /// The next poll, when scheduled.
    pub schedule: Option<FeedSchedule>,
    /// New or changed articles.
    pub articles: Vec<ArticleWrite>,
    /// Feed-health alerts.
    pub health: Vec<NewAlert>,
    /// The watchlists' fingerprint the articles were matched with.
    pub matcher: String,
    /// The claim this poll ran under; `None` for `once`, which polls every feed
    /// whatever its schedule.
    pub lease: Option<Lease>,
    /// The instance writing (shown as `polled_by`).
    pub by: String,
    /// When.
    pub now: DateTime<Utc>,
}

impl PollWrite {
    /// Whether this write may queue an alert.
    pub fn may_alert(&self) -> bool {
        !self.health.is_empty() || self.articles.iter().any(|a| !a.alerts.is_empty())
    }
}

/// What recording an article did.
#[derive(Debug, Clone, Default)]
pub struct Recorded {
    /// Alerts queued for delivery.
    pub queued: Vec<Alert>,
    /// (watchlist, alert id) of the earlier alerts this article is a near copy of.
    pub copies: Vec<(String, String)>,
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DeliveryStatus {
    /// Not yet acknowledged; will be (re)tried at `next_attempt_at`.
    Pending,
    /// The receiver acknowledged it.
    Delivered,
    /// The receiver refused it permanently (e.g. a 4xx).
    Failed,
    /// Retried until `give_up_after` without success; kept and replayable.
    Dead,
    /// Held back by a mute: recorded, never sent unless replayed.
    Muted,
}

impl DeliveryStatus {
    /// The name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::Failed => "failed",
            DeliveryStatus::Dead => "dead",
            DeliveryStatus::Muted => "muted",
        }
    }

    /// The status named `s` (unknown names read as pending, never lost).
    pub fn parse(s: &str) -> DeliveryStatus {
        match s {
            "delivered" => DeliveryStatus::Delivered,
            "failed" => DeliveryStatus::Failed,
            "dead" => DeliveryStatus::Dead,
            "muted" => DeliveryStatus::Muted,
            _ => DeliveryStatus::Pending,
        }
    }
}

/// A delivery due now, with its alert.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// The alert to send.
    pub alert: Alert,
    /// The sink name.
    pub sink: String,
    /// Attempts made before this one.
    pub attempts: u32,
    /// Unix milliseconds of the first attempt, if any.
    pub first_attempt_at: Option<i64>,
}

/// A digest due for an attempt, with its members.
#[derive(Debug, Clone)]
pub struct PendingDigest {
    /// Digest id.
    pub id: String,
    /// Attempts made before this one.
    pub attempts: u32,
    /// Unix milliseconds of the first attempt, if any.
    pub first_attempt_at: Option<i64>,
    /// The member alerts, oldest first.
    pub alerts: Vec<Alert>,
}

/// Which outbox rows an attempt settles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempted {
    /// One alert's delivery to one sink.
    Single {
        /// The alert id.
        alert_id: String,
        /// The sink.
        sink: String,
    },
    /// A digest and every member it batches.
    Digest {
        /// The digest id.
        id: String,
    },
}

/// The recorded verdict on one attempt.
#[derive(Debug, Clone)]
pub struct Settlement {
    /// What was attempted.
    pub attempted: Attempted,
    /// Where it stands now.
    pub status: DeliveryStatus,
    /// The error, if it failed.
    pub error: Option<String>,
    /// For `Pending`, when to try again.
    pub next_attempt_at: DateTime<Utc>,
    /// When.
    pub now: DateTime<Utc>,
}

/// One row of the outbox listing.
#[derive(Debug, Clone, serde::Serialize)]
pub struct OutboxRow {
    /// Alert id.
    pub alert_id: String,
    /// Watchlist.
    pub watchlist: String,
    /// The story's title.
    pub title: String,
    /// Sink name.
    pub sink: String,
    /// State.
    pub status: DeliveryStatus,
    /// Attempts made.
    pub attempts: u32,
    /// The last error, if any.
    pub last_error: Option<String>,
    /// When a pending delivery is next attempted (RFC 3339, milliseconds).
    pub next_attempt_at: Option<String>,
    /// The digest that batches this delivery, if any.
    pub digest_id: Option<String>,
    /// When the alert was created.
    pub created_at: String,
}

/// Deliveries in the outbox by state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct OutboxCounts {
    /// Waiting for a first attempt or a retry.
    pub pending: u64,
    /// Acknowledged.
    pub delivered: u64,
    /// Refused permanently.
    pub failed: u64,
    /// Given up after `give_up_after`.
    pub dead: u64,
    /// Held back by a mute.
    pub muted: u64,
}

impl OutboxCounts {
    /// Adds `n` deliveries in the state named `status`.
    pub fn add(&mut self, status: &str, n: u64) {
        match DeliveryStatus::parse(status) {
            DeliveryStatus::Pending => self.pending += n,
            DeliveryStatus::Delivered => self.delivered += n,
            DeliveryStatus::Failed => self.failed += n,
            DeliveryStatus::Dead => self.dead += n,
            DeliveryStatus::Muted => self.muted += n,
        }
    }
}

/// Where one alert's delivery to one sink stands.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DeliveryState {
    /// The sink.
    pub sink: String,
    /// Its state.
    pub status: DeliveryStatus,
    /// Attempts made.
    pub attempts: u32,
    /// The last error, if any.
    pub last_error: Option<String>,
}

/// A recent alert and its deliveries.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RecentAlert {
    /// The alert as queued.
    #[serde(flatten)]
    pub alert: Alert,
    /// One entry per sink it goes to.
    pub deliveries: Vec<DeliveryState>,
}

/// An alert already queued, with the article it was about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PastAlert {
    /// Alert id.
    pub id: String,
    /// Watchlist name.
    pub watchlist: String,
    /// When it was created (RFC 3339).
    pub created_at: String,
    /// The article's feed.
    pub article_feed: String,
    /// The article's id.
    pub article_id: String,
}

/// The instant `d` before now, clamped to the earliest representable time.
pub fn ago(d: Duration) -> DateTime<Utc> {
    chrono::Duration::from_std(d)
        .ok()
        .and_then(|d| Utc::now().checked_sub_signed(d))
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// `t` as stored: RFC 3339 to the second, UTC.
pub fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Unix milliseconds as RFC 3339 with milliseconds.
pub fn millis_rfc3339(ms: i64) -> String {
    DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// What the page stage writes for one article page (see [`PollStore::finish_page`]).
#[derive(Debug, Clone)]
pub struct PageWrite {
    /// The article, with the page's readable text in `article` when it was fetched.
    pub article: Article,
    /// The page's URL (the item's link).
    pub url: String,
    /// `Ok` when the text was extracted, else why not (names what and where).
    pub outcome: Result<(), String>,
    /// Candidate alerts from matching with the page's text (empty when it failed).
    pub alerts: Vec<NewAlert>,
    /// The near-duplicate check, when enabled and the article would alert.
    pub near: Option<NearDupCheck>,
    /// The watchlists' fingerprint the article was matched with.
    pub matcher: String,
    /// When.
    pub now: DateTime<Utc>,
}

/// What became of one article page.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PageRecord {
    /// The page's URL (the item's link).
    pub url: String,
    /// `ok` or `failed`.
    pub status: String,
    /// Why it failed (names what and where), when it did.
    pub reason: Option<String>,
    /// Characters of readable text kept.
    pub chars: usize,
    /// When it was fetched (RFC 3339).
    pub fetched_at: String,
}
