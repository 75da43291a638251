//! One poll of one feed through every stage: claim → fetch → parse → seen? → match →
//! outbox, and the next poll time — everything the poll learnt committed in one
//! transaction. Shared by `once` and the daemon's claim rounds ([`rounds`]). The stages themselves
//! are pure (`feeds/`, `watch/`); this wing strings them together with the store.

use std::sync::Arc;

use chrono::Utc;
use tokio::sync::Notify;
use tracing::Instrument;

use crate::alert::Alert;
use crate::config::{Config, FeedConfig};
use crate::feeds::encoding::charset_param;
use crate::feeds::fetch::{FetchError, Fetched, Fetcher};
use crate::feeds::gate::Gate;
use crate::feeds::page::PageFetcher;
use crate::feeds::parse::{on_cpu, parse_document, ParseOptions};
use crate::feeds::sanitize::strip_owned;
use crate::feeds::signals::HttpSignals;
use crate::feeds::Article;
use crate::metrics::metrics;
use crate::net::error_chain;
use crate::store::{
    Claimed, DueClaim, DueFeeds, FeedSchedule, FeedSet, FeedState, Known, Lease, NewAlert, Store,
    StoreError,
};
use rounds::Rounds;

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
    /// Entries new or changed (0 unless `Ok`).
    pub fn new_articles(&self) -> usize {
        match self {
            PollResult::Ok { new, .. } => *new,
            _ => 0,
        }
    }

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
    /// New stories whose article page the page stage is still to fetch (`full_text`);
    /// empty once [`Pipeline::poll`] returns.
    pub pages_due: Vec<Article>,
}

/// The stages a poll runs through, for one config.
#[derive(Clone)]
pub struct Pipeline {
    /// The config in force.
    pub config: Arc<Config>,
    /// The shared HTTP client.
    pub fetcher: Fetcher,
    /// Article pages for `full_text` feeds, through the same client.
    pub pages: PageFetcher,
    /// The state.
    pub store: Store,
    /// This process's name in the state ([`crate::store::instance_id`]).
    pub instance: String,
    /// Woken when a poll queued alerts from the feed's text and goes on to fetch article
    /// pages, so those alerts are delivered without waiting for the pages.
    pub wake: Option<Arc<Notify>>,
}

impl Pipeline {
    /// The stages for `config`, recording in `store` as this process.
    pub fn new(config: Config, store: Store) -> Result<Pipeline, reqwest::Error> {
        let fetcher = Fetcher::new(&config.http)?;
        let slots = store
            .host_slots()
            .map(|s| (s, crate::feeds::gate::slot_ttl(config.http.timeout)));
        Ok(Pipeline {
            pages: PageFetcher::new(fetcher.clone(), config.http.per_host, slots),
            fetcher,
            config: Arc::new(config),
            store,
            instance: crate::store::instance_id(),
            wake: None,
        })
    }

    /// The same stages, waking `wake` when a poll queued alerts before its page stage.
    pub fn with_wake(mut self, wake: Arc<Notify>) -> Pipeline {
        self.wake = Some(wake);
        self
    }

    /// Polls `feed` once, under `lease` when a claim gave one, knowing what the state
    /// knew of it. Failures are reported in the outcome, never raised: one bad feed does
    /// not stop the others. Only a state failure (or a lost lease) is an `Err`.
    pub async fn poll(
        &self,
        feed: &FeedConfig,
        known: Option<Known>,
        lease: Option<Lease>,
    ) -> Result<PollOutcome, StoreError> {
        let span = tracing::info_span!("poll", feed = %feed.name);
        let (state, previous) = known.map_or((None, None), |(s, p)| (Some(s), p));
        self.poll_known(feed, state, previous, lease)
            .instrument(span)
            .await
    }

