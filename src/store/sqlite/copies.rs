//! Near-duplicate stories: a later copy of a story already alerted for a watchlist (same
//! wire story, other link) does not alert again; it is recorded against the first alert,
//! and listed as `also_seen_in` when that alert is sent.

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{params, Connection};

use super::SqliteStore;
use crate::alert::SeenIn;
use crate::feeds::Article;
use crate::store::StoreError;

/// Records `article` as a copy of `alert_id`, and its story keys as seen under that alert.
pub(super) fn record_copy(
    tx: &Connection,
    alert_id: &str,
    watchlist: &str,
    article: &Article,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    tx.execute(
        "INSERT OR IGNORE INTO copies (alert_id, feed, article_id, url, title, seen_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            alert_id,
            article.feed,
            article.id.as_str(),
            article.url,
            article.title,
            now.to_rfc3339_opts(SecondsFormat::Secs, true)
        ],
    )?;
    for key in article.story_keys() {
        tx.execute(
            "INSERT OR IGNORE INTO seen (watchlist, story_key, alert_id) VALUES (?1, ?2, ?3)",
            params![watchlist, key, alert_id],
        )?;
    }
    Ok(())
}

impl SqliteStore {
    /// The copies recorded for an alert, in the order they were seen.
    pub fn copies_of(&self, alert_id: &str) -> Result<Vec<SeenIn>, StoreError> {
        copies_with(&self.conn(), alert_id)
    }
}

/// [`SqliteStore::copies_of`] on a connection already locked.
pub(super) fn copies_with(
    conn: &rusqlite::Connection,
    alert_id: &str,
) -> Result<Vec<SeenIn>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT feed, url, title FROM copies WHERE alert_id = ?1 ORDER BY seen_at, feed, article_id",
    )?;
    let rows = stmt.query_map([alert_id], |r| {
        Ok(SeenIn::bounded(r.get(0)?, r.get(1)?, r.get(2)?))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}
