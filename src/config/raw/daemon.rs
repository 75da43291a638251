//! `[daemon]` as written.

use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;

/// `[daemon]`: where state lives and how often to poll.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDaemon {
    /// Embedded state directory; default `$STATE_DIRECTORY`, else `./state`.
    pub state_dir: Option<PathBuf>,
    /// Default interval for feeds without their own.
    #[serde(default, with = "humantime_serde")]
    pub poll_interval: Option<Duration>,
    /// Feeds fetched at once.
    pub concurrency: Option<usize>,
    /// Address of the admin endpoint.
    pub admin_listen: Option<String>,
    /// The file holding the token every write to the admin endpoint needs.
    pub admin_token_file: Option<PathBuf>,
    /// How long stored articles are kept for backtests.
    #[serde(default, with = "humantime_serde")]
    pub retention: Option<Duration>,
    /// How far back a new story is compared with alerted ones for near-duplicates (0 = off).
    #[serde(default, with = "humantime_serde")]
    pub near_duplicate_window: Option<Duration>,
    /// Similarity (0–1) at or above which two texts are one story.
    pub near_duplicate_similarity: Option<f64>,
    /// Shortest interval the adaptive schedule may choose (default: each feed's interval).
    #[serde(default, with = "humantime_serde")]
    pub min_interval: Option<Duration>,
    /// Longest interval the adaptive schedule or the failure backoff may choose.
    #[serde(default, with = "humantime_serde")]
    pub max_interval: Option<Duration>,
    /// Items published longer ago are recorded without alerting on a feed's first poll
    /// and when stored articles are matched again (0 = off).
    #[serde(default, with = "humantime_serde")]
    pub max_age: Option<Duration>,
    /// One fetch-latency histogram per feed on `/metrics` (default: one for all feeds).
    pub per_feed_fetch_histogram: Option<bool>,
}