    /// Polls every feed once, each as its own task through `gate`, with what the state
    /// knows of them read in one query; outcomes in config order.
    pub async fn poll_all(&self, gate: Arc<Gate>) -> Result<Vec<PollOutcome>, StoreError> {
        let mut known = self.store.known_feeds().await?;
        let mut tasks = tokio::task::JoinSet::new();
        for (i, feed) in self.config.feeds.iter().enumerate() {
            let (pipeline, gate, feed) = (self.clone(), gate.clone(), feed.clone());
            let known = known.remove(&feed.name);
            tasks.spawn(async move {
                let _pass = gate.enter(&feed.source).await;
                // Boxed: a task waiting at the gate holds a few words, not a whole poll's
                // state — there are as many tasks as feeds.
                let outcome = Box::pin(pipeline.poll(&feed, known, None)).await;
                (i, outcome)
            });
        }
        let mut outcomes: Vec<Option<PollOutcome>> = vec![None; self.config.feeds.len()];
        while let Some(joined) = tasks.join_next().await {
            let (i, outcome) = joined.unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()));
            outcomes[i] = Some(outcome?);
        }
        Ok(outcomes.into_iter().flatten().collect())
    }

    /// Polls `feed`, whose remembered state and schedule are given.
    async fn poll_known(
        &self,
        feed: &FeedConfig,
        state: Option<FeedState>,
        previous: Option<FeedSchedule>,
        lease: Option<Lease>,
    ) -> Result<PollOutcome, StoreError> {
        let failures_before = state.as_ref().map_or(0, |s| s.consecutive_failures);
        let started = std::time::Instant::now();
        let fetched = self.fetcher.fetch(&feed.source, state.as_ref()).await;
        metrics().observe_fetch(&feed.name, started.elapsed());
        let got = match next_step(fetched, state.is_none()) {
            Next::Digest(body) => match self.parse_off_thread(feed, body).await {
                Some(got) => got,
                None => return Ok(cancelled(feed)),
            },
            Next::Record(got) => got,
        };
        let poll = Poll {
            feed,
            failures_before,
            previous: previous.as_ref(),
            lease,
        };
        let mut outcome = self.record(poll, got).await?;
        if !outcome.pages_due.is_empty() {
            // What the feed's text already fired goes out now, not after the pages.
            if let (false, Some(wake)) = (outcome.alerts.is_empty(), &self.wake) {
                wake.notify_one();
            }
            let due = std::mem::take(&mut outcome.pages_due);
            outcome.alerts.extend(self.full_text(feed, due).await?);
        }
        let watchlists = outcome.alerts.iter().map(|a| a.watchlist.as_str());
        metrics().record_poll_outcome(
            &outcome.feed,
            outcome.result.label(),
            outcome.result.new_articles(),
            watchlists,
        );
        Ok(outcome)
    }

    /// Parses a fetched body: CPU work, on a blocking thread (one per core). `None` when
    /// newshound is shutting down.
    async fn parse_off_thread(&self, feed: &FeedConfig, body: Body) -> Option<Got> {
        let (this, feed, span) = (self.clone(), feed.clone(), tracing::Span::current());
        match on_cpu(move || span.in_scope(|| this.parse(&feed, body))).await {
            Ok(got) => Some(got),
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(_) => None,
        }
    }

    /// Parses a fetched body (on the blocking thread).
    fn parse(&self, feed: &FeedConfig, body: Body) -> Got {
        let opts = ParseOptions {
            base: body.final_url,
            charset: body
                .content_type
                .as_deref()
                .and_then(charset_param)
                .map(str::to_string),
            max_items: self.config.http.max_items,
        };
        match parse_document(&body.bytes, &feed.name, &opts) {
            Ok(mut parsed) => {
                split_shared_guids(&feed.name, &mut parsed.articles);
                if parsed.capped {
                    let max = opts.max_items;
                    tracing::warn!(feed = %feed.name, "more items than http.max_items: kept the first {max} items");
                }
                Got::Parsed {
                    feed: parsed,
                    validators: body.validators,
                    http: body.http,
                    first_poll: body.first_poll,
                }
            }
            Err(e) => Got::Failed(strip_owned(error_chain(&e)), body.http),
        }
    }

    /// The alerts `article` would raise, before the once-per-story check.
    pub fn match_article(&self, article: &Article) -> Vec<NewAlert> {
        let cfg = &self.config;
        let doc = article.document();
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
                    sinks: self.sink_names(m.watchlist),
                    story_keys: article.story_keys(),
                })
            })
            .collect()
    }

    /// The names of the sinks of watchlist `wl`.
    fn sink_names(&self, wl: usize) -> Vec<String> {
        let cfg = &self.config;
        let Some(w) = cfg.watchlists.get(wl) else {
            return Vec::new();
        };
        (w.sinks.iter())
            .filter_map(|&s| cfg.sinks.get(s))
            .map(|s| s.name.clone())
            .collect()
    }
}

