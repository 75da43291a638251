//! Article pages fetched for `full_text` feeds on PostgreSQL: one row per story and feed,
//! with the readable text or the reason there is none. A row means "tried": a page is
//! fetched once per story and never retried. Rows go when their article is pruned.

use std::collections::{BTreeSet, HashSet};

use chrono::SecondsFormat;

use super::poll::{lock_watchlist_names, record_in};
use super::{PgStore, CHANNEL};
use crate::store::{PageWrite, Recorded, StoreError};

/// For each of `ids` (articles of `feed`), whether its page was already tried.
pub(super) async fn pages_tried(
    store: &PgStore,
    feed: &str,
    ids: Vec<String>,
) -> Result<Vec<bool>, StoreError> {
    let client = store.client().await?;
    let rows = client
        .query(
            "SELECT article_id FROM pages WHERE feed = $1 AND article_id = ANY($2)",
            &[&feed, &ids],
        )
        .await?;
    let tried: HashSet<String> = rows.iter().map(|r| r.get(0)).collect();
    Ok(ids.iter().map(|id| tried.contains(id)).collect())
}

/// Records a page and queues the alerts its text adds, in one transaction (under the
/// watchlists' locks, as a poll's writes).
pub(super) async fn finish_page(store: &PgStore, w: PageWrite) -> Result<Recorded, StoreError> {
    let mut client = store.client().await?;
    let tx = client.transaction().await?;
    let (status, reason, text) = match &w.outcome {
        Ok(()) => ("ok", None, w.article.article.as_str()),
        Err(reason) => ("failed", Some(reason.as_str()), ""),
    };
    tx.execute(
        "INSERT INTO pages (feed, article_id, url, status, reason, text, fetched_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (feed, article_id) DO UPDATE SET url = $3, status = $4, reason = $5,
           text = $6, fetched_at = $7",
        &[
            &w.article.feed,
            &w.article.id.as_str(),
            &w.url,
            &status,
            &reason,
            &text,
            &w.now.to_rfc3339_opts(SecondsFormat::Secs, true),
        ],
    )
    .await?;
    if w.alerts.is_empty() {
        tx.commit().await?;
        return Ok(Recorded::default());
    }
    let names: BTreeSet<&str> = w
        .alerts
        .iter()
        .map(|n| n.alert.watchlist.as_str())
        .collect();
    lock_watchlist_names(&tx, names).await?;
    let recorded = record_in(
        &tx,
        &w.article,
        &w.matcher,
        &w.alerts,
        w.near.as_ref(),
        w.now,
    )
    .await?;
    if !recorded.queued.is_empty() {
        tx.execute("SELECT pg_notify($1, '')", &[&CHANNEL]).await?;
    }
    tx.commit().await?;
    Ok(recorded)
}
