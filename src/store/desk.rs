//! What the alert desk reads and writes ([`DeskStore`]): the alert history page by page
//! with filters, one alert with everything known about it, feedback, mutes and full-text
//! search over stored articles and alerts. Every backend implements it beside the three
//! interfaces of [`super::api`]; the same rules hold (an `Err` wrote nothing).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{DeliveryStatus, StoreError};
use crate::alert::{Alert, SeenIn};
use crate::desk::SearchQuery;

/// The verdict a person gave an alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// The alert was worth having.
    Useful,
    /// The alert should not have fired.
    FalsePositive,
}

impl Verdict {
    /// The stored name: `useful` or `false-positive`.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Useful => "useful",
            Verdict::FalsePositive => "false-positive",
        }
    }

    /// The verdict named `s`, if any.
    pub fn parse(s: &str) -> Option<Verdict> {
        match s {
            "useful" => Some(Verdict::Useful),
            "false-positive" => Some(Verdict::FalsePositive),
            _ => None,
        }
    }
}

/// Feedback on one alert (the latest replaces any earlier).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Feedback {
    /// The verdict.
    pub verdict: Verdict,
    /// An optional note, at most [`NOTE_MAX_CHARS`] characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// When it was given (RFC 3339).
    pub at: String,
}

/// Longest feedback note kept, in characters.
pub const NOTE_MAX_CHARS: usize = 2000;

/// Which alerts a listing shows; every set field must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AlertFilter {
    /// Full-text query over the alerts' titles and summaries, folded like the matcher
    /// folds; each backend turns it into its own search (FTS5 on SQLite, `LIKE` over
    /// folded text on PostgreSQL).
    pub text: Option<SearchQuery>,
    /// Only this watchlist.
    pub watchlist: Option<String>,
    /// Only alerts about an article of this feed.
    pub feed: Option<String>,
    /// Only this severity label.
    pub severity: Option<String>,
    /// Created at or after (RFC 3339 seconds, UTC).
    pub since: Option<String>,
    /// Created before (RFC 3339 seconds, UTC).
    pub until: Option<String>,
    /// Only alerts with a delivery in this state.
    pub delivery: Option<DeliveryStatus>,
    /// Only alerts with this feedback (`None` inside: alerts without feedback).
    pub feedback: Option<Option<Verdict>>,
    /// At most this many alerts.
    pub limit: usize,
    /// Continue after this position (from the previous page's `next`).
    pub after: Option<Position>,
}

/// A place in the history: alerts are ordered newest first by (created_at, id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    /// The alert's `created_at`.
    pub created_at: String,
    /// The alert id.
    pub id: String,
}

/// One delivery of an alert, as the desk shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct DeliveryView {
    /// The sink.
    pub sink: String,
    /// `pending`, `delivered`, `failed`, `dead` or `muted`.
    pub status: String,
    /// Attempts made.
    pub attempts: u32,
    /// The next attempt of a pending delivery (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_attempt_at: Option<String>,
    /// The last error, as stored (callers redact before showing it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    /// The digest this delivery was batched into, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub digest_id: Option<String>,
}

/// An alert of the history with what the desk knows about it.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertRecord {
    /// The alert as queued.
    pub alert: Alert,
    /// When it was stored (RFC 3339).
    pub created_at: String,
    /// The stored article it is about: `(feed, id)`, empty for feed-health alerts.
    pub article: (String, String),
    /// Each sink's delivery.
    pub deliveries: Vec<DeliveryView>,
    /// Feedback, if given.
    pub feedback: Option<Feedback>,
    /// Near copies recorded in other feeds.
    pub copies: Vec<SeenIn>,
}

impl AlertRecord {
    /// Whether a mute held back its delivery.
    pub fn muted(&self) -> bool {
        self.deliveries.iter().any(|d| d.status == "muted")
    }
}

/// One page of the history.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertPage {
    /// Newest first.
    pub alerts: Vec<AlertRecord>,
    /// Where the next page starts, when there is one.
    pub next: Option<Position>,
}

/// The characters a mute name may not consist of only: whitespace as Rust's `trim`, Python's
/// `str.isspace` and ECMAScript's `\\s` read it (their union), so the OpenAPI document's
/// pattern (the same set, written out in [`MuteScope`]'s fields) and the server agree in every
/// regex dialect a client may check it with.
pub const MUTE_BLANK: &[(char, char)] = &[
    ('\t', '\r'),
    ('\u{1c}', ' '),
    ('\u{85}', '\u{85}'),
    ('\u{a0}', '\u{a0}'),
    ('\u{1680}', '\u{1680}'),
    ('\u{2000}', '\u{200a}'),
    ('\u{2028}', '\u{2029}'),
    ('\u{202f}', '\u{202f}'),
    ('\u{205f}', '\u{205f}'),
    ('\u{3000}', '\u{3000}'),
    ('\u{feff}', '\u{feff}'),
];

/// Whether a mute name has nothing but [`MUTE_BLANK`] characters (the empty name included).
pub fn blank_mute_name(name: &str) -> bool {
    name.chars()
        .all(|c| MUTE_BLANK.iter().any(|&(lo, hi)| (lo..=hi).contains(&c)))
}

