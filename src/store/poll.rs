//! One poll's writes in one transaction: the articles it processed (with the alerts they
//! queue), the poll's outcome and validators, the next poll time, and any feed-health
//! alert. Polling thousands of feeds costs one commit per feed, not one per article.
//!
//! Durability: a commit that queues an alert is on disk when it returns (`synchronous =
//! FULL`, as everywhere). A commit that queues none is made with `synchronous = NORMAL`:
//! it survives a crash of the process, and a power cut may forget it — those articles
//! are then simply processed again, and the alerts they raised before were committed
//! with FULL (in WAL mode a FULL commit also makes every earlier commit durable).

use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};

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
        let conn = self.conn();
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

    /// Commits everything one poll wrote, in one transaction; returns, per article, what
    /// recording it did.
    pub fn finish_poll(&self, w: PollWrite<'_>) -> Result<Vec<Recorded>, StoreError> {
        let may_alert = !w.health.is_empty() || w.articles.iter().any(|a| !a.alerts.is_empty());
        let mut conn = self.conn();
        if !may_alert {
            conn.execute_batch("PRAGMA synchronous = NORMAL")?;
        }
        let result = (|| {
            let tx = conn.transaction()?;
            let mut recorded = Vec::with_capacity(w.articles.len());
            for a in w.articles {
                recorded.push(record_in(
                    &tx, a.article, w.matcher, a.alerts, a.near, w.now,
                )?);
            }
            record_poll_in(&tx, &w.record)?;
            if let Some(s) = &w.schedule {
                write_schedule(&tx, w.record.feed, s)?;
            }
            for h in &w.health {
                queue_alert(&tx, h, None, w.now)?;
            }
            tx.commit()?;
            Ok(recorded)
        })();
        if !may_alert {
            conn.execute_batch("PRAGMA synchronous = FULL")?;
        }
        result
    }
}
