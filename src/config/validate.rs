//! Phase two of config loading: `RawConfig` → `Config`, one file per TOML section and one
//! leaf (`issues`) for the collector and the checks they share. Every problem is collected
//! with its key path instead of stopping at the first; the only I/O is reading the files the
//! config names (templates, secrets), once, here.

mod daemon;
mod feed;
mod http;
mod issues;
mod store;
mod watchlist;

pub use daemon::DEFAULT_NEAR_DUP_SIMILARITY;
pub use feed::DEFAULT_MAX_FACTOR;
pub use http::{DEFAULT_MAX_ITEMS, DEFAULT_PER_HOST};
pub use issues::{
    check_interval, read_config_relative, read_credential, read_small, required_name,
    required_name_at, web_url, ConfigIssue, Issues, Origin, FILE_MAX,
};
pub(crate) use watchlist::feed_filter;

use std::path::PathBuf;
use std::sync::Arc;

use super::raw::RawConfig;
use super::validate_sinks;
use super::Config;
use crate::feeds::article::hex_digest;
use crate::watch::{self, WatchlistSpec};

/// Where the config came from, for what the raw file cannot say by itself.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// Relative `file://` feed paths and templates resolve against this (the config file's
    /// folder).
    pub base_dir: PathBuf,
    /// `$STATE_DIRECTORY` as systemd set it, if any.
    pub state_directory_env: Option<String>,
    /// `$CREDENTIALS_DIRECTORY`: relative credential files (`secret_file`, …) are read there.
    pub credentials_directory: Option<PathBuf>,
}

/// Validates `raw`, returning the runnable config or every problem found.
pub fn validate(raw: RawConfig, ctx: &Context) -> Result<Config, Vec<ConfigIssue>> {
    let mut issues = Issues::default();
    let daemon = daemon::daemon(&raw, ctx, &mut issues);
    let http = http::http(&raw, &mut issues);
    let store = store::store(&raw, ctx, &mut issues);
    daemon::bounds(&raw.daemon, &mut issues);
    let listed = super::lists::expand(&raw.feed_lists, ctx, &mut issues);
    let feeds = feed::feeds(&raw, &listed, &daemon, &http, ctx, &mut issues);
    drop(listed);
    let sinks = validate_sinks::sinks(&raw.sink, &http, ctx, &mut issues);
    let watchlists = watchlist::watchlists(&raw.watchlist, &feeds, &sinks, &mut issues);
    let health = validate_sinks::health(&raw.health, &raw.watchlist, &feeds, &sinks, &mut issues);
    let specs: Vec<WatchlistSpec> = raw.watchlist.iter().map(watchlist::spec_of).collect();
    let matcher = match watch::compile(&specs) {
        Ok(m) => Some(m),
        Err(errors) => {
            for e in errors {
                let key = format!("watchlist[{}].{}", e.watchlist, e.key);
                // A key already reported (e.g. a missing person name) is not reported twice.
                if !issues.has(&key) {
                    issues.push(key, e.message);
                }
            }
            None
        }
    };
    // What decides which stories match: when it changes (a reload), articles still in the
    // feeds are matched again; the once-per-story record keeps old alerts from repeating.
    let filters: Vec<_> = watchlists.iter().map(|w| (&w.name, &w.feeds)).collect();
    let fingerprint = hex_digest(format!("{specs:?}{filters:?}").as_bytes(), 8);
    match matcher {
        Some(matcher) if issues.is_empty() => Ok(Config {
            daemon,
            http,
            store,
            feeds: feeds.into(),
            watchlists,
            sinks,
            health,
            matcher: Arc::new(matcher),
            watch_fingerprint: fingerprint,
            specs,
        }),
        _ => Err(issues.into_vec()),
    }
}
