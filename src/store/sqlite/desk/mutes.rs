//! Mutes: what they cover, setting and lifting them, and the hook that holds back the
//! deliveries of a newly queued alert a mute covers ([`hold_if_muted`]). A held-back
//! delivery has the state `muted`: the alert stays recorded and listed, no worker ever
//! loads it, and lifting the mute sends nothing late (`alerts replay` does, on request).

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};

use super::list::stamp;
use crate::alert::Alert;
use crate::store::desk::{Mute, MuteScope, MuteSelector};
use crate::store::{NewAlert, StoreError};

/// An active mute as stored: the scope and, for a story, its keys.
struct Stored {
    mute: Mute,
    story_keys: Vec<String>,
}

impl Stored {
    /// Whether the mute covers `alert`, whose story keys are `keys`.
    fn covers(&self, alert: &Alert, keys: &[String]) -> bool {
        match &self.mute.scope {
            MuteScope::Watchlist { watchlist } => &alert.watchlist == watchlist,
            MuteScope::Person { watchlist, person } => {
                let person = crate::watch::normalise(person);
                &alert.watchlist == watchlist
                    && alert
                        .matches
                        .iter()
                        .any(|m| m.kind == "person" && crate::watch::normalise(&m.term) == person)
            }
            MuteScope::Story { alert: id } => {
                &alert.id == id
                    || alert.revision_of.as_ref() == Some(id)
                    || keys.iter().any(|k| self.story_keys.contains(k))
            }
        }
    }
}

const ACTIVE: &str = "lifted_at IS NULL AND (until IS NULL OR until > ?1)";

/// The mutes active at `now`, oldest first.
pub(super) fn active(c: &Connection, now: DateTime<Utc>) -> Result<Vec<Mute>, StoreError> {
    Ok(stored(c, now)?.into_iter().map(|s| s.mute).collect())
}

