//! `alerts replay`: deliveries put back to pending, due now, with their attempt count and
//! first-attempt time reset (so `give_up_after` counts afresh) and out of any digest (a
//! digest sink batches them anew). The last error is kept until the next attempt.

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{params, OptionalExtension};

use super::SqliteStore;
use crate::store::StoreError;

const REQUEUE: &str = "UPDATE deliveries SET status = 'pending', attempts = 0,
    first_attempt_at = NULL, next_attempt_at = ?1, digest_id = NULL, updated_at = ?2";

impl SqliteStore {
    /// Whether an alert with this id is in the outbox.
    pub fn alert_exists(&self, id: &str) -> Result<bool, StoreError> {
        let conn = self.conn();
        let found: Option<i64> = conn
            .query_row("SELECT 1 FROM alerts WHERE id = ?1", [id], |r| r.get(0))
            .optional()?;
        Ok(found.is_some())
    }

    /// Requeues every delivery of the alerts `ids` (whatever their state), in one
    /// transaction; returns how many deliveries were requeued.
    pub fn replay_alerts(&self, ids: &[String], now: DateTime<Utc>) -> Result<usize, StoreError> {
        let mut conn = self.conn();
        // IMMEDIATE: the write lock is taken (waiting out a busy daemon) before the first
        // read, so a commit by the daemon meanwhile cannot invalidate what was read.
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let mut n = 0;
        {
            let sql = format!("{REQUEUE} WHERE alert_id = ?3");
            let mut stmt = tx.prepare(&sql)?;
            for id in ids {
                n += stmt.execute(params![now.timestamp_millis(), stamp(now), id])?;
            }
        }
        tx.commit()?;
        Ok(n)
    }

    /// Requeues every dead delivery; returns (deliveries, distinct alerts) requeued.
    pub fn replay_dead(&self, now: DateTime<Utc>) -> Result<(usize, usize), StoreError> {
        let mut conn = self.conn();
        // IMMEDIATE: the write lock is taken (waiting out a busy daemon) before the first
        // read, so a commit by the daemon meanwhile cannot invalidate what was read.
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let alerts: usize = tx.query_row(
            "SELECT COUNT(DISTINCT alert_id) FROM deliveries WHERE status = 'dead'",
            [],
            |r| r.get(0),
        )?;
        let n = tx.execute(
            &format!("{REQUEUE} WHERE status = 'dead'"),
            params![now.timestamp_millis(), stamp(now)],
        )?;
        tx.commit()?;
        Ok((n, alerts))
    }
}

fn stamp(now: DateTime<Utc>) -> String {
    now.to_rfc3339_opts(SecondsFormat::Secs, true)
}
