//! The serde mirror of the TOML file, one file per section: plain data, unknown keys
//! rejected. Nothing here is checked beyond its type; `validate` turns it into a
//! [`crate::config::Config`].

mod daemon;
mod feed;
mod http;
mod watchlist;

pub use daemon::RawDaemon;
pub use feed::RawFeed;
pub use http::RawHttp;
pub use watchlist::{RawPerson, RawWatchlist};

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

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
    /// Every `type = "…"` a sink may have.
    pub const KINDS: &'static [&'static str] = &["webhook", "log", "email"];

    /// Reads one `[[sink]]` table of kind `kind` (its `type` removed) on its own, so that a
    /// wrong key or value is reported with its path inside the sink; serde's tagged enum
    /// only knows the sink's index. `None` for a kind not in [`RawSink::KINDS`].
    pub fn check_kind(
        kind: &str,
        table: toml::Value,
    ) -> Option<Result<(), serde_path_to_error::Error<toml::de::Error>>> {
        fn read<T: serde::de::DeserializeOwned>(
            table: toml::Value,
        ) -> Result<(), serde_path_to_error::Error<toml::de::Error>> {
            serde_path_to_error::deserialize::<_, T>(table).map(drop)
        }
        Some(match kind {
            "webhook" => read::<RawWebhook>(table),
            "log" => read::<RawLog>(table),
            "email" => read::<super::raw_sinks::RawEmail>(table),
            _ => return None,
        })
    }

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
    /// Signing secret, `whsec_<base64>`.
    pub secret: Option<String>,
    /// A file holding the secret (absolute, or relative to `$CREDENTIALS_DIRECTORY`).
    pub secret_file: Option<PathBuf>,
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
