//! Claim rounds on PostgreSQL: a config's feeds planned at start with compare-and-set
//! writes (an instance starting beside running ones changes only rows nobody changed
//! meanwhile), then each round one statement that picks the due feeds of this instance's
//! set under `FOR UPDATE SKIP LOCKED`, oldest due first, and moves their next poll
//! forward by each feed's hold and [`decide::SEND_MARGIN`]. The set travels as two
//! arrays joined with `unnest`.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::poll::known_row;
use super::PgStore;
use crate::store::{
    decide, owner_is_gone, Claimed, DueClaim, DueFeeds, FeedSet, Lease, StoreError,
};

/// The due feeds of the set, locked and moved forward in one statement (to `$5`, now and
/// [`decide::SEND_MARGIN`], plus each one's hold); returns the columns [`known_row`] maps
/// as they were before the claim.
const CLAIM_DUE: &str = "
WITH c AS (SELECT * FROM unnest($1::text[], $2::bigint[]) AS c(name, hold)),
due AS (
    SELECT f.name, f.etag, f.last_modified, f.last_poll, f.last_result, f.last_error,
           f.consecutive_failures, f.polled_by, f.next_poll, f.poll_interval_ms,
           f.poll_reason, f.lease_owner, c.hold
    FROM feeds f JOIN c ON c.name = f.name
    WHERE f.next_poll <= $3
    ORDER BY f.next_poll
    LIMIT $4
    FOR UPDATE OF f SKIP LOCKED
),
moved AS (
    UPDATE feeds f SET next_poll = $5 + due.hold, lease_owner = $6, lease_token = $7
    FROM due WHERE f.name = due.name
)
SELECT * FROM due ORDER BY next_poll";

/// A feed's next poll, its reason and its claim's owner.
type Stored = (Option<i64>, Option<String>, Option<String>);

impl PgStore {
    /// See [`crate::store::PollStore::plan_feeds`].
    pub(super) async fn plan_feeds_pg(
        &self,
        feeds: &FeedSet,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT name, next_poll, poll_reason, lease_owner FROM feeds
                 WHERE name = ANY($1)",
                &[&feeds.names()],
            )
            .await?;
        let stored: HashMap<String, Stored> = rows
            .iter()
            .map(|r| (r.get(0), (r.get(1), r.get(2), r.get(3))))
            .collect();
        let (mut new, mut new_at) = (Vec::new(), Vec::new());
        let (mut moved, mut moved_at, mut was) = (Vec::new(), Vec::new(), Vec::new());
        for feed in feeds.feeds() {
            let Some((next, reason, owner)) = stored.get(&feed.name) else {
                new.push(feed.name.clone());
                new_at.push(decide::after_ms(now, feed.first));
                continue;
            };
            let orphaned = owner.as_deref().is_some_and(owner_is_gone);
            if let Some(at) = decide::start_at(*next, reason.as_deref(), orphaned, now, feed) {
                moved.push(feed.name.clone());
                moved_at.push(at);
                was.push(*next);
            }
        }
        client
            .execute(
                "INSERT INTO feeds (name, next_poll)
                 SELECT * FROM unnest($1::text[], $2::bigint[]) ON CONFLICT (name) DO NOTHING",
                &[&new, &new_at],
            )
            .await?;
        client
            .execute(
                "UPDATE feeds f SET next_poll = c.next
                 FROM unnest($1::text[], $2::bigint[], $3::bigint[]) AS c(name, next, was)
                 WHERE f.name = c.name AND f.next_poll IS NOT DISTINCT FROM c.was",
                &[&moved, &moved_at, &was],
            )
            .await?;
        Ok(())
    }

    /// See [`crate::store::PollStore::claim_due`].
    pub(super) async fn claim_due_pg(&self, c: &DueClaim) -> Result<DueFeeds, StoreError> {
        let client = self.client().await?;
        let now = c.now.timestamp_millis();
        // Due by now, never early; each claimed feed held for its hold and the margin.
        let horizon = now;
        let from = decide::lease_until(c.now, std::time::Duration::ZERO);
        let limit = i64::try_from(c.limit).unwrap_or(i64::MAX);
        let token = decide::lease_token();
        let rows = client
            .query(
                CLAIM_DUE,
                &[
                    &c.feeds.names(),
                    &c.feeds.holds_ms(),
                    &horizon,
                    &limit,
                    &from,
                    &c.owner,
                    &token,
                ],
            )
            .await?;
        let claimed: Vec<Claimed> = rows
            .iter()
            .map(|r| {
                let (known, ..) = known_row(r);
                Claimed {
                    feed: known.0.name.clone(),
                    lease: Lease {
                        owner: c.owner.clone(),
                        token: token.clone(),
                    },
                    known: known.0.last_poll.is_some().then(|| Box::new(known)),
                }
            })
            .collect();
        let next_due = if claimed.len() < c.limit {
            let row = client
                .query_one(
                    "SELECT min(f.next_poll) FROM feeds f
                     JOIN unnest($1::text[]) AS c(name) ON c.name = f.name",
                    &[&c.feeds.names()],
                )
                .await?;
            row.get::<_, Option<i64>>(0)
                .and_then(DateTime::from_timestamp_millis)
        } else {
            None
        };
        Ok(DueFeeds { claimed, next_due })
    }
}
