//! One poll's writes in one transaction: the articles it processed (with the alerts they
//! queue), the poll's outcome and validators, the next poll time, and any feed-health
//! alert. Polling thousands of feeds costs one commit per feed, not one per article.
//!
//! Durability: a poll that queues an alert commits on its own and is on disk when the
//! commit returns (`synchronous = FULL`, as everywhere). A poll that queues none joins the
//! poll batch (see [`super::batch`]), committed with `synchronous = NORMAL`: it survives a
//! crash of the process once committed, and a power cut may forget it — those articles
//! are then simply processed again, and the alerts they raised before were committed
//! with FULL (in WAL mode a FULL commit also makes every earlier commit durable).

use rusqlite::{params, Connection, OptionalExtension};

use super::desk::Search;
use super::schedule::write_schedule;
use super::seen::{queue_alert, record_in, record_poll_in};
use super::SqliteStore;
use crate::store::{decide, Lease, PollWrite, Recorded, StoreError};

impl SqliteStore {
    /// For each `(id, content hash)` of `feed`, whether it was processed before with the
    /// same text by the watchlists whose fingerprint is `matcher`.
    pub fn unchanged_articles(
        &self,
        feed: &str,
        articles: &[(String, String)],
        matcher: &str,
    ) -> Result<Vec<bool>, StoreError> {
        let conn = self.poll_conn();
        let mut stmt = conn.prepare_cached(
            "SELECT content_hash, matched_with FROM articles WHERE feed = ?1 AND id = ?2",
        )?;
        let mut out = Vec::with_capacity(articles.len());
        for (id, hash) in articles {
            let row: Option<(String, String)> = stmt
                .query_row(params![feed, id], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?;
            let stored = row.as_ref().map(|(h, w)| (h.as_str(), w.as_str()));
            out.push(decide::unchanged(stored, hash, matcher));
        }
        Ok(out)
    }

    /// For each article id of `feed`, whether it is stored already (an earlier poll).
    pub fn known_articles(&self, feed: &str, ids: &[String]) -> Result<Vec<bool>, StoreError> {
        let conn = self.poll_conn();
        let mut stmt = conn.prepare_cached("SELECT 1 FROM articles WHERE feed = ?1 AND id = ?2")?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            let row: Option<i64> = stmt.query_row(params![feed, id], |r| r.get(0)).optional()?;
            out.push(row.is_some());
        }
        Ok(out)
    }

    /// Commits everything one poll wrote: in its own transaction (`synchronous = FULL`)
    /// when it may queue an alert, else in the poll batch (see [`super::batch`]); returns,
    /// per article, what recording it did.
    pub fn finish_poll(&self, w: PollWrite) -> Result<Vec<Recorded>, StoreError> {
        let may_alert = w.may_alert();
        let search = self.search();
        let mut conn = self.poll_conn();
        if !may_alert {
            return conn
                .db()
                .in_batch(|| self.spawn_flush(), |c| write_poll(c, search, w));
        }
        conn.db().commit_batch()?;
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let recorded = write_poll(&tx, search, w)?;
        tx.commit()?;
        Ok(recorded)
    }
}

/// Writes everything one poll learnt, unless its lease was lost.
fn write_poll(c: &Connection, search: Search, w: PollWrite) -> Result<Vec<Recorded>, StoreError> {
    if let Some(lease) = &w.lease {
        check_lease(c, &w.record.feed, lease)?;
    }
    let mut recorded = Vec::with_capacity(w.articles.len());
    for a in w.articles {
        let rec = record_in(
            c,
            search,
            &a.article,
            &w.matcher,
            a.alerts,
            a.near.as_ref(),
            w.now,
        )?;
        recorded.push(rec);
    }
    record_poll_in(c, &w.record, &w.by)?;
    if let Some(s) = &w.schedule {
        write_schedule(c, &w.record.feed, s)?;
    }
    for h in &w.health {
        queue_alert(c, search, h, None, w.now)?;
    }
    Ok(recorded)
}

/// [`StoreError::LeaseLost`] unless `lease` is the feed's current claim.
fn check_lease(c: &Connection, feed: &str, lease: &Lease) -> Result<(), StoreError> {
    let token: Option<Option<String>> = c
        .prepare_cached("SELECT lease_token FROM feeds WHERE name = ?1")?
        .query_row([feed], |r| r.get(0))
        .optional()?;
    match token.flatten() {
        Some(t) if t == lease.token => Ok(()),
        _ => Err(StoreError::LeaseLost { feed: feed.into() }),
    }
}
