//! The page stage of a poll, after the feed's own text was matched and its alerts queued:
//! for `full_text` feeds, each new story's article page is fetched (once per story) and
//! its readable text matched as the `article` field. A watchlist that already fired on
//! the feed's text is not asked again (one alert per story); a page that fails is recorded
//! with the reason and the story keeps what its feed text gave.

use chrono::Utc;

use super::Pipeline;
use crate::alert::Alert;
use crate::config::FeedConfig;
use crate::feeds::fingerprint::Fingerprint;
use crate::feeds::page::PageError;
use crate::feeds::Article;
use crate::metrics::metrics;
use crate::net::error_chain;
use crate::store::{PageWrite, StoreError};

/// A poll's page stage ends `http.timeout` plus this after it starts (pages still queued
/// then are recorded as not fetched), so a poll never looks stuck to the watchdog.
pub const PAGE_BUDGET_GRACE: std::time::Duration = std::time::Duration::from_secs(60);

impl Pipeline {
    /// Which of the `changed` articles of `feed` get their page fetched: the feed has
    /// `full_text` (and, for `"auto"`, the item's text is short), the item links to a
    /// web page, it is not backlog (`old`, recorded without alerting) and its page was
    /// never tried.
    pub(super) async fn pages_due(
        &self,
        feed: &FeedConfig,
        changed: &[Article],
        old: &[bool],
    ) -> Result<Vec<Article>, StoreError> {
        let wanted: Vec<&Article> = changed
            .iter()
            .zip(old.iter().chain(std::iter::repeat(&false)))
            .filter(|(a, old)| !**old && feed.full_text.wants(a.feed_text_chars()))
            .map(|(a, _)| a)
            .filter(|a| {
                a.url
                    .as_deref()
                    .is_some_and(|u| u.starts_with("http://") || u.starts_with("https://"))
            })
            .collect();
        if wanted.is_empty() {
            return Ok(Vec::new());
        }
        let ids = wanted.iter().map(|a| a.id.as_str().to_string()).collect();
        let tried = self.store.pages_tried(&feed.name, ids).await?;
        Ok(wanted
            .into_iter()
            .zip(tried)
            .filter(|(_, tried)| !tried)
            .map(|(a, _)| a.clone())
            .collect())
    }

    /// Fetches the pages of `due` (at most `PAGE_CONCURRENCY` at once over all feeds),
    /// records each, and queues the alerts their text adds. Returns those alerts.
    pub(super) async fn full_text(
        &self,
        feed: &FeedConfig,
        due: Vec<Article>,
    ) -> Result<Vec<Alert>, StoreError> {
        let budget = self.config.http.timeout + PAGE_BUDGET_GRACE;
        let deadline = tokio::time::Instant::now() + budget;
        let fetches = due.into_iter().map(|a| async move {
            let link = a.url.clone().unwrap_or_default();
            let got = tokio::time::timeout_at(deadline, self.pages.fetch(&link))
                .await
                .unwrap_or(Err(PageError::Budget(budget)));
            (a, link, got)
        });
        let fetched = futures_util::future::join_all(fetches).await;
        let mut alerts = Vec::new();
        for (mut article, link, got) in fetched {
            let outcome = match got {
                Ok(page) => {
                    metrics().record_page(&feed.name, "ok");
                    tracing::debug!(feed = %feed.name, url = %link, chars = page.text.len(), "article page fetched");
                    article.article = page.text;
                    Ok(())
                }
                Err(e) => {
                    metrics().record_page(&feed.name, "failed");
                    let reason = crate::feeds::sanitize::strip_owned(error_chain(&e));
                    tracing::info!(feed = %feed.name, url = %link, reason = %reason, "article page not used");
                    Err(reason)
                }
            };
            alerts.extend(self.record_page(article, link, outcome).await?);
        }
        Ok(alerts)
    }

    /// Records one page and, when it gave text, queues the alerts of watchlists that have
    /// not alerted this story yet (matching is CPU work: done on a CPU thread).
    async fn record_page(
        &self,
        article: Article,
        url: String,
        outcome: Result<(), String>,
    ) -> Result<Vec<Alert>, StoreError> {
        let (this, span) = (self.clone(), tracing::Span::current());
        let work = move || {
            span.in_scope(|| {
                let alerts = match outcome.is_ok() {
                    true => this.match_article(&article),
                    false => Vec::new(),
                };
                let print = (!alerts.is_empty()).then(|| Fingerprint::of_article(&article));
                PageWrite {
                    near: this.near_dup_check(print),
                    article,
                    url,
                    outcome,
                    alerts,
                    matcher: this.config.watch_fingerprint.clone(),
                    now: Utc::now(),
                }
            })
        };
        let write = match crate::feeds::parse::on_cpu(work).await {
            Ok(write) => write,
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(e) => return Err(StoreError::Worker(e.to_string())),
        };
        let (feed, title) = (write.article.feed.clone(), write.article.title.clone());
        let recorded = self.store.finish_page(write).await?;
        for (watchlist, original) in &recorded.copies {
            tracing::info!(feed = %feed, title = %title, watchlist, alert_id = %original, "near-duplicate of an alerted story: recorded, not alerted again");
        }
        Ok(recorded.queued)
    }
}
