//! Each feed's schedule as the state remembers it: when it is next due, the interval that
//! led there and why. Written with every poll, read by a (re)started daemon so it honours
//! the schedule instead of polling everything at once, and by the status page.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};

use super::{FeedState, Store, StoreError};

/// When a feed is next due, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FeedSchedule {
    /// The next poll.
    pub next_poll: DateTime<Utc>,
    /// The interval chosen after the last poll (before jitter).
    #[serde(with = "humantime_serde")]
    pub interval: Duration,
    /// What chose it: `interval`, `publishing`, `cache-control`, `ttl`,
    /// `sy:updatePeriod`, `backoff` or `retry-after`.
    pub reason: String,
}

type Row = (Option<i64>, Option<i64>, Option<String>);

fn from_row((next, interval, reason): Row) -> Option<FeedSchedule> {
    Some(FeedSchedule {
        next_poll: DateTime::from_timestamp_millis(next?)?,
        interval: Duration::from_millis(u64::try_from(interval?).ok()?),
        reason: reason?,
    })
}

impl Store {
    /// The remembered schedule of `feed`, if it was polled since schedules were kept.
    pub fn feed_schedule(&self, feed: &str) -> Result<Option<FeedSchedule>, StoreError> {
        let conn = self.poll_conn();
        let mut stmt = conn.prepare_cached(
            "SELECT next_poll, poll_interval_ms, poll_reason FROM feeds WHERE name = ?1",
        )?;
        let row: Option<Row> = stmt
            .query_row([feed], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()?;
        Ok(row.and_then(from_row))
    }

    /// Every remembered schedule, by feed name (for `/api/status` and the status page).
    pub fn feed_schedules(&self) -> Result<HashMap<String, FeedSchedule>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare_cached("SELECT name, next_poll, poll_interval_ms, poll_reason FROM feeds")?;
        let rows = stmt.query_map([], |r| {
            let row: Row = (r.get(1)?, r.get(2)?, r.get(3)?);
            Ok((r.get::<_, String>(0)?, row))
        })?;
        let mut out = HashMap::new();
        for row in rows {
            let (name, row) = row?;
            if let Some(s) = from_row(row) {
                out.insert(name, s);
            }
        }
        Ok(out)
    }
}

impl Store {
    /// Every feed's remembered state and schedule, by name, in one query (for `once`,
    /// which would otherwise ask twice per feed).
    pub fn known_feeds(&self) -> Result<HashMap<String, Known>, StoreError> {
        let conn = self.poll_conn();
        let mut stmt = conn.prepare_cached(
            "SELECT name, etag, last_modified, last_poll, last_result, last_error,
               consecutive_failures, next_poll, poll_interval_ms, poll_reason FROM feeds",
        )?;
        let rows = stmt.query_map([], |r| {
            let state = super::seen::feed_state_row(r)?;
            let schedule = from_row((r.get(7)?, r.get(8)?, r.get(9)?));
            Ok((state.name.clone(), (state, schedule)))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

/// A feed's remembered state and schedule.
pub type Known = (FeedState, Option<FeedSchedule>);

/// Stores `schedule` for `feed` (whose row exists: the poll record comes first).
pub(super) fn write_schedule(
    tx: &Connection,
    feed: &str,
    schedule: &FeedSchedule,
) -> Result<(), StoreError> {
    let interval = i64::try_from(schedule.interval.as_millis()).unwrap_or(i64::MAX);
    tx.prepare_cached(
        "UPDATE feeds SET next_poll = ?2, poll_interval_ms = ?3, poll_reason = ?4 WHERE name = ?1",
    )?
    .execute(params![
        feed,
        schedule.next_poll.timestamp_millis(),
        interval,
        schedule.reason
    ])?;
    Ok(())
}
