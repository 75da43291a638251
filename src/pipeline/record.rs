//! The second half of a poll: what was fetched and parsed becomes articles matched against
//! the watchlists, a next poll time, and one transaction that records it all.

use chrono::{DateTime, Utc};

use super::{Pipeline, PollOutcome, PollResult};
use crate::alert::{health, Alert};
use crate::config::FeedConfig;
use crate::feeds::adaptive::{Decision, Inputs, Reason};
use crate::feeds::fingerprint::Fingerprint;
use crate::feeds::parse::ParsedFeed;
use crate::feeds::schedule;
use crate::feeds::signals::{FeedSignals, HttpSignals};
use crate::feeds::Article;
use crate::store::{
    ArticleWrite, FeedSchedule, NearDupCheck, NewAlert, PollRecord, PollWrite, Recorded, StoreError,
};

/// A fetched body, before parsing.
pub(super) struct Body {
    pub(super) bytes: bytes::Bytes,
    pub(super) validators: (Option<String>, Option<String>),
    pub(super) final_url: Option<url::Url>,
    pub(super) content_type: Option<String>,
    pub(super) http: HttpSignals,
    pub(super) first_poll: bool,
}

/// What fetching and parsing gave, before anything is recorded.
pub(super) enum Got {
    NotModified(HttpSignals),
    Parsed {
        feed: ParsedFeed,
        validators: (Option<String>, Option<String>),
        http: HttpSignals,
        /// Never polled before: every article is new, no need to ask the state.
        first_poll: bool,
    },
    Failed(String, HttpSignals),
}

impl Pipeline {
    /// Matches the new articles and commits everything the poll learnt at once.
    pub(super) fn record(
        &self,
        feed: &FeedConfig,
        got: Got,
        failures_before: u32,
        previous: Option<&FeedSchedule>,
    ) -> Result<PollOutcome, StoreError> {
        if let Got::Failed(err, _) = &got {
            tracing::warn!(feed = %feed.name, error = %err, "poll failed");
        }
        let now = Utc::now();
        let (result, articles, changed) = self.examine(&got)?;
        let schedule = next_poll(feed, &got, &result, failures_before, previous, now);
        let health = health::after_poll(&self.config, feed, failures_before, &result, now);
        let health_alerts: Vec<Alert> = health.iter().map(|h| h.alert.clone()).collect();
        let changed: Vec<&Article> = changed.into_iter().map(|i| &articles[i]).collect();
        let first_poll = matches!(
            got,
            Got::Parsed {
                first_poll: true,
                ..
            }
        );
        let max_age = self.config.daemon.max_age;
        let old = super::backlog::backlog(&self.store, &changed, first_poll, max_age, now)?;
        let mut old = old.into_iter();
        let (candidates, prints): (Vec<_>, Vec<_>) =
            fingerprints(&changed, |a| match old.next().unwrap_or(false) {
                true => Vec::new(),
                false => self.match_article(a),
            })
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
        let recorded = self.store.finish_poll(PollWrite {
            record: poll_record(feed, &result, &got, now),
            schedule: Some(schedule.clone()),
            articles: writes,
            health,
            matcher: &self.config.watch_fingerprint,
            now,
        })?;
        let alerts = queued(&changed, recorded).chain(health_alerts).collect();
        Ok(PollOutcome {
            feed: feed.name.clone(),
            result,
            alerts,
            schedule: Some(schedule),
        })
    }

    /// The poll's result, the feed's articles and the indices of those new or changed.
    fn examine<'g>(
        &self,
        got: &'g Got,
    ) -> Result<(PollResult, &'g [Article], Vec<usize>), StoreError> {
        Ok(match got {
            Got::NotModified(_) => (PollResult::NotModified, &[], Vec::new()),
            Got::Failed(err, _) => (PollResult::Failed(err.clone()), &[], Vec::new()),
            Got::Parsed {
                feed, first_poll, ..
            } => {
                let unchanged = match first_poll {
                    true => vec![false; feed.articles.len()],
                    false => self
                        .store
                        .unchanged_articles(&feed.articles, &self.config.watch_fingerprint)?,
                };
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
}

/// Each article's candidate alerts, and its fingerprint when it has any (copies are
/// compared with alerted stories alone, so only an article that would alert needs one).
fn fingerprints(
    articles: &[&Article],
    mut matcher: impl FnMut(&Article) -> Vec<NewAlert>,
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

/// When to poll `feed` next, from what this poll told.
fn next_poll(
    feed: &FeedConfig,
    got: &Got,
    result: &PollResult,
    failures_before: u32,
    previous: Option<&FeedSchedule>,
    now: DateTime<Utc>,
) -> FeedSchedule {
    let failures = match result {
        PollResult::Failed(_) => failures_before.saturating_add(1),
        _ => 0,
    };
    let inputs = Inputs {
        http: http_signals(got),
        feed: feed_signals(got),
        failures,
        previous: previous.and_then(decision_of),
    };
    schedule::plan(feed, &inputs, now, fastrand::f64())
}

/// The alerts the recorded articles queued; near copies are logged, not alerted.
fn queued<'a>(
    changed: &'a [&'a Article],
    recorded: Vec<Recorded>,
) -> impl Iterator<Item = Alert> + 'a {
    changed.iter().zip(recorded).flat_map(|(article, rec)| {
        for (watchlist, original) in &rec.copies {
            tracing::info!(feed = %article.feed, title = %article.title, watchlist, alert_id = %original, "near-duplicate of an alerted story: recorded, not alerted again");
        }
        rec.queued
    })
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
