//! One poll of one feed through every stage: fetch → parse → seen? → match → outbox, and
//! the next poll time — everything the poll learnt committed in one transaction.
//! Shared by `once` and the daemon's per-feed tasks.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use tracing::Instrument;

use crate::alert::{health, Alert};
use crate::config::{Config, FeedConfig};
use crate::feeds::adaptive::{Decision, Inputs, Reason};
use crate::feeds::encoding::charset_param;
use crate::feeds::fetch::{Fetched, Fetcher};
use crate::feeds::fingerprint::Fingerprint;
use crate::feeds::parse::{parse_feed_blocking, ParseOptions, ParsedFeed};
use crate::feeds::sanitize::strip_owned;
use crate::feeds::schedule;
use crate::feeds::signals::{FeedSignals, HttpSignals};
use crate::feeds::Article;
use crate::metrics::metrics;
use crate::net::error_chain;
use crate::store::{
    ArticleWrite, FeedSchedule, FeedState, NearDupCheck, NewAlert, PollRecord, PollWrite, Store,
    StoreError,
};
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
    /// When the feed is next due, and why (also stored).
    pub schedule: Option<FeedSchedule>,
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

/// What fetching and parsing gave, before anything is recorded.
enum Got {
    NotModified(HttpSignals),
    Parsed {
        feed: ParsedFeed,
        validators: (Option<String>, Option<String>),
        http: HttpSignals,
    },
    Failed(String, HttpSignals),
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
        let previous = self.store.feed_schedule(&feed.name)?;
        let started = std::time::Instant::now();
        let got = self.fetch_and_parse(feed, state.as_ref()).await;
        metrics().observe_fetch(&feed.name, started.elapsed());
        if let Got::Failed(err, _) = &got {
            tracing::warn!(feed = %feed.name, error = %err, "poll failed");
        }
        let failures_before = state.as_ref().map_or(0, |s| s.consecutive_failures);
        self.record(feed, got, failures_before, previous.as_ref())
    }

    async fn fetch_and_parse(&self, feed: &FeedConfig, state: Option<&FeedState>) -> Got {
        let failed = |e: &(dyn std::error::Error + 'static), http| {
            Got::Failed(strip_owned(error_chain(e)), http)
        };
        let (bytes, validators, final_url, content_type, http) =
            match self.fetcher.fetch(&feed.source, state).await {
                Err(e) => {
                    let http = HttpSignals {
                        retry_after: e.retry_after(),
                        ..HttpSignals::default()
                    };
                    return failed(&e, http);
                }
                Ok(Fetched::NotModified { signals }) => return Got::NotModified(signals),
                Ok(Fetched::Body {
                    bytes,
                    etag,
                    last_modified,
                    final_url,
                    content_type,
                    signals,
                }) => (
                    bytes,
                    (etag, last_modified),
                    final_url,
                    content_type,
                    signals,
                ),
            };
        let opts = ParseOptions {
            base: final_url,
            charset: content_type
                .as_deref()
                .and_then(charset_param)
                .map(str::to_string),
            max_items: self.config.http.max_items,
        };
        let max = opts.max_items;
        match parse_feed_blocking(bytes, feed.name.clone(), opts).await {
            Ok(parsed) => {
                if parsed.capped {
                    tracing::warn!(feed = %feed.name, "more items than http.max_items: kept the first {max} items");
                }
                Got::Parsed {
                    feed: parsed,
                    validators,
                    http,
                }
            }
            Err(e) => failed(&e, http),
        }
    }

    /// Matches the new articles and commits everything the poll learnt at once.
    fn record(
        &self,
        feed: &FeedConfig,
        got: Got,
        failures_before: u32,
        previous: Option<&FeedSchedule>,
    ) -> Result<PollOutcome, StoreError> {
        let now = Utc::now();
        let (result, articles, changed) = self.examine(&got)?;
        let inputs = Inputs {
            http: http_signals(&got),
            feed: feed_signals(&got),
            failures: if matches!(result, PollResult::Failed(_)) {
                failures_before.saturating_add(1)
            } else {
                0
            },
            previous: previous.and_then(decision_of),
        };
        let schedule = schedule::plan(feed, &inputs, now, fastrand::f64());
        let health = health::after_poll(&self.config, feed, failures_before, &result, now);
        let health_alerts: Vec<Alert> = health.iter().map(|h| h.alert.clone()).collect();
        let changed: Vec<&Article> = changed.into_iter().map(|i| &articles[i]).collect();
        let (candidates, prints): (Vec<_>, Vec<_>) =
            fingerprints(&changed, |a| self.match_article(a))
                .into_iter()
                .unzip();
        let writes = changed
            .iter()
            .zip(candidates)
            .zip(prints.iter())
            .map(|((a, alerts), fp)| ArticleWrite {
                article: a,
                alerts,
                near: self.near_dup_check(fp.as_ref()),
            })
            .collect();
        let write = PollWrite {
            record: poll_record(feed, &result, &got, now),
            schedule: Some(schedule.clone()),
            articles: writes,
            health,
            matcher: &self.config.watch_fingerprint,
            now,
        };
        let recorded = self.store.finish_poll(write)?;
        let mut alerts = Vec::new();
        for (article, rec) in changed.iter().zip(recorded) {
            for (watchlist, original) in &rec.copies {
                tracing::info!(feed = %article.feed, title = %article.title, watchlist, alert_id = %original, "near-duplicate of an alerted story: recorded, not alerted again");
            }
            alerts.extend(rec.queued);
        }
        alerts.extend(health_alerts);
        let outcome = PollOutcome {
            feed: feed.name.clone(),
            result,
            alerts,
            schedule: Some(schedule),
        };
        metrics().record_outcome(&outcome);
        Ok(outcome)
    }

    /// The poll's result, the feed's articles and the indices of those new or changed.
    fn examine<'g>(
        &self,
        got: &'g Got,
    ) -> Result<(PollResult, &'g [Article], Vec<usize>), StoreError> {
        Ok(match got {
            Got::NotModified(_) => (PollResult::NotModified, &[], Vec::new()),
            Got::Failed(err, _) => (PollResult::Failed(err.clone()), &[], Vec::new()),
            Got::Parsed { feed, .. } => {
                let unchanged = self
                    .store
                    .unchanged_articles(&feed.articles, &self.config.watch_fingerprint)?;
                let changed: Vec<usize> = (0..feed.articles.len())
                    .filter(|&i| !unchanged[i])
                    .collect();
                let result = PollResult::Ok {
                    articles: feed.articles.len(),
                    new: changed.len(),
                };
                (result, feed.articles.as_slice(), changed)
            }
        })
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

/// Each article's candidate alerts, and its fingerprint when it has any (copies are
/// compared with alerted stories alone, so only an article that would alert needs one).
fn fingerprints(
    articles: &[&Article],
    matcher: impl Fn(&Article) -> Vec<NewAlert>,
) -> Vec<(Vec<NewAlert>, Option<Fingerprint>)> {
    articles
        .iter()
        .map(|a| {
            let alerts = matcher(a);
            let fp = (!alerts.is_empty()).then(|| Fingerprint::of_article(a));
            (alerts, fp)
        })
        .collect()
}

fn http_signals(got: &Got) -> HttpSignals {
    match got {
        Got::NotModified(h) | Got::Failed(_, h) | Got::Parsed { http: h, .. } => *h,
    }
}

fn feed_signals(got: &Got) -> Option<FeedSignals> {
    match got {
        Got::Parsed { feed, .. } => Some(feed.signals),
        _ => None,
    }
}

fn decision_of(s: &FeedSchedule) -> Option<Decision> {
    Some(Decision {
        interval: s.interval,
        reason: Reason::from_label(&s.reason)?,
    })
}

fn poll_record<'a>(
    feed: &'a FeedConfig,
    result: &'a PollResult,
    got: &'a Got,
    at: DateTime<Utc>,
) -> PollRecord<'a> {
    PollRecord {
        feed: &feed.name,
        result: result.label(),
        error: match result {
            PollResult::Failed(e) => Some(e),
            _ => None,
        },
        validators: match got {
            Got::Parsed {
                validators: (e, l), ..
            } => Some((e.as_deref(), l.as_deref())),
            _ => None,
        },
        at,
    }
}
