//! Article pages fetched for `full_text` feeds: one row per story and feed, with the
//! readable text or the reason there is none. A row means "tried": a page is fetched once
//! per story and never retried. Rows go when their article is pruned.

use chrono::SecondsFormat;
use rusqlite::{params, OptionalExtension};

use super::seen::record_in;
use super::SqliteStore;
use crate::store::{PageRecord, PageWrite, Recorded, StoreError};

impl SqliteStore {
    /// For each of `ids` (articles of `feed`), whether its page was already tried.
    pub fn pages_tried(&self, feed: &str, ids: &[String]) -> Result<Vec<bool>, StoreError> {
        let conn = self.conn();
        let mut stmt =
            conn.prepare_cached("SELECT 1 FROM pages WHERE feed = ?1 AND article_id = ?2")?;
        ids.iter()
            .map(|id| Ok(stmt.exists(params![feed, id])?))
            .collect()
    }

    /// Records a page and queues the alerts its text adds, in one transaction.
    pub fn finish_page(&self, w: PageWrite) -> Result<Recorded, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let (status, reason, text) = match &w.outcome {
            Ok(()) => ("ok", None, w.article.article.as_str()),
            Err(reason) => ("failed", Some(reason.as_str()), ""),
        };
        tx.prepare_cached(
            "INSERT INTO pages (feed, article_id, url, status, reason, text, fetched_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT(feed, article_id) DO UPDATE SET url = ?3, status = ?4, reason = ?5,
               text = ?6, fetched_at = ?7",
        )?
        .execute(params![
            w.article.feed,
            w.article.id.as_str(),
            w.url,
            status,
            reason,
            text,
            w.now.to_rfc3339_opts(SecondsFormat::Secs, true)
        ])?;
        let recorded = match w.alerts.is_empty() {
            true => Recorded::default(),
            false => record_in(
                &tx,
                self.search(),
                &w.article,
                &w.matcher,
                w.alerts,
                w.near.as_ref(),
                w.now,
            )?,
        };
        tx.commit()?;
        Ok(recorded)
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
    use chrono::Utc;

    use super::*;
    use crate::feeds::Article;

    fn write(id: &str, outcome: Result<(), String>, text: &str) -> PageWrite {
        let mut article = Article::new(
            "f",
            Some(id.into()),
            Some(format!("http://x/{id}")),
            "t".into(),
            String::new(),
            String::new(),
            None,
            None,
        );
        article.article = text.into();
        PageWrite {
            url: format!("http://x/{id}"),
            article,
            outcome,
            alerts: Vec::new(),
            near: None,
            matcher: String::new(),
            now: Utc::now(),
        }
    }

    #[test]
    fn a_page_is_tried_once_and_its_reason_kept() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path()).unwrap();
        let a1 = write("a1", Err("not an HTML page".into()), "");
        let id1 = a1.article.id.as_str().to_string();
        assert_eq!(
            store.pages_tried("f", std::slice::from_ref(&id1)).unwrap(),
            vec![false]
        );
        store.finish_page(a1).unwrap();
        assert_eq!(
            store.pages_tried("f", std::slice::from_ref(&id1)).unwrap(),
            vec![true]
        );
        let rec = store.page_record("f", &id1).unwrap().unwrap();
        assert_eq!(rec.status, "failed");
        assert_eq!(rec.reason.as_deref(), Some("not an HTML page"));
        let a2 = write("a2", Ok(()), "body text");
        let id2 = a2.article.id.as_str().to_string();
        store.finish_page(a2).unwrap();
        let ok = store.page_record("f", &id2).unwrap().unwrap();
        assert_eq!((ok.status.as_str(), ok.chars), ("ok", 9));
    }
}
