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
    /// `true` or `"auto"`: fetch the article page behind each item's link.
    pub full_text: Option<RawFullText>,
    /// With `full_text = "auto"`: fetch when the item's text is shorter than this.
    pub full_text_below: Option<usize>,
}

/// `full_text = true | false | "auto"` as written.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum RawFullText {
    /// `true` (always) or `false` (never).
    Bool(bool),
    /// A word; only `"auto"` is valid.
    Word(String),
}
