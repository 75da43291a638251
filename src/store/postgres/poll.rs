//! The poll side on PostgreSQL: claims under `FOR UPDATE SKIP LOCKED`, and a poll's writes
//! in one transaction that checks the lease and serialises the once-per-story check per
//! watchlist.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use tokio_postgres::{GenericClient, Row, Transaction};

use super::{bands, PgStore, CHANNEL};
use crate::feeds::{lsh, Article};
use crate::store::{
    decide, owner_is_gone, rfc3339, Claim, DueClaim, DueFeeds, FeedClaim, FeedSchedule, FeedSet,
    FeedState, Known, Lease, NearDupCheck, NewAlert, PageWrite, PollRecord, PollStore, PollWrite,
    Recorded, StoreError,
};

/// The columns [`known_row`] maps.
pub(super) const KNOWN: &str = "SELECT name, etag, last_modified, last_poll, last_result,
    last_error, consecutive_failures, polled_by, next_poll, poll_interval_ms, poll_reason,
    lease_owner FROM feeds";

/// Maps a [`KNOWN`] row: what is known, the next poll, and whether an unfinished claim's
/// owner is gone.
pub(super) fn known_row(r: &Row) -> (Known, Option<i64>, bool) {
    let state = FeedState {
        name: r.get(0),
        etag: r.get(1),
        last_modified: r.get(2),
        last_poll: r.get(3),
        last_result: r.get(4),
        last_error: r.get(5),
        consecutive_failures: u32::try_from(r.get::<_, i32>(6)).unwrap_or(0),
        polled_by: r.get(7),
    };
    let next: Option<i64> = r.get(8);
    let schedule = schedule_of(next, r.get(9), r.get(10));
    let owner: Option<String> = r.get(11);
    let orphaned = owner.as_deref().is_some_and(owner_is_gone);
    ((state, schedule), next, orphaned)
}

/// A stored schedule, when all three columns are set.
pub(super) fn schedule_of(
    next: Option<i64>,
    interval: Option<i64>,
    reason: Option<String>,
) -> Option<FeedSchedule> {
    Some(FeedSchedule {
        next_poll: DateTime::from_timestamp_millis(next?)?,
        interval: std::time::Duration::from_millis(u64::try_from(interval?).ok()?),
        reason: reason?,
    })
}

