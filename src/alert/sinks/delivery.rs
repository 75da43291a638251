//! The delivery keys every sink kind shares, written once: retry timing (`backoff`,
//! `backoff_max`, `give_up_after`), `rate_limit`, `digest` and `group`. Each kind's config
//! struct embeds [`Common`] with `#[serde(flatten)]`; validation turns it into the
//! [`DeliveryConfig`] the dispatcher reads.

use std::time::Duration;

use serde::Deserialize;

use crate::config::validate::Issues;

/// What every `[[sink]]` table has besides `type` and its kind's keys: the name and the
/// delivery keys. (One flat struct: serde's `flatten` nests only one level deep under
/// `deny_unknown_fields`.)
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Common {
    /// Unique sink name.
    pub name: Option<String>,
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
    /// `"alert"` (default: one message per alert) or `"story"`.
    pub group: Option<Group>,
}

/// How alerts become messages when no digest is set.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Group {
    /// One message per alert (per watchlist and story).
    #[default]
    Alert,
    /// One message per story: the alerts one story raised in several watchlists in one poll
    /// go out together, listing every watchlist.
    Story,
    /// Anything else, reported by validation with the valid values.
    #[serde(untagged)]
    Other(String),
}

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
    /// One message per alert, or per story.
    pub group: Group,
}

impl Default for DeliveryConfig {
    fn default() -> Self {
        DeliveryConfig {
            backoff: Duration::from_secs(5),
            backoff_max: Duration::from_secs(3600),
            give_up_after: Duration::from_secs(72 * 3600),
            rate_limit: None,
            digest: None,
            group: Group::Alert,
        }
    }
}

impl Common {
    /// Checks the keys of the sink at `key` (e.g. `sink[2]`), reporting into `issues`.
    pub fn validate(&self, key: &str, issues: &mut Issues) -> DeliveryConfig {
        let d = DeliveryConfig::default();
        let backoff = self.backoff.unwrap_or(d.backoff);
        let backoff_max = self.backoff_max.unwrap_or(d.backoff_max);
        if backoff.is_zero() {
            issues.push(format!("{key}.backoff"), "must be more than 0s");
        }
        if backoff_max < backoff {
            let why = "must not be less than backoff";
            issues.push(format!("{key}.backoff_max"), why);
        }
        let rate_limit = self.rate_limit.as_deref().and_then(|r| match r.parse() {
            Ok(rate) => Some(rate),
            Err(why) => {
                issues.push(format!("{key}.rate_limit"), why);
                None
            }
        });
        if self.digest.is_some_and(|w| w < Duration::from_secs(1)) {
            issues.push(format!("{key}.digest"), "must be at least 1s");
        }
        DeliveryConfig {
            backoff,
            backoff_max,
            give_up_after: self.give_up_after.unwrap_or(d.give_up_after),
            rate_limit,
            digest: self.digest,
            group: match self.group.clone().unwrap_or_default() {
                Group::Other(g) => {
                    let why = format!("unknown group '{g}' (supported: alert, story)");
                    issues.push(format!("{key}.group"), why);
                    Group::Alert
                }
                g => g,
            },
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

    #[test]
    fn keys_report_each_problem_at_its_path() {
        let keys = Common {
            backoff: Some(Duration::ZERO),
            rate_limit: Some("lots".into()),
            digest: Some(Duration::from_millis(10)),
            group: Some(Group::Story),
            ..Common::default()
        };
        let mut issues = Issues::default();
        let d = keys.validate("sink[3]", &mut issues);
        let keys: Vec<_> = issues.0.iter().map(|i| i.key.as_str()).collect();
        assert_eq!(
            keys,
            ["sink[3].backoff", "sink[3].rate_limit", "sink[3].digest"]
        );
        assert_eq!(d.group, Group::Story);
    }
}
