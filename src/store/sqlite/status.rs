//! Read-only views of the state for the status page, `/api/status` and systemd's STATUS
//! line: every feed's last poll, the recent alerts with their deliveries, outbox counts.

use std::collections::HashMap;

use rusqlite::params;

use super::SqliteStore;
use crate::store::{
    DeliveryState, DeliveryStatus, FeedState, OutboxCounts, RecentAlert, StoreError,
};

impl SqliteStore {
    /// What the state remembers of every feed it ever polled, by name.
    pub fn feed_states(&self) -> Result<HashMap<String, FeedState>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT name, etag, last_modified, last_poll, last_result, last_error, consecutive_failures,
               polled_by FROM feeds",
        )?;
        let rows = stmt.query_map([], super::seen::feed_state_row)?;
        let mut out = HashMap::new();
        for row in rows {
            let state = row?;
            out.insert(state.name.clone(), state);
        }
        Ok(out)
    }

    /// The `limit` newest alerts, newest first, each with its deliveries.
    pub fn recent_alerts(&self, limit: usize) -> Result<Vec<RecentAlert>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT id, body FROM alerts ORDER BY created_at DESC, rowid DESC LIMIT ?1",
        )?;
        let rows = stmt.query_map([limit as i64], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })?;
        let mut deliveries = conn.prepare_cached(
            "SELECT sink, status, attempts, last_error FROM deliveries WHERE alert_id = ?1 ORDER BY sink",
        )?;
        let mut out = Vec::new();
        for row in rows {
            let (id, body) = row?;
            let states = deliveries
                .query_map(params![id], |r| {
                    Ok(DeliveryState {
                        sink: r.get(0)?,
                        status: DeliveryStatus::parse(&r.get::<_, String>(1)?),
                        attempts: r.get(2)?,
                        last_error: r.get(3)?,
                    })
                })?
                .collect::<Result<Vec<_>, _>>()?;
            let alert =
                serde_json::from_str(&body).map_err(|source| StoreError::Corrupt { id, source })?;
            out.push(RecentAlert {
                alert,
                deliveries: states,
            });
        }
        Ok(out)
    }

    /// Deliveries by state.
    pub fn outbox_counts(&self) -> Result<OutboxCounts, StoreError> {
        let conn = self.conn();
        let mut stmt =
            conn.prepare_cached("SELECT status, COUNT(*) FROM deliveries GROUP BY status")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, u64>(1)?)))?;
        let mut counts = OutboxCounts::default();
        for row in rows {
            let (status, n) = row?;
            counts.add(&status, n);
        }
        Ok(counts)
    }

    /// Every alert the state holds.
    pub fn alerts_total(&self) -> Result<u64, StoreError> {
        let conn = self.conn();
        Ok(conn.query_row("SELECT COUNT(*) FROM alerts", [], |r| r.get(0))?)
    }

    /// Alerts with at least one delivery still pending.
    pub fn alerts_pending(&self) -> Result<u64, StoreError> {
        let conn = self.conn();
        Ok(conn.query_row(
            "SELECT COUNT(DISTINCT alert_id) FROM deliveries WHERE status = 'pending'",
            [],
            |r| r.get(0),
        )?)
    }
}