#[async_trait]
impl PollStore for PgStore {
    async fn claim_feed(&self, c: FeedClaim) -> Result<Claim, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let row = tx
            .query_opt(
                &format!("{KNOWN} WHERE name = $1 FOR UPDATE SKIP LOCKED"),
                &[&c.feed],
            )
            .await?;
        let lease = Lease {
            owner: c.owner.clone(),
            token: decide::lease_token(),
        };
        let until = decide::lease_until(c.now, c.hold);
        let Some(row) = row else {
            // New, or locked by another claim right now.
            let inserted = tx
                .execute(
                    "INSERT INTO feeds (name, next_poll, lease_owner, lease_token)
                     VALUES ($1, $2, $3, $4) ON CONFLICT (name) DO NOTHING",
                    &[&c.feed, &until, &lease.owner, &lease.token],
                )
                .await?;
            tx.commit().await?;
            return Ok(match inserted {
                1 => Claim::Mine { lease, known: None },
                _ => Claim::Taken {
                    next_poll: c.now + chrono::Duration::seconds(1),
                },
            });
        };
        let (known, next, orphaned) = known_row(&row);
        if !orphaned && !decide::claimable(next, c.now) {
            let next_poll = next
                .and_then(DateTime::from_timestamp_millis)
                .unwrap_or(c.now);
            return Ok(Claim::Taken { next_poll });
        }
        tx.execute(
            "UPDATE feeds SET next_poll = $2, lease_owner = $3, lease_token = $4 WHERE name = $1",
            &[&c.feed, &until, &lease.owner, &lease.token],
        )
        .await?;
        tx.commit().await?;
        Ok(Claim::Mine {
            lease,
            known: Some(Box::new(known)),
        })
    }

    async fn plan_feeds(&self, feeds: Arc<FeedSet>, now: DateTime<Utc>) -> Result<(), StoreError> {
        self.plan_feeds_pg(&feeds, now).await
    }

    async fn claim_due(&self, claim: DueClaim) -> Result<DueFeeds, StoreError> {
        self.claim_due_pg(&claim).await
    }

    async fn renew_claim(
        &self,
        feed: String,
        lease: Lease,
        now: DateTime<Utc>,
        hold: std::time::Duration,
    ) -> Result<bool, StoreError> {
        let client = self.client().await?;
        let n = client
            .execute(
                "UPDATE feeds SET next_poll = $3 WHERE name = $1 AND lease_token = $2",
                &[&feed, &lease.token, &decide::lease_until(now, hold)],
            )
            .await?;
        Ok(n == 1)
    }

    async fn known_feeds(&self) -> Result<HashMap<String, Known>, StoreError> {
        let client = self.client().await?;
        let rows = client.query(KNOWN, &[]).await?;
        Ok(rows
            .iter()
            .map(|r| {
                let (known, ..) = known_row(r);
                (known.0.name.clone(), known)
            })
            .collect())
    }

    async fn feed_schedule(&self, feed: &str) -> Result<Option<FeedSchedule>, StoreError> {
        let client = self.client().await?;
        let row = client
            .query_opt(&format!("{KNOWN} WHERE name = $1"), &[&feed])
            .await?;
        Ok(row.and_then(|r| {
            let ((_, schedule), _, orphaned) = known_row(&r);
            let mut schedule = schedule?;
            if orphaned {
                schedule.next_poll = schedule.next_poll.max(Utc::now());
            }
            Some(schedule)
        }))
    }

    async fn unchanged_articles(
        &self,
        feed: &str,
        articles: Vec<(String, String)>,
        matcher: &str,
    ) -> Result<Vec<bool>, StoreError> {
        let client = self.client().await?;
        let ids: Vec<&str> = articles.iter().map(|(id, _)| id.as_str()).collect();
        let rows = client
            .query(
                "SELECT id, content_hash, matched_with FROM articles
                 WHERE feed = $1 AND id = ANY($2)",
                &[&feed, &ids],
            )
            .await?;
        let stored: HashMap<String, (String, String)> = rows
            .iter()
            .map(|r| (r.get(0), (r.get(1), r.get(2))))
            .collect();
        Ok(articles
            .iter()
            .map(|(id, hash)| {
                let row = stored.get(id).map(|(h, w)| (h.as_str(), w.as_str()));
                decide::unchanged(row, hash, matcher)
            })
            .collect())
    }

    async fn finish_poll(&self, w: PollWrite) -> Result<Vec<Recorded>, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        if !w.may_alert() {
            // As SQLite's poll batch: bookkeeping a crash may lose is simply redone.
            tx.batch_execute("SET LOCAL synchronous_commit = off")
                .await?;
        }
        if let Some(lease) = &w.lease {
            check_lease(&tx, &w.record.feed, lease).await?;
        }
        lock_watchlists(&tx, &w).await?;
        let mut recorded = Vec::with_capacity(w.articles.len());
        for a in &w.articles {
            let rec = record_in(
                &tx,
                &a.article,
                &w.matcher,
                &a.alerts,
                a.near.as_ref(),
                w.now,
            )
            .await?;
            recorded.push(rec);
        }
        record_poll_in(&tx, &w.record, &w.by).await?;
        if let Some(s) = &w.schedule {
            write_schedule(&tx, &w.record.feed, s).await?;
        }
        for h in &w.health {
            queue_alert(&*tx, h, None, w.now).await?;
        }
        if !w.health.is_empty() || recorded.iter().any(|r| !r.queued.is_empty()) {
            tx.execute("SELECT pg_notify($1, '')", &[&CHANNEL]).await?;
        }
        tx.commit().await?;
        Ok(recorded)
    }

    async fn prune_articles(&self, before: DateTime<Utc>) -> Result<usize, StoreError> {
        let client = self.client().await?;
        let n = client
            .execute(
                "DELETE FROM articles WHERE first_seen < $1",
                &[&rfc3339(before)],
            )
            .await?;
        // Fetched pages go with their articles.
        client
            .execute(
                "DELETE FROM pages WHERE NOT EXISTS (SELECT 1 FROM articles a
                   WHERE a.feed = pages.feed AND a.id = pages.article_id)",
                &[],
            )
            .await?;
        // So do the band keys of alerts that old: their fingerprints went with them.
        client
            .execute(
                "DELETE FROM near_bands WHERE alert_id IN
                   (SELECT id FROM alerts WHERE created_at < $1)",
                &[&rfc3339(before)],
            )
            .await?;
        Ok(n as usize)
    }

    async fn known_articles(&self, feed: &str, ids: Vec<String>) -> Result<Vec<bool>, StoreError> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT id FROM articles WHERE feed = $1 AND id = ANY($2)",
                &[&feed, &ids],
            )
            .await?;
        let stored: BTreeSet<String> = rows.iter().map(|r| r.get(0)).collect();
        Ok(ids.iter().map(|id| stored.contains(id)).collect())
    }

    async fn pages_tried(&self, feed: &str, ids: Vec<String>) -> Result<Vec<bool>, StoreError> {
        super::pages::pages_tried(self, feed, ids).await
    }

    async fn finish_page(&self, write: PageWrite) -> Result<Recorded, StoreError> {
        super::pages::finish_page(self, write).await
    }
}

