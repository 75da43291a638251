//! `[[feed]]` and the feeds of `feed_lists`, checked alike: names, sources (a `file://` feed
//! must exist), intervals and their adaptive bounds, tags; a URL in a list must not repeat.

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use super::issues::{check_interval, required_name_at, web_url, Issues, Origin};
use super::Context;
use crate::config::lists::Listed;
use crate::config::raw::{RawConfig, RawDaemon, RawFeed, RawFullText};
use crate::config::{DaemonConfig, FeedConfig, FeedSource, FullText, HttpConfig};

/// `full_text_below` unless configured: items with less text than this get their page
/// fetched under `full_text = "auto"`.
pub const DEFAULT_FULL_TEXT_BELOW: usize = 600;

/// Unless configured, a feed's signals and failures may stretch its interval this many
/// times (`max_interval` = 4 × `interval`).
pub const DEFAULT_MAX_FACTOR: u32 = 4;

/// One feed to check: its key (`feed[3]`, `feed_lists[0]`), the place other messages name
/// it by, its origin when it comes from a list file, and the feed.
struct Entry<'a> {
    key: String,
    place: String,
    origin: Option<Origin>,
    list: bool,
    feed: &'a RawFeed,
}

/// Names and URLs seen so far, with the place each was written.
#[derive(Default)]
struct Seen {
    names: HashMap<String, String>,
    urls: HashMap<String, (String, bool)>,
}

pub(super) fn feeds(
    all: &RawConfig,
    listed: &[Listed],
    daemon: &DaemonConfig,
    http: &HttpConfig,
    ctx: &Context,
    issues: &mut Issues,
) -> Vec<FeedConfig> {
    let inline = all.feed.iter().enumerate().map(|(i, feed)| Entry {
        key: format!("feed[{i}]"),
        place: format!("feed[{i}]"),
        origin: None,
        list: false,
        feed,
    });
    let lists = listed.iter().map(|l| Entry {
        key: format!("feed_lists[{}]", l.list),
        place: place(&l.origin),
        origin: Some(l.origin.clone()),
        list: true,
        feed: &l.feed,
    });
    let mut seen = Seen::default();
    // Sized once: grown by doubling, the load would copy it again and again and hold up
    // to half of it spare (megabytes at 20,000 feeds) until the config takes its exact
    // copy (`Arc<[FeedConfig]>`).
    let mut out = Vec::with_capacity(all.feed.len() + listed.len());
    for entry in inline.chain(lists) {
        let from = issues.len();
        if let Some(f) = feed(&entry, &all.daemon, daemon, http, ctx, &mut seen, issues) {
            out.push(f);
        }
        if let Some(origin) = &entry.origin {
            issues.locate_since(from, origin);
        }
    }
    out
}

/// `feeds/a.opml, line 4`: where a listed feed is written.
fn place(origin: &Origin) -> String {
    match origin {
        Origin::List { file, line, .. } => format!("{file}, line {line}"),
        Origin::Line(n) => format!("line {n}"),
        Origin::Env(var) => format!("${var}"),
    }
}

fn feed(
    e: &Entry<'_>,
    raw_daemon: &RawDaemon,
    daemon: &DaemonConfig,
    http: &HttpConfig,
    ctx: &Context,
    seen: &mut Seen,
    issues: &mut Issues,
) -> Option<FeedConfig> {
    let (key, f) = (&e.key, e.feed);
    let name = required_name_at(
        f.name.as_deref(),
        key,
        &e.place,
        &mut seen.names,
        "feed",
        issues,
    );
    let source = match f.url.as_deref() {
        None => {
            issues.push(format!("{key}.url"), "missing");
            None
        }
        Some(u) => feed_source(u, http, ctx, &format!("{key}.url"), issues),
    };
    let source = source.filter(|s| unique_url(s, e, seen, issues));
    let interval = f.interval.unwrap_or(daemon.poll_interval);
    check_interval(interval, &format!("{key}.interval"), issues);
    let (min_interval, max_interval) = feed_bounds(raw_daemon, f, interval, key, issues);
    check_tags(&f.tags, key, issues);
    let full_text = full_text(f, key, issues);
    Some(FeedConfig {
        name: name?,
        source: source?,
        interval,
        min_interval,
        max_interval,
        tags: f.tags.clone(),
        full_text,
    })
}

/// Whether `source` is new; a URL both in a list and elsewhere (inline or another list
/// line) is reported. Inline feeds may repeat a URL (under other names and settings).
fn unique_url(source: &FeedSource, e: &Entry<'_>, seen: &mut Seen, issues: &mut Issues) -> bool {
    let url = source.to_string();
    match seen.urls.get(&url) {
        Some((first, first_list)) if e.list || *first_list => {
            let shown = crate::redact::url_str(&url);
            let why = format!("'{shown}' is also the URL of the feed at {first}");
            issues.push(format!("{}.url", e.key), why);
            false
        }
        Some(_) => true,
        None => {
            seen.urls.insert(url, (e.place.clone(), e.list));
            true
        }
    }
}

fn check_tags(tags: &[String], key: &str, issues: &mut Issues) {
    for (t, tag) in tags.iter().enumerate() {
        if tag.trim().is_empty() || tag.starts_with('#') || tag.contains(char::is_whitespace) {
            issues.push(
                format!("{key}.tags[{t}]"),
                format!("'{tag}' is not a tag (one word, no '#')"),
            );
        }
    }
}

/// `full_text` and `full_text_below` of one feed.
fn full_text(f: &RawFeed, key: &str, issues: &mut Issues) -> FullText {
    let below = f.full_text_below.unwrap_or(DEFAULT_FULL_TEXT_BELOW);
    if f.full_text_below == Some(0) {
        issues.push(
            format!("{key}.full_text_below"),
            "must be at least 1 character",
        );
    }
    let mode = match &f.full_text {
        None | Some(RawFullText::Bool(false)) => FullText::Off,
        Some(RawFullText::Bool(true)) => FullText::Always,
        Some(RawFullText::Word(w)) if w == "auto" => FullText::Below(below),
        Some(RawFullText::Word(w)) => {
            issues.push(
                format!("{key}.full_text"),
                format!("'{w}' is not a valid value (expected true, false or \"auto\")"),
            );
            FullText::Off
        }
    };
    if f.full_text_below.is_some() && !matches!(mode, FullText::Below(_)) {
        issues.push(
            format!("{key}.full_text_below"),
            "only applies with full_text = \"auto\"",
        );
    }
    mode
}

/// Parses a feed URL: `http(s)://…`, or `file://PATH` with PATH absolute or relative to
/// the config file's folder, which must exist.
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
        // A feed file may be replaced while the daemon runs, but one that is not there when
        // the config is checked is a typo far more often than a file still to come.
        if !full.is_file() {
            let why = match full.is_dir() {
                true => "is a folder, not a feed file",
                false => "does not exist",
            };
            issues.push(key, format!("'{}' {why}", full.display()));
            return None;
        }
        return Some(FeedSource::File(full));
    }
    let url = web_url(u, http, key, issues)?;
    Some(FeedSource::Http(url))
}

/// A feed's `(min_interval, max_interval)`: its own keys, else `[daemon]`'s, else its
/// `interval` (min) and [`DEFAULT_MAX_FACTOR`] times it (max).
fn feed_bounds(
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
    if min > max && !issues.has(&conflict_key) {
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
