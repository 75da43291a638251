//! The near-duplicate index: each alert's band keys ([`crate::feeds::lsh`]), so the earlier
//! alerts a new story may copy are found by key, not by decoding every alert of its
//! watchlist in the window.

use chrono::SecondsFormat;
use rusqlite::{params_from_iter, types::Value, Connection};

use crate::feeds::fingerprint::Fingerprint;
use crate::feeds::lsh;
use crate::store::{decide, NearDupCheck, StoreError};

/// Version 6: the band keys of every alert with a fingerprint (backfilled by [`backfill`]).
pub(super) const MIGRATE_V6: &str = "
CREATE TABLE near_bands (
    band_key INTEGER NOT NULL,
    alert_id TEXT NOT NULL,
    PRIMARY KEY (band_key, alert_id)
) WITHOUT ROWID;
";

/// The alert (of `watchlist`, created since the check's window, sharing one of `keys`)
/// whose article is a near copy of the new one, if any: the oldest such.
pub(super) fn find_original(
    tx: &Connection,
    watchlist: &str,
    keys: &[i64],
    check: &NearDupCheck,
) -> Result<Option<String>, StoreError> {
    if keys.is_empty() {
        return Ok(None);
    }
    let marks = (3..keys.len() + 3)
        .map(|i| format!("?{i}"))
        .collect::<Vec<_>>()
        .join(",");
    // CROSS JOIN: SQLite keeps this order, so the lookup starts from the band keys and
    // never walks the watchlist's alerts in the window.
    let mut stmt = tx.prepare_cached(&format!(
        "SELECT DISTINCT a.id, ar.fingerprint, a.created_at FROM near_bands nb
         CROSS JOIN alerts a ON a.id = nb.alert_id
         CROSS JOIN articles ar ON ar.feed = a.article_feed AND ar.id = a.article_id
         WHERE nb.band_key IN ({marks})
           AND a.watchlist = ?1 AND a.created_at >= ?2 AND ar.fingerprint IS NOT NULL
         ORDER BY a.created_at"
    ))?;
    let since = check.since.to_rfc3339_opts(SecondsFormat::Secs, true);
    let mut args: Vec<Value> = vec![watchlist.to_string().into(), since.into()];
    args.extend(keys.iter().map(|k| Value::Integer(*k)));
    let rows = stmt
        .query_map(params_from_iter(args), |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<Vec<(String, Vec<u8>)>, _>>()?;
    Ok(decide::near_copy_of(rows, check))
}

/// Stores the band keys of a newly queued alert.
pub(super) fn index(tx: &Connection, alert_id: &str, keys: &[i64]) -> Result<(), StoreError> {
    if keys.is_empty() {
        return Ok(());
    }
    // One statement for all of an alert's keys (the same shape each time: one band key
    // per band), not one per key.
    let rows = (2..keys.len() + 2)
        .map(|i| format!("(?{i}, ?1)"))
        .collect::<Vec<_>>()
        .join(",");
    let mut stmt = tx.prepare_cached(&format!(
        "INSERT OR IGNORE INTO near_bands (band_key, alert_id) VALUES {rows}"
    ))?;
    let mut args: Vec<Value> = vec![alert_id.to_string().into()];
    args.extend(keys.iter().map(|k| Value::Integer(*k)));
    stmt.execute(params_from_iter(args))?;
    Ok(())
}

/// Computes the band keys of every alert whose article has a stored fingerprint (the
/// migration to version 6, and a scratch copy of an older state). Returns how many alerts.
pub(super) fn backfill(tx: &Connection) -> Result<usize, StoreError> {
    let mut stmt = tx.prepare(
        "SELECT a.id, a.watchlist, ar.fingerprint FROM alerts a
         JOIN articles ar ON ar.feed = a.article_feed AND ar.id = a.article_id
         WHERE ar.fingerprint IS NOT NULL",
    )?;
    let rows = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<Vec<(String, String, Vec<u8>)>, _>>()?;
    let mut done = 0;
    for (id, watchlist, bytes) in rows {
        if let Some(print) = Fingerprint::from_bytes(&bytes) {
            index(tx, &id, &lsh::band_keys(&print, &watchlist))?;
            done += 1;
        }
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::super::SqliteStore;
    use crate::alert::Alert;
    use crate::feeds::fingerprint::Fingerprint;
    use crate::feeds::Article;
    use crate::store::{ago, NearDupCheck, NewAlert};

    const TEXT: &str = "The port authority said on Monday that the strike by dock workers had \
        ended after a night of talks, and that ships waiting outside the harbour would be \
        unloaded from Tuesday, with the backlog expected to clear within the week.";

    fn record(store: &SqliteStore, guid: &str, text: &str) -> crate::store::Recorded {
        let a = Article::new(
            "f",
            Some(guid.into()),
            Some(format!("https://x.org/{guid}")),
            guid.into(),
            String::new(),
            text.into(),
            None,
            None,
        );
        let near = NearDupCheck {
            fingerprint: Fingerprint::of_article(&a),
            since: ago(std::time::Duration::from_secs(3600)),
            similarity: 0.5,
        };
        let alert = NewAlert {
            alert: Alert::new("w", None, &a, &[], Utc::now()),
            sinks: vec!["hook".into()],
            story_keys: a.story_keys(),
        };
        store
            .record_article(&a, "m", vec![alert], Some(&near), Utc::now())
            .unwrap()
    }

    #[test]
    fn a_state_from_before_the_index_is_backfilled_and_finds_copies() {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = SqliteStore::open(dir.path()).unwrap();
            assert_eq!(record(&store, "a", TEXT).queued.len(), 1);
        }
        {
            // What version 5 looked like: no index.
            let conn = rusqlite::Connection::open(dir.path().join("newshound.db")).unwrap();
            conn.execute_batch("DROP TABLE near_bands; PRAGMA user_version = 5;")
                .unwrap();
        }
        let store = SqliteStore::open(dir.path()).unwrap();
        let copy = record(&store, "b", &TEXT.replace("Monday", "Sunday"));
        assert!(copy.queued.is_empty(), "{copy:?}");
        assert_eq!(copy.copies.len(), 1);
        let other = record(&store, "c", "A different story about the election results.");
        assert_eq!(other.queued.len(), 1);
    }
}
