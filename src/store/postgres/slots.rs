//! Per-host request slots on PostgreSQL ([`HostSlots`]): one `host_slots` row per host and
//! slot, held by a token until an expiry on the database's own clock (so instances' clocks
//! need not agree). A free row is taken with `FOR UPDATE SKIP LOCKED` in one statement: two
//! instances never take the same slot, and none waits on another's lock. When every slot
//! is held, those of gone processes of this machine are freed at once (as claims are).

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use deadpool_postgres::Pool;

use crate::store::{HostSlots, SlotLease, StoreError};

/// Milliseconds since the epoch on the database's clock.
const NOW_MS: &str = "(extract(epoch from clock_timestamp()) * 1000)::bigint";

/// The shared slots of one state.
pub struct PgHostSlots {
    pool: Pool,
    owner: String,
    taken: AtomicU64,
    /// Hosts (and limits) whose rows exist already.
    seeded: Mutex<HashSet<(String, usize)>>,
}

impl PgHostSlots {
    /// Slots over `pool`, held under tokens made from `owner` (this instance's id).
    pub fn new(pool: Pool, owner: String) -> PgHostSlots {
        PgHostSlots {
            pool,
            owner,
            taken: AtomicU64::new(0),
            seeded: Mutex::new(HashSet::new()),
        }
    }

    fn is_seeded(&self, host: &str, limit: usize) -> bool {
        let seeded = self.seeded.lock().unwrap_or_else(|e| e.into_inner());
        seeded.contains(&(host.to_string(), limit))
    }

    fn mark_seeded(&self, host: &str, limit: usize) {
        let mut seeded = self.seeded.lock().unwrap_or_else(|e| e.into_inner());
        seeded.insert((host.to_string(), limit));
    }
}

/// Frees the slots of `host` held by processes of this machine that are gone (a killed
/// instance's leases would otherwise block the host until they expire); returns how many.
async fn free_dead_holders(
    client: &tokio_postgres::Client,
    host: &str,
    n: i32,
) -> Result<u64, StoreError> {
    let held = client
        .query(
            "SELECT slot, owner FROM host_slots WHERE host = $1 AND slot < $2 AND owner IS NOT NULL",
            &[&host, &n],
        )
        .await?;
    let mut freed = 0;
    for row in held {
        let (slot, owner): (i32, String) = (row.get(0), row.get(1));
        let process = owner.split_once('#').map_or(owner.as_str(), |(p, _)| p);
        if crate::store::owner_is_gone(process) {
            freed += client
                .execute(
                    "UPDATE host_slots SET owner = NULL, until = 0
                     WHERE host = $1 AND slot = $2 AND owner = $3",
                    &[&host, &slot, &owner],
                )
                .await?;
        }
    }
    Ok(freed)
}

fn failed(e: impl std::error::Error + Send + Sync + 'static) -> StoreError {
    StoreError::Query(Box::new(e))
}

#[async_trait]
impl HostSlots for PgHostSlots {
    async fn take_slot(
        &self,
        host: &str,
        limit: usize,
        ttl: Duration,
    ) -> Result<Option<SlotLease>, StoreError> {
        let client = self.pool.get().await.map_err(failed)?;
        let n = i32::try_from(limit).unwrap_or(i32::MAX);
        if !self.is_seeded(host, limit) {
            client
                .execute(
                    "INSERT INTO host_slots (host, slot) SELECT $1, s FROM generate_series(0, $2 - 1) s
                     ON CONFLICT DO NOTHING",
                    &[&host, &n],
                )
                .await?;
            self.mark_seeded(host, limit);
        }
        let token = format!(
            "{}#{}",
            self.owner,
            self.taken.fetch_add(1, Ordering::Relaxed)
        );
        let ttl_ms = i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX / 2);
        let sql = format!(
            "UPDATE host_slots h SET owner = $3, until = {NOW_MS} + $4
             FROM (SELECT host, slot FROM host_slots
                   WHERE host = $1 AND slot < $2 AND (owner IS NULL OR until < {NOW_MS})
                   ORDER BY slot LIMIT 1 FOR UPDATE SKIP LOCKED) free
             WHERE h.host = free.host AND h.slot = free.slot
             RETURNING h.slot"
        );
        let mut row = client
            .query_opt(&sql, &[&host, &n, &token, &ttl_ms])
            .await?;
        if row.is_none() && free_dead_holders(&client, host, n).await? > 0 {
            row = client
                .query_opt(&sql, &[&host, &n, &token, &ttl_ms])
                .await?;
        }
        Ok(row.map(|r| SlotLease {
            host: host.to_string(),
            slot: r.get(0),
            token,
        }))
    }

    async fn give_back(&self, lease: &SlotLease) -> Result<(), StoreError> {
        let client = self.pool.get().await.map_err(failed)?;
        client
            .execute(
                "UPDATE host_slots SET owner = NULL, until = 0
                 WHERE host = $1 AND slot = $2 AND owner = $3",
                &[&lease.host, &lease.slot, &lease.token],
            )
            .await?;
        Ok(())
    }
}
