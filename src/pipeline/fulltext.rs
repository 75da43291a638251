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
use crate::store::StoreError;

/// A poll's page stage ends `http.timeout` plus this after it starts (pages still queued
/// then are recorded as not fetched), so a poll never looks stuck to the watchdog.
pub const PAGE_BUDGET_GRACE: std::time::Duration = std::time::Duration::from_secs(60);

impl Pipeline {
    /// Which of the `changed` articles of `feed` get their page fetched: the feed has
    /// `full_text` (and, for `"auto"`, the item's text is short), the item links to a
    /// page and that page was never tried.
    pub(super) fn pages_due(
        &self,
        feed: &FeedConfig,
        changed: &[&Article],
    ) -> Result<Vec<Article>, StoreError> {
        let mut due = Vec::new();
        for a in changed {
            let linked = a
                .url
                .as_deref()
                .is_some_and(|u| u.starts_with("http://") || u.starts_with("https://"));
            if linked
                && feed.full_text.wants(a.feed_text_chars())
                && !self.store.page_tried(&a.feed, a.id.as_str())?
            {
                due.push((*a).clone());
            }
        }
        Ok(due)
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
            let now = Utc::now();
            let id = article.id.as_str().to_string();
            match got {
                Ok(page) => {
                    metrics().record_page(&feed.name, "ok");
                    self.store
                        .record_page(&feed.name, &id, &link, Ok(&page.text), now)?;
                    tracing::debug!(feed = %feed.name, url = %link, chars = page.text.len(), "article page fetched");
                    article.article = page.text;
                    alerts.extend(self.record_with_page(&article)?);
                }
                Err(e) => {
                    metrics().record_page(&feed.name, "failed");
                    let reason = crate::feeds::sanitize::strip_owned(error_chain(&e));
                    tracing::info!(feed = %feed.name, url = %link, reason = %reason, "article page not used");
                    self.store
                        .record_page(&feed.name, &id, &link, Err(&reason), now)?;
                }
            }
        }
        Ok(alerts)
    }

    /// Matches `article` with its page text and queues the alerts of watchlists that have
    /// not alerted this story yet.
    fn record_with_page(&self, article: &Article) -> Result<Vec<Alert>, StoreError> {
        let candidates = self.match_article(article);
        if candidates.is_empty() {
            return Ok(Vec::new());
        }
        let print = Fingerprint::of_article(article);
        let recorded = self.store.record_article(
            article,
            &self.config.watch_fingerprint,
            candidates,
            self.near_dup_check(Some(&print)),
            Utc::now(),
        )?;
        for (watchlist, original) in &recorded.copies {
            tracing::info!(feed = %article.feed, title = %article.title, watchlist, alert_id = %original, "near-duplicate of an alerted story: recorded, not alerted again");
        }
        Ok(recorded.queued)
    }
}
