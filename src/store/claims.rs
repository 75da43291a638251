//! Claim rounds: the feeds one instance polls ([`FeedSet`]) and what a round of claims
//! asks for ([`DueClaim`]) and gets ([`DueFeeds`]); see [`super::PollStore::claim_due`].

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::{Known, Lease};

/// One feed an instance polls, as its claims name it.
#[derive(Debug, Clone)]
pub struct PlannedFeed {
    /// The feed name.
    pub name: String,
    /// How long a claim keeps other instances off it (its interval): see
    /// [`FeedClaim::hold`].
    pub hold: Duration,
    /// Its first poll when the state has no (usable) next poll: this long after start
    /// (the start-up jitter).
    pub first: Duration,
    /// How far ahead a remembered next poll may lie (`max_interval`; a server's
    /// `Retry-After` may lie up to a day ahead).
    pub cap: Duration,
}

/// The feeds one instance polls (its config's), indexed by name, and the columns a
/// shared backend sends with each claim round.
#[derive(Debug, Clone, Default)]
pub struct FeedSet {
    feeds: Vec<PlannedFeed>,
    index: HashMap<String, usize>,
    names: Vec<String>,
    holds_ms: Vec<i64>,
}

impl FeedSet {
    /// The set of `feeds` (a later duplicate name is ignored: `check` refuses them).
    pub fn new(feeds: Vec<PlannedFeed>) -> FeedSet {
        let mut set = FeedSet::default();
        for f in feeds {
            if set.index.contains_key(&f.name) {
                continue;
            }
            set.index.insert(f.name.clone(), set.feeds.len());
            set.names.push(f.name.clone());
            set.holds_ms
                .push(i64::try_from(f.hold.as_millis()).unwrap_or(i64::MAX));
            set.feeds.push(f);
        }
        set
    }

    /// The feed called `name`, if it is in the set.
    pub fn get(&self, name: &str) -> Option<&PlannedFeed> {
        self.index.get(name).map(|&i| &self.feeds[i])
    }

    /// Where the feed called `name` stands in the set (its index in [`FeedSet::feeds`]).
    pub fn position(&self, name: &str) -> Option<usize> {
        self.index.get(name).copied()
    }

    /// Every feed, in config order.
    pub fn feeds(&self) -> &[PlannedFeed] {
        &self.feeds
    }

    /// Every name, in config order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Every feed's hold in milliseconds, in config order.
    pub fn holds_ms(&self) -> &[i64] {
        &self.holds_ms
    }

    /// How many feeds.
    pub fn len(&self) -> usize {
        self.feeds.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.feeds.is_empty()
    }
}

/// A round of claims: up to `limit` of `feeds` that are due at `now`, for `owner`.
#[derive(Debug, Clone)]
pub struct DueClaim {
    /// The claiming instance.
    pub owner: String,
    /// Now.
    pub now: DateTime<Utc>,
    /// At most this many feeds.
    pub limit: usize,
    /// The feeds this instance polls; each claimed one is held for its `hold`.
    pub feeds: Arc<FeedSet>,
}

/// One feed a round claimed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claimed {
    /// The feed name.
    pub feed: String,
    /// Hand back with the poll's writes.
    pub lease: Lease,
    /// What the state knew of the feed (`None` before its first poll).
    pub known: Option<Box<Known>>,
}

/// What a round of claims got.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DueFeeds {
    /// The feeds claimed, the longest overdue first.
    pub claimed: Vec<Claimed>,
    /// When the next of the set's feeds not claimed now falls due (`None` when none is
    /// scheduled). Only looked up when fewer than `limit` were claimed.
    pub next_due: Option<DateTime<Utc>>,
}
