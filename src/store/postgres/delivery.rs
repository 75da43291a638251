//! The delivery side on PostgreSQL: one lease per sink queue, and the outbox rows the
//! holder loads and settles (nobody else touches a sink's rows while it holds the lease,
//! so no row locks are needed beyond each statement's own).

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use tokio::sync::Notify;
use tokio_postgres::GenericClient;

use super::poll::queue_alert;
use super::{PgStore, CHANNEL};
use crate::alert::Alert;
use crate::feeds::article::hex_digest;
use crate::store::{
    decide, owner_is_gone, rfc3339, Attempted, Delivery, DeliveryStore, NewAlert, PendingDigest,
    Settlement, StoreError,
};

const REQUEUE: &str = "UPDATE deliveries SET status = 'pending', attempts = 0,
    first_attempt_at = NULL, next_attempt_at = $1, digest_id = NULL, updated_at = $2";

#[async_trait]
impl DeliveryStore for PgStore {
    async fn claim_sink(
        &self,
        sink: &str,
        owner: &str,
        hold: Duration,
    ) -> Result<bool, StoreError> {
        let client = self.client().await?;
        let now = Utc::now();
        let until = decide::after_ms(now, hold);
        let row = client
            .query_opt(
                "INSERT INTO sink_leases (sink, owner, until) VALUES ($1, $2, $3)
                 ON CONFLICT (sink) DO UPDATE SET owner = $2, until = $3
                 WHERE sink_leases.owner = $2 OR sink_leases.until < $4
                 RETURNING owner",
                &[&sink, &owner, &until, &now.timestamp_millis()],
            )
            .await?;
        if row.is_some() {
            return Ok(true);
        }
        // Held by another owner: taken over at once when that is a dead process here.
        let holder: Option<String> = client
            .query_opt("SELECT owner FROM sink_leases WHERE sink = $1", &[&sink])
            .await?
            .map(|r| r.get(0));
        let Some(holder) = holder.filter(|h| owner_is_gone(h)) else {
            return Ok(false);
        };
        let n = client
            .execute(
                "UPDATE sink_leases SET owner = $2, until = $3 WHERE sink = $1 AND owner = $4",
                &[&sink, &owner, &until, &holder],
            )
            .await?;
        Ok(n == 1)
    }

    async fn release_sink(&self, sink: &str, owner: &str) -> Result<(), StoreError> {
        let client = self.client().await?;
        client
            .execute(
                "DELETE FROM sink_leases WHERE sink = $1 AND owner = $2",
                &[&sink, &owner],
            )
            .await?;
        Ok(())
    }

