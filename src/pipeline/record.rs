//! The second half of a poll: what was fetched and parsed becomes articles matched against
//! the watchlists (on a CPU thread), a next poll time, and one store call that records it
//! all in one transaction.

use chrono::{DateTime, Utc};

use super::{Pipeline, PollOutcome, PollResult};
use crate::alert::{health, Alert};
use crate::config::FeedConfig;
use crate::feeds::adaptive::{Decision, Inputs, Reason};
use crate::feeds::fingerprint::Fingerprint;
use crate::feeds::parse::{on_cpu, ParsedFeed};
use crate::feeds::schedule;
use crate::feeds::signals::{FeedSignals, HttpSignals};
use crate::feeds::Article;
use crate::store::{
    ArticleWrite, FeedSchedule, Lease, NearDupCheck, NewAlert, PollRecord, PollWrite, Recorded,
    StoreError,
};

/// The poll being recorded: its feed, what came before, and its claim.
pub(super) struct Poll<'a> {
    pub(super) feed: &'a FeedConfig,
    pub(super) failures_before: u32,
    pub(super) previous: Option<&'a FeedSchedule>,
    pub(super) lease: Option<Lease>,
}

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
    pub(super) async fn record(&self, poll: Poll<'_>, got: Got) -> Result<PollOutcome, StoreError> {
        let feed = poll.feed;
        if let Got::Failed(err, _) = &got {
            tracing::warn!(feed = %feed.name, error = %err, "poll failed");
        }
        let now = Utc::now();
        let (result, changed) = self.examine(&got).await?;
        let schedule = next_poll(&poll, &got, &result, now);
        let failure = match &result {
            PollResult::Failed(e) => Some(e.as_str()),
            _ => None,
        };
        let health = health::after_poll(&self.config, feed, poll.failures_before, failure, now);
        let health_alerts: Vec<Alert> = health.iter().map(|h| h.alert.clone()).collect();
        let record = poll_record(feed, &result, &got, now);
        let first_poll = matches!(
            got,
            Got::Parsed {
                first_poll: true,
                ..
            }
        );
        let changed = take_changed(got, &changed);
        let max_age = self.config.daemon.max_age;
        let old = super::backlog::backlog(&self.store, &changed, first_poll, max_age, now).await?;
        let pages_due = self.pages_due(feed, &changed, &old).await?;
        let mut writes = self.candidates(changed, old).await?;
        if !first_poll {
            self.add_revisions(feed, &mut writes).await?;
        }
        let titles: Vec<(String, String)> = writes
            .iter()
            .map(|w| (w.article.feed.clone(), w.article.title.clone()))
            .collect();
        let recorded = self
            .store
            .finish_poll(PollWrite {
                record,
                schedule: Some(schedule.clone()),
                articles: writes,
                health,
                matcher: self.config.watch_fingerprint.clone(),
                lease: poll.lease,
                by: self.instance.clone(),
                now,
            })
            .await?;
        let alerts = queued(&titles, recorded).chain(health_alerts).collect();
        Ok(PollOutcome {
            feed: feed.name.clone(),
            result,
            alerts,
            schedule: Some(schedule),
            pages_due,
        })
    }

    /// The poll's result and the indices of the feed's articles new or changed.
    async fn examine(&self, got: &Got) -> Result<(PollResult, Vec<usize>), StoreError> {
        Ok(match got {
            Got::NotModified(_) => (PollResult::NotModified, Vec::new()),
            Got::Failed(err, _) => (PollResult::Failed(err.clone()), Vec::new()),
            Got::Parsed {
                feed, first_poll, ..
            } => {
                let n = feed.articles.len();
                let unchanged = match first_poll {
                    true => vec![false; n],
                    false => self.unchanged(&feed.articles).await?,
                };
                let changed: Vec<usize> = (0..n).filter(|&i| !unchanged[i]).collect();
                let result = PollResult::Ok {
                    articles: n,
                    new: changed.len(),
                };
                (result, changed)
            }
        })
    }

    /// For each article, whether the state has it with the same text and watchlists.
    async fn unchanged(&self, articles: &[Article]) -> Result<Vec<bool>, StoreError> {
        let Some(first) = articles.first() else {
            return Ok(Vec::new());
        };
        let keys = articles
            .iter()
            .map(|a| (a.id.as_str().to_string(), a.content_hash()))
            .collect();
        let matcher = &self.config.watch_fingerprint;
        self.store
            .unchanged_articles(&first.feed, keys, matcher)
            .await
    }

    /// Each changed article with the alerts it would raise (none for the backlog, see
    /// [`super::backlog`]) and its near-duplicate check: matching is CPU work, done on a
    /// CPU thread.
    async fn candidates(
        &self,
        changed: Vec<Article>,
        backlog: Vec<bool>,
    ) -> Result<Vec<ArticleWrite>, StoreError> {
        if changed.is_empty() {
            return Ok(Vec::new());
        }
        let (this, span) = (self.clone(), tracing::Span::current());
        let work = move || {
            span.in_scope(|| {
                changed
                    .into_iter()
                    .zip(backlog)
                    .map(|(article, old)| {
                        let (alerts, fp) = match old {
                            true => (Vec::new(), None),
                            false => candidate(&article, |a| this.match_article(a)),
                        };
                        let near = this.near_dup_check(fp);
                        ArticleWrite {
                            article,
                            alerts,
                            near,
                        }
                    })
                    .collect()
            })
        };
        match on_cpu(work).await {
            Ok(writes) => Ok(writes),
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(e) => Err(StoreError::Worker(e.to_string())),
        }
    }

    pub(super) fn near_dup_check(&self, fingerprint: Option<Fingerprint>) -> Option<NearDupCheck> {
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

/// An article's candidate alerts, and its fingerprint when it has any (copies are
/// compared with alerted stories alone, so only an article that would alert needs one).
fn candidate(
    article: &Article,
    matcher: impl Fn(&Article) -> Vec<NewAlert>,
) -> (Vec<NewAlert>, Option<Fingerprint>) {
    let alerts = matcher(article);
    let fp = (!alerts.is_empty()).then(|| Fingerprint::of_article(article));
    (alerts, fp)
}

/// The articles at `changed` (ascending indices), taken out of what was parsed.
fn take_changed(got: Got, changed: &[usize]) -> Vec<Article> {
    let Got::Parsed { feed, .. } = got else {
        return Vec::new();
    };
    let mut wanted = changed.iter().peekable();
    feed.articles
        .into_iter()
        .enumerate()
        .filter(|(i, _)| wanted.next_if_eq(&i).is_some())
        .map(|(_, a)| a)
        .collect()
}

/// When to poll `feed` next, from what this poll told.
fn next_poll(poll: &Poll<'_>, got: &Got, result: &PollResult, now: DateTime<Utc>) -> FeedSchedule {
    let failures = match result {
        PollResult::Failed(_) => poll.failures_before.saturating_add(1),
        _ => 0,
    };
    let inputs = Inputs {
        http: http_signals(got),
        feed: feed_signals(got),
        failures,
        previous: poll.previous.and_then(decision_of),
    };
    schedule::plan(poll.feed, &inputs, now, fastrand::f64())
}

/// The alerts the recorded articles queued; near copies are logged, not alerted.
fn queued<'a>(
    titles: &'a [(String, String)],
    recorded: Vec<Recorded>,
) -> impl Iterator<Item = Alert> + 'a {
    titles.iter().zip(recorded).flat_map(|((feed, title), rec)| {
        for (watchlist, original) in &rec.copies {
            tracing::info!(feed = %feed, title = %title, watchlist, alert_id = %original, "near-duplicate of an alerted story: recorded, not alerted again");
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

fn poll_record(feed: &FeedConfig, result: &PollResult, got: &Got, at: DateTime<Utc>) -> PollRecord {
    PollRecord {
        feed: feed.name.clone(),
        result: result.label(),
        error: match result {
            PollResult::Failed(e) => Some(e.clone()),
            _ => None,
        },
        validators: match got {
            Got::Parsed { validators, .. } => Some(validators.clone()),
            _ => None,
        },
        at,
    }
}
