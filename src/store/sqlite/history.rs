//! The stored articles: kept (as plain text) for `daemon.retention` so watchlists can be
//! tried on history (`newshound backtest`), then pruned.

use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};

use super::SqliteStore;
use crate::feeds::{Article, ArticleId};
use crate::store::{rfc3339, PastAlert, StoreError};

/// A stored RFC 3339 time.
pub(super) fn parse_time(s: Option<String>) -> Option<DateTime<Utc>> {
    s.and_then(|s| DateTime::parse_from_rfc3339(&s).ok())
        .map(|d| d.with_timezone(&Utc))
}

/// Maps a `SELECT feed, id, guid, url, title, summary, content, published, updated,
/// page text` row.
fn row_article(r: &rusqlite::Row<'_>) -> rusqlite::Result<Article> {
    Ok(Article {
        feed: r.get(0)?,
        id: ArticleId(r.get(1)?),
        guid: r.get(2)?,
        url: r.get(3)?,
        title: r.get(4)?,
        summary: r.get(5)?,
        content: r.get(6)?,
        published: parse_time(r.get(7)?),
        updated: parse_time(r.get(8)?),
        // Authors and categories are not stored: `author:`/`category:` terms see them
        // only in fresh articles.
        author: String::new(),
        category: String::new(),
        article: r.get(9)?,
    })
}

impl SqliteStore {
    /// Articles first seen at or after `since`, oldest first.
    pub fn stored_articles(&self, since: DateTime<Utc>) -> Result<Vec<Article>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT a.feed, a.id, a.guid, a.url, a.title, a.summary, a.content, a.published,
               a.updated, COALESCE(p.text, '') FROM articles a
             LEFT JOIN pages p ON p.feed = a.feed AND p.article_id = a.id
             WHERE a.first_seen >= ?1 ORDER BY a.first_seen, a.feed, a.id",
        )?;
        let rows = stmt.query_map([rfc3339(since)], row_article)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// At most `limit` articles first seen at or after `since`, newest first.
    pub fn newest_articles(
        &self,
        since: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<Article>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT a.feed, a.id, a.guid, a.url, a.title, a.summary, a.content, a.published,
               a.updated, COALESCE(p.text, '') FROM articles a
             LEFT JOIN pages p ON p.feed = a.feed AND p.article_id = a.id
             WHERE a.first_seen >= ?1 ORDER BY a.first_seen DESC, a.feed, a.id LIMIT ?2",
        )?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = stmt.query_map(params![rfc3339(since), limit], row_article)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// One stored article.
    pub fn stored_article(&self, feed: &str, id: &str) -> Result<Option<Article>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT a.feed, a.id, a.guid, a.url, a.title, a.summary, a.content, a.published,
               a.updated, COALESCE(p.text, '') FROM articles a
             LEFT JOIN pages p ON p.feed = a.feed AND p.article_id = a.id
             WHERE a.feed = ?1 AND a.id = ?2",
        )?;
        Ok(stmt.query_row(params![feed, id], row_article).optional()?)
    }

    /// Alerts created at or after `since`, oldest first.
    pub fn alerts_since(&self, since: DateTime<Utc>) -> Result<Vec<PastAlert>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT id, watchlist, created_at, article_feed, article_id FROM alerts
             WHERE created_at >= ?1 ORDER BY created_at, id",
        )?;
        let rows = stmt.query_map([rfc3339(since)], |r| {
            Ok(PastAlert {
                id: r.get(0)?,
                watchlist: r.get(1)?,
                created_at: r.get(2)?,
                article_feed: r.get(3)?,
                article_id: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Deletes stored articles first seen before `before`, with their search index rows,
    /// in one transaction; returns how many. The once-per-story record and the outbox
    /// are kept.
    pub fn prune_articles(&self, before: DateTime<Utc>) -> Result<usize, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let before = rfc3339(before);
        super::desk::unindex_articles_before(&tx, &before)?;
        let n = tx.execute(
            "DELETE FROM articles WHERE first_seen < ?1",
            params![before],
        )?;
        // Fetched pages go with their articles.
        tx.execute(
            "DELETE FROM pages WHERE NOT EXISTS (SELECT 1 FROM articles a
               WHERE a.feed = pages.feed AND a.id = pages.article_id)",
            [],
        )?;
        // So do the band keys of alerts that old: their fingerprints went with them.
        tx.execute(
            "DELETE FROM near_bands WHERE alert_id IN (SELECT id FROM alerts WHERE created_at < ?1)",
            params![before],
        )?;
        tx.commit()?;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::ago;

    #[test]
    fn articles_past_retention_are_pruned_and_the_rest_kept() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path()).unwrap();
        let old = Article::new(
            "f",
            Some("old".into()),
            None,
            "Old".into(),
            String::new(),
            "text".into(),
            None,
            None,
        );
        let new = Article::new(
            "f",
            Some("new".into()),
            None,
            "New".into(),
            String::new(),
            "text".into(),
            None,
            None,
        );
        let forty_days = std::time::Duration::from_secs(40 * 24 * 3600);
        store
            .record_article(&old, "m", Vec::new(), None, ago(forty_days))
            .unwrap();
        store
            .record_article(&new, "m", Vec::new(), None, Utc::now())
            .unwrap();
        let month = std::time::Duration::from_secs(30 * 24 * 3600);
        assert_eq!(store.stored_articles(ago(forty_days * 2)).unwrap().len(), 2);
        assert_eq!(store.prune_articles(ago(month)).unwrap(), 1);
        let left = store.stored_articles(ago(forty_days * 2)).unwrap();
        assert_eq!(left.len(), 1);
        assert_eq!(left[0], new);
        assert_eq!(
            store.stored_article("f", new.id.as_str()).unwrap(),
            Some(new)
        );
    }

    #[test]
    fn ago_clamps_huge_durations() {
        assert_eq!(
            ago(std::time::Duration::from_secs(u64::MAX)),
            DateTime::<Utc>::MIN_UTC
        );
    }
}
