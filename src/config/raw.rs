//! The serde mirror of the TOML file: plain data, unknown keys rejected. Nothing here is
//! checked beyond its type; `validate.rs` turns it into a [`crate::config::Config`].

use std::path::PathBuf;
use std::time::Duration;

use bytesize::ByteSize;
use serde::Deserialize;

use crate::watch::Require;

/// The whole config file as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    /// `[daemon]`
    #[serde(default)]
    pub daemon: RawDaemon,
    /// `[http]`
    #[serde(default)]
    pub http: RawHttp,
    /// `[[feed]]`
    #[serde(default)]
    pub feed: Vec<RawFeed>,
    /// `[[watchlist]]`
    #[serde(default)]
    pub watchlist: Vec<RawWatchlist>,
    /// `[[sink]]`
    #[serde(default)]
    pub sink: Vec<RawSink>,
    /// `[[health]]`: feed-health alert rules.
    #[serde(default)]
    pub health: Vec<RawHealth>,
}

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
}

/// `[http]`: limits for every request newshound makes.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawHttp {
    /// Total time for one request, body included.
    #[serde(default, with = "humantime_serde")]
    pub timeout: Option<Duration>,
    /// Time to establish a connection.
    #[serde(default, with = "humantime_serde")]
    pub connect_timeout: Option<Duration>,
    /// Largest body accepted, after decompression.
    pub max_body: Option<ByteSize>,
    /// Redirects followed before giving up.
    pub max_redirects: Option<usize>,
    /// The User-Agent header.
    pub user_agent: Option<String>,
    /// Allow feeds and sinks on loopback or private addresses.
    pub allow_private_networks: Option<bool>,
    /// Exceptions to the private-network guard: host names and CIDR networks.
    pub allow_hosts: Option<Vec<String>>,
    /// Requests to one host at once.
    pub per_host: Option<usize>,
    /// Items kept per feed (the newest).
    pub max_items: Option<usize>,
}

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

/// One `[[watchlist]]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWatchlist {
    /// Unique name.
    pub name: Option<String>,
    /// Sink names; default every sink.
    pub sinks: Option<Vec<String>>,
    /// Feed names or `#tags`; default every feed.
    pub feeds: Option<Vec<String>>,
    /// What fires an alert when no query is set.
    #[serde(default)]
    pub require: Require,
    /// Words or phrases; a trailing `*` is a prefix.
    #[serde(default)]
    pub keywords: Vec<String>,
    /// Terms that veto a match.
    #[serde(default)]
    pub exclude: Vec<String>,
    /// A query; replaces require/keywords when set.
    pub query: Option<String>,
    /// Free label passed to sinks.
    pub severity: Option<String>,
    /// `[[watchlist.person]]`
    #[serde(default)]
    pub person: Vec<RawPerson>,
}

/// One `[[watchlist.person]]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPerson {
    /// Canonical name.
    pub name: Option<String>,
    /// Other names, titles, other scripts.
    #[serde(default)]
    pub aliases: Vec<String>,
}

/// One `[[sink]]`: the closed, tagged set of kinds (each kind's keys live in its folder
/// under `alert/sinks/`).
pub type RawSink = crate::alert::sinks::SinkKindConfig;

/// One `[[health]]` rule: alert sinks when a feed keeps failing, and when it recovers.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawHealth {
    /// The name alerts carry as their watchlist; default `feed-health`.
    pub name: Option<String>,
    /// Sink names; default every sink.
    pub sinks: Option<Vec<String>>,
    /// Feed names or `#tags`; default every feed.
    pub feeds: Option<Vec<String>>,
    /// Failed polls in a row before the alert; default 3.
    pub after_failures: Option<u32>,
}
