//! Near-duplicate stories: a later copy of a story already alerted for a watchlist (same
//! wire story, other link) does not alert again; it is recorded against the first alert,
//! and listed as `also_seen_in` when that alert is sent.

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{params, Connection};

use super::{Store, StoreError};
use crate::alert::SeenIn;
use crate::feeds::fingerprint::Fingerprint;
use crate::feeds::Article;

/// How to look for an earlier copy of a story.
#[derive(Debug, Clone, Copy)]
pub struct NearDupCheck<'a> {
    /// The new article's fingerprint.
    pub fingerprint: &'a Fingerprint,
    /// Only alerts created since then are compared.
    pub since: DateTime<Utc>,
    /// Similarity at or above which two texts are the same story.
    pub similarity: f64,
}

/// The alert (of `watchlist`, created since the check's window) whose article is a near
/// copy of the new one, if any.
pub(super) fn find_original(
    tx: &Connection,
    watchlist: &str,
    check: &NearDupCheck<'_>,
) -> Result<Option<String>, StoreError> {
    let mut stmt = tx.prepare_cached(
        "SELECT a.id, ar.fingerprint FROM alerts a
         JOIN articles ar ON ar.feed = a.article_feed AND ar.id = a.article_id
         WHERE a.watchlist = ?1 AND a.created_at >= ?2 AND ar.fingerprint IS NOT NULL
         ORDER BY a.created_at",
    )?;
    let since = check.since.to_rfc3339_opts(SecondsFormat::Secs, true);
    let mut rows = stmt.query(params![watchlist, since])?;
    while let Some(row) = rows.next()? {
        let bytes: Vec<u8> = row.get(1)?;
        let Some(earlier) = Fingerprint::from_bytes(&bytes) else {
            continue;
        };
        if earlier.similarity(check.fingerprint) >= check.similarity {
            return Ok(Some(row.get(0)?));
        }
    }
    Ok(None)
}

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

impl Store {
    /// The copies recorded for an alert, in the order they were seen.
    pub fn copies_of(&self, alert_id: &str) -> Result<Vec<SeenIn>, StoreError> {
        copies_with(&self.conn(), alert_id)
    }
}

/// [`Store::copies_of`] on a connection already locked.
pub(super) fn copies_with(
    conn: &rusqlite::Connection,
    alert_id: &str,
) -> Result<Vec<SeenIn>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT feed, url, title FROM copies WHERE alert_id = ?1 ORDER BY seen_at, feed, article_id",
    )?;
    let rows = stmt.query_map([alert_id], |r| {
        Ok(SeenIn {
            feed: r.get(0)?,
            url: r.get(1)?,
            title: r.get(2)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}
