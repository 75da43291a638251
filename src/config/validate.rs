//! Phase two of config loading: `RawConfig` → `Config`. Pure: no I/O, and every problem is
//! collected with its key path instead of stopping at the first.

use std::collections::{BTreeSet, HashMap};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use url::Url;

use super::raw::{RawConfig, RawWatchlist};
use super::validate_sinks;
use super::{
    Config, ConfigIssue, DaemonConfig, FeedConfig, FeedSource, HttpConfig, SinkConfig,
    WatchlistConfig,
};
use crate::feeds::article::hex_digest;
use crate::net::HINT;
use crate::watch::{self, PersonSpec, WatchlistSpec};

/// Where the config came from, for what the raw file cannot say by itself.
#[derive(Debug, Clone)]
pub struct Context {
    /// Relative `file://` feed paths resolve against this (the config file's folder).
    pub base_dir: PathBuf,
    /// `$STATE_DIRECTORY` as systemd set it, if any.
    pub state_directory_env: Option<String>,
}

/// The near-duplicate threshold used unless configured (see the README's evaluation).
pub const DEFAULT_NEAR_DUP_SIMILARITY: f64 = 0.5;

/// Collects issues while walking the raw config.
#[derive(Default)]
pub(super) struct Issues(pub(super) Vec<ConfigIssue>);

impl Issues {
    pub(super) fn push(&mut self, key: impl Into<String>, message: impl Into<String>) {
        self.0.push(ConfigIssue {
            key: key.into(),
            message: message.into(),
        });
    }
}

