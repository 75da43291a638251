//! `[[watchlist]]`: names, sink and feed references, people; the matching rules themselves
//! are compiled (and their errors reported) by `validate`.

use std::collections::{BTreeSet, HashMap};

use super::issues::{required_name, Issues};
use crate::config::raw::RawWatchlist;
use crate::config::{FeedConfig, SinkConfig, WatchlistConfig};
use crate::watch::{PersonSpec, WatchlistSpec};

pub(super) fn watchlists(
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
            crate::config::validate_sinks::resolve_sinks(w.sinks.as_deref(), sinks, &key, issues);
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
            revisions: w.revisions.unwrap_or(false),
        });
    }
    out
}

pub(crate) fn feed_filter(
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

pub(super) fn spec_of(w: &RawWatchlist) -> WatchlistSpec {
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