fn stored(c: &Connection, now: DateTime<Utc>) -> Result<Vec<Stored>, StoreError> {
    let mut stmt = c.prepare_cached(&format!(
        "SELECT id, kind, watchlist, person, alert, story_keys, created_at, until FROM mutes
         WHERE {ACTIVE} ORDER BY id"
    ))?;
    let rows = stmt.query_map([stamp(now)], |r| {
        let kind: String = r.get(1)?;
        let (watchlist, person, alert): (String, String, String) =
            (r.get(2)?, r.get(3)?, r.get(4)?);
        let scope = match kind.as_str() {
            "person" => MuteScope::Person { watchlist, person },
            "story" => MuteScope::Story { alert },
            _ => MuteScope::Watchlist { watchlist },
        };
        let keys: String = r.get(5)?;
        Ok(Stored {
            mute: Mute {
                id: r.get(0)?,
                scope,
                created_at: r.get(6)?,
                until: r.get(7)?,
            },
            story_keys: serde_json::from_str(&keys).unwrap_or_default(),
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// `(kind, watchlist, person, alert)` as stored for `scope`.
fn columns(scope: &MuteScope) -> (&'static str, &str, &str, &str) {
    match scope {
        MuteScope::Watchlist { watchlist } => ("watchlist", watchlist, "", ""),
        MuteScope::Person { watchlist, person } => ("person", watchlist, person, ""),
        MuteScope::Story { alert } => ("story", "", "", alert),
    }
}

/// Sets a mute and holds back the pending deliveries it covers, in one transaction.
pub(super) fn add_mute(
    c: &mut Connection,
    scope: &MuteScope,
    until: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<Option<Mute>, StoreError> {
    // IMMEDIATE: the write lock first (waiting out a busy daemon), so a commit by the
    // daemon between the reads below and the writes cannot fail the upgrade at once.
    let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let keys = match scope {
        MuteScope::Story { alert } => match story_keys(&tx, alert)? {
            Some(keys) => keys,
            None => return Ok(None),
        },
        _ => Vec::new(),
    };
    let (kind, watchlist, person, alert) = columns(scope);
    tx.execute(
        "INSERT INTO mutes (kind, watchlist, person, alert, story_keys, created_at, until)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            kind,
            watchlist,
            person,
            alert,
            serde_json::to_string(&keys).unwrap_or_else(|_| "[]".into()),
            stamp(now),
            until.map(stamp)
        ],
    )?;
    let mute = Mute {
        id: tx.last_insert_rowid(),
        scope: scope.clone(),
        created_at: stamp(now),
        until: until.map(stamp),
    };
    let stored = Stored {
        mute: mute.clone(),
        story_keys: keys,
    };
    hold_pending(&tx, &stored)?;
    tx.commit()?;
    Ok(Some(mute))
}

/// The story keys of alert `id`; `None` when there is no such alert.
fn story_keys(c: &Connection, id: &str) -> Result<Option<Vec<String>>, StoreError> {
    let exists = c
        .query_row("SELECT 1 FROM alerts WHERE id = ?1", [id], |_| Ok(()))
        .optional()?;
    if exists.is_none() {
        return Ok(None);
    }
    let mut stmt = c.prepare_cached("SELECT story_key FROM seen WHERE alert_id = ?1")?;
    let keys = stmt
        .query_map([id], |r| r.get(0))?
        .collect::<Result<Vec<String>, _>>()?;
    Ok(Some(keys))
}

/// Marks `muted` every pending delivery (outside a digest) of an alert `m` covers.
fn hold_pending(c: &Connection, m: &Stored) -> Result<(), StoreError> {
    let mut stmt = c.prepare(
        "SELECT DISTINCT a.id, a.body FROM alerts a JOIN deliveries d ON d.alert_id = a.id
         WHERE d.status = 'pending' AND d.digest_id IS NULL",
    )?;
    let pending = stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    for (id, body) in pending {
        let Ok(alert) = serde_json::from_str::<Alert>(&body) else {
            continue;
        };
        let keys = story_keys(c, &id)?.unwrap_or_default();
        if m.covers(&alert, &keys) {
            hold(c, &id)?;
        }
    }
    Ok(())
}

fn hold(c: &Connection, alert_id: &str) -> Result<(), StoreError> {
    c.prepare_cached(
        "UPDATE deliveries SET status = 'muted' WHERE alert_id = ?1 AND status = 'pending'
         AND digest_id IS NULL",
    )?
    .execute([alert_id])?;
    Ok(())
}

/// The mute hook, called where an alert is queued (inside the queuing transaction, after
/// its deliveries are written): when an active mute covers the alert, its deliveries are
/// held back (`muted`) instead of pending. Returns whether it was muted.
pub(in crate::store::sqlite) fn hold_if_muted(
    tx: &Connection,
    new: &NewAlert,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let covered = stored(tx, now)?
        .iter()
        .any(|m| m.covers(&new.alert, &new.story_keys));
    if covered {
        hold(tx, &new.alert.id)?;
        tracing::info!(alert = %new.alert.id, watchlist = %new.alert.watchlist, "alert muted: recorded, not delivered");
    }
    Ok(covered)
}

/// Lifts the active mutes `which` selects.
pub(super) fn lift(
    c: &Connection,
    which: &MuteSelector,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let at = stamp(now);
    let n = match which {
        MuteSelector::Id(id) => c.execute(
            &format!("UPDATE mutes SET lifted_at = ?1 WHERE id = ?2 AND {ACTIVE}"),
            params![at, id],
        )?,
        MuteSelector::Scope(scope) => {
            let (kind, watchlist, person, alert) = columns(scope);
            c.execute(
                &format!(
                    "UPDATE mutes SET lifted_at = ?1 WHERE kind = ?2 AND watchlist = ?3
                     AND person = ?4 AND alert = ?5 AND {ACTIVE}"
                ),
                params![at, kind, watchlist, person, alert],
            )?
        }
    };
    Ok(n)
}
