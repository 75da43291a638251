//! Feed-health alerts (`[[health]]` rules): when a feed has failed `after_failures` polls
//! in a row, and again when it recovers, an alert goes to the rule's sinks through the same
//! outbox as any other. Pure: the pipeline queues what this returns.

use chrono::{DateTime, Utc};

use super::{truncate_words, Alert, AlertArticle, SUMMARY_MAX_CHARS};
use crate::config::{Config, FeedConfig, FeedSource, HealthRule};
use crate::feeds::article::hex_digest;
use crate::store::NewAlert;

/// The alerts one poll of `feed` raises: `failures_before` is the count of failed polls
/// in a row before this one, `failure` this poll's error (`None` when it succeeded).
pub fn after_poll(
    config: &Config,
    feed: &FeedConfig,
    failures_before: u32,
    failure: Option<&str>,
    now: DateTime<Utc>,
) -> Vec<NewAlert> {
    config
        .health
        .iter()
        .filter(|rule| rule.applies_to(&feed.name))
        .filter_map(|rule| {
            let alert = match failure {
                Some(error) if failures_before + 1 == rule.after_failures => {
                    failing(rule, feed, failures_before + 1, error, now)
                }
                None if failures_before >= rule.after_failures => {
                    recovered(rule, feed, failures_before, now)
                }
                _ => return None,
            };
            let sinks = rule
                .sinks
                .iter()
                .filter_map(|&i| config.sinks.get(i))
                .map(|s| s.name.clone())
                .collect();
            Some(NewAlert {
                alert,
                sinks,
                story_keys: Vec::new(),
            })
        })
        .collect()
}

fn failing(rule: &HealthRule, feed: &FeedConfig, n: u32, error: &str, now: DateTime<Utc>) -> Alert {
    let title = format!("feed '{}' is failing: {n} polls in a row", feed.name);
    health_alert(rule, feed, "failing", "warning", title, error, now)
}

fn recovered(rule: &HealthRule, feed: &FeedConfig, n: u32, now: DateTime<Utc>) -> Alert {
    let title = format!("feed '{}' recovered after {n} failed polls", feed.name);
    health_alert(rule, feed, "recovered", "info", title, "", now)
}

fn health_alert(
    rule: &HealthRule,
    feed: &FeedConfig,
    event: &str,
    severity: &str,
    title: String,
    error: &str,
    now: DateTime<Utc>,
) -> Alert {
    let key = format!(
        "{}\u{1f}{}\u{1f}{event}\u{1f}{}",
        rule.name,
        feed.name,
        now.timestamp_millis()
    );
    Alert {
        id: hex_digest(key.as_bytes(), 16),
        watchlist: rule.name.clone(),
        severity: Some(severity.to_string()),
        detected_at: now,
        article: AlertArticle {
            title,
            url: match &feed.source {
                FeedSource::Http(u) => Some(u.to_string()),
                FeedSource::File(_) => None,
            },
            feed: feed.name.clone(),
            guid: None,
            published: None,
            summary: truncate_words(error, SUMMARY_MAX_CHARS),
        },
        matches: Vec::new(),
        also_seen_in: Vec::new(),
        revision_of: None,
        revision: None,
    }
}
