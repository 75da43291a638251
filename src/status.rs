//! The running daemon seen from outside: one [`Monitor`] shared by the scheduler (which
//! keeps it current), the admin endpoint (status page, `/api/status`, `/metrics`) and the
//! systemd STATUS line ("polling 312 feeds, 4 failing, 2 alerts pending").

use std::sync::{Arc, RwLock};
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use tokio_util::sync::CancellationToken;

use crate::config::{Config, FeedSource};
use crate::health::Board;
use crate::metrics::{metrics, Gauges};
use crate::store::{OutboxCounts, RecentAlert, Store, StoreError};
use crate::systemd::Notifier;

/// How many alerts the status page and `/api/status` show.
pub const RECENT_ALERTS: usize = 30;

/// How often the systemd STATUS line is recomputed (and sent when it changed).
pub const STATUS_EVERY: Duration = Duration::from_secs(5);

/// What the daemon knows about itself right now.
pub struct Monitor {
    store: Store,
    board: Arc<Board>,
    config: RwLock<Arc<Config>>,
    started_at: DateTime<Utc>,
}

/// The headline numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Feeds in the running config.
    pub feeds: usize,
    /// Of those, feeds whose last poll failed.
    pub failing: usize,
    /// Alerts with a delivery still pending.
    pub alerts_pending: u64,
}

impl Summary {
    /// `polling 312 feeds, 4 failing, 2 alerts pending`.
    pub fn line(&self) -> String {
        let plural =
            |n: u64, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        format!(
            "polling {}, {} failing, {} pending",
            plural(self.feeds as u64, "feed", "feeds"),
            self.failing,
            plural(self.alerts_pending, "alert", "alerts"),
        )
    }
}

/// One feed of the running config, with what the state and the scheduler know of it.
#[derive(Debug, Clone, Serialize)]
pub struct FeedStatus {
    /// Feed name.
    pub name: String,
    /// Where it is read from (a password in the URL is masked).
    pub url: String,
    /// Its tags.
    pub tags: Vec<String>,
    /// Poll interval in seconds.
    pub interval_secs: u64,
    /// When it was last polled (RFC 3339), if ever.
    pub last_poll: Option<String>,
    /// `ok`, `not_modified` or `error`.
    pub last_result: Option<String>,
    /// Why the last poll failed.
    pub last_error: Option<String>,
    /// When it is polled next (RFC 3339); `None` while a poll runs or before the first one is planned.
    pub next_poll: Option<String>,
    /// A poll is running or waits for a fetch slot.
    pub polling: bool,
    /// Failed polls in a row.
    pub consecutive_failures: u32,
    /// The instance (`host/pid`) that finished the last poll, when known; with several
    /// instances on one state, any of them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub polled_by: Option<String>,
}

/// Everything `/api/status` returns and the status page shows.
#[derive(Debug, Clone, Serialize)]
pub struct StatusReport {
    /// newshound's version.
    pub version: &'static str,
    /// When this daemon started (RFC 3339).
    pub started_at: String,
    /// When this report was made (RFC 3339).
    pub generated_at: String,
    /// The headline numbers.
    pub summary: Summary,
    /// Every feed of the running config, in config order.
    pub feeds: Vec<FeedStatus>,
    /// Deliveries by state.
    pub outbox: OutboxCounts,
    /// The newest alerts, newest first.
    pub alerts: Vec<RecentAlert>,
}

impl Monitor {
    /// A monitor over `store`, the scheduler's `board` and the running `config`.
    pub fn new(store: Store, board: Arc<Board>, config: Arc<Config>) -> Monitor {
        Monitor {
            store,
            board,
            config: RwLock::new(config),
            started_at: Utc::now(),
        }
    }

    /// The state it reads (and the desk writes feedback and mutes to).
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The scheduler's board.
    pub fn board(&self) -> &Arc<Board> {
        &self.board
    }

