//! Article pages fetched for `full_text` feeds: one row per story and feed, with the
//! readable text or the reason there is none. A row means "tried": a page is fetched once
//! per story and never retried. Rows go when their article is pruned.

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{params, OptionalExtension};

use super::{Store, StoreError};

/// What became of one article page.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PageRecord {
    /// The page's URL (the item's link).
    pub url: String,
    /// `ok` or `failed`.
    pub status: String,
    /// Why it failed (names what and where), when it did.
    pub reason: Option<String>,
    /// Characters of readable text kept.
    pub chars: usize,
    /// When it was fetched (RFC 3339).
    pub fetched_at: String,
}

impl Store {
    /// Whether the page of `article_id` (from `feed`) was already tried.
    pub fn page_tried(&self, feed: &str, article_id: &str) -> Result<bool, StoreError> {
        let conn = self.conn();
        let mut stmt =
            conn.prepare_cached("SELECT 1 FROM pages WHERE feed = ?1 AND article_id = ?2")?;
        Ok(stmt.exists(params![feed, article_id])?)
    }

    /// Records a fetched page: its readable text (`Ok`) or why there is none (`Err`).
    pub fn record_page(
        &self,
        feed: &str,
        article_id: &str,
        url: &str,
        got: Result<&str, &str>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let (status, reason, text) = match got {
            Ok(text) => ("ok", None, text),
            Err(reason) => ("failed", Some(reason), ""),
        };
        let conn = self.conn();
        conn.prepare_cached(
            "INSERT INTO pages (feed, article_id, url, status, reason, text, fetched_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT(feed, article_id) DO UPDATE SET url = ?3, status = ?4, reason = ?5,
               text = ?6, fetched_at = ?7",
        )?
        .execute(params![
            feed,
            article_id,
            url,
            status,
            reason,
            text,
            now.to_rfc3339_opts(SecondsFormat::Secs, true)
        ])?;
        Ok(())
    }

    /// What became of the page of `article_id` (from `feed`), if it was tried.
    pub fn page_record(
        &self,
        feed: &str,
        article_id: &str,
    ) -> Result<Option<PageRecord>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT url, status, reason, length(text), fetched_at FROM pages
             WHERE feed = ?1 AND article_id = ?2",
        )?;
        let row = stmt
            .query_row(params![feed, article_id], |r| {
                Ok(PageRecord {
                    url: r.get(0)?,
                    status: r.get(1)?,
                    reason: r.get(2)?,
                    chars: r.get::<_, i64>(3)? as usize,
                    fetched_at: r.get(4)?,
                })
            })
            .optional()?;
        Ok(row)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_is_tried_once_and_its_reason_kept() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        assert!(!store.page_tried("f", "a1").unwrap());
        let now = Utc::now();
        store
            .record_page("f", "a1", "http://x/1", Err("not an HTML page"), now)
            .unwrap();
        assert!(store.page_tried("f", "a1").unwrap());
        let rec = store.page_record("f", "a1").unwrap().unwrap();
        assert_eq!(rec.status, "failed");
        assert_eq!(rec.reason.as_deref(), Some("not an HTML page"));
        store
            .record_page("f", "a2", "http://x/2", Ok("body text"), now)
            .unwrap();
        let ok = store.page_record("f", "a2").unwrap().unwrap();
        assert_eq!((ok.status.as_str(), ok.chars), ("ok", 9));
    }
}
