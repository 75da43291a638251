//! The embedded backend: one SQLite file under `state_dir`, one connection serialised by
//! a mutex. Every call of the interfaces runs on tokio's blocking pool
//! ([`blocking`]), so its fsyncs never hold up an async worker thread.

mod bands;
mod batch;
mod copies;
mod db;
mod desk;
mod digest;
mod history;
pub mod integrity;
mod load;
mod outbox;
mod pages;
mod poll;
mod replay;
mod rounds;
mod schedule;
mod seen;
mod status;
mod turn;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

pub use db::{SqliteStore, BUSY_TIMEOUT, COMMAND_BUSY_TIMEOUT, DB_FILE};
pub use desk::FOLD_FUNCTION;
pub use load::{Cell, Chunk, TableRows};
pub use turn::{TURN_FILE, TURN_WAIT};

use crate::alert::SeenIn;
use crate::feeds::Article;
use crate::store::*;

/// Runs blocking store work on tokio's blocking pool.
pub async fn blocking<T, F>(work: F) -> Result<T, StoreError>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, StoreError> + Send + 'static,
{
    match tokio::task::spawn_blocking(work).await {
        Ok(out) => out,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(e) => Err(StoreError::Worker(e.to_string())),
    }
}

impl SqliteStore {
    /// Runs `f` on this store on the blocking pool, one call at a time: the calls share
    /// one connection, so a second thread could only wait for its lock. Callers wait
    /// their turn here, as tasks, instead of each holding a blocking thread parked on the
    /// mutex: with 64 polls at once that was 74 threads, and the kernel's wake-ups and
    /// context switches were over a quarter of the CPU time of a round of new feeds
    /// (`bench/load.sh 10000`, round 1: 6.1–6.5 of 22.7–24.7 CPU s in the kernel).
    async fn run<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&SqliteStore) -> Result<T, StoreError> + Send + 'static,
    {
        let store = self.clone();
        // The semaphore is never closed, so acquiring cannot fail; were it closed, the
        // call would still be correct, only not gated.
        let _turn = self.calls.acquire().await;
        blocking(move || f(&store)).await
    }
}

#[async_trait]
impl PollStore for SqliteStore {
    async fn pages_tried(&self, feed: &str, ids: Vec<String>) -> Result<Vec<bool>, StoreError> {
        let feed = feed.to_string();
        self.run(move |s| s.pages_tried(&feed, &ids)).await
    }

    async fn finish_page(&self, write: PageWrite) -> Result<Recorded, StoreError> {
        self.run(move |s| s.finish_page(write)).await
    }

    async fn claim_feed(&self, claim: FeedClaim) -> Result<Claim, StoreError> {
        self.run(move |s| s.claim_feed(&claim)).await
    }

    async fn known_feeds(&self) -> Result<HashMap<String, Known>, StoreError> {
        self.run(|s| s.known_feeds()).await
    }

    async fn plan_feeds(&self, feeds: Arc<FeedSet>, now: DateTime<Utc>) -> Result<(), StoreError> {
        self.run(move |s| s.plan_feeds(&feeds, now)).await
    }

    async fn claim_due(&self, claim: DueClaim) -> Result<DueFeeds, StoreError> {
        self.run(move |s| s.claim_due(&claim)).await
    }

    async fn renew_claim(
        &self,
        feed: String,
        lease: Lease,
        now: DateTime<Utc>,
        hold: Duration,
    ) -> Result<bool, StoreError> {
        self.run(move |s| s.renew_claim(&feed, &lease, now, hold))
            .await
    }

    async fn feed_schedule(&self, feed: &str) -> Result<Option<FeedSchedule>, StoreError> {
        let feed = feed.to_string();
        self.run(move |s| s.feed_schedule(&feed)).await
    }

    async fn unchanged_articles(
        &self,
        feed: &str,
        articles: Vec<(String, String)>,
        matcher: &str,
    ) -> Result<Vec<bool>, StoreError> {
        let (feed, matcher) = (feed.to_string(), matcher.to_string());
        self.run(move |s| s.unchanged_articles(&feed, &articles, &matcher))
            .await
    }

    async fn known_articles(&self, feed: &str, ids: Vec<String>) -> Result<Vec<bool>, StoreError> {
        let feed = feed.to_string();
        self.run(move |s| s.known_articles(&feed, &ids)).await
    }

    async fn finish_poll(&self, write: PollWrite) -> Result<Vec<Recorded>, StoreError> {
        self.run(move |s| s.finish_poll(write)).await
    }

    async fn prune_articles(&self, before: DateTime<Utc>) -> Result<usize, StoreError> {
        self.run(move |s| s.prune_articles(before)).await
    }
}

#[async_trait]
impl DeliveryStore for SqliteStore {
    async fn claim_sink(
        &self,
        sink: &str,
        owner: &str,
        hold: Duration,
    ) -> Result<bool, StoreError> {
        let (sink, owner) = (sink.to_string(), owner.to_string());
        self.run(move |s| s.claim_sink(&sink, &owner, hold)).await
    }

    async fn release_sink(&self, sink: &str, owner: &str) -> Result<(), StoreError> {
        let (sink, owner) = (sink.to_string(), owner.to_string());
        self.run(move |s| s.release_sink(&sink, &owner)).await
    }