    async fn due_deliveries(
        &self,
        sink: &str,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<Delivery>, StoreError> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT a.id, a.body, d.attempts, d.first_attempt_at FROM deliveries d
                 JOIN alerts a ON a.id = d.alert_id
                 WHERE d.sink = $1 AND d.status = 'pending' AND d.digest_id IS NULL
                   AND d.next_attempt_at <= $2
                 ORDER BY d.next_attempt_at, a.created_at, a.seq LIMIT $3",
                &[&sink, &now.timestamp_millis(), &(limit as i64)],
            )
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let id: String = r.get(0);
            match serde_json::from_str::<Alert>(r.get(1)) {
                Ok(mut alert) => {
                    alert.also_seen_in = super::read::copies(&**client, &id).await?;
                    out.push(Delivery {
                        alert,
                        sink: sink.to_string(),
                        attempts: u32::try_from(r.get::<_, i32>(2)).unwrap_or(0),
                        first_attempt_at: r.get(3),
                    });
                }
                Err(e) => mark_corrupt(&**client, &id, sink, &e).await?,
            }
        }
        Ok(out)
    }

    async fn next_due(&self, sink: &str) -> Result<Option<i64>, StoreError> {
        let client = self.client().await?;
        let row = client
            .query_one(
                "SELECT MIN(next_attempt_at) FROM deliveries
                 WHERE sink = $1 AND status = 'pending' AND digest_id IS NULL",
                &[&sink],
            )
            .await?;
        Ok(row.get(0))
    }

    async fn form_digest(
        &self,
        sink: &str,
        now: DateTime<Utc>,
        max: usize,
    ) -> Result<Option<String>, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let members: Vec<String> = tx
            .query(
                "SELECT d.alert_id FROM deliveries d JOIN alerts a ON a.id = d.alert_id
                 WHERE d.sink = $1 AND d.status = 'pending' AND d.digest_id IS NULL
                   AND d.next_attempt_at <= $2
                 ORDER BY d.next_attempt_at, a.created_at, a.seq LIMIT $3",
                &[&sink, &now.timestamp_millis(), &(max as i64)],
            )
            .await?
            .iter()
            .map(|r| r.get(0))
            .collect();
        if members.is_empty() {
            return Ok(None);
        }
        let ms = now.timestamp_millis();
        let id = hex_digest(
            format!("{sink}\u{1f}{ms}\u{1f}{}", members.join(",")).as_bytes(),
            16,
        );
        let at = rfc3339(now);
        tx.execute(
            "INSERT INTO digests (id, sink, status, next_attempt_at, created_at, updated_at)
             VALUES ($1, $2, 'pending', $3, $4, $4)",
            &[&id, &sink, &ms, &at],
        )
        .await?;
        tx.execute(
            "UPDATE deliveries SET digest_id = $3 WHERE sink = $1 AND alert_id = ANY($2)",
            &[&sink, &members, &id],
        )
        .await?;
        tx.commit().await?;
        Ok(Some(id))
    }

    async fn due_digests(
        &self,
        sink: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<PendingDigest>, StoreError> {
        let client = self.client().await?;
        let heads = client
            .query(
                "SELECT id, attempts, first_attempt_at FROM digests
                 WHERE sink = $1 AND status = 'pending' AND next_attempt_at <= $2
                 ORDER BY next_attempt_at LIMIT 16",
                &[&sink, &now.timestamp_millis()],
            )
            .await?;
        let mut out = Vec::with_capacity(heads.len());
        for h in heads {
            let id: String = h.get(0);
            let alerts = members(&**client, &id).await?;
            out.push(PendingDigest {
                id,
                attempts: u32::try_from(h.get::<_, i32>(1)).unwrap_or(0),
                first_attempt_at: h.get(2),
                alerts,
            });
        }
        Ok(out)
    }

    async fn next_digest_due(&self, sink: &str) -> Result<Option<i64>, StoreError> {
        let client = self.client().await?;
        let row = client
            .query_one(
                "SELECT MIN(next_attempt_at) FROM digests WHERE sink = $1 AND status = 'pending'",
                &[&sink],
            )
            .await?;
        Ok(row.get(0))
    }

    async fn settle(&self, st: Settlement) -> Result<(), StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let set = "status = $2, attempts = attempts + 1, last_error = $3, next_attempt_at = $4,
            first_attempt_at = COALESCE(first_attempt_at, $5), updated_at = $6";
        let (next, ms, at) = (
            st.next_attempt_at.timestamp_millis(),
            st.now.timestamp_millis(),
            rfc3339(st.now),
        );
        let status = st.status.as_str();
        match &st.attempted {
            Attempted::Single { alert_id, sink } => {
                let sql = format!("UPDATE deliveries SET {set} WHERE alert_id = $1 AND sink = $7");
                tx.execute(&sql, &[alert_id, &status, &st.error, &next, &ms, &at, sink])
                    .await?;
            }
            Attempted::Digest { id } => {
                let digest = format!("UPDATE digests SET {set} WHERE id = $1");
                tx.execute(&digest, &[id, &status, &st.error, &next, &ms, &at])
                    .await?;
                let members = format!("UPDATE deliveries SET {set} WHERE digest_id = $1");
                tx.execute(&members, &[id, &status, &st.error, &next, &ms, &at])
                    .await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    async fn queue_alerts(
        &self,
        alerts: Vec<NewAlert>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        for new in &alerts {
            queue_alert(&*tx, new, None, now).await?;
        }
        tx.execute("SELECT pg_notify($1, '')", &[&CHANNEL]).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn replay_alerts(
        &self,
        ids: Vec<String>,
        now: DateTime<Utc>,
    ) -> Result<usize, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let sql = format!("{REQUEUE} WHERE alert_id = ANY($3)");
        let n = tx
            .execute(&sql, &[&now.timestamp_millis(), &rfc3339(now), &ids])
            .await?;
        tx.execute("SELECT pg_notify($1, '')", &[&CHANNEL]).await?;
        tx.commit().await?;
        Ok(n as usize)
    }

    async fn replay_dead(&self, now: DateTime<Utc>) -> Result<(usize, usize), StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let alerts: i64 = tx
            .query_one(
                "SELECT COUNT(DISTINCT alert_id) FROM deliveries WHERE status = 'dead'",
                &[],
            )
            .await?
            .get(0);
        let sql = format!("{REQUEUE} WHERE status = 'dead'");
        let n = tx
            .execute(&sql, &[&now.timestamp_millis(), &rfc3339(now)])
            .await?;
        tx.execute("SELECT pg_notify($1, '')", &[&CHANNEL]).await?;
        tx.commit().await?;
        Ok((n as usize, alerts as usize))
    }

    fn outbox_wakeups(&self) -> Option<Arc<Notify>> {
        Some(self.wake.clone())
    }
}

/// The member alerts of digest `id`, oldest first.
async fn members<C: GenericClient>(c: &C, id: &str) -> Result<Vec<Alert>, StoreError> {
    let rows = c
        .query(
            "SELECT a.id, a.body FROM deliveries d JOIN alerts a ON a.id = d.alert_id
             WHERE d.digest_id = $1 ORDER BY a.created_at, a.seq",
            &[&id],
        )
        .await?;
    rows.iter()
        .map(|r| {
            serde_json::from_str(r.get(1)).map_err(|source| StoreError::Corrupt {
                id: r.get(0),
                source,
            })
        })
        .collect()
}

async fn mark_corrupt<C: GenericClient>(
    c: &C,
    id: &str,
    sink: &str,
    e: &serde_json::Error,
) -> Result<(), StoreError> {
    tracing::error!(alert_id = id, sink, error = %e, "stored alert is corrupt: delivery marked failed");
    c.execute(
        "UPDATE deliveries SET status = 'failed', last_error = $3 WHERE alert_id = $1 AND sink = $2",
        &[&id, &sink, &format!("stored alert is corrupt: {e}")],
    )
    .await?;
    Ok(())
}
