//! Feed validators and poll results, articles already processed, and the once-per-story
//! guarantee: a story's keys are remembered per watchlist in the same transaction that
//! queues its alert.

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{params, Connection, OptionalExtension};

use super::bands;
use super::copies::record_copy;
use super::desk::Search;
use super::SqliteStore;
use crate::feeds::{lsh, Article};
use crate::store::{FeedState, NearDupCheck, NewAlert, PollRecord, Recorded, StoreError};

/// Maps the first eight columns of a `SELECT name, etag, last_modified, last_poll,
/// last_result, last_error, consecutive_failures, polled_by …` row.
pub(super) fn feed_state_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<FeedState> {
    Ok(FeedState {
        name: r.get(0)?,
        etag: r.get(1)?,
        last_modified: r.get(2)?,
        last_poll: r.get(3)?,
        last_result: r.get(4)?,
        last_error: r.get(5)?,
        consecutive_failures: r.get(6)?,
        polled_by: r.get(7)?,
    })
}

impl SqliteStore {
    /// The remembered state of `feed`, if it was ever polled.
    pub fn feed_state(&self, feed: &str) -> Result<Option<FeedState>, StoreError> {
        let conn = self.poll_conn();
        let row = conn
            .query_row(
                "SELECT name, etag, last_modified, last_poll, last_result, last_error, consecutive_failures,
                   polled_by FROM feeds WHERE name = ?1",
                [feed],
                feed_state_row,
            )
            .optional()?;
        Ok(row)
    }

    /// Records a poll's outcome; validators are replaced only when given.
    pub fn record_poll(&self, rec: &PollRecord) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        record_poll_in(&tx, rec, "")?;
        tx.commit()?;
        Ok(())
    }

    /// Whether `article` was already processed from its feed with the same text, by the
    /// watchlists whose fingerprint is `matcher`.
    pub fn article_unchanged(&self, article: &Article, matcher: &str) -> Result<bool, StoreError> {
        let conn = self.conn();
        let row: Option<(String, String)> = conn
            .query_row(
                "SELECT content_hash, matched_with FROM articles WHERE feed = ?1 AND id = ?2",
                params![article.feed, article.id.as_str()],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let stored = row.as_ref().map(|(h, w)| (h.as_str(), w.as_str()));
        Ok(crate::store::decide::unchanged(
            stored,
            &article.content_hash(),
            matcher,
        ))
    }

    /// Records `article` as processed and queues those of `alerts` whose story was not yet
    /// seen by their watchlist, in one transaction. With `near`, a story that is a near
    /// copy of one already alerted for the watchlist is recorded as a copy instead.
    pub fn record_article(
        &self,
        article: &Article,
        matcher: &str,
        alerts: Vec<NewAlert>,
        near: Option<&NearDupCheck>,
        now: DateTime<Utc>,
    ) -> Result<Recorded, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let out = record_in(&tx, self.search(), article, matcher, alerts, near, now)?;
        tx.commit()?;
        Ok(out)
    }
}

/// Writes a poll's outcome inside `tx`; validators are replaced only when given.
pub(super) fn record_poll_in(
    tx: &Connection,
    rec: &PollRecord,
    by: &str,
) -> Result<(), StoreError> {
    let at = rec.at.to_rfc3339_opts(SecondsFormat::Secs, true);
    let failed = rec.error.is_some();
    tx.prepare_cached(
        "INSERT INTO feeds (name, last_poll, last_result, last_error, consecutive_failures, polled_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT(name) DO UPDATE SET last_poll = ?2, last_result = ?3, last_error = ?4,
           consecutive_failures = CASE WHEN ?5 = 1 THEN consecutive_failures + 1 ELSE 0 END,
           polled_by = ?6, lease_owner = NULL",
    )?
    .execute(params![rec.feed, at, rec.result, rec.error, failed as i64, by])?;
    if let Some((etag, last_modified)) = &rec.validators {
        tx.prepare_cached("UPDATE feeds SET etag = ?2, last_modified = ?3 WHERE name = ?1")?
            .execute(params![rec.feed, etag, last_modified])?;
    }
    Ok(())
}

/// Records `article` and queues those of `alerts` whose story its watchlist has not seen,
/// inside `tx` (see [`SqliteStore::record_article`]).
pub(super) fn record_in(
    tx: &Connection,
    search: Search,
    article: &Article,
    matcher: &str,
    alerts: Vec<NewAlert>,
    near: Option<&NearDupCheck>,
    now: DateTime<Utc>,
) -> Result<Recorded, StoreError> {
    let mut out = Recorded::default();
    for new in alerts {
        let watchlist = new.alert.watchlist.as_str();
        if story_seen(tx, watchlist, &new.story_keys)? {
            continue;
        }
        let keys = near.map(|n| lsh::band_keys(&n.fingerprint, watchlist));
        // A revision alert is about a story already alerted: never a near copy of it.
        if let (Some(check), Some(keys), None) = (near, &keys, &new.alert.revision_of) {
            if let Some(original) = bands::find_original(tx, watchlist, keys, check)? {
                record_copy(tx, &original, watchlist, article, now)?;
                out.copies.push((watchlist.to_string(), original));
                continue;
            }
        }
        queue_alert(tx, search, &new, Some(article), now)?;
        if let Some(keys) = &keys {
            bands::index(tx, &new.alert.id, keys)?;
        }
        out.queued.push(new.alert);
    }
    let fingerprint = near.map(|n| n.fingerprint.to_bytes());
    upsert_article(tx, search, article, matcher, fingerprint, now)?;
    Ok(out)
}