    /// The running config.
    pub fn config(&self) -> Arc<Config> {
        self.config
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// A reload swapped the config in.
    pub fn set_config(&self, config: Arc<Config>) {
        *self.config.write().unwrap_or_else(|e| e.into_inner()) = config;
    }

    /// The headline numbers, read from the state.
    pub async fn summary(&self) -> Result<Summary, StoreError> {
        let config = self.config();
        let states = self.store.feed_states().await?;
        let failing = config
            .feeds
            .iter()
            .filter(|f| {
                states
                    .get(&f.name)
                    .is_some_and(|s| s.consecutive_failures > 0)
            })
            .count();
        Ok(Summary {
            feeds: config.feeds.len(),
            failing,
            alerts_pending: self.store.alerts_pending().await?,
        })
    }

    /// The full report.
    pub async fn report(&self) -> Result<StatusReport, StoreError> {
        let config = self.config();
        let states = self.store.feed_states().await?;
        let schedules = self.store.feed_schedules().await?;
        let feeds = config
            .feeds
            .iter()
            .map(|f| {
                let state = states.get(&f.name).cloned().unwrap_or_default();
                FeedStatus {
                    name: f.name.clone(),
                    url: display_source(&f.source),
                    tags: f.tags.clone(),
                    interval_secs: f.interval.as_secs(),
                    last_poll: state.last_poll,
                    last_result: state.last_result,
                    last_error: state.last_error,
                    next_poll: self
                        .board
                        .next_poll(&f.name)
                        .or_else(|| schedules.get(&f.name).map(|s| s.next_poll))
                        .map(rfc3339),
                    polling: self.board.busy(&f.name),
                    consecutive_failures: state.consecutive_failures,
                    polled_by: Some(state.polled_by).filter(|b| !b.is_empty()),
                }
            })
            .collect();
        Ok(StatusReport {
            version: env!("CARGO_PKG_VERSION"),
            started_at: rfc3339(self.started_at),
            generated_at: rfc3339(Utc::now()),
            summary: self.summary().await?,
            feeds,
            outbox: self.store.outbox_counts().await?,
            alerts: whole_seconds(self.store.recent_alerts(RECENT_ALERTS).await?),
        })
    }

    /// `/metrics`: the counters plus the gauges read from the state now.
    pub async fn metrics_text(&self) -> Result<String, StoreError> {
        let summary = self.summary().await?;
        let gauges = Gauges {
            outbox_pending: self.store.outbox_counts().await?.pending,
            feeds: summary.feeds,
            feeds_failing: summary.failing,
        };
        Ok(metrics().render(&gauges))
    }
}

/// Sends the STATUS line to systemd every [`STATUS_EVERY`] when it changed, until `cancel`.
pub async fn status_loop(notifier: Notifier, monitor: Arc<Monitor>, cancel: CancellationToken) {
    let mut last = String::new();
    let mut tick = tokio::time::interval(STATUS_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = cancel.cancelled() => return,
            _ = tick.tick() => {}
        }
        match monitor.summary().await {
            Ok(summary) if summary.line() != last => {
                last = summary.line();
                notifier.notify(&format!("STATUS={last}"));
            }
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(error = %crate::net::error_chain(&e), "reading the status failed")
            }
        }
    }
}

/// Alert times as the webhook body carries them: whole seconds.
fn whole_seconds(mut alerts: Vec<RecentAlert>) -> Vec<RecentAlert> {
    use chrono::SubsecRound as _;
    for a in &mut alerts {
        a.alert.detected_at = a.alert.detected_at.trunc_subsecs(0);
        a.alert.article.published = a.alert.article.published.map(|p| p.trunc_subsecs(0));
    }
    alerts
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The feed's address for display, redacted (see [`crate::redact`]).
pub fn display_source(source: &FeedSource) -> String {
    match source {
        FeedSource::Http(url) => crate::redact::url(url),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_status_line_reads_like_a_sentence() {
        let s = Summary {
            feeds: 312,
            failing: 4,
            alerts_pending: 2,
        };
        assert_eq!(s.line(), "polling 312 feeds, 4 failing, 2 alerts pending");
        let one = Summary {
            feeds: 1,
            failing: 0,
            alerts_pending: 1,
        };
        assert_eq!(one.line(), "polling 1 feed, 0 failing, 1 alert pending");
    }

    #[test]
    fn credentials_in_feed_urls_are_masked() {
        let url = url::Url::parse("https://reader:hunter2@example.org/rss?x=1").unwrap();
        let shown = display_source(&FeedSource::Http(url));
        assert_eq!(shown, "https://REDACTED@example.org/rss?REDACTED");
        let plain = url::Url::parse("https://example.org/rss").unwrap();
        assert_eq!(
            display_source(&FeedSource::Http(plain)),
            "https://example.org/rss"
        );
    }
}
