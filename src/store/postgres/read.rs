//! The read side on PostgreSQL: the same views as the SQLite state, over every
//! instance's committed writes.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use tokio_postgres::{GenericClient, Row};

use super::poll::{known_row, schedule_of, KNOWN};
use super::PgStore;
use crate::alert::SeenIn;
use crate::feeds::{Article, ArticleId};
use crate::store::{
    millis_rfc3339, rfc3339, DeliveryState, DeliveryStatus, FeedSchedule, FeedState, OutboxCounts,
    OutboxRow, PageRecord, PastAlert, ReadStore, RecentAlert, StoreError,
};

/// An article with its page's readable text (empty when none was fetched).
const ARTICLE: &str = "SELECT a.feed, a.id, a.guid, a.url, a.title, a.summary, a.content,
    a.published, a.updated, COALESCE(p.text, '') FROM articles a
    LEFT JOIN pages p ON p.feed = a.feed AND p.article_id = a.id";

fn parse_time(s: Option<String>) -> Option<DateTime<Utc>> {
    s.and_then(|s| DateTime::parse_from_rfc3339(&s).ok())
        .map(|d| d.with_timezone(&Utc))
}

fn article_row(r: &Row) -> Article {
    Article {
        feed: r.get(0),
        id: ArticleId(r.get(1)),
        guid: r.get(2),
        url: r.get(3),
        title: r.get(4),
        summary: r.get(5),
        content: r.get(6),
        published: parse_time(r.get(7)),
        updated: parse_time(r.get(8)),
        // Authors and categories are not stored (as on SQLite): `author:`/`category:`
        // terms see them only in fresh articles.
        author: String::new(),
        category: String::new(),
        article: r.get(9),
    }
}

/// The copies recorded for an alert, in the order they were seen.
pub(super) async fn copies<C: GenericClient>(c: &C, id: &str) -> Result<Vec<SeenIn>, StoreError> {
    let rows = c
        .query(
            "SELECT feed, url, title FROM copies WHERE alert_id = $1
             ORDER BY seen_at, feed, article_id",
            &[&id],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| SeenIn {
            feed: r.get(0),
            url: r.get(1),
            title: r.get(2),
        })
        .collect())
}

#[async_trait]
impl ReadStore for PgStore {
    async fn feed_states(&self) -> Result<HashMap<String, FeedState>, StoreError> {
        let client = self.client().await?;
        let rows = client.query(KNOWN, &[]).await?;
        Ok(rows
            .iter()
            .map(|r| {
                let ((state, _), ..) = known_row(r);
                (state.name.clone(), state)
            })
            .collect())
    }

