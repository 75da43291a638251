//! When each feed is polled, as pure decisions: soon after start, spread by a jitter of
//! at most 10% of its interval (or at the next poll time the state remembers, so a
//! restart does not poll everything at once), then after each poll at the time
//! [`super::adaptive`] decided. The claim rounds that act on them are in the pipeline
//! wing ([`crate::pipeline::rounds`]).

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::adaptive::{next_interval, Bounds, Inputs, Reason, RETRY_AFTER_CAP};
use crate::config::FeedConfig;
use crate::store::FeedSchedule;

/// The delay before a feed's first poll: uniformly random in `[0, interval / 10]`.
pub fn initial_delay(interval: Duration) -> Duration {
    interval.mul_f64(fastrand::f64() * 0.1)
}

/// The delay before a feed's first poll when the state remembers its schedule: the time
/// left until the remembered next poll (a restart or reload honours it — at most
/// `max_interval` away, as the config now says, or a day for a server's `Retry-After`),
/// else [`initial_delay`].
pub fn first_delay(feed: &FeedConfig, due: Option<&FeedSchedule>, now: DateTime<Utc>) -> Duration {
    let Some(due) = due else {
        return initial_delay(feed.interval);
    };
    let cap = match Reason::from_label(&due.reason) {
        Some(Reason::RetryAfter) => RETRY_AFTER_CAP,
        _ => feed.max_interval,
    };
    match (due.next_poll - now).to_std() {
        Ok(left) if !left.is_zero() => left.min(cap),
        _ => initial_delay(feed.interval),
    }
}

/// The next poll of `feed` after one that told `inputs`, at `now`: the decided interval
/// stretched by `jitter` (0 to 1) times 10%, so feeds failing together do not come back
/// together — and never sooner than decided.
pub fn plan(feed: &FeedConfig, inputs: &Inputs, now: DateTime<Utc>, jitter: f64) -> FeedSchedule {
    let decision = next_interval(&Bounds::of(feed), inputs);
    let delay = decision
        .interval
        .mul_f64(1.0 + 0.1 * jitter.clamp(0.0, 1.0));
    let next_poll = chrono::Duration::from_std(delay)
        .ok()
        .and_then(|d| now.checked_add_signed(d))
        .unwrap_or(DateTime::<Utc>::MAX_UTC);
    FeedSchedule {
        next_poll,
        interval: decision.interval,
        reason: decision.reason.label().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_first_delay_honours_a_remembered_time_up_to_its_cap() {
        let feed = FeedConfig {
            full_text: Default::default(),
            name: "f".into(),
            source: crate::config::FeedSource::File("f.xml".into()),
            interval: Duration::from_secs(3600),
            min_interval: Duration::from_secs(3600),
            max_interval: Duration::from_secs(4 * 3600),
            tags: Vec::new(),
        };
        let now = Utc::now();
        let due = |hours: i64, reason: &str| FeedSchedule {
            next_poll: now + chrono::Duration::hours(hours),
            interval: feed.interval,
            reason: reason.into(),
        };
        let later = first_delay(&feed, Some(&due(2, "interval")), now);
        assert_eq!(later.as_secs(), 2 * 3600);
        let capped = first_delay(&feed, Some(&due(10, "ttl")), now);
        assert_eq!(capped, feed.max_interval);
        let retry = first_delay(&feed, Some(&due(10, "retry-after")), now);
        assert_eq!(retry.as_secs(), 10 * 3600);
        assert!(first_delay(&feed, Some(&due(-1, "interval")), now) <= feed.interval / 10);
    }
}