    async fn due_deliveries(
        &self,
        sink: &str,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<Delivery>, StoreError> {
        let sink = sink.to_string();
        self.run(move |s| s.due_deliveries(&sink, now, limit)).await
    }

    async fn next_due(&self, sink: &str) -> Result<Option<i64>, StoreError> {
        let sink = sink.to_string();
        self.run(move |s| s.next_due(&sink)).await
    }

    async fn form_digest(
        &self,
        sink: &str,
        now: DateTime<Utc>,
        max: usize,
    ) -> Result<Option<String>, StoreError> {
        let sink = sink.to_string();
        self.run(move |s| s.form_digest(&sink, now, max)).await
    }

    async fn due_digests(
        &self,
        sink: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<PendingDigest>, StoreError> {
        let sink = sink.to_string();
        self.run(move |s| s.due_digests(&sink, now)).await
    }

    async fn next_digest_due(&self, sink: &str) -> Result<Option<i64>, StoreError> {
        let sink = sink.to_string();
        self.run(move |s| s.next_digest_due(&sink)).await
    }

    async fn settle(&self, settlement: Settlement) -> Result<(), StoreError> {
        self.run(move |s| s.settle(&settlement)).await
    }

    async fn queue_alerts(
        &self,
        alerts: Vec<NewAlert>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.run(move |s| s.queue_alerts(&alerts, now)).await
    }

    async fn replay_alerts(
        &self,
        ids: Vec<String>,
        now: DateTime<Utc>,
    ) -> Result<usize, StoreError> {
        self.run(move |s| s.replay_alerts(&ids, now)).await
    }

    async fn replay_dead(&self, now: DateTime<Utc>) -> Result<(usize, usize), StoreError> {
        self.run(move |s| s.replay_dead(now)).await
    }
}

#[async_trait]
impl ReadStore for SqliteStore {
    async fn page_record(
        &self,
        feed: &str,
        article_id: &str,
    ) -> Result<Option<PageRecord>, StoreError> {
        let (feed, id) = (feed.to_string(), article_id.to_string());
        self.run(move |s| s.page_record(&feed, &id)).await
    }

    async fn feed_states(&self) -> Result<HashMap<String, FeedState>, StoreError> {
        self.run(|s| s.feed_states()).await
    }

    async fn feed_schedules(&self) -> Result<HashMap<String, FeedSchedule>, StoreError> {
        self.run(|s| s.feed_schedules()).await
    }

    async fn recent_alerts(&self, limit: usize) -> Result<Vec<RecentAlert>, StoreError> {
        self.run(move |s| s.recent_alerts(limit)).await
    }

    async fn outbox_counts(&self) -> Result<OutboxCounts, StoreError> {
        self.run(|s| s.outbox_counts()).await
    }

    async fn alerts_pending(&self) -> Result<u64, StoreError> {
        self.run(|s| s.alerts_pending()).await
    }

    async fn alerts_total(&self) -> Result<u64, StoreError> {
        self.run(|s| s.alerts_total()).await
    }

    async fn outbox(
        &self,
        status: Option<DeliveryStatus>,
        limit: usize,
    ) -> Result<Vec<OutboxRow>, StoreError> {
        self.run(move |s| s.outbox(status, limit)).await
    }

    async fn alert_exists(&self, id: &str) -> Result<bool, StoreError> {
        let id = id.to_string();
        self.run(move |s| s.alert_exists(&id)).await
    }

    async fn story_alert(
        &self,
        watchlist: &str,
        keys: Vec<String>,
    ) -> Result<Option<String>, StoreError> {
        let watchlist = watchlist.to_string();
        self.run(move |s| s.story_alert(&watchlist, &keys)).await
    }

    async fn copies_of(&self, alert_id: &str) -> Result<Vec<SeenIn>, StoreError> {
        let id = alert_id.to_string();
        self.run(move |s| s.copies_of(&id)).await
    }

    async fn stored_articles(&self, since: DateTime<Utc>) -> Result<Vec<Article>, StoreError> {
        self.run(move |s| s.stored_articles(since)).await
    }

    async fn newest_articles(
        &self,
        since: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<Article>, StoreError> {
        self.run(move |s| s.newest_articles(since, limit)).await
    }

    async fn stored_article(&self, feed: &str, id: &str) -> Result<Option<Article>, StoreError> {
        let (feed, id) = (feed.to_string(), id.to_string());
        self.run(move |s| s.stored_article(&feed, &id)).await
    }

    async fn alerts_since(&self, since: DateTime<Utc>) -> Result<Vec<PastAlert>, StoreError> {
        self.run(move |s| s.alerts_since(since)).await
    }
}

impl Backend for SqliteStore {
    fn desk(&self) -> Option<&dyn DeskStore> {
        Some(self)
    }

    fn probe(&self) -> Result<(), StoreError> {
        SqliteStore::probe(self)
    }

    fn flush(&self) {
        if let Err(e) = SqliteStore::flush(self) {
            tracing::warn!(error = %crate::net::error_chain(&e), "committing the poll batch failed");
        }
    }

    fn describe(&self) -> String {
        self.path().display().to_string()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    /// Many calls at once run one at a time, each on the blocking pool, and every one of
    /// them runs (each answers its own index): the calls wait as tasks, not as threads
    /// parked on the connection's lock.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn calls_run_one_at_a_time() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path()).unwrap();
        let (running, most) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let calls = (0..64).map(|i| {
            let (store, running, most) = (store.clone(), running.clone(), most.clone());
            tokio::spawn(async move {
                store
                    .run(move |_| {
                        let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                        most.fetch_max(now, Ordering::SeqCst);
                        std::thread::sleep(Duration::from_millis(2));
                        running.fetch_sub(1, Ordering::SeqCst);
                        Ok(i)
                    })
                    .await
            })
        });
        for (i, call) in calls.collect::<Vec<_>>().into_iter().enumerate() {
            assert_eq!(call.await.unwrap().unwrap(), i);
        }
        assert_eq!(most.load(Ordering::SeqCst), 1, "calls overlapped");
    }
}