/// [`StoreError::LeaseLost`] unless `lease` is the feed's current claim (the row stays
/// locked until the transaction ends, so no claim can slip in before the commit).
async fn check_lease(tx: &Transaction<'_>, feed: &str, lease: &Lease) -> Result<(), StoreError> {
    let row = tx
        .query_opt(
            "SELECT lease_token FROM feeds WHERE name = $1 FOR UPDATE",
            &[&feed],
        )
        .await?;
    match row.and_then(|r| r.get::<_, Option<String>>(0)) {
        Some(t) if t == lease.token => Ok(()),
        _ => Err(StoreError::LeaseLost { feed: feed.into() }),
    }
}

/// Takes the advisory transaction lock of every watchlist this poll may alert, in name
/// order (so two polls never wait on each other crosswise): the seen-check, the
/// near-duplicate check and the insert of one watchlist's stories run one at a time.
async fn lock_watchlists(tx: &Transaction<'_>, w: &PollWrite) -> Result<(), StoreError> {
    let names: BTreeSet<&str> = w
        .articles
        .iter()
        .flat_map(|a| a.alerts.iter().map(|n| n.alert.watchlist.as_str()))
        .collect();
    lock_watchlist_names(tx, names).await
}

/// Takes the advisory transaction locks of `names` in their (sorted) order.
pub(super) async fn lock_watchlist_names(
    tx: &Transaction<'_>,
    names: BTreeSet<&str>,
) -> Result<(), StoreError> {
    for name in names {
        let key = format!("newshound:watchlist:{name}");
        tx.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
            &[&key],
        )
        .await?;
    }
    Ok(())
}

async fn record_poll_in(
    tx: &Transaction<'_>,
    rec: &PollRecord,
    by: &str,
) -> Result<(), StoreError> {
    let failed = rec.error.is_some();
    tx.execute(
        "INSERT INTO feeds (name, last_poll, last_result, last_error, consecutive_failures, polled_by)
         VALUES ($1, $2, $3, $4, CASE WHEN $5 THEN 1 ELSE 0 END, $6)
         ON CONFLICT (name) DO UPDATE SET last_poll = $2, last_result = $3, last_error = $4,
           consecutive_failures = CASE WHEN $5 THEN feeds.consecutive_failures + 1 ELSE 0 END,
           polled_by = $6, lease_owner = NULL",
        &[&rec.feed, &rfc3339(rec.at), &rec.result, &rec.error, &failed, &by],
    )
    .await?;
    if let Some((etag, last_modified)) = &rec.validators {
        tx.execute(
            "UPDATE feeds SET etag = $2, last_modified = $3 WHERE name = $1",
            &[&rec.feed, etag, last_modified],
        )
        .await?;
    }
    Ok(())
}

async fn write_schedule(
    tx: &Transaction<'_>,
    feed: &str,
    s: &FeedSchedule,
) -> Result<(), StoreError> {
    let interval = i64::try_from(s.interval.as_millis()).unwrap_or(i64::MAX);
    tx.execute(
        "UPDATE feeds SET next_poll = $2, poll_interval_ms = $3, poll_reason = $4 WHERE name = $1",
        &[&feed, &s.next_poll.timestamp_millis(), &interval, &s.reason],
    )
    .await?;
    Ok(())
}

/// Records `article` and queues those of `alerts` whose story its watchlist has not seen
/// (or alerted a near copy of).
pub(super) async fn record_in(
    tx: &Transaction<'_>,
    article: &Article,
    matcher: &str,
    alerts: &[NewAlert],
    near: Option<&NearDupCheck>,
    now: DateTime<Utc>,
) -> Result<Recorded, StoreError> {
    let mut out = Recorded::default();
    for new in alerts {
        let watchlist = new.alert.watchlist.as_str();
        if story_seen(tx, watchlist, &new.story_keys).await? {
            continue;
        }
        let keys = near.map(|n| lsh::band_keys(&n.fingerprint, watchlist));
        // A revision alert is about a story already alerted: never a near copy of it.
        if let (Some(check), Some(keys), None) = (near, &keys, &new.alert.revision_of) {
            if let Some(original) = bands::find_original(tx, watchlist, keys, check).await? {
                record_copy(tx, &original, watchlist, article, now).await?;
                out.copies.push((watchlist.to_string(), original));
                continue;
            }
        }
        queue_alert(tx, new, Some(article), now).await?;
        if let Some(keys) = &keys {
            bands::index(tx, &new.alert.id, keys).await?;
        }
        out.queued.push(new.alert.clone());
    }
    let fingerprint = near.map(|n| n.fingerprint.to_bytes());
    upsert_article(tx, article, matcher, fingerprint, now).await?;
    Ok(out)
}

