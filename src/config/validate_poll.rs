//! Validation of the polling keys: the adaptive schedule's bounds (`min_interval`,
//! `max_interval`, per feed or in `[daemon]`) and the `[http]` limits and guard exceptions.

use std::time::Duration;

use super::raw::{RawDaemon, RawFeed, RawHttp};
use super::validate::{check_interval, Issues};
use crate::net::AllowList;

/// Unless configured, a feed's signals and failures may stretch its interval this many
/// times (`max_interval` = 4 × `interval`).
pub const DEFAULT_MAX_FACTOR: u32 = 4;
/// Requests to one host at once unless configured.
pub const DEFAULT_PER_HOST: usize = 2;
/// Items kept per feed unless configured.
pub const DEFAULT_MAX_ITEMS: usize = 1000;

/// `[http]`'s `allow_hosts`, `per_host` and `max_items`.
pub(super) fn http_limits(h: &RawHttp, issues: &mut Issues) -> (AllowList, usize, usize) {
    let mut allow = AllowList::default();
    for (i, entry) in h.allow_hosts.iter().flatten().enumerate() {
        if let Err(e) = allow.push(entry) {
            issues.push(format!("http.allow_hosts[{i}]"), e.to_string());
        }
    }
    let per_host = h.per_host.unwrap_or(DEFAULT_PER_HOST);
    if per_host == 0 {
        issues.push("http.per_host", "must be at least 1");
    }
    let max_items = h.max_items.unwrap_or(DEFAULT_MAX_ITEMS);
    if max_items == 0 {
        issues.push("http.max_items", "must be at least 1");
    }
    (allow, per_host, max_items)
}

/// Checks `[daemon]`'s `min_interval` and `max_interval` themselves (once, whatever the
/// feeds set).
pub(super) fn daemon_bounds(d: &RawDaemon, issues: &mut Issues) {
    if let Some(min) = d.min_interval {
        check_interval(min, "daemon.min_interval", issues);
    }
    if let Some(max) = d.max_interval {
        check_interval(max, "daemon.max_interval", issues);
    }
}

/// A feed's `(min_interval, max_interval)`: its own keys, else `[daemon]`'s, else its
/// `interval` (min) and [`DEFAULT_MAX_FACTOR`] times it (max).
pub(super) fn feed_bounds(
    d: &RawDaemon,
    f: &RawFeed,
    interval: Duration,
    key: &str,
    issues: &mut Issues,
) -> (Duration, Duration) {
    let min_key = match f.min_interval {
        Some(_) => format!("{key}.min_interval"),
        None => "daemon.min_interval".to_string(),
    };
    // A conflict is reported on the key closest to the feed that set one of the pair.
    let conflict_key = match (f.max_interval, f.min_interval) {
        (Some(_), _) => format!("{key}.max_interval"),
        (None, Some(_)) => min_key.clone(),
        (None, None) => "daemon.max_interval".to_string(),
    };
    let min = f.min_interval.or(d.min_interval).unwrap_or(interval);
    let max = f
        .max_interval
        .or(d.max_interval)
        .unwrap_or(interval.saturating_mul(DEFAULT_MAX_FACTOR));
    if f.min_interval.is_some() {
        check_interval(min, &min_key, issues);
    }
    if min > max && !issues.0.iter().any(|i| i.key == conflict_key) {
        issues.push(
            conflict_key,
            format!(
                "max_interval {} is shorter than min_interval {}",
                humantime::format_duration(max),
                humantime::format_duration(min)
            ),
        );
    }
    (min, max)
}
