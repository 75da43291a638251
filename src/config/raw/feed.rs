//! `[[feed]]` as written.

use std::time::Duration;

use serde::Deserialize;

/// One `[[feed]]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFeed {
    /// Unique name.
    pub name: Option<String>,
    /// http(s):// or file:// URL.
    pub url: Option<String>,
    /// Poll interval for this feed.
    #[serde(default, with = "humantime_serde")]
    pub interval: Option<Duration>,
    /// Shortest adaptive interval for this feed.
    #[serde(default, with = "humantime_serde")]
    pub min_interval: Option<Duration>,
    /// Longest adaptive interval (and backoff ceiling) for this feed.
    #[serde(default, with = "humantime_serde")]
    pub max_interval: Option<Duration>,
    /// Tags that watchlists can select with `#tag`.
    #[serde(default)]
    pub tags: Vec<String>,
}