/// What a mute silences.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MuteScope {
    /// Every alert of a watchlist.
    Watchlist {
        /// The watchlist.
        #[schema(
            min_length = 1,
            max_length = 500,
            pattern = "[^\\t-\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff]"
        )]
        watchlist: String,
    },
    /// Alerts of a watchlist that matched this person.
    Person {
        /// The watchlist.
        #[schema(
            min_length = 1,
            max_length = 500,
            pattern = "[^\\t-\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff]"
        )]
        watchlist: String,
        /// The person's name as the watchlist writes it.
        #[schema(
            min_length = 1,
            max_length = 500,
            pattern = "[^\\t-\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff]"
        )]
        person: String,
    },
    /// Every alert about one story (any watchlist), named by one of its alert ids.
    Story {
        /// An alert id of the story.
        #[schema(
            min_length = 1,
            max_length = 500,
            pattern = "[^\\t-\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff]"
        )]
        alert: String,
    },
}

/// A mute, active until `until` (or until lifted).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Mute {
    /// Its number.
    pub id: i64,
    /// What it silences.
    pub scope: MuteScope,
    /// When it was set (RFC 3339).
    pub created_at: String,
    /// When it ends by itself (RFC 3339); absent: until lifted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
}

/// Which mutes to lift.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MuteSelector {
    /// The mute with this number.
    Id(i64),
    /// Every active mute of exactly this scope.
    Scope(MuteScope),
}

/// Feedback counts of one watchlist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Precision {
    /// The watchlist.
    pub watchlist: String,
    /// Alerts marked useful.
    pub useful: u64,
    /// Alerts marked false positive.
    pub false_positive: u64,
}

/// A stored article a search found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticleHit {
    /// Feed name.
    pub feed: String,
    /// Article id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Link.
    pub url: Option<String>,
    /// Summary and content.
    pub text: String,
    /// When it was first seen (RFC 3339).
    pub first_seen: String,
}

/// What the desk reads and writes.
#[async_trait]
pub trait DeskStore: Send + Sync {
    /// One page of alerts matching `filter`, newest first, with deliveries, feedback
    /// and copies. `next` is set when more alerts match after this page.
    async fn list_alerts(&self, filter: AlertFilter) -> Result<AlertPage, StoreError>;

    /// One alert, or `None` when no alert has this id.
    async fn alert_record(&self, id: &str) -> Result<Option<AlertRecord>, StoreError>;

    /// Records (replacing any earlier) feedback on alert `id`; `false` when there is no
    /// such alert (nothing written).
    async fn set_feedback(&self, id: &str, feedback: Feedback) -> Result<bool, StoreError>;

    /// Feedback counts per watchlist, by name.
    async fn precision(&self) -> Result<Vec<Precision>, StoreError>;

    /// Every alert with feedback, oldest first: (id, watchlist, article feed, article
    /// id, verdict).
    async fn marked_alerts(&self) -> Result<Vec<MarkedAlert>, StoreError>;

    /// Sets a mute from `now` until `until` (`None`: until lifted). Pending deliveries
    /// of alerts it covers are held back (`muted`) at once. A story mute naming no
    /// stored alert is `Ok(None)`, nothing written.
    async fn add_mute(
        &self,
        scope: MuteScope,
        until: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<Option<Mute>, StoreError>;

    /// The mutes active at `now`, oldest first.
    async fn mutes(&self, now: DateTime<Utc>) -> Result<Vec<Mute>, StoreError>;

    /// Lifts the active mutes `which` selects; returns how many. Deliveries already held
    /// back stay `muted` (`alerts replay` sends them).
    async fn lift_mutes(
        &self,
        which: MuteSelector,
        now: DateTime<Utc>,
    ) -> Result<usize, StoreError>;

    /// Stored articles matching `query` (every term in the title or the summary and
    /// content): those with every term in the title first, then the others, newest
    /// (first seen) first within each; at most `limit`.
    async fn search_articles(
        &self,
        query: &SearchQuery,
        limit: usize,
    ) -> Result<Vec<ArticleHit>, StoreError>;
}

/// An alert with feedback, for `backtest`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarkedAlert {
    /// Alert id.
    pub id: String,
    /// Watchlist.
    pub watchlist: String,
    /// The article's feed.
    pub article_feed: String,
    /// The article's id.
    pub article_id: String,
    /// The verdict.
    pub verdict: Verdict,
}

/// The desk of a backend that has none: every call fails, naming why.
pub struct NoDesk;

fn no_desk<T>() -> Result<T, StoreError> {
    Err(StoreError::Query(
        "the alert desk is not available on this state backend yet (the embedded SQLite has it)"
            .into(),
    ))
}

#[async_trait]
impl DeskStore for NoDesk {
    async fn list_alerts(&self, _: AlertFilter) -> Result<AlertPage, StoreError> {
        no_desk()
    }
    async fn alert_record(&self, _: &str) -> Result<Option<AlertRecord>, StoreError> {
        no_desk()
    }
    async fn set_feedback(&self, _: &str, _: Feedback) -> Result<bool, StoreError> {
        no_desk()
    }
    async fn precision(&self) -> Result<Vec<Precision>, StoreError> {
        no_desk()
    }
    async fn marked_alerts(&self) -> Result<Vec<MarkedAlert>, StoreError> {
        no_desk()
    }
    async fn add_mute(
        &self,
        _: MuteScope,
        _: Option<DateTime<Utc>>,
        _: DateTime<Utc>,
    ) -> Result<Option<Mute>, StoreError> {
        no_desk()
    }
    async fn mutes(&self, _: DateTime<Utc>) -> Result<Vec<Mute>, StoreError> {
        no_desk()
    }
    async fn lift_mutes(&self, _: MuteSelector, _: DateTime<Utc>) -> Result<usize, StoreError> {
        no_desk()
    }
    async fn search_articles(
        &self,
        _: &SearchQuery,
        _: usize,
    ) -> Result<Vec<ArticleHit>, StoreError> {
        no_desk()
    }
}
