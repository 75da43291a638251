//! Backtest: the current watchlists over the articles already stored, to judge a rule
//! change before it goes live — which stories would alert, which already did, and which
//! past alerts would no longer fire. Reads the state, writes nothing.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};

use crate::config::Config;
use crate::feeds::Article;
use crate::store::{PastAlert, Store, StoreError};
use crate::watch::{Hit, Matcher};

/// One story a watchlist fires on.
#[derive(Debug, Clone)]
pub struct Finding {
    /// Watchlist name.
    pub watchlist: String,
    /// The story (its first stored copy in the window).
    pub article: Article,
    /// Why it fires.
    pub hits: Vec<Hit>,
    /// The alert already queued for it, if any.
    pub alert_id: Option<String>,
}

/// A past alert that the current rules would not raise.
#[derive(Debug, Clone)]
pub struct Lost {
    /// The alert.
    pub alert: PastAlert,
    /// Its article, when still stored.
    pub article: Option<Article>,
    /// Why: `no longer matches`, `watchlist removed`, `article no longer stored`.
    pub reason: &'static str,
}

/// What a backtest found.
#[derive(Debug, Clone, Default)]
pub struct BacktestReport {
    /// Stored articles examined.
    pub articles: usize,
    /// Stories that would alert now and have not before.
    pub would_alert: Vec<Finding>,
    /// Stories that alerted before and still would.
    pub still_fires: Vec<Finding>,
    /// Past alerts in the window the current rules would not raise.
    pub no_longer: Vec<Lost>,
}

/// Runs the watchlists named in `only` (all when empty) over the articles stored since `since`.
pub async fn backtest(
    config: &Config,
    store: &Store,
    only: &[String],
    since: DateTime<Utc>,
) -> Result<BacktestReport, StoreError> {
    let selected: Vec<bool> = config
        .watchlists
        .iter()
        .map(|w| only.is_empty() || only.contains(&w.name))
        .collect();
    let articles = store.stored_articles(since).await?;
    let mut report = BacktestReport {
        articles: articles.len(),
        ..Default::default()
    };
    let mut seen: HashSet<(usize, String)> = HashSet::new();
    for article in &articles {
        for (w, hits) in fires(config, &selected, article) {
            if !first_of_story(&mut seen, w, article) {
                continue;
            }
            let keys = article.story_keys();
            let name = config.watchlists[w].name.clone();
            let alert_id = store.story_alert(&name, keys).await?;
            let finding = Finding {
                watchlist: name,
                article: article.clone(),
                hits,
                alert_id,
            };
            match finding.alert_id {
                Some(_) => report.still_fires.push(finding),
                None => report.would_alert.push(finding),
            }
        }
    }
    report.no_longer = lost_alerts(config, store, only, since, &report.still_fires).await?;
    Ok(report)
}

/// The selected watchlists that fire on `article` (respecting feed filters), with hits.
fn fires(config: &Config, selected: &[bool], article: &Article) -> Vec<(usize, Vec<Hit>)> {
    let enabled = |i: usize| selected[i] && config.watchlists[i].applies_to(&article.feed);
    fires_in(&config.matcher, article, &enabled)
}

/// The watchlists of `matcher` that `enabled` lets look at `article` and that fire on
/// it, with hits: the stored article read as live matching reads a fresh one.
pub fn fires_in(
    matcher: &Matcher,
    article: &Article,
    enabled: &dyn Fn(usize) -> bool,
) -> Vec<(usize, Vec<Hit>)> {
    matcher
        .match_document(&article.document(), enabled)
        .into_iter()
        .map(|m| (m.watchlist, m.hits))
        .collect()
}

/// Whether `article` is the first of its story for watchlist `w` in `seen` (which it
/// then joins): one finding per (watchlist, story), as live alerting does.
pub fn first_of_story<W: Copy + Eq + std::hash::Hash>(
    seen: &mut HashSet<(W, String)>,
    w: W,
    article: &Article,
) -> bool {
    let keys = article.story_keys();
    if keys.iter().any(|k| seen.contains(&(w, k.clone()))) {
        return false;
    }
    seen.extend(keys.into_iter().map(|k| (w, k)));
    true
}

async fn lost_alerts(
    config: &Config,
    store: &Store,
    only: &[String],
    since: DateTime<Utc>,
    still: &[Finding],
) -> Result<Vec<Lost>, StoreError> {
    let still_ids: HashSet<&str> = still.iter().filter_map(|f| f.alert_id.as_deref()).collect();
    let index: HashMap<&str, usize> = config
        .watchlists
        .iter()
        .enumerate()
        .map(|(i, w)| (w.name.as_str(), i))
        .collect();
    let mut lost = Vec::new();
    for alert in store.alerts_since(since).await? {
        if (!only.is_empty() && !only.contains(&alert.watchlist))
            || still_ids.contains(alert.id.as_str())
        {
            continue;
        }
        let article = store
            .stored_article(&alert.article_feed, &alert.article_id)
            .await?;
        let reason = match (index.get(alert.watchlist.as_str()), &article) {
            (None, _) => "watchlist removed",
            (Some(_), None) => "article no longer stored",
            (Some(&w), Some(a)) => {
                let only_w: Vec<bool> = (0..config.watchlists.len()).map(|i| i == w).collect();
                if !fires(config, &only_w, a).is_empty() {
                    continue; // fires, but on a copy counted under another alert id
                }
                "no longer matches"
            }
        };
        lost.push(Lost {
            alert,
            article,
            reason,
        });
    }
    Ok(lost)
}
