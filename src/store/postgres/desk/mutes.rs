//! Mutes on PostgreSQL, as on SQLite: setting one holds back the pending deliveries it
//! covers; [`hold_if_muted`], called where an alert is queued (inside the queuing
//! transaction), holds back a newly queued alert's deliveries (`muted`), so no worker
//! loads them and lifting the mute sends nothing late. What a mute covers is decided by
//! [`StoredMute::covers`], shared with SQLite.
//!
//! Across instances, a mute being set and an alert being queued at the same moment are
//! serialised by an advisory transaction lock (exclusive to set a mute, shared to queue):
//! whichever commits second sees the other, so no covered alert slips through.

use chrono::{DateTime, Utc};
use tokio_postgres::GenericClient;

use crate::alert::Alert;
use crate::store::desk::{Mute, MuteScope, MuteSelector};
use crate::store::desk_rules::{keys_json, keys_of_json, scope_columns, scope_of, StoredMute};
use crate::store::{rfc3339, NewAlert, StoreError};

/// The advisory lock key that orders mutes against queuing ("nhmutes").
const MUTE_LOCK: i64 = 0x006e_686d_7574_6573;

const ACTIVE: &str = "lifted_at IS NULL AND (until IS NULL OR until > $1)";

/// The mutes active at `now`, oldest first.
pub(super) async fn stored<C: GenericClient>(
    c: &C,
    now: DateTime<Utc>,
) -> Result<Vec<StoredMute>, StoreError> {
    let rows = c
        .query(
            &format!(
                "SELECT id, kind, watchlist, person, alert, story_keys, created_at, until
                 FROM mutes WHERE {ACTIVE} ORDER BY id"
            ),
            &[&rfc3339(now)],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| StoredMute {
            mute: Mute {
                id: r.get(0),
                scope: scope_of(r.get(1), r.get(2), r.get(3), r.get(4)),
                created_at: r.get(6),
                until: r.get(7),
            },
            story_keys: keys_of_json(r.get(5)),
        })
        .collect())
}

/// Sets a mute and holds back the pending deliveries it covers, in one transaction.
pub(super) async fn add_mute(
    client: &mut deadpool_postgres::Client,
    scope: &MuteScope,
    until: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<Option<Mute>, StoreError> {
    let tx = client.transaction().await?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MUTE_LOCK])
        .await?;
    let keys = match scope {
        MuteScope::Story { alert } => match story_keys(&*tx, alert).await? {
            Some(keys) => keys,
            None => return Ok(None),
        },
        _ => Vec::new(),
    };
    let (kind, watchlist, person, alert) = scope_columns(scope);
    let row = tx
        .query_one(
            "INSERT INTO mutes (kind, watchlist, person, alert, story_keys, created_at, until)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            &[
                &kind,
                &watchlist,
                &person,
                &alert,
                &keys_json(&keys),
                &rfc3339(now),
                &until.map(rfc3339),
            ],
        )
        .await?;
    let stored = StoredMute {
        mute: Mute {
            id: row.get(0),
            scope: scope.clone(),
            created_at: rfc3339(now),
            until: until.map(rfc3339),
        },
        story_keys: keys,
    };
    hold_pending(&*tx, &stored).await?;
    tx.commit().await?;
    Ok(Some(stored.mute))
}

/// The story keys of alert `id`; `None` when there is no such alert.
async fn story_keys<C: GenericClient>(c: &C, id: &str) -> Result<Option<Vec<String>>, StoreError> {
    if c.query_opt("SELECT 1 FROM alerts WHERE id = $1", &[&id])
        .await?
        .is_none()
    {
        return Ok(None);
    }
    let rows = c
        .query("SELECT story_key FROM seen WHERE alert_id = $1", &[&id])
        .await?;
    Ok(Some(rows.iter().map(|r| r.get(0)).collect()))
}

/// Marks `muted` every pending delivery (outside a digest) of an alert `m` covers.
async fn hold_pending<C: GenericClient>(c: &C, m: &StoredMute) -> Result<(), StoreError> {
    let pending = c
        .query(
            "SELECT DISTINCT a.id, a.body FROM alerts a JOIN deliveries d ON d.alert_id = a.id
             WHERE d.status = 'pending' AND d.digest_id IS NULL",
            &[],
        )
        .await?;
    for r in &pending {
        let id: &str = r.get(0);
        let Ok(alert) = serde_json::from_str::<Alert>(r.get(1)) else {
            continue;
        };
        let keys = story_keys(c, id).await?.unwrap_or_default();
        if m.covers(&alert, &keys) {
            hold(c, id).await?;
        }
    }
    Ok(())
}

async fn hold<C: GenericClient>(c: &C, alert_id: &str) -> Result<(), StoreError> {
    c.execute(
        "UPDATE deliveries SET status = 'muted' WHERE alert_id = $1 AND status = 'pending'
         AND digest_id IS NULL",
        &[&alert_id],
    )
    .await?;
    Ok(())
}

/// The mute hook, called where an alert is queued (inside the queuing transaction, after
/// its deliveries are written): when an active mute covers the alert, its deliveries are
/// held back (`muted`) instead of pending. Returns whether it was muted.
pub(in crate::store::postgres) async fn hold_if_muted<C: GenericClient>(
    tx: &C,
    new: &NewAlert,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    tx.execute("SELECT pg_advisory_xact_lock_shared($1)", &[&MUTE_LOCK])
        .await?;
    let covered = stored(tx, now)
        .await?
        .iter()
        .any(|m| m.covers(&new.alert, &new.story_keys));
    if covered {
        hold(tx, &new.alert.id).await?;
        tracing::info!(alert = %new.alert.id, watchlist = %new.alert.watchlist, "alert muted: recorded, not delivered");
    }
    Ok(covered)
}

/// Lifts the active mutes `which` selects.
pub(super) async fn lift<C: GenericClient>(
    c: &C,
    which: &MuteSelector,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let at = rfc3339(now);
    let n = match which {
        MuteSelector::Id(id) => {
            c.execute(
                &format!("UPDATE mutes SET lifted_at = $1 WHERE id = $2 AND {ACTIVE}"),
                &[&at, id],
            )
            .await?
        }
        MuteSelector::Scope(scope) => {
            let (kind, watchlist, person, alert) = scope_columns(scope);
            c.execute(
                &format!(
                    "UPDATE mutes SET lifted_at = $1 WHERE kind = $2 AND watchlist = $3
                     AND person = $4 AND alert = $5 AND {ACTIVE}"
                ),
                &[&at, &kind, &watchlist, &person, &alert],
            )
            .await?
        }
    };
    Ok(usize::try_from(n).unwrap_or(usize::MAX))
}
