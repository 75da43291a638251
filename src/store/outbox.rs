//! The alert outbox: one delivery row per (alert, sink), written before any attempt.

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::params;

use super::{Store, StoreError};
use crate::alert::Alert;

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DeliveryStatus {
    /// Not yet acknowledged; will be (re)tried at `next_attempt_at`.
    Pending,
    /// The receiver acknowledged it.
    Delivered,
    /// The receiver refused it permanently (e.g. a 4xx).
    Failed,
    /// Retried until `give_up_after` without success; kept and replayable.
    Dead,
}

impl DeliveryStatus {
    /// The name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::Failed => "failed",
            DeliveryStatus::Dead => "dead",
        }
    }

    pub(crate) fn parse(s: &str) -> DeliveryStatus {
        match s {
            "delivered" => DeliveryStatus::Delivered,
            "failed" => DeliveryStatus::Failed,
            "dead" => DeliveryStatus::Dead,
            _ => DeliveryStatus::Pending,
        }
    }
}

/// A delivery due now, with its alert.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// The alert to send.
    pub alert: Alert,
    /// The sink name.
    pub sink: String,
    /// Attempts made before this one.
    pub attempts: u32,
    /// Unix time of the first attempt, if any.
    pub first_attempt_at: Option<i64>,
}

/// One row of the outbox listing.
#[derive(Debug, Clone, serde::Serialize)]
pub struct OutboxRow {
    /// Alert id.
    pub alert_id: String,
    /// Watchlist.
    pub watchlist: String,
    /// Sink name.
    pub sink: String,
    /// State.
    pub status: DeliveryStatus,
    /// Attempts made.
    pub attempts: u32,
    /// The last error, if any.
    pub last_error: Option<String>,
    /// When the alert was created.
    pub created_at: String,
}

impl Store {
    /// Pending deliveries to `sink` due at `now`, oldest first.
    pub fn due_deliveries(
        &self,
        sink: &str,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<Delivery>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT a.id, a.body, d.attempts, d.first_attempt_at FROM deliveries d JOIN alerts a ON a.id = d.alert_id
             WHERE d.sink = ?1 AND d.status = 'pending' AND d.next_attempt_at <= ?2
             ORDER BY d.next_attempt_at, a.created_at LIMIT ?3",
        )?;
        let rows = stmt.query_map(params![sink, now.timestamp(), limit as i64], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, u32>(2)?,
                r.get::<_, Option<i64>>(3)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, body, attempts, first_attempt_at) = row?;
            let alert =
                serde_json::from_str(&body).map_err(|source| StoreError::Corrupt { id, source })?;
            out.push(Delivery {
                alert,
                sink: sink.to_string(),
                attempts,
                first_attempt_at,
            });
        }
        Ok(out)
    }

    /// The earliest time a pending delivery to one of `sinks` is due, as unix seconds.
    pub fn next_due(&self, sinks: &[String]) -> Result<Option<i64>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT MIN(next_attempt_at) FROM deliveries WHERE sink = ?1 AND status = 'pending'",
        )?;
        let mut best: Option<i64> = None;
        for sink in sinks {
            let t: Option<i64> = stmt.query_row([sink], |r| r.get(0))?;
            best = match (best, t) {
                (Some(b), Some(t)) => Some(b.min(t)),
                (b, t) => b.or(t),
            };
        }
        Ok(best)
    }

    /// Records the outcome of an attempt: `status` with an optional error, and for
    /// `Pending` the time of the next attempt.
    pub fn record_attempt(
        &self,
        alert_id: &str,
        sink: &str,
        status: DeliveryStatus,
        error: Option<&str>,
        next_attempt_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let conn = self.conn();
        conn.execute(
            "UPDATE deliveries SET status = ?3, attempts = attempts + 1, last_error = ?4,
               next_attempt_at = ?5, first_attempt_at = COALESCE(first_attempt_at, ?6), updated_at = ?7
             WHERE alert_id = ?1 AND sink = ?2",
            params![
                alert_id,
                sink,
                status.as_str(),
                error,
                next_attempt_at.timestamp(),
                now.timestamp(),
                now.to_rfc3339_opts(SecondsFormat::Secs, true)
            ],
        )?;
        Ok(())
    }

    /// The outbox, newest first, optionally only one status.
    pub fn outbox(
        &self,
        status: Option<DeliveryStatus>,
        limit: usize,
    ) -> Result<Vec<OutboxRow>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT d.alert_id, a.watchlist, d.sink, d.status, d.attempts, d.last_error, a.created_at
             FROM deliveries d JOIN alerts a ON a.id = d.alert_id
             WHERE ?1 IS NULL OR d.status = ?1 ORDER BY a.created_at DESC, d.alert_id, d.sink LIMIT ?2",
        )?;
        let rows = stmt.query_map(
            params![status.map(DeliveryStatus::as_str), limit as i64],
            |r| {
                Ok(OutboxRow {
                    alert_id: r.get(0)?,
                    watchlist: r.get(1)?,
                    sink: r.get(2)?,
                    status: DeliveryStatus::parse(&r.get::<_, String>(3)?),
                    attempts: r.get(4)?,
                    last_error: r.get(5)?,
                    created_at: r.get(6)?,
                })
            },
        )?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Number of deliveries still pending.
    pub fn pending_count(&self) -> Result<u64, StoreError> {
        let conn = self.conn();
        Ok(conn.query_row(
            "SELECT COUNT(*) FROM deliveries WHERE status = 'pending'",
            [],
            |r| r.get(0),
        )?)
    }
}