/// Validates `raw`, returning the runnable config or every problem found.
pub fn validate(raw: RawConfig, ctx: &Context) -> Result<Config, Vec<ConfigIssue>> {
    let mut issues = Issues::default();
    let daemon = daemon(&raw, ctx, &mut issues);
    let http = http(&raw, &mut issues);
    super::validate_poll::daemon_bounds(&raw.daemon, &mut issues);
    let feeds = feeds(&raw, &daemon, &http, ctx, &mut issues);
    let sinks = validate_sinks::sinks(&raw.sink, &http, &mut issues);
    let watchlists = watchlists(&raw.watchlist, &feeds, &sinks, &mut issues);
    let health = validate_sinks::health(&raw.health, &raw.watchlist, &feeds, &sinks, &mut issues);
    let specs: Vec<WatchlistSpec> = raw.watchlist.iter().map(spec_of).collect();
    let matcher = match watch::compile(&specs) {
        Ok(m) => Some(m),
        Err(errors) => {
            for e in errors {
                let key = format!("watchlist[{}].{}", e.watchlist, e.key);
                // A key already reported (e.g. a missing person name) is not reported twice.
                if !issues.0.iter().any(|i| i.key == key) {
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
        Some(matcher) if issues.0.is_empty() => Ok(Config {
            daemon,
            http,
            feeds,
            watchlists,
            sinks,
            health,
            matcher: Arc::new(matcher),
            watch_fingerprint: fingerprint,
        }),
        _ => Err(issues.0),
    }
}

fn daemon(raw: &RawConfig, ctx: &Context, issues: &mut Issues) -> DaemonConfig {
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
        near_duplicate_window: d
            .near_duplicate_window
            .unwrap_or(Duration::from_secs(48 * 3600)),
        near_duplicate_similarity,
        retention,
        state_dir,
        poll_interval,
        concurrency,
        admin_listen,
    }
}

pub(super) fn check_interval(d: Duration, key: &str, issues: &mut Issues) {
    if d < Duration::from_secs(1) {
        issues.push(
            key,
            format!(
                "{} is too short (at least 1s)",
                humantime::format_duration(d)
            ),
        );
    }
}

fn http(raw: &RawConfig, issues: &mut Issues) -> HttpConfig {
    let h = &raw.http;
    let timeout = h.timeout.unwrap_or(Duration::from_secs(30));
    if timeout.is_zero() {
        issues.push("http.timeout", "must be more than 0s");
    }
    let max_body = h.max_body.map(|b| b.as_u64()).unwrap_or(8 * 1024 * 1024);
    if max_body == 0 {
        issues.push("http.max_body", "must be more than 0 bytes");
    }
    let (allow_hosts, per_host, max_items) = super::validate_poll::http_limits(h, issues);
    let max_redirects = h.max_redirects.unwrap_or(5);
    if max_redirects > 20 {
        issues.push(
            "http.max_redirects",
            format!("{max_redirects} is more than 20"),
        );
    }
    HttpConfig {
        timeout,
        connect_timeout: h
            .connect_timeout
            .unwrap_or(Duration::from_secs(10))
            .min(timeout),
        max_body,
        max_redirects,
        user_agent: h
            .user_agent
            .clone()
            .unwrap_or_else(|| format!("newshound/{}", env!("CARGO_PKG_VERSION"))),
        allow_private_networks: h.allow_private_networks.unwrap_or(false),
        allow_hosts,
        per_host,
        max_items,
        pinned_hosts: Default::default(),
    }
}

fn feeds(
    all: &RawConfig,
    daemon: &DaemonConfig,
    http: &HttpConfig,
    ctx: &Context,
    issues: &mut Issues,
) -> Vec<FeedConfig> {
    let mut seen = HashMap::new();
    let mut out = Vec::new();
    for (i, f) in all.feed.iter().enumerate() {
        let key = format!("feed[{i}]");
        let name = required_name(f.name.as_deref(), &key, &mut seen, "feed", issues);
        let source = match f.url.as_deref() {
            None => {
                issues.push(format!("{key}.url"), "missing");
                None
            }
            Some(u) => feed_source(u, http, ctx, &format!("{key}.url"), issues),
        };
        let interval = f.interval.unwrap_or(daemon.poll_interval);
        check_interval(interval, &format!("{key}.interval"), issues);
        let (min_interval, max_interval) =
            super::validate_poll::feed_bounds(&all.daemon, f, interval, &key, issues);
        for (t, tag) in f.tags.iter().enumerate() {
            if tag.trim().is_empty() || tag.starts_with('#') || tag.contains(char::is_whitespace) {
                issues.push(
                    format!("{key}.tags[{t}]"),
                    format!("'{tag}' is not a tag (one word, no '#')"),
                );
            }
        }
        if let (Some(name), Some(source)) = (name, source) {
            out.push(FeedConfig {
                name,
                source,
                interval,
                min_interval,
                max_interval,
                tags: f.tags.clone(),
            });
        }
    }
    out
}

/// Checks a name is present, non-blank and unique among its kind.
pub(super) fn required_name(
    name: Option<&str>,
    key: &str,
    seen: &mut HashMap<String, String>,
    kind: &str,
    issues: &mut Issues,
) -> Option<String> {
    let Some(name) = name else {
        issues.push(format!("{key}.name"), "missing");
        return None;
    };
    if name.trim().is_empty() {
        issues.push(format!("{key}.name"), "must not be empty");
        return None;
    }
    if let Some(first) = seen.insert(name.to_string(), key.to_string()) {
        issues.push(
            format!("{key}.name"),
            format!("duplicate {kind} name '{name}' (also {first})"),
        );
        return None;
    }
    Some(name.to_string())
}

/// Parses a feed URL: `http(s)://…`, or `file://PATH` with PATH absolute or relative to
/// the config file's folder.
fn feed_source(
    u: &str,
    http: &HttpConfig,
    ctx: &Context,
    key: &str,
    issues: &mut Issues,
) -> Option<FeedSource> {
    if let Some(path) = u.strip_prefix("file://") {
        if path.is_empty() {
            issues.push(key, format!("'{u}' names no file"));
            return None;
        }
        let path = Path::new(path);
        let full = if path.is_absolute() {
            path.to_path_buf()
        } else {
            ctx.base_dir.join(path)
        };
        return Some(FeedSource::File(full));
    }
    let url = web_url(u, http, key, issues)?;
    Some(FeedSource::Http(url))
}

/// Parses an http(s) URL and applies the private-network switch to literal hosts.
pub(super) fn web_url(u: &str, http: &HttpConfig, key: &str, issues: &mut Issues) -> Option<Url> {
    let url = match Url::parse(u) {
        Ok(url) => url,
        Err(e) => {
            issues.push(key, format!("'{u}' is not a URL: {e}"));
            return None;
        }
    };
    if !matches!(url.scheme(), "http" | "https") {
        issues.push(
            key,
            format!(
                "'{u}': scheme '{}' is not supported (http, https or file)",
                url.scheme()
            ),
        );
        return None;
    }
    if let Err(why) = http.guard().check_url(&url) {
        issues.push(key, format!("'{u}': {why}; {HINT}"));
        return None;
    }
    Some(url)
}

fn watchlists(
    raw: &[RawWatchlist],
    feeds: &[FeedConfig],
    sinks: &[SinkConfig],
    issues: &mut Issues,
) -> Vec<WatchlistConfig> {
    let mut seen = HashMap::new();
    let mut out = Vec::new();
    for (i, w) in raw.iter().enumerate() {
        let key = format!("watchlist[{i}]");
        let name = required_name(w.name.as_deref(), &key, &mut seen, "watchlist", issues);
        let sink_ids =
            super::validate_sinks::resolve_sinks(w.sinks.as_deref(), sinks, &key, issues);
        let feed_filter = w
            .feeds
            .as_ref()
            .map(|f| feed_filter(f, feeds, &key, issues));
        for (p, person) in w.person.iter().enumerate() {
            if person.name.is_none() {
                issues.push(format!("{key}.person[{p}].name"), "missing");
            }
        }
        out.push(WatchlistConfig {
            name: name.unwrap_or_default(),
            severity: w.severity.clone(),
            sinks: sink_ids,
            feeds: feed_filter,
        });
    }
    out
}

pub(super) fn feed_filter(
    names: &[String],
    feeds: &[FeedConfig],
    key: &str,
    issues: &mut Issues,
) -> BTreeSet<String> {
    let mut set = BTreeSet::new();
    for entry in names {
        let matched: Vec<&FeedConfig> = match entry.strip_prefix('#') {
            Some(tag) => feeds
                .iter()
                .filter(|f| f.tags.iter().any(|t| t == tag))
                .collect(),
            None => feeds.iter().filter(|f| &f.name == entry).collect(),
        };
        if matched.is_empty() {
            let what = if entry.starts_with('#') {
                "no feed has tag"
            } else {
                "no feed named"
            };
            issues.push(
                format!("{key}.feeds"),
                format!("{what} \"{}\"", entry.trim_start_matches('#')),
            );
        }
        set.extend(matched.into_iter().map(|f| f.name.clone()));
    }
    set
}

fn spec_of(w: &RawWatchlist) -> WatchlistSpec {
    WatchlistSpec {
        name: w.name.clone().unwrap_or_default(),
        people: w
            .person
            .iter()
            .map(|p| PersonSpec {
                name: p.name.clone().unwrap_or_default(),
                aliases: p.aliases.clone(),
                short_forms: p.short_forms.clone(),
            })
            .collect(),
        keywords: w.keywords.clone(),
        exclude: w.exclude.clone(),
        require: w.require,
        query: w.query.clone(),
    }
}
