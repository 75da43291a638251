//! Phase two of config loading for delivery: the `[[sink]]` tables (names here, each kind's
//! own keys in its folder under `alert/sinks/`) and the `[[health]]` rules, every problem
//! collected with its key path.

use std::collections::HashMap;

use super::raw::{RawHealth, RawSink, RawWatchlist};
use super::validate::{feed_filter, required_name, Context, Issues};
use super::{FeedConfig, HealthRule, HttpConfig, SinkConfig};
use crate::alert::sinks::SinkCheck;

/// Validates every `[[sink]]`: a unique name, the shared delivery keys, then the kind's own.
pub(super) fn sinks(
    raw: &[RawSink],
    http: &HttpConfig,
    ctx: &Context,
    issues: &mut Issues,
) -> Vec<SinkConfig> {
    let mut seen = HashMap::new();
    let mut out = Vec::new();
    for (i, s) in raw.iter().enumerate() {
        let key = format!("sink[{i}]");
        let common = s.common();
        let name = required_name(common.name.as_deref(), &key, &mut seen, "sink", issues);
        let delivery = common.validate(&key, issues);
        let cx = SinkCheck {
            key: &key,
            name: name.as_deref().unwrap_or(""),
            http,
            base_dir: &ctx.base_dir,
            credentials: ctx.credentials_directory.as_deref(),
        };
        let sink = s.validate(&cx, issues);
        if let (Some(name), Some(sink)) = (name, sink) {
            out.push(SinkConfig {
                name,
                sink,
                delivery,
            });
        }
    }
    out
}

/// Validates the `[[health]]` rules.
pub(super) fn health(
    raw: &[RawHealth],
    watchlists: &[RawWatchlist],
    feeds: &[FeedConfig],
    sinks: &[SinkConfig],
    issues: &mut Issues,
) -> Vec<HealthRule> {
    let mut seen = HashMap::new();
    let mut out = Vec::new();
    for (i, h) in raw.iter().enumerate() {
        let key = format!("health[{i}]");
        let name = h.name.as_deref().unwrap_or("feed-health");
        let name = required_name(Some(name), &key, &mut seen, "health rule", issues);
        if let Some(n) = &name {
            if watchlists.iter().any(|w| w.name.as_ref() == Some(n)) {
                let why = format!("'{n}' is also a watchlist name; alerts would be ambiguous");
                issues.push(format!("{key}.name"), why);
            }
        }
        let after_failures = h.after_failures.unwrap_or(3);
        if after_failures == 0 {
            issues.push(format!("{key}.after_failures"), "must be at least 1");
        }
        let feeds = h
            .feeds
            .as_ref()
            .map(|f| feed_filter(f, feeds, &key, issues));
        let sinks = resolve_sinks(h.sinks.as_deref(), sinks, &key, issues);
        out.push(HealthRule {
            name: name.unwrap_or_default(),
            sinks,
            feeds,
            after_failures,
        });
    }
    out
}

/// Resolves a `sinks = [...]` list to sink indices (default: every sink), reporting
/// unknown names at `{key}.sinks`.
pub(super) fn resolve_sinks(
    names: Option<&[String]>,
    sinks: &[SinkConfig],
    key: &str,
    issues: &mut Issues,
) -> Vec<usize> {
    let Some(names) = names else {
        return (0..sinks.len()).collect();
    };
    let mut ids = Vec::new();
    for name in names {
        match sinks.iter().position(|s| &s.name == name) {
            Some(id) if !ids.contains(&id) => ids.push(id),
            Some(_) => {}
            None => issues.push(format!("{key}.sinks"), format!("no sink named \"{name}\"")),
        }
    }
    ids
}
