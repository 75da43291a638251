//! The desk on PostgreSQL: feedback, mutes, and search over text folded by the matcher's
//! folding in Rust ([`folded_for_like`]) and kept in `fold_title` / `fold_body` columns of
//! `articles` and `alerts`, written with every row (PostgreSQL cannot call the folding
//! from a trigger) and matched with `LIKE` patterns ([`SearchQuery::like_patterns`]), so
//! a phrase, a prefix and a name in any script behave as on SQLite's FTS5 index. What a
//! mute covers, pages and decoding are shared with SQLite ([`crate::store::desk_rules`]).

mod list;
mod mutes;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use tokio_postgres::GenericClient;

use super::PgStore;
use crate::alert::Alert;
use crate::desk::SearchQuery;
use crate::feeds::Article;
use crate::store::desk::*;
use crate::store::desk_rules::folded_for_like;
use crate::store::StoreError;

pub(super) use mutes::hold_if_muted;

/// Schema version 5: feedback, mutes, the folded text columns (filled by [`backfill`]),
/// and an index for paging the whole history newest first.
pub(super) const V5: &str = "
ALTER TABLE articles ADD COLUMN fold_title TEXT NOT NULL DEFAULT '';
ALTER TABLE articles ADD COLUMN fold_body TEXT NOT NULL DEFAULT '';
ALTER TABLE alerts ADD COLUMN fold_title TEXT NOT NULL DEFAULT '';
ALTER TABLE alerts ADD COLUMN fold_body TEXT NOT NULL DEFAULT '';
CREATE INDEX alerts_created_id ON alerts (created_at, id);
CREATE TABLE feedback (
    alert_id TEXT PRIMARY KEY REFERENCES alerts(id),
    verdict TEXT NOT NULL,
    note TEXT,
    at TEXT NOT NULL
);
CREATE TABLE mutes (
    id BIGSERIAL PRIMARY KEY,
    kind TEXT NOT NULL,
    watchlist TEXT NOT NULL DEFAULT '',
    person TEXT NOT NULL DEFAULT '',
    alert TEXT NOT NULL DEFAULT '',
    story_keys TEXT NOT NULL DEFAULT '[]',
    created_at TEXT NOT NULL,
    until TEXT,
    lifted_at TEXT
);
";

/// The folded `(title, body)` an article is searched in: its title, and its summary and
/// content (as SQLite indexes them).
pub(super) fn article_folds(a: &Article) -> (String, String) {
    (
        folded_for_like(&a.title),
        folded_for_like(&format!("{} {}", a.summary, a.content)),
    )
}

/// The folded `(title, body)` an alert is searched in: its article's title and summary.
pub(super) fn alert_folds(a: &Alert) -> (String, String) {
    (
        folded_for_like(&a.article.title),
        folded_for_like(&a.article.summary),
    )
}

/// Folds the text of every stored article and alert (the migration to version 5).
/// Returns how many rows.
pub(super) async fn backfill<C: GenericClient>(tx: &C) -> Result<u64, StoreError> {
    let mut n = 0;
    let rows = tx
        .query(
            "SELECT feed, id, title, summary, content FROM articles",
            &[],
        )
        .await?;
    for r in &rows {
        let (title, body) = (
            folded_for_like(r.get(2)),
            folded_for_like(&format!("{} {}", r.get::<_, &str>(3), r.get::<_, &str>(4))),
        );
        n += tx
            .execute(
                "UPDATE articles SET fold_title = $3, fold_body = $4 WHERE feed = $1 AND id = $2",
                &[&r.get::<_, &str>(0), &r.get::<_, &str>(1), &title, &body],
            )
            .await?;
    }
    for r in &tx.query("SELECT id, body FROM alerts", &[]).await? {
        let id: &str = r.get(0);
        let Ok(alert) = serde_json::from_str::<Alert>(r.get(1)) else {
            continue;
        };
        let (title, body) = alert_folds(&alert);
        n += tx
            .execute(
                "UPDATE alerts SET fold_title = $2, fold_body = $3 WHERE id = $1",
                &[&id, &title, &body],
            )
            .await?;
    }
    Ok(n)
}

#[async_trait]
impl DeskStore for PgStore {
    async fn list_alerts(&self, filter: AlertFilter) -> Result<AlertPage, StoreError> {
        list::list_alerts(&**self.client().await?, &filter).await
    }

    async fn alert_record(&self, id: &str) -> Result<Option<AlertRecord>, StoreError> {
        list::alert_record(&**self.client().await?, id).await
    }

    async fn set_feedback(&self, id: &str, feedback: Feedback) -> Result<bool, StoreError> {
        list::set_feedback(&**self.client().await?, id, &feedback).await
    }

    async fn precision(&self) -> Result<Vec<Precision>, StoreError> {
        list::precision(&**self.client().await?).await
    }

    async fn marked_alerts(&self) -> Result<Vec<MarkedAlert>, StoreError> {
        list::marked_alerts(&**self.client().await?).await
    }

    async fn add_mute(
        &self,
        scope: MuteScope,
        until: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<Option<Mute>, StoreError> {
        let mut client = self.client().await?;
        mutes::add_mute(&mut client, &scope, until, now).await
    }

    async fn mutes(&self, now: DateTime<Utc>) -> Result<Vec<Mute>, StoreError> {
        let stored = mutes::stored(&**self.client().await?, now).await?;
        Ok(stored.into_iter().map(|s| s.mute).collect())
    }

    async fn lift_mutes(
        &self,
        which: MuteSelector,
        now: DateTime<Utc>,
    ) -> Result<usize, StoreError> {
        mutes::lift(&**self.client().await?, &which, now).await
    }

    async fn search_articles(
        &self,
        query: &SearchQuery,
        limit: usize,
    ) -> Result<Vec<ArticleHit>, StoreError> {
        list::search_articles(&**self.client().await?, query, limit).await
    }
}