impl SqliteStore {
    /// The alert already queued for this story under `watchlist`, if any (read only).
    pub fn story_alert(
        &self,
        watchlist: &str,
        keys: &[String],
    ) -> Result<Option<String>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare_cached("SELECT alert_id FROM seen WHERE watchlist = ?1 AND story_key = ?2")?;
        for key in keys {
            if let Some(id) = stmt
                .query_row(params![watchlist, key], |r| r.get(0))
                .optional()?
            {
                return Ok(Some(id));
            }
        }
        Ok(None)
    }
}

fn story_seen(tx: &Connection, watchlist: &str, keys: &[String]) -> Result<bool, StoreError> {
    let mut stmt =
        tx.prepare_cached("SELECT 1 FROM seen WHERE watchlist = ?1 AND story_key = ?2")?;
    for key in keys {
        if stmt.exists(params![watchlist, key])? {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Writes the alert, its story keys and one pending delivery per sink (due `now`).
pub(super) fn queue_alert(
    tx: &Connection,
    search: Search,
    new: &NewAlert,
    article: Option<&Article>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let a = &new.alert;
    let body = serde_json::to_string(a).map_err(|source| StoreError::Corrupt {
        id: a.id.clone(),
        source,
    })?;
    let at = now.to_rfc3339_opts(SecondsFormat::Secs, true);
    let inserted = tx
        .prepare_cached(
            "INSERT OR IGNORE INTO alerts (id, watchlist, created_at, body, article_feed, article_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?
        .execute(params![
            a.id,
            a.watchlist,
            at,
            body,
            article.map_or("", |a| a.feed.as_str()),
            article.map_or("", |a| a.id.as_str())
        ])?;
    if inserted == 1 {
        super::desk::index_alert(tx, search, tx.last_insert_rowid(), a)?;
    }
    for key in &new.story_keys {
        tx.execute(
            "INSERT OR IGNORE INTO seen (watchlist, story_key, alert_id) VALUES (?1, ?2, ?3)",
            params![a.watchlist, key, a.id],
        )?;
    }
    for sink in &new.sinks {
        tx.execute(
            "INSERT OR IGNORE INTO deliveries (alert_id, sink, status, next_attempt_at, updated_at)
             VALUES (?1, ?2, 'pending', ?3, ?4)",
            params![a.id, sink, now.timestamp_millis(), at],
        )?;
    }
    super::desk::hold_if_muted(tx, new, now)?;
    Ok(())
}

fn upsert_article(
    tx: &Connection,
    search: Search,
    a: &Article,
    matcher: &str,
    fingerprint: Option<Vec<u8>>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let hash = a.content_hash();
    // The stored row and its text's hash: the index is rewritten only when it changed.
    let before: Option<(i64, String)> = tx
        .prepare_cached("SELECT rowid, content_hash FROM articles WHERE feed = ?1 AND id = ?2")?
        .query_row(params![a.feed, a.id.as_str()], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    // No RETURNING: SQLite runs it as a trigger, and a statement with a trigger opens a
    // statement journal, whose savepoint makes FTS5 write its pending index to disk.
    tx.prepare_cached(
        "INSERT INTO articles (feed, id, content_hash, url, guid, title, published, first_seen,
               matched_with, summary, content, updated, fingerprint)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
             ON CONFLICT(feed, id) DO UPDATE SET content_hash = ?3, url = ?4, guid = ?5, title = ?6,
               published = ?7, matched_with = ?9, summary = ?10, content = ?11, updated = ?12,
               fingerprint = COALESCE(?13, fingerprint)",
    )?
    .execute(params![
        a.feed,
        a.id.as_str(),
        hash,
        a.url,
        a.guid,
        a.title,
        a.published
            .map(|d| d.to_rfc3339_opts(SecondsFormat::Secs, true)),
        now.to_rfc3339_opts(SecondsFormat::Secs, true),
        matcher,
        a.summary,
        a.content,
        a.updated
            .map(|d| d.to_rfc3339_opts(SecondsFormat::Secs, true)),
        fingerprint,
    ])?;
    match before {
        None => super::desk::index_article(tx, search, tx.last_insert_rowid(), a),
        Some((rowid, stored)) if stored != hash => {
            super::desk::unindex_article(tx, search, rowid)?;
            super::desk::index_article(tx, search, rowid, a)
        }
        Some(_) => Ok(()),
    }
}
