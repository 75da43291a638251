//! The PostgreSQL schema: the same tables as the SQLite state (times as the same RFC 3339
//! text and unix milliseconds, so both backends order and compare alike), applied at
//! start under an advisory lock so instances starting together migrate once.

use tokio_postgres::Client;

use super::bands;
use crate::store::StoreError;

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = 4;

/// The advisory lock key migrations run under (any constant unique to newshound).
const MIGRATION_LOCK: i64 = 0x6e65_7773_686f_756e; // "newshoun"

const V1: &str = "
CREATE TABLE feeds (
    name TEXT PRIMARY KEY,
    etag TEXT,
    last_modified TEXT,
    last_poll TEXT,
    last_result TEXT,
    last_error TEXT,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    next_poll BIGINT,
    poll_interval_ms BIGINT,
    poll_reason TEXT,
    lease_owner TEXT,
    lease_token TEXT,
    polled_by TEXT NOT NULL DEFAULT ''
);
CREATE TABLE articles (
    feed TEXT NOT NULL,
    id TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    matched_with TEXT NOT NULL DEFAULT '',
    url TEXT,
    guid TEXT,
    title TEXT NOT NULL,
    published TEXT,
    first_seen TEXT NOT NULL,
    summary TEXT NOT NULL DEFAULT '',
    content TEXT NOT NULL DEFAULT '',
    updated TEXT,
    fingerprint BYTEA,
    PRIMARY KEY (feed, id)
);
CREATE INDEX articles_first_seen ON articles (first_seen);
CREATE TABLE seen (
    watchlist TEXT NOT NULL,
    story_key TEXT NOT NULL,
    alert_id TEXT NOT NULL,
    PRIMARY KEY (watchlist, story_key)
);
CREATE TABLE alerts (
    id TEXT PRIMARY KEY,
    seq BIGSERIAL NOT NULL,
    watchlist TEXT NOT NULL,
    created_at TEXT NOT NULL,
    body TEXT NOT NULL,
    article_feed TEXT NOT NULL DEFAULT '',
    article_id TEXT NOT NULL DEFAULT ''
);
CREATE INDEX alerts_watchlist_created ON alerts (watchlist, created_at);
CREATE INDEX alerts_created ON alerts (created_at, seq);
CREATE TABLE copies (
    alert_id TEXT NOT NULL REFERENCES alerts(id),
    feed TEXT NOT NULL,
    article_id TEXT NOT NULL,
    url TEXT,
    title TEXT NOT NULL,
    seen_at TEXT NOT NULL,
    PRIMARY KEY (alert_id, feed, article_id)
);
CREATE TABLE deliveries (
    alert_id TEXT NOT NULL REFERENCES alerts(id),
    sink TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    first_attempt_at BIGINT,
    last_error TEXT,
    updated_at TEXT NOT NULL,
    digest_id TEXT,
    PRIMARY KEY (alert_id, sink)
);
CREATE INDEX deliveries_due ON deliveries (sink, status, next_attempt_at);
CREATE INDEX deliveries_digest ON deliveries (digest_id);
CREATE TABLE digests (
    id TEXT PRIMARY KEY,
    sink TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    first_attempt_at BIGINT,
    last_error TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX digests_due ON digests (sink, status, next_attempt_at);
CREATE TABLE sink_leases (
    sink TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    until BIGINT NOT NULL
);
CREATE TABLE host_slots (
    host TEXT NOT NULL,
    slot INTEGER NOT NULL,
    owner TEXT,
    until BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (host, slot)
);
";

/// Version 2: article pages fetched for `full_text` feeds (one row per story and feed:
/// the readable text or why there is none; a row means "tried").
const V2: &str = "
CREATE TABLE pages (
    feed TEXT NOT NULL,
    article_id TEXT NOT NULL,
    url TEXT NOT NULL,
    status TEXT NOT NULL,
    reason TEXT,
    text TEXT NOT NULL DEFAULT '',
    fetched_at TEXT NOT NULL,
    PRIMARY KEY (feed, article_id)
);
";

/// Version 4: claim rounds pick due feeds by their next poll.
const V4: &str = "CREATE INDEX feeds_next_poll ON feeds (next_poll);";

/// Brings the database to [`SCHEMA_VERSION`]: under a session advisory lock, so of several
/// instances starting at once one migrates and the others find it done. A database of a
/// newer version is refused.
pub async fn migrate(client: &mut Client, what: &str, by: &str) -> Result<(), StoreError> {
    client
        .execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK])
        .await?;
    let out = migrate_locked(client, what, by).await;
    let unlock = client
        .execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK])
        .await;
    out?;
    unlock?;
    Ok(())
}

async fn migrate_locked(client: &mut Client, what: &str, by: &str) -> Result<(), StoreError> {
    client
        .batch_execute(
            "CREATE TABLE IF NOT EXISTS newshound_migrations (
                version BIGINT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now(),
                applied_by TEXT NOT NULL)",
        )
        .await?;
    let row = client
        .query_one(
            "SELECT COALESCE(MAX(version), 0) FROM newshound_migrations",
            &[],
        )
        .await?;
    let found: i64 = row.get(0);
    if found > SCHEMA_VERSION {
        return Err(StoreError::TooNew {
            what: what.to_string(),
            found,
            supported: SCHEMA_VERSION,
        });
    }
    let steps: [(i64, &str); 4] = [(1, V1), (2, V2), (3, bands::V3), (4, V4)];
    for (version, sql) in steps.into_iter().filter(|(v, _)| *v > found) {
        let tx = client.transaction().await?;
        tx.batch_execute(sql).await?;
        if version == 3 {
            let alerts = bands::backfill(&tx).await?;
            tracing::info!(
                alerts,
                "near-duplicate index built from the stored fingerprints"
            );
        }
        tx.execute(
            "INSERT INTO newshound_migrations (version, applied_by) VALUES ($1, $2)",
            &[&version, &by],
        )
        .await?;
        tx.commit().await?;
        tracing::info!(version, state = what, "state schema migrated");
    }
    Ok(())
}
