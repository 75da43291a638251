//! `[daemon]`: the state folder, polling defaults, the admin address, retention and the
//! near-duplicate window.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use super::issues::{check_interval, Issues};
use super::Context;
use crate::config::raw::{RawConfig, RawDaemon};
use crate::config::DaemonConfig;

/// The near-duplicate threshold used unless configured (see the README's evaluation).
pub const DEFAULT_NEAR_DUP_SIMILARITY: f64 = 0.5;

/// Default `[daemon] max_age`: a new feed does not alert on items older than three days.
pub const DEFAULT_MAX_AGE: Duration = Duration::from_secs(72 * 3600);

pub(super) fn daemon(raw: &RawConfig, ctx: &Context, issues: &mut Issues) -> DaemonConfig {
    let d = &raw.daemon;
    let state_dir = d.state_dir.clone().unwrap_or_else(|| {
        // systemd may list several directories separated by ':'; ours is the first.
        match ctx
            .state_directory_env
            .as_deref()
            .and_then(|s| s.split(':').next())
        {
            Some(dir) if !dir.is_empty() => PathBuf::from(dir),
            _ => PathBuf::from("./state"),
        }
    });
    let poll_interval = d.poll_interval.unwrap_or(Duration::from_secs(300));
    check_interval(poll_interval, "daemon.poll_interval", issues);
    let concurrency = d.concurrency.unwrap_or(32);
    if concurrency == 0 {
        issues.push("daemon.concurrency", "must be at least 1");
    }
    let admin_listen = d
        .admin_listen
        .as_deref()
        .and_then(|a| match a.parse::<SocketAddr>() {
            Ok(addr) => Some(addr),
            Err(_) => {
                issues.push(
                    "daemon.admin_listen",
                    format!("'{a}' is not an address:port"),
                );
                None
            }
        });
    let admin_token_file = admin_token(d, ctx, admin_listen, issues);
    let retention = d.retention.unwrap_or(Duration::from_secs(30 * 24 * 3600));
    if retention < Duration::from_secs(3600) {
        issues.push("daemon.retention", "must be at least 1h");
    }
    let near_duplicate_similarity = d
        .near_duplicate_similarity
        .unwrap_or(DEFAULT_NEAR_DUP_SIMILARITY);
    if !(0.05..=1.0).contains(&near_duplicate_similarity) {
        issues.push(
            "daemon.near_duplicate_similarity",
            format!("{near_duplicate_similarity} is not between 0.05 and 1"),
        );
    }
    DaemonConfig {
        max_age: d.max_age.unwrap_or(DEFAULT_MAX_AGE),
        near_duplicate_window: d
            .near_duplicate_window
            .unwrap_or(Duration::from_secs(48 * 3600)),
        near_duplicate_similarity,
        per_feed_fetch_histogram: d.per_feed_fetch_histogram.unwrap_or(false),
        retention,
        state_dir,
        poll_interval,
        concurrency,
        admin_listen,
        admin_token_file,
    }
}

/// The admin token's file, checked (readable, one line of at least 16 characters); an
/// admin endpoint off loopback without a token is refused.
fn admin_token(
    d: &RawDaemon,
    ctx: &Context,
    listen: Option<SocketAddr>,
    issues: &mut Issues,
) -> Option<PathBuf> {
    let path = match (&d.admin_token_file, &ctx.credentials_directory) {
        (Some(f), Some(dir)) if !f.is_absolute() => Some(dir.join(f)),
        (Some(f), _) => Some(f.clone()),
        (None, Some(dir)) => Some(dir.join("admin_token")).filter(|p| p.is_file()),
        (None, None) => None,
    };
    if let Some(p) = &path {
        if let Err(e) = crate::admin::Access::load(Some(p)) {
            issues.push("daemon.admin_token_file", e.to_string());
        }
    }
    if let Some(addr) = listen.filter(|a| !a.ip().is_loopback()) {
        if path.is_none() {
            issues.push(
                "daemon.admin_listen",
                format!("{addr} is not a loopback address: the admin endpoint would be open to the network without a token; set daemon.admin_token_file"),
            );
        }
    }
    path
}

/// Checks `[daemon]`'s `min_interval` and `max_interval` themselves (once, whatever the
/// feeds set).
pub(super) fn bounds(d: &RawDaemon, issues: &mut Issues) {
    if let Some(min) = d.min_interval {
        check_interval(min, "daemon.min_interval", issues);
    }
    if let Some(max) = d.max_interval {
        check_interval(max, "daemon.max_interval", issues);
    }
}
