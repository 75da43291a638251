//! The alert outbox: one delivery row per (alert, sink), written before any attempt;
//! times in unix milliseconds.

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{params, Connection};

use super::copies::copies_with;
use super::seen::{queue_alert, NewAlert};
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

    /// The status named `s` (unknown names read as pending, never lost).
    pub fn parse(s: &str) -> DeliveryStatus {
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
    /// Unix milliseconds of the first attempt, if any.
    pub first_attempt_at: Option<i64>,
}

/// One row of the outbox listing.
#[derive(Debug, Clone, serde::Serialize)]
pub struct OutboxRow {
    /// Alert id.
    pub alert_id: String,
    /// Watchlist.
    pub watchlist: String,
    /// The story's title.
    pub title: String,
    /// Sink name.
    pub sink: String,
    /// State.
    pub status: DeliveryStatus,
    /// Attempts made.
    pub attempts: u32,
    /// The last error, if any.
    pub last_error: Option<String>,
    /// When a pending delivery is next attempted (RFC 3339, milliseconds).
    pub next_attempt_at: Option<String>,
    /// The digest that batches this delivery, if any.
    pub digest_id: Option<String>,
    /// When the alert was created.
    pub created_at: String,
}

impl Store {
    /// Pending deliveries to `sink` due at `now`, oldest first, not batched in a digest.
    /// A row whose alert no longer decodes is marked failed (and logged), never retried.
    pub fn due_deliveries(
        &self,
        sink: &str,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<Delivery>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT a.id, a.body, d.attempts, d.first_attempt_at FROM deliveries d JOIN alerts a ON a.id = d.alert_id
             WHERE d.sink = ?1 AND d.status = 'pending' AND d.digest_id IS NULL AND d.next_attempt_at <= ?2
             ORDER BY d.next_attempt_at, a.created_at LIMIT ?3",
        )?;
        let rows = stmt.query_map(params![sink, now.timestamp_millis(), limit as i64], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, u32>(2)?,
                r.get::<_, Option<i64>>(3)?,
            ))
        })?;
        let rows: Vec<_> = rows.collect::<Result<_, _>>()?;
        drop(stmt);
        let mut out = Vec::new();
        for (id, body, attempts, first_attempt_at) in rows {
            match serde_json::from_str::<Alert>(&body) {
                Ok(mut alert) => {
                    alert.also_seen_in = copies_with(&conn, &id)?;
                    out.push(Delivery {
                        alert,
                        sink: sink.to_string(),
                        attempts,
                        first_attempt_at,
                    })
                }
                Err(e) => mark_corrupt(&conn, &id, sink, &e)?,
            }
        }
        Ok(out)
    }

    /// When (unix ms) the oldest pending delivery to `sink` outside a digest is due.
    pub fn next_due(&self, sink: &str) -> Result<Option<i64>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT MIN(next_attempt_at) FROM deliveries
             WHERE sink = ?1 AND status = 'pending' AND digest_id IS NULL",
        )?;
        Ok(stmt.query_row([sink], |r| r.get(0))?)
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
                next_attempt_at.timestamp_millis(),
                now.timestamp_millis(),
                now.to_rfc3339_opts(SecondsFormat::Secs, true)
            ],
        )?;
        Ok(())
    }

    /// Queues alerts that remember no story (feed-health alerts): the alert and one
    /// pending delivery per sink, in one transaction.
    pub fn queue_alerts(&self, alerts: &[NewAlert], now: DateTime<Utc>) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        for new in alerts {
            queue_alert(&tx, new, None, now)?;
        }
        tx.commit()?;
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
            "SELECT d.alert_id, a.watchlist, COALESCE(json_extract(a.body, '$.article.title'), ''),
               d.sink, d.status, d.attempts, d.last_error, d.next_attempt_at, d.digest_id, a.created_at
             FROM deliveries d JOIN alerts a ON a.id = d.alert_id
             WHERE ?1 IS NULL OR d.status = ?1 ORDER BY a.created_at DESC, d.alert_id, d.sink LIMIT ?2",
        )?;
        let rows = stmt.query_map(
            params![status.map(DeliveryStatus::as_str), limit as i64],
            |r| {
                let status = DeliveryStatus::parse(&r.get::<_, String>(4)?);
                let next: i64 = r.get(7)?;
                Ok(OutboxRow {
                    alert_id: r.get(0)?,
                    watchlist: r.get(1)?,
                    title: r.get(2)?,
                    sink: r.get(3)?,
                    status,
                    attempts: r.get(5)?,
                    last_error: r.get(6)?,
                    next_attempt_at: (status == DeliveryStatus::Pending)
                        .then(|| millis_rfc3339(next)),
                    digest_id: r.get(8)?,
                    created_at: r.get(9)?,
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

/// Unix milliseconds as RFC 3339 with milliseconds.
pub(super) fn millis_rfc3339(ms: i64) -> String {
    DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn mark_corrupt(
    conn: &Connection,
    id: &str,
    sink: &str,
    e: &serde_json::Error,
) -> Result<(), StoreError> {
    tracing::error!(alert_id = id, sink, error = %e, "stored alert is corrupt: delivery marked failed");
    conn.execute(
        "UPDATE deliveries SET status = 'failed', last_error = ?3 WHERE alert_id = ?1 AND sink = ?2",
        params![id, sink, format!("stored alert is corrupt: {e}")],
    )?;
    Ok(())
}
