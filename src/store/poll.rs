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

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};

use super::schedule::{write_schedule, FeedSchedule};
use super::seen::{queue_alert, record_in, record_poll_in};
use super::{NearDupCheck, NewAlert, PollRecord, Recorded, Store, StoreError};
use crate::feeds::Article;

/// One article to record, with the alerts it would raise.
pub struct ArticleWrite<'a> {
    /// The article.
    pub article: &'a Article,
    /// Candidate alerts (queued unless the story was seen, or is a near copy).
    pub alerts: Vec<NewAlert>,
    /// The near-duplicate check, when enabled and the article would alert.
    pub near: Option<NearDupCheck<'a>>,
}

/// Everything one poll writes.
pub struct PollWrite<'a> {
    /// The outcome and validators.
    pub record: PollRecord<'a>,
    /// The next poll, when scheduled.
    pub schedule: Option<FeedSchedule>,
    /// New or changed articles.
    pub articles: Vec<ArticleWrite<'a>>,
    /// Feed-health alerts.
    pub health: Vec<NewAlert>,
    /// The watchlists' fingerprint the articles were matched with.
    pub matcher: &'a str,
    /// When.
    pub now: DateTime<Utc>,
}

impl Store {
    /// For each of `articles` (all of one feed), whether it was processed before with the
    /// same text by the watchlists whose fingerprint is `matcher`.
    pub fn unchanged_articles(
        &self,
        articles: &[Article],
        matcher: &str,
    ) -> Result<Vec<bool>, StoreError> {
        let conn = self.poll_conn();
        let mut stmt = conn.prepare_cached(
            "SELECT content_hash, matched_with FROM articles WHERE feed = ?1 AND id = ?2",
        )?;
        let mut out = Vec::with_capacity(articles.len());
        for a in articles {
            let row: Option<(String, String)> = stmt
                .query_row(params![a.feed, a.id.as_str()], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })
                .optional()?;
            out.push(row.is_some_and(|(hash, with)| hash == a.content_hash() && with == matcher));
        }
        Ok(out)
    }

    /// Per article, whether it is stored already (seen on an earlier poll of its feed).
    pub fn known_articles(&self, articles: &[&Article]) -> Result<Vec<bool>, StoreError> {
        let conn = self.poll_conn();
        let mut stmt = conn.prepare_cached("SELECT 1 FROM articles WHERE feed = ?1 AND id = ?2")?;
        let mut out = Vec::with_capacity(articles.len());
        for a in articles {
            let row: Option<i64> = stmt
                .query_row(params![a.feed, a.id.as_str()], |r| r.get(0))
                .optional()?;
            out.push(row.is_some());
        }
        Ok(out)
    }

    /// Commits everything one poll wrote: in its own transaction (`synchronous = FULL`)
    /// when it may queue an alert, else in the poll batch (see [`super::batch`]); returns,
    /// per article, what recording it did.
    pub fn finish_poll(&self, w: PollWrite<'_>) -> Result<Vec<Recorded>, StoreError> {
        let may_alert = !w.health.is_empty() || w.articles.iter().any(|a| !a.alerts.is_empty());
        let mut conn = self.poll_conn();
        if !may_alert {
            return conn
                .db()
                .in_batch(|| self.spawn_flush(), |c| write_poll(c, w));
        }
        conn.db().commit_batch()?;
        let tx = conn.transaction()?;
        let recorded = write_poll(&tx, w)?;
        tx.commit()?;
        Ok(recorded)
    }
}

/// Writes everything one poll learnt.
fn write_poll(c: &Connection, w: PollWrite<'_>) -> Result<Vec<Recorded>, StoreError> {
    let mut recorded = Vec::with_capacity(w.articles.len());
    for a in w.articles {
        recorded.push(record_in(c, a.article, w.matcher, a.alerts, a.near, w.now)?);
    }
    record_poll_in(c, &w.record)?;
    if let Some(s) = &w.schedule {
        write_schedule(c, w.record.feed, s)?;
    }
    for h in &w.health {
        queue_alert(c, h, None, w.now)?;
    }
    Ok(recorded)
}
