//! Digests in the outbox. A digest row owns the member deliveries it batches: it is
//! committed, with every member pointing at it, before the first attempt; its outcome is
//! copied to all members in the same transaction that records it. A crash mid-send leaves
//! the digest pending with the same members, so it is sent again whole under the same id —
//! never split, never half marked.

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{params, Transaction};

use super::SqliteStore;
use crate::alert::Alert;
use crate::feeds::article::hex_digest;
use crate::store::{PendingDigest, Settlement, StoreError};

impl SqliteStore {
    /// Batches up to `max` pending deliveries to `sink` not yet in a digest into a new
    /// digest due now; `None` when there are none.
    pub fn form_digest(
        &self,
        sink: &str,
        now: DateTime<Utc>,
        max: usize,
    ) -> Result<Option<String>, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let members = unbatched(&tx, sink, now, max)?;
        if members.is_empty() {
            return Ok(None);
        }
        let ms = now.timestamp_millis();
        let id = hex_digest(
            format!("{sink}\u{1f}{ms}\u{1f}{}", members.join(",")).as_bytes(),
            16,
        );
        let at = now.to_rfc3339_opts(SecondsFormat::Secs, true);
        tx.execute(
            "INSERT INTO digests (id, sink, status, next_attempt_at, created_at, updated_at)
             VALUES (?1, ?2, 'pending', ?3, ?4, ?4)",
            params![id, sink, ms, at],
        )?;
        for alert_id in &members {
            tx.execute(
                "UPDATE deliveries SET digest_id = ?3 WHERE alert_id = ?1 AND sink = ?2",
                params![alert_id, sink, id],
            )?;
        }
        tx.commit()?;
        Ok(Some(id))
    }

    /// Pending digests of `sink` due at `now`, with their member alerts.
    pub fn due_digests(
        &self,
        sink: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<PendingDigest>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT id, attempts, first_attempt_at FROM digests
             WHERE sink = ?1 AND status = 'pending' AND next_attempt_at <= ?2
             ORDER BY next_attempt_at LIMIT 16",
        )?;
        let heads = stmt
            .query_map(params![sink, now.timestamp_millis()], |r| {
                Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?))
            })?
            .collect::<Result<Vec<(String, u32, Option<i64>)>, _>>()?;
        let mut out = Vec::new();
        for (id, attempts, first_attempt_at) in heads {
            let alerts = members(&conn, &id)?;
            out.push(PendingDigest {
                id,
                attempts,
                first_attempt_at,
                alerts,
            });
        }
        Ok(out)
    }

    /// When (unix ms) the next pending digest of `sink` is due.
    pub fn next_digest_due(&self, sink: &str) -> Result<Option<i64>, StoreError> {
        let conn = self.conn();
        Ok(conn.query_row(
            "SELECT MIN(next_attempt_at) FROM digests WHERE sink = ?1 AND status = 'pending'",
            [sink],
            |r| r.get(0),
        )?)
    }

    /// Records a digest attempt and copies it to every member in one transaction: the
    /// members follow the digest's status (they stay pending while it does).
    pub fn record_digest_attempt(&self, id: &str, st: &Settlement) -> Result<(), StoreError> {
        let (status, error, now) = (st.status, st.error.as_deref(), st.now);
        let next_attempt_at = st.next_attempt_at;
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let at = now.to_rfc3339_opts(SecondsFormat::Secs, true);
        let (next, ms) = (next_attempt_at.timestamp_millis(), now.timestamp_millis());
        tx.execute(
            "UPDATE digests SET status = ?2, attempts = attempts + 1, last_error = ?3,
               next_attempt_at = ?4, first_attempt_at = COALESCE(first_attempt_at, ?5), updated_at = ?6
             WHERE id = ?1",
            params![id, status.as_str(), error, next, ms, at],
        )?;
        tx.execute(
            "UPDATE deliveries SET status = ?2, attempts = attempts + 1, last_error = ?3,
               next_attempt_at = ?4, first_attempt_at = COALESCE(first_attempt_at, ?5), updated_at = ?6
             WHERE digest_id = ?1",
            params![id, status.as_str(), error, next, ms, at],
        )?;
        tx.commit()?;
        Ok(())
    }
}

/// The member alerts of digest `id`, oldest first.
fn members(conn: &rusqlite::Connection, id: &str) -> Result<Vec<Alert>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT a.id, a.body FROM deliveries d JOIN alerts a ON a.id = d.alert_id
         WHERE d.digest_id = ?1 ORDER BY a.created_at, a.id",
    )?;
    let rows = stmt.query_map([id], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
    })?;
    let mut alerts = Vec::new();
    for row in rows {
        let (alert_id, body) = row?;
        let alert = serde_json::from_str(&body).map_err(|source| StoreError::Corrupt {
            id: alert_id,
            source,
        })?;
        alerts.push(alert);
    }
    Ok(alerts)
}

/// Alert ids of pending deliveries to `sink` due by `now` and not in a digest, oldest first.
fn unbatched(
    tx: &Transaction<'_>,
    sink: &str,
    now: DateTime<Utc>,
    max: usize,
) -> Result<Vec<String>, StoreError> {
    let mut stmt = tx.prepare_cached(
        "SELECT d.alert_id FROM deliveries d JOIN alerts a ON a.id = d.alert_id
         WHERE d.sink = ?1 AND d.status = 'pending' AND d.digest_id IS NULL AND d.next_attempt_at <= ?2
         ORDER BY d.next_attempt_at, a.created_at LIMIT ?3",
    )?;
    let ids = stmt
        .query_map(params![sink, now.timestamp_millis(), max as i64], |r| {
            r.get(0)
        })?
        .collect::<Result<Vec<String>, _>>()?;
    Ok(ids)
}
