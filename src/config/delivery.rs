//! The validated delivery settings: per-sink retry timing, rate limit and digest window,
//! webhook formats, the email sink, and `[[health]]` rules.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use lettre::message::Mailbox;

use crate::alert::template::Template;

/// How a sink's deliveries are timed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryConfig {
    /// First retry delay; doubles with jitter up to `backoff_max`.
    pub backoff: Duration,
    /// Largest retry delay.
    pub backoff_max: Duration,
    /// A delivery failing longer than this is dead.
    pub give_up_after: Duration,
    /// At most this many attempts per window; excess alerts wait.
    pub rate_limit: Option<RateLimit>,
    /// Batch alerts into one message per window of this length.
    pub digest: Option<Duration>,
}

impl Default for DeliveryConfig {
    fn default() -> Self {
        DeliveryConfig {
            backoff: Duration::from_secs(5),
            backoff_max: Duration::from_secs(3600),
            give_up_after: Duration::from_secs(72 * 3600),
            rate_limit: None,
            digest: None,
        }
    }
}

/// `rate_limit = "N/min"`: at most `count` attempts in any window of `per`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Attempts allowed per window.
    pub count: u32,
    /// The window.
    pub per: Duration,
}

impl std::str::FromStr for RateLimit {
    type Err = String;

    /// Parses `N/s`, `N/min` or `N/h` (also `sec`, `second`, `m`, `minute`, `hour`).
    fn from_str(s: &str) -> Result<RateLimit, String> {
        let bad = || format!("'{s}' is not a rate (e.g. \"30/min\", \"1/s\", \"100/h\")");
        let (n, unit) = s.split_once('/').ok_or_else(bad)?;
        let count: u32 = n.trim().parse().map_err(|_| bad())?;
        let per = match unit.trim() {
            "s" | "sec" | "second" => Duration::from_secs(1),
            "m" | "min" | "minute" => Duration::from_secs(60),
            "h" | "hour" => Duration::from_secs(3600),
            _ => return Err(bad()),
        };
        if count == 0 {
            return Err(format!("'{s}' allows nothing; remove rate_limit instead"));
        }
        Ok(RateLimit { count, per })
    }
}

/// The body a webhook sends.
#[derive(Clone, Default)]
pub enum WebhookFormat {
    /// The versioned newshound JSON (v1).
    #[default]
    Json,
    /// A Slack incoming-webhook message with blocks.
    Slack,
    /// A Discord webhook message with embeds.
    Discord,
    /// A Teams Workflows message carrying an Adaptive Card.
    Teams,
    /// A user's minijinja template.
    Template(Arc<Template>),
}

impl WebhookFormat {
    /// The name used in the config.
    pub fn name(&self) -> &'static str {
        match self {
            WebhookFormat::Json => "json",
            WebhookFormat::Slack => "slack",
            WebhookFormat::Discord => "discord",
            WebhookFormat::Teams => "teams",
            WebhookFormat::Template(_) => "template",
        }
    }
}

impl std::fmt::Debug for WebhookFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// `type = "email"`.
#[derive(Clone)]
pub struct EmailConfig {
    /// `smtp://` (plain, or STARTTLS with `?tls=required`) or `smtps://` (TLS from the start).
    pub smtp_url: String,
    /// The sender.
    pub from: Mailbox,
    /// The recipients.
    pub to: Vec<Mailbox>,
    /// SMTP AUTH user and password.
    pub credentials: Option<(String, String)>,
}

impl std::fmt::Debug for EmailConfig {
    // The password never reaches a log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmailConfig")
            .field("smtp_url", &crate::redact::url_str(&self.smtp_url))
            .field("from", &self.from.to_string())
            .field("to", &self.to.len())
            .field("user", &self.credentials.as_ref().map(|(u, _)| u))
            .finish()
    }
}

/// One `[[health]]` rule.
#[derive(Debug, Clone)]
pub struct HealthRule {
    /// The name its alerts carry in `watchlist`.
    pub name: String,
    /// Indices into `Config::sinks`.
    pub sinks: Vec<usize>,
    /// Feed names it watches; `None` = every feed.
    pub feeds: Option<BTreeSet<String>>,
    /// Failed polls in a row that raise the alert.
    pub after_failures: u32,
}

impl HealthRule {
    /// Whether this rule watches `feed`.
    pub fn applies_to(&self, feed: &str) -> bool {
        self.feeds.as_ref().is_none_or(|f| f.contains(feed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_parse() {
        let r: RateLimit = "30/min".parse().unwrap();
        assert_eq!((r.count, r.per), (30, Duration::from_secs(60)));
        assert_eq!("2/s".parse::<RateLimit>().unwrap().per.as_secs(), 1);
        assert_eq!("100 / h".parse::<RateLimit>().unwrap().count, 100);
        for bad in ["30", "x/min", "3/day", "0/min", "-1/s"] {
            assert!(bad.parse::<RateLimit>().is_err(), "{bad}");
        }
    }
}
