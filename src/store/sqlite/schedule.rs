//! Each feed's schedule as the state remembers it: when it is next due, the interval that
//! led there and why. Written with every poll, read by a (re)started daemon so it honours
//! the schedule instead of polling everything at once, and by the status page.

use std::collections::HashMap;
use std::time::Duration;

use chrono::DateTime;
use rusqlite::{params, Connection, OptionalExtension};

use super::SqliteStore;
use crate::store::{
    decide, owner_is_gone, Claim, FeedClaim, FeedSchedule, Known, Lease, StoreError,
};

pub(super) const KNOWN: &str =
    "SELECT name, etag, last_modified, last_poll, last_result, last_error,
    consecutive_failures, polled_by, next_poll, poll_interval_ms, poll_reason, lease_owner
    FROM feeds";

/// Maps a [`KNOWN`] row: what is known, the next poll, and whether an unfinished claim's
/// owner is gone.
pub(super) fn known_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(Known, Option<i64>, bool)> {
    let state = super::seen::feed_state_row(r)?;
    let next: Option<i64> = r.get(8)?;
    let schedule = from_row((next, r.get(9)?, r.get(10)?));
    let owner: Option<String> = r.get(11)?;
    let orphaned = owner.as_deref().is_some_and(owner_is_gone);
    Ok(((state, schedule), next, orphaned))
}

type Row = (Option<i64>, Option<i64>, Option<String>);

fn from_row((next, interval, reason): Row) -> Option<FeedSchedule> {
    Some(FeedSchedule {
        next_poll: DateTime::from_timestamp_millis(next?)?,
        interval: Duration::from_millis(u64::try_from(interval?).ok()?),
        reason: reason?,
    })
}

impl SqliteStore {
    /// The remembered schedule of `feed`, if it was polled since schedules were kept; a
    /// claim left unfinished by a process that is gone is due when its hold ends, at once
    /// if that has passed.
    pub fn feed_schedule(&self, feed: &str) -> Result<Option<FeedSchedule>, StoreError> {
        let conn = self.poll_conn();
        let mut stmt = conn.prepare_cached(&format!("{KNOWN} WHERE name = ?1"))?;
        let row = stmt.query_row([feed], known_row).optional()?;
        Ok(row.and_then(|((_, schedule), _, orphaned)| {
            let mut schedule = schedule?;
            if orphaned {
                schedule.next_poll = schedule.next_poll.max(chrono::Utc::now());
            }
            Some(schedule)
        }))
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

impl SqliteStore {
    /// Every feed's remembered state and schedule, by name, in one query (for `once`,
    /// which would otherwise ask twice per feed).
    pub fn known_feeds(&self) -> Result<HashMap<String, Known>, StoreError> {
        let conn = self.poll_conn();
        let mut stmt = conn.prepare_cached(KNOWN)?;
        let rows = stmt.query_map([], |r| {
            let (known, ..) = known_row(r)?;
            Ok((known.0.name.clone(), known))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Claims `c.feed` when it is due (see [`crate::store::PollStore::claim_feed`]). The
    /// claim joins the poll batch: only one daemon runs on a SQLite state (the pid file
    /// sees to that), so no other process needs to see it at once, and a claim a crash
    /// forgets leaves the feed due, as it was.
    pub fn claim_feed(&self, c: &FeedClaim) -> Result<Claim, StoreError> {
        let mut conn = self.poll_conn();
        conn.db()
            .in_batch(|| self.spawn_flush(), |tx| claim_in(tx, c))
    }
}

fn claim_in(tx: &Connection, c: &FeedClaim) -> Result<Claim, StoreError> {
    let row = tx
        .prepare_cached(&format!("{KNOWN} WHERE name = ?1"))?
        .query_row([&c.feed], known_row)
        .optional()?;
    let next = row.as_ref().and_then(|(_, next, _)| *next);
    let orphaned = row.as_ref().is_some_and(|(.., orphaned)| *orphaned);
    if row.is_some() && !orphaned && !decide::claimable(next, c.now) {
        let next_poll = next
            .and_then(DateTime::from_timestamp_millis)
            .unwrap_or(c.now);
        return Ok(Claim::Taken { next_poll });
    }
    let lease = Lease {
        owner: c.owner.clone(),
        token: decide::lease_token(),
    };
    tx.prepare_cached(
        "INSERT INTO feeds (name, next_poll, lease_owner, lease_token) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(name) DO UPDATE SET next_poll = ?2, lease_owner = ?3, lease_token = ?4",
    )?
    .execute(params![
        c.feed,
        decide::lease_until(c.now, c.hold),
        lease.owner,
        lease.token
    ])?;
    let known = row.map(|(known, ..)| Box::new(known));
    Ok(Claim::Mine { lease, known })
}

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
