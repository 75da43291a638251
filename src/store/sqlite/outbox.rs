//! The alert outbox: one delivery row per (alert, sink), written before any attempt;
//! times in unix milliseconds.

use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{params, Connection, OptionalExtension};

use super::copies::copies_with;
use super::seen::queue_alert;
use super::SqliteStore;
use crate::alert::Alert;
use crate::store::{
    decide, millis_rfc3339, owner_is_gone, Attempted, Delivery, DeliveryStatus, NewAlert,
    OutboxRow, Settlement, StoreError,
};

impl SqliteStore {
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

    /// Records the verdict on one attempt (a single delivery).
    pub fn settle_single(
        &self,
        alert_id: &str,
        sink: &str,
        st: &Settlement,
    ) -> Result<(), StoreError> {
        let conn = self.conn();
        conn.execute(
            "UPDATE deliveries SET status = ?3, attempts = attempts + 1, last_error = ?4,
               next_attempt_at = ?5, first_attempt_at = COALESCE(first_attempt_at, ?6), updated_at = ?7
             WHERE alert_id = ?1 AND sink = ?2",
            params![
                alert_id,
                sink,
                st.status.as_str(),
                st.error,
                st.next_attempt_at.timestamp_millis(),
                st.now.timestamp_millis(),
                st.now.to_rfc3339_opts(SecondsFormat::Secs, true)
            ],
        )?;
        Ok(())
    }

    /// Records the verdict on one attempt, of a delivery or a digest.
    pub fn settle(&self, st: &Settlement) -> Result<(), StoreError> {
        match &st.attempted {
            Attempted::Single { alert_id, sink } => self.settle_single(alert_id, sink, st),
            Attempted::Digest { id } => self.record_digest_attempt(id, st),
        }
    }

    /// Takes or renews the lease on `sink`'s queue (see
    /// [`crate::store::DeliveryStore::claim_sink`]).
    /// The lease is written without waiting for the disk (`synchronous = NORMAL`, committed
    /// at once): a lease a power cut forgets is simply taken again.
    pub fn claim_sink(&self, sink: &str, owner: &str, hold: Duration) -> Result<bool, StoreError> {
        let mut conn = self.poll_conn();
        let db = conn.db();
        let held = db.in_batch(|| true, |tx| claim_sink_in(tx, sink, owner, hold));
        db.commit_batch()?;
        held
    }

    /// Gives up the lease on `sink`, if `owner` holds it.
    pub fn release_sink(&self, sink: &str, owner: &str) -> Result<(), StoreError> {
        self.conn().execute(
            "DELETE FROM sink_leases WHERE sink = ?1 AND owner = ?2",
            params![sink, owner],
        )?;
        Ok(())
    }

    /// Queues alerts that remember no story (feed-health alerts): the alert and one
    /// pending delivery per sink, in one transaction.
    pub fn queue_alerts(&self, alerts: &[NewAlert], now: DateTime<Utc>) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        for new in alerts {
            queue_alert(&tx, self.search(), new, None, now)?;
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

fn claim_sink_in(
    tx: &Connection,
    sink: &str,
    owner: &str,
    hold: Duration,
) -> Result<bool, StoreError> {
    let now = Utc::now();
    let held: Option<(String, i64)> = tx
        .query_row(
            "SELECT owner, until FROM sink_leases WHERE sink = ?1",
            [sink],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let free = match &held {
        None => true,
        Some((o, until)) => o == owner || *until < now.timestamp_millis() || owner_is_gone(o),
    };
    if free {
        tx.execute(
            "INSERT INTO sink_leases (sink, owner, until) VALUES (?1, ?2, ?3)
             ON CONFLICT(sink) DO UPDATE SET owner = ?2, until = ?3",
            params![sink, owner, decide::after_ms(now, hold)],
        )?;
    }
    Ok(free)
}
