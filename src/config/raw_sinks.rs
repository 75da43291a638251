//! The serde mirror of the delivery tables added beside `[[sink]]` webhooks and logs: the
//! email sink and the `[[health]]` rules. Plain data, unknown keys rejected.

use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;

/// `type = "email"`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEmail {
    /// Unique sink name.
    pub name: Option<String>,
    /// `smtp://host[:port]` or `smtps://host[:port]`.
    pub smtp_url: Option<String>,
    /// The sender mailbox.
    pub from: Option<String>,
    /// The recipients.
    pub to: Option<Vec<String>>,
    /// SMTP AUTH user.
    pub smtp_username: Option<String>,
    /// A file holding the SMTP password (absolute, or relative to `$CREDENTIALS_DIRECTORY`).
    pub smtp_password_file: Option<PathBuf>,
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