/// Gives the entries of one document that share a GUID with a different story their own
/// identity ([`crate::store::decide::split_shared_guids`]); logs each feed's collision
/// once per process, not on every poll.
fn split_shared_guids(feed: &str, articles: &mut [Article]) {
    static LOGGED: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());
    let shared = crate::store::decide::split_shared_guids(articles);
    let Some(guid) = shared.first() else {
        return;
    };
    let mut logged = LOGGED
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if logged.iter().any(|f| f == feed) {
        return;
    }
    logged.push(feed.to_string());
    tracing::warn!(
        feed,
        guid = %guid,
        guids = shared.len(),
        "different stories share one GUID in this feed: each is keyed by its link instead \
         (logged once per feed)"
    );
}

/// The outcome of a poll cut short by shutdown (nothing recorded: polled again later).
fn cancelled(feed: &FeedConfig) -> PollOutcome {
    PollOutcome {
        feed: feed.name.clone(),
        result: PollResult::Failed("cancelled: newshound is shutting down".into()),
        alerts: Vec::new(),
        schedule: None,
        pages_due: Vec::new(),
    }
}

/// After a fetch: a body to digest, or what to record when there is none.
enum Next {
    Digest(Body),
    Record(Got),
}

fn next_step(fetched: Result<Fetched, FetchError>, first_poll: bool) -> Next {
    match fetched {
        Ok(Fetched::Body {
            bytes,
            etag,
            last_modified,
            final_url,
            content_type,
            signals,
        }) => Next::Digest(Body {
            bytes,
            validators: (etag, last_modified),
            final_url,
            content_type,
            http: signals,
            first_poll,
        }),
        Ok(Fetched::NotModified { signals }) => Next::Record(Got::NotModified(signals)),
        Err(e) => {
            let http = HttpSignals {
                retry_after: e.retry_after(),
                ..HttpSignals::default()
            };
            Next::Record(Got::Failed(strip_owned(error_chain(&e)), http))
        }
    }
}

impl Rounds for Pipeline {
    async fn plan(&self, feeds: Arc<FeedSet>) -> Result<(), StoreError> {
        self.store.plan_feeds(feeds, Utc::now()).await
    }

    async fn claim(&self, feeds: Arc<FeedSet>, limit: usize) -> Result<DueFeeds, StoreError> {
        let claim = DueClaim {
            owner: self.instance.clone(),
            now: Utc::now(),
            limit,
            feeds,
        };
        self.store.claim_due(claim).await
    }

    async fn renew(&self, feed: &FeedConfig, claimed: &Claimed) -> Result<bool, StoreError> {
        let (name, lease) = (claimed.feed.clone(), claimed.lease.clone());
        self.store
            .renew_claim(name, lease, Utc::now(), feed.interval)
            .await
    }

    async fn poll(&self, feed: &FeedConfig, claimed: Claimed) -> Result<PollOutcome, StoreError> {
        let known = claimed.known.map(|k| *k);
        Pipeline::poll(self, feed, known, Some(claimed.lease)).await
    }
}

#[path = "pipeline/fulltext.rs"]
mod fulltext;
#[path = "pipeline/record.rs"]
mod record;

#[path = "pipeline/rounds.rs"]
pub mod rounds;

#[path = "pipeline/backlog.rs"]
mod backlog;
#[path = "pipeline/revision.rs"]
mod revision;

use record::{Body, Got, Poll};
