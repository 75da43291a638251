//! The near-duplicate index on PostgreSQL: each alert's band keys ([`crate::feeds::lsh`]),
//! looked up by key (under the watchlist's advisory lock the poll transaction holds).

use tokio_postgres::{GenericClient, Transaction};

use crate::feeds::fingerprint::Fingerprint;
use crate::feeds::lsh;
use crate::store::{decide, rfc3339, NearDupCheck, StoreError};

/// Schema version 3: the band keys of every alert with a fingerprint ([`backfill`]).
pub(super) const V3: &str = "
CREATE TABLE near_bands (
    band_key BIGINT NOT NULL,
    alert_id TEXT NOT NULL,
    PRIMARY KEY (band_key, alert_id)
);
";

/// The oldest alert (of `watchlist`, created since the check's window, sharing one of
/// `keys`) whose article is a near copy of the new one, if any.
pub(super) async fn find_original(
    tx: &Transaction<'_>,
    watchlist: &str,
    keys: &[i64],
    check: &NearDupCheck,
) -> Result<Option<String>, StoreError> {
    if keys.is_empty() {
        return Ok(None);
    }
    let rows = tx
        .query(
            "SELECT a.id, ar.fingerprint FROM alerts a
             JOIN articles ar ON ar.feed = a.article_feed AND ar.id = a.article_id
             WHERE a.id IN (SELECT alert_id FROM near_bands WHERE band_key = ANY($3))
               AND a.watchlist = $1 AND a.created_at >= $2 AND ar.fingerprint IS NOT NULL
             ORDER BY a.created_at, a.seq",
            &[&watchlist, &rfc3339(check.since), &keys],
        )
        .await?;
    let earlier = rows.iter().map(|r| (r.get(0), r.get(1)));
    Ok(decide::near_copy_of(earlier, check))
}

/// Stores the band keys of a newly queued alert.
pub(super) async fn index<C: GenericClient>(
    tx: &C,
    alert_id: &str,
    keys: &[i64],
) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO near_bands (band_key, alert_id)
         SELECT k, $2 FROM unnest($1::bigint[]) AS k ON CONFLICT DO NOTHING",
        &[&keys, &alert_id],
    )
    .await?;
    Ok(())
}

/// Computes the band keys of every alert whose article has a stored fingerprint (the
/// migration to version 3). Returns how many alerts.
pub(super) async fn backfill(tx: &Transaction<'_>) -> Result<usize, StoreError> {
    let rows = tx
        .query(
            "SELECT a.id, a.watchlist, ar.fingerprint FROM alerts a
             JOIN articles ar ON ar.feed = a.article_feed AND ar.id = a.article_id
             WHERE ar.fingerprint IS NOT NULL",
            &[],
        )
        .await?;
    let mut done = 0;
    for r in &rows {
        let (id, watchlist, bytes): (String, String, Vec<u8>) = (r.get(0), r.get(1), r.get(2));
        if let Some(print) = Fingerprint::from_bytes(&bytes) {
            index(tx, &id, &lsh::band_keys(&print, &watchlist)).await?;
            done += 1;
        }
    }
    Ok(done)
}
