//! The serde mirror of the TOML file, one file per section: plain data, unknown keys
//! rejected. Nothing here is checked beyond its type; `validate` turns it into a
//! [`crate::config::Config`].

mod daemon;
mod feed;
mod http;
mod store;
mod watchlist;

pub use daemon::RawDaemon;
pub use feed::{RawFeed, RawFullText};
pub use http::RawHttp;
pub use store::RawStore;
pub use watchlist::{RawPerson, RawWatchlist};

use serde::Deserialize;

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
    /// `[store]`: a shared PostgreSQL instead of the embedded SQLite.
    #[serde(default)]
    pub store: RawStore,
    /// `[[feed]]`
    #[serde(default)]
    pub feed: Vec<RawFeed>,
    /// `feed_lists`: glob patterns of OPML and CSV files with more feeds.
    #[serde(default)]
    pub feed_lists: Vec<String>,
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