async fn story_seen(
    tx: &Transaction<'_>,
    watchlist: &str,
    keys: &[String],
) -> Result<bool, StoreError> {
    let row = tx
        .query_opt(
            "SELECT 1 FROM seen WHERE watchlist = $1 AND story_key = ANY($2) LIMIT 1",
            &[&watchlist, &keys],
        )
        .await?;
    Ok(row.is_some())
}

async fn record_copy(
    tx: &Transaction<'_>,
    alert_id: &str,
    watchlist: &str,
    article: &Article,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO copies (alert_id, feed, article_id, url, title, seen_at)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
        &[
            &alert_id,
            &article.feed,
            &article.id.as_str(),
            &article.url,
            &article.title,
            &rfc3339(now),
        ],
    )
    .await?;
    insert_keys(tx, watchlist, &article.story_keys(), alert_id).await
}

async fn insert_keys<C: GenericClient>(
    tx: &C,
    watchlist: &str,
    keys: &[String],
    alert_id: &str,
) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO seen (watchlist, story_key, alert_id)
         SELECT $1, k, $3 FROM unnest($2::text[]) AS k ON CONFLICT DO NOTHING",
        &[&watchlist, &keys, &alert_id],
    )
    .await?;
    Ok(())
}

/// Writes the alert, its story keys and one pending delivery per sink (due `now`).
pub(super) async fn queue_alert<C: GenericClient>(
    tx: &C,
    new: &NewAlert,
    article: Option<&Article>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let a = &new.alert;
    let body = serde_json::to_string(a).map_err(|source| StoreError::Corrupt {
        id: a.id.clone(),
        source,
    })?;
    let (feed, id) = article.map_or(("", ""), |x| (x.feed.as_str(), x.id.as_str()));
    let (fold_title, fold_body) = super::desk::alert_folds(a);
    tx.execute(
        "INSERT INTO alerts (id, watchlist, created_at, body, article_feed, article_id,
           fold_title, fold_body)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING",
        &[
            &a.id,
            &a.watchlist,
            &rfc3339(now),
            &body,
            &feed,
            &id,
            &fold_title,
            &fold_body,
        ],
    )
    .await?;
    insert_keys(tx, &a.watchlist, &new.story_keys, &a.id).await?;
    tx.execute(
        "INSERT INTO deliveries (alert_id, sink, status, next_attempt_at, updated_at)
         SELECT $1, s, 'pending', $3, $4 FROM unnest($2::text[]) AS s ON CONFLICT DO NOTHING",
        &[&a.id, &new.sinks, &now.timestamp_millis(), &rfc3339(now)],
    )
    .await?;
    super::desk::hold_if_muted(tx, new, now).await?;
    Ok(())
}

async fn upsert_article(
    tx: &Transaction<'_>,
    a: &Article,
    matcher: &str,
    fingerprint: Option<Vec<u8>>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let published = a.published.map(rfc3339);
    let updated = a.updated.map(rfc3339);
    let (fold_title, fold_body) = super::desk::article_folds(a);
    tx.execute(
        "INSERT INTO articles (feed, id, content_hash, url, guid, title, published, first_seen,
           matched_with, summary, content, updated, fingerprint, fold_title, fold_body)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
         ON CONFLICT (feed, id) DO UPDATE SET content_hash = $3, url = $4, guid = $5, title = $6,
           published = $7, matched_with = $9, summary = $10, content = $11, updated = $12,
           fingerprint = COALESCE($13, articles.fingerprint), fold_title = $14, fold_body = $15",
        &[
            &a.feed,
            &a.id.as_str(),
            &a.content_hash(),
            &a.url,
            &a.guid,
            &a.title,
            &published,
            &rfc3339(now),
            &matcher,
            &a.summary,
            &a.content,
            &updated,
            &fingerprint,
            &fold_title,
            &fold_body,
        ],
    )
    .await?;
    Ok(())
}