    async fn feed_schedules(&self) -> Result<HashMap<String, FeedSchedule>, StoreError> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT name, next_poll, poll_interval_ms, poll_reason FROM feeds",
                &[],
            )
            .await?;
        Ok(rows
            .iter()
            .filter_map(|r| Some((r.get(0), schedule_of(r.get(1), r.get(2), r.get(3))?)))
            .collect())
    }

    async fn recent_alerts(&self, limit: usize) -> Result<Vec<RecentAlert>, StoreError> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT id, body FROM alerts ORDER BY created_at DESC, seq DESC LIMIT $1",
                &[&(limit as i64)],
            )
            .await?;
        let ids: Vec<String> = rows.iter().map(|r| r.get(0)).collect();
        let states = client
            .query(
                "SELECT alert_id, sink, status, attempts, last_error FROM deliveries
                 WHERE alert_id = ANY($1) ORDER BY sink",
                &[&ids],
            )
            .await?;
        let mut by_alert: HashMap<String, Vec<DeliveryState>> = HashMap::new();
        for s in &states {
            by_alert.entry(s.get(0)).or_default().push(DeliveryState {
                sink: s.get(1),
                status: DeliveryStatus::parse(s.get(2)),
                attempts: u32::try_from(s.get::<_, i32>(3)).unwrap_or(0),
                last_error: s.get(4),
            });
        }
        rows.iter()
            .map(|r| {
                let id: String = r.get(0);
                let alert =
                    serde_json::from_str(r.get(1)).map_err(|source| StoreError::Corrupt {
                        id: id.clone(),
                        source,
                    })?;
                let deliveries = by_alert.remove(&id).unwrap_or_default();
                Ok(RecentAlert { alert, deliveries })
            })
            .collect()
    }

    async fn outbox_counts(&self) -> Result<OutboxCounts, StoreError> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT status, COUNT(*) FROM deliveries GROUP BY status",
                &[],
            )
            .await?;
        let mut counts = OutboxCounts::default();
        for r in &rows {
            counts.add(r.get(0), u64::try_from(r.get::<_, i64>(1)).unwrap_or(0));
        }
        Ok(counts)
    }

    async fn alerts_pending(&self) -> Result<u64, StoreError> {
        let client = self.client().await?;
        let row = client
            .query_one(
                "SELECT COUNT(DISTINCT alert_id) FROM deliveries WHERE status = 'pending'",
                &[],
            )
            .await?;
        Ok(u64::try_from(row.get::<_, i64>(0)).unwrap_or(0))
    }

    async fn alerts_total(&self) -> Result<u64, StoreError> {
        let client = self.client().await?;
        let row = client.query_one("SELECT COUNT(*) FROM alerts", &[]).await?;
        Ok(u64::try_from(row.get::<_, i64>(0)).unwrap_or(0))
    }

    async fn outbox(
        &self,
        status: Option<DeliveryStatus>,
        limit: usize,
    ) -> Result<Vec<OutboxRow>, StoreError> {
        let client = self.client().await?;
        let status = status.map(DeliveryStatus::as_str);
        let rows = client
            .query(
                "SELECT d.alert_id, a.watchlist, COALESCE(a.body::jsonb #>> '{article,title}', ''),
                   d.sink, d.status, d.attempts, d.last_error, d.next_attempt_at, d.digest_id,
                   a.created_at
                 FROM deliveries d JOIN alerts a ON a.id = d.alert_id
                 WHERE $1::text IS NULL OR d.status = $1
                 ORDER BY a.created_at DESC, d.alert_id, d.sink LIMIT $2",
                &[&status, &(limit as i64)],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|r| {
                let status = DeliveryStatus::parse(r.get(4));
                let next: i64 = r.get(7);
                OutboxRow {
                    alert_id: r.get(0),
                    watchlist: r.get(1),
                    title: r.get(2),
                    sink: r.get(3),
                    status,
                    attempts: u32::try_from(r.get::<_, i32>(5)).unwrap_or(0),
                    last_error: r.get(6),
                    next_attempt_at: (status == DeliveryStatus::Pending)
                        .then(|| millis_rfc3339(next)),
                    digest_id: r.get(8),
                    created_at: r.get(9),
                }
            })
            .collect())
    }

    async fn alert_exists(&self, id: &str) -> Result<bool, StoreError> {
        let client = self.client().await?;
        let row = client
            .query_opt("SELECT 1 FROM alerts WHERE id = $1", &[&id])
            .await?;
        Ok(row.is_some())
    }

    async fn story_alert(
        &self,
        watchlist: &str,
        keys: Vec<String>,
    ) -> Result<Option<String>, StoreError> {
        let client = self.client().await?;
        for key in &keys {
            let row = client
                .query_opt(
                    "SELECT alert_id FROM seen WHERE watchlist = $1 AND story_key = $2",
                    &[&watchlist, key],
                )
                .await?;
            if let Some(r) = row {
                return Ok(Some(r.get(0)));
            }
        }
        Ok(None)
    }

    async fn copies_of(&self, alert_id: &str) -> Result<Vec<SeenIn>, StoreError> {
        let client = self.client().await?;
        copies(&**client, alert_id).await
    }

    async fn stored_articles(&self, since: DateTime<Utc>) -> Result<Vec<Article>, StoreError> {
        let client = self.client().await?;
        let rows = client
            .query(
                &format!("{ARTICLE} WHERE a.first_seen >= $1 ORDER BY a.first_seen, a.feed, a.id"),
                &[&rfc3339(since)],
            )
            .await?;
        Ok(rows.iter().map(article_row).collect())
    }

    async fn newest_articles(
        &self,
        since: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<Article>, StoreError> {
        let client = self.client().await?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = client
            .query(
                &format!(
                    "{ARTICLE} WHERE a.first_seen >= $1
                     ORDER BY a.first_seen DESC, a.feed, a.id LIMIT $2"
                ),
                &[&rfc3339(since), &limit],
            )
            .await?;
        Ok(rows.iter().map(article_row).collect())
    }

    async fn stored_article(&self, feed: &str, id: &str) -> Result<Option<Article>, StoreError> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                &format!("{ARTICLE} WHERE a.feed = $1 AND a.id = $2"),
                &[&feed, &id],
            )
            .await?;
        Ok(row.as_ref().map(article_row))
    }

    async fn page_record(
        &self,
        feed: &str,
        article_id: &str,
    ) -> Result<Option<PageRecord>, StoreError> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                "SELECT url, status, reason, char_length(text), fetched_at FROM pages
                 WHERE feed = $1 AND article_id = $2",
                &[&feed, &article_id],
            )
            .await?;
        Ok(row.map(|r| PageRecord {
            url: r.get(0),
            status: r.get(1),
            reason: r.get(2),
            chars: usize::try_from(r.get::<_, i32>(3)).unwrap_or(0),
            fetched_at: r.get(4),
        }))
    }

    async fn alerts_since(&self, since: DateTime<Utc>) -> Result<Vec<PastAlert>, StoreError> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT id, watchlist, created_at, article_feed, article_id FROM alerts
                 WHERE created_at >= $1 ORDER BY created_at, id",
                &[&rfc3339(since)],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|r| PastAlert {
                id: r.get(0),
                watchlist: r.get(1),
                created_at: r.get(2),
                article_feed: r.get(3),
                article_id: r.get(4),
            })
            .collect())
    }
}
