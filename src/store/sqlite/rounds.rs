//! Claim rounds on SQLite: a config's feeds planned at start (rows for new feeds, the
//! remembered next polls settled as [`decide::start_at`] says), then each round the due
//! ones claimed in one transaction of the poll batch, oldest due first.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection};

use super::schedule::{known_row, KNOWN};
use super::SqliteStore;
use crate::store::{
    decide, owner_is_gone, Claimed, DueClaim, DueFeeds, FeedSet, Lease, StoreError,
};

impl SqliteStore {
    /// Plans `feeds` for polling from `now` (see [`crate::store::PollStore::plan_feeds`]).
    pub fn plan_feeds(&self, feeds: &FeedSet, now: DateTime<Utc>) -> Result<(), StoreError> {
        let mut conn = self.poll_conn();
        conn.db().commit_batch()?;
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let stored = stored_schedules(&tx)?;
        let mut upsert = tx.prepare_cached(
            "INSERT INTO feeds (name, next_poll) VALUES (?1, ?2)
             ON CONFLICT(name) DO UPDATE SET next_poll = ?2",
        )?;
        for feed in feeds.feeds() {
            let (next, reason, orphaned) = match stored.get(&feed.name) {
                Some((next, reason, owner)) => (
                    *next,
                    reason.as_deref(),
                    owner.as_deref().is_some_and(owner_is_gone),
                ),
                None => (None, None, false),
            };
            if let Some(at) = decide::start_at(next, reason, orphaned, now, feed) {
                upsert.execute(params![feed.name, at])?;
            }
        }
        drop(upsert);
        tx.commit()?;
        Ok(())
    }

    /// Claims the due feeds of one round (see [`crate::store::PollStore::claim_due`]). The
    /// claims join the poll batch, as [`SqliteStore::claim_feed`]'s do.
    pub fn claim_due(&self, c: &DueClaim) -> Result<DueFeeds, StoreError> {
        let mut conn = self.poll_conn();
        conn.db()
            .in_batch(|| self.spawn_flush(), |tx| claim_due_in(tx, c))
    }
}

impl SqliteStore {
    /// Renews a claim whose poll starts now (see
    /// [`crate::store::PollStore::renew_claim`]); joins the poll batch.
    pub fn renew_claim(
        &self,
        feed: &str,
        lease: &Lease,
        now: DateTime<Utc>,
        hold: std::time::Duration,
    ) -> Result<bool, StoreError> {
        let mut conn = self.poll_conn();
        conn.db().in_batch(
            || self.spawn_flush(),
            |tx| {
                let n = tx
                    .prepare_cached(
                        "UPDATE feeds SET next_poll = ?3 WHERE name = ?1 AND lease_token = ?2",
                    )?
                    .execute(params![feed, lease.token, decide::lease_until(now, hold)])?;
                Ok(n == 1)
            },
        )
    }
}

type Stored = (Option<i64>, Option<String>, Option<String>);

/// Every feed's next poll, its reason and its claim's owner, by name.
fn stored_schedules(tx: &Connection) -> Result<HashMap<String, Stored>, StoreError> {
    let mut stmt =
        tx.prepare_cached("SELECT name, next_poll, poll_reason, lease_owner FROM feeds")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?, r.get(3)?))))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn claim_due_in(tx: &Connection, c: &DueClaim) -> Result<DueFeeds, StoreError> {
    let horizon = c.now.timestamp_millis();
    let mut due = Vec::new();
    {
        let mut stmt =
            tx.prepare_cached(&format!("{KNOWN} WHERE next_poll <= ?1 ORDER BY next_poll"))?;
        let mut rows = stmt.query([horizon])?;
        while due.len() < c.limit {
            let Some(row) = rows.next()? else { break };
            let (known, ..) = known_row(row)?;
            if c.feeds.get(&known.0.name).is_some() {
                due.push(known);
            }
        }
    }
    let lease = |owner: &str| Lease {
        owner: owner.to_string(),
        token: decide::lease_token(),
    };
    let mut claimed = Vec::with_capacity(due.len());
    let mut update = tx.prepare_cached(
        "UPDATE feeds SET next_poll = ?2, lease_owner = ?3, lease_token = ?4 WHERE name = ?1",
    )?;
    for known in due {
        let name = known.0.name.clone();
        let hold = c.feeds.get(&name).map(|f| f.hold).unwrap_or_default();
        let lease = lease(&c.owner);
        update.execute(params![
            name,
            decide::lease_until(c.now, hold),
            lease.owner,
            lease.token
        ])?;
        let known = known.0.last_poll.is_some().then(|| Box::new(known));
        claimed.push(Claimed {
            feed: name,
            lease,
            known,
        });
    }
    let next_due = if claimed.len() < c.limit {
        next_due_in(tx, c)?
    } else {
        None
    };
    Ok(DueFeeds { claimed, next_due })
}

/// When the next of `c.feeds` falls due after `c.now`.
fn next_due_in(tx: &Connection, c: &DueClaim) -> Result<Option<DateTime<Utc>>, StoreError> {
    let mut stmt = tx.prepare_cached(
        "SELECT name, next_poll FROM feeds WHERE next_poll IS NOT NULL ORDER BY next_poll",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        let name: String = row.get(0)?;
        if c.feeds.get(&name).is_some() {
            return Ok(DateTime::from_timestamp_millis(row.get(1)?));
        }
    }
    Ok(None)
}
