//! One poll of one feed through every stage: fetch → parse → seen? → match → outbox.
//! Shared by `once` and the daemon's per-feed tasks.

use std::sync::Arc;

use chrono::Utc;
use tracing::Instrument;

use crate::alert::{health, Alert};
use crate::config::{Config, FeedConfig};
use crate::feeds::fetch::{Fetched, Fetcher};
use crate::feeds::fingerprint::Fingerprint;
use crate::feeds::parse::parse_feed_blocking;
use crate::feeds::Article;
use crate::metrics::metrics;
use crate::net::error_chain;
use crate::store::{NearDupCheck, NewAlert, PollRecord, Store, StoreError};
use crate::watch::Document;

/// How a poll ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PollResult {
    /// Fetched and parsed: `articles` in the feed, `new` of them not processed before.
    Ok {
        /// Entries in the feed.
        articles: usize,
        /// Entries new or changed since the last poll.
        new: usize,
    },
    /// The server said 304 Not Modified.
    NotModified,
    /// The poll failed; the reason names what and where.
    Failed(String),
}

impl PollResult {
    /// `ok`, `not_modified` or `error`, as stored and counted.
    pub fn label(&self) -> &'static str {
        match self {
            PollResult::Ok { .. } => "ok",
            PollResult::NotModified => "not_modified",
            PollResult::Failed(_) => "error",
        }
    }
}

/// The outcome of polling one feed.
#[derive(Debug, Clone)]
pub struct PollOutcome {
    /// Feed name.
    pub feed: String,
    /// How it went.
    pub result: PollResult,
    /// Alerts queued by this poll (already in the outbox unless the store is a scratch copy).
    pub alerts: Vec<Alert>,
}

/// The stages a poll runs through, for one config.
#[derive(Clone)]
pub struct Pipeline {
    /// The config in force.
    pub config: Arc<Config>,
    /// The shared HTTP client.
    pub fetcher: Fetcher,
    /// The state.
    pub store: Store,
}

impl Pipeline {
    /// Polls `feed` once. Failures are reported in the outcome, never raised: one bad feed
    /// does not stop the others. Only a state database failure is an `Err`.
    pub async fn poll(&self, feed: &FeedConfig) -> Result<PollOutcome, StoreError> {
        let span = tracing::info_span!("poll", feed = %feed.name);
        self.poll_inner(feed).instrument(span).await
    }

    async fn poll_inner(&self, feed: &FeedConfig) -> Result<PollOutcome, StoreError> {
        let state = self.store.feed_state(&feed.name)?;
        let started = std::time::Instant::now();
        let fetched = self.fetcher.fetch(&feed.source, state.as_ref()).await;
        metrics().observe_fetch(&feed.name, started.elapsed());
        let (result, alerts, validators) = match fetched {
            Ok(Fetched::NotModified) => (PollResult::NotModified, Vec::new(), None),
            Err(e) => (PollResult::Failed(error_chain(&e)), Vec::new(), None),
            Ok(Fetched::Body {
                bytes,
                etag,
                last_modified,
                final_url,
            }) => match parse_feed_blocking(bytes, feed.name.clone(), final_url).await {
                Err(e) => (PollResult::Failed(error_chain(&e)), Vec::new(), None),
                Ok(articles) => {
                    let (new, alerts) = self.process(&articles)?;
                    (
                        PollResult::Ok {
                            articles: articles.len(),
                            new,
                        },
                        alerts,
                        Some((etag, last_modified)),
                    )
                }
            },
        };
        if let PollResult::Failed(err) = &result {
            tracing::warn!(feed = %feed.name, error = %err, "poll failed");
        }
        let validators = validators
            .as_ref()
            .map(|(e, l)| (e.as_deref(), l.as_deref()));
        self.store.record_poll(&PollRecord {
            feed: &feed.name,
            result: result.label(),
            error: match &result {
                PollResult::Failed(e) => Some(e),
                _ => None,
            },
            validators,
            at: Utc::now(),
        })?;
        let failures_before = state.as_ref().map_or(0, |s| s.consecutive_failures);
        let health = health::after_poll(&self.config, feed, failures_before, &result, Utc::now());
        self.store.queue_alerts(&health, Utc::now())?;
        let alerts = alerts
            .into_iter()
            .chain(health.into_iter().map(|h| h.alert))
            .collect();
        let outcome = PollOutcome {
            feed: feed.name.clone(),
            result,
            alerts,
        };
        metrics().record_outcome(&outcome);
        Ok(outcome)
    }

    /// Matches and records each new or changed article; returns (new count, alerts queued).
    fn process(&self, articles: &[Article]) -> Result<(usize, Vec<Alert>), StoreError> {
        let mut new = 0;
        let mut queued = Vec::new();
        for article in articles {
            if self
                .store
                .article_unchanged(article, &self.config.watch_fingerprint)?
            {
                continue;
            }
            new += 1;
            let candidates = self.match_article(article);
            // Only an article that would alert needs a fingerprint: copies are compared
            // with alerted stories alone.
            let fingerprint = (!candidates.is_empty()).then(|| Fingerprint::of_article(article));
            let near = self.near_dup_check(fingerprint.as_ref());
            let fp = &self.config.watch_fingerprint;
            let recorded = self
                .store
                .record_article(article, fp, candidates, near, Utc::now())?;
            for (watchlist, original) in &recorded.copies {
                tracing::info!(feed = %article.feed, title = %article.title, watchlist, alert_id = %original, "near-duplicate of an alerted story: recorded, not alerted again");
            }
            queued.extend(recorded.queued);
        }
        Ok((new, queued))
    }

    fn near_dup_check<'a>(&self, fingerprint: Option<&'a Fingerprint>) -> Option<NearDupCheck<'a>> {
        let d = &self.config.daemon;
        if d.near_duplicate_window.is_zero() {
            return None;
        }
        Some(NearDupCheck {
            fingerprint: fingerprint?,
            since: crate::store::ago(d.near_duplicate_window),
            similarity: d.near_duplicate_similarity,
        })
    }

    /// The alerts `article` would raise, before the once-per-story check.
    pub fn match_article(&self, article: &Article) -> Vec<NewAlert> {
        let cfg = &self.config;
        let doc = Document {
            title: &article.title,
            summary: &article.summary,
            content: &article.content,
        };
        let enabled = |i: usize| {
            cfg.watchlists
                .get(i)
                .is_some_and(|w| w.applies_to(&article.feed))
        };
        let now = Utc::now();
        cfg.matcher
            .match_document(&doc, &enabled)
            .into_iter()
            .filter_map(|m| {
                let w = cfg.watchlists.get(m.watchlist)?;
                Some(NewAlert {
                    alert: Alert::new(&w.name, w.severity.as_deref(), article, &m.hits, now),
                    sinks: w
                        .sinks
                        .iter()
                        .filter_map(|&s| cfg.sinks.get(s))
                        .map(|s| s.name.clone())
                        .collect(),
                    story_keys: article.story_keys(),
                })
            })
            .collect()
    }
}
