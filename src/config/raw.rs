//! The serde mirror of the TOML file: plain data, unknown keys rejected. Nothing here is
//! checked beyond its type; `validate.rs` turns it into a [`crate::config::Config`].

use std::collections::BTreeMap;
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
    pub health: Vec<super::raw_sinks::RawHealth>,
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
    /// Shorter names that count only after the name or an alias occurred.
    #[serde(default)]
    pub short_forms: Vec<String>,
}

/// One `[[sink]]`: a closed, tagged set of kinds.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum RawSink {
    /// An HTTP POST per alert.
    Webhook(RawWebhook),
    /// One structured log event per alert.
    Log(RawLog),
    /// One email per alert or digest, over SMTP.
    Email(super::raw_sinks::RawEmail),
}

impl RawSink {
    /// The sink's name as written.
    pub fn name(&self) -> Option<&str> {
        match self {
            RawSink::Webhook(w) => w.name.as_deref(),
            RawSink::Log(l) => l.name.as_deref(),
            RawSink::Email(e) => e.name.as_deref(),
        }
    }
}

/// `type = "webhook"`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWebhook {
    /// Unique sink name.
    pub name: Option<String>,
    /// Receiver URL.
    pub url: Option<String>,
    /// Payload format: `json` (default), `slack`, `discord`, `teams` or `template`.
    pub format: Option<String>,
    /// A minijinja template (`format = "template"`).
    pub template: Option<String>,
    /// A file holding the template, relative to the config file's folder.
    pub template_file: Option<PathBuf>,
    /// Set by the loader when `template` was read from `template_file`.
    #[serde(skip)]
    pub template_from_file: bool,
    /// Signing secret, `whsec_<base64>`.
    pub secret: Option<String>,
    /// A file holding the secret (absolute, or relative to `$CREDENTIALS_DIRECTORY`).
    pub secret_file: Option<PathBuf>,
    /// Set by the loader when `secret` was read from `secret_file`.
    #[serde(skip)]
    pub secret_from_file: bool,
    /// Extra headers.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// First retry delay.
    #[serde(default, with = "humantime_serde")]
    pub backoff: Option<Duration>,
    /// Largest retry delay.
    #[serde(default, with = "humantime_serde")]
    pub backoff_max: Option<Duration>,
    /// After this long failing, the delivery is dead.
    #[serde(default, with = "humantime_serde")]
    pub give_up_after: Option<Duration>,
    /// `N/s`, `N/min` or `N/h`: excess alerts wait.
    pub rate_limit: Option<String>,
    /// Batch alerts into one message per window.
    #[serde(default, with = "humantime_serde")]
    pub digest: Option<Duration>,
}

/// `type = "log"`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLog {
    /// Unique sink name.
    pub name: Option<String>,
}
