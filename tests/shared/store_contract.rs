//! The storage contract, through the public interfaces only, run against every backend:
//! feed claims and lost leases, once per story across concurrent polls, near copies,
//! sink queue leases, and delivery settle.

use std::time::Duration;

use chrono::Utc;
use newshound::alert::Alert;
use newshound::feeds::fingerprint::Fingerprint;
use newshound::feeds::Article;
use newshound::store::{
    Attempted, Claim, DeliveryStatus, FeedClaim, Lease, NearDupCheck, NewAlert, PollRecord,
    PollWrite, Settlement, Store, StoreError,
};

use crate::backends::backends;

fn article(feed: &str, guid: &str, title: &str) -> Article {
    Article::new(
        feed,
        Some(guid.into()),
        Some(format!("https://news.example/{guid}")),
        title.into(),
        String::new(),
        format!("{title}: the full text of the story, long enough to fingerprint well."),
        None,
        None,
    )
}

fn candidate(watchlist: &str, a: &Article) -> NewAlert {
    NewAlert {
        alert: Alert::new(watchlist, None, a, &[], Utc::now()),
        sinks: vec!["hook".into()],
        story_keys: a.story_keys(),
    }
}

pub(crate) fn write(
    feed: &str,
    lease: Option<Lease>,
    articles: Vec<(Article, Vec<NewAlert>)>,
) -> PollWrite {
    PollWrite {
        record: PollRecord {
            feed: feed.into(),
            result: "ok",
            error: None,
            validators: None,
            at: Utc::now(),
        },
        schedule: None,
        articles: articles
            .into_iter()
            .map(|(article, alerts)| newshound::store::ArticleWrite {
                article,
                alerts,
                near: None,
            })
            .collect(),
        health: Vec::new(),
        matcher: "m".into(),
        lease,
        by: "test/1".into(),
        now: Utc::now(),
    }
}

fn claim(feed: &str, owner: &str, at: chrono::DateTime<Utc>) -> FeedClaim {
    FeedClaim {
        feed: feed.into(),
        owner: owner.into(),
        now: at,
        hold: Duration::from_secs(60),
    }
}

async fn mine(store: &Store, c: FeedClaim) -> Lease {
    match store.claim_feed(c).await.unwrap() {
        Claim::Mine { lease, .. } => lease,
        other => panic!("expected the claim, got {other:?}"),
    }
}

async fn feed_claims_exclude_others_until_they_pass(store: Store) {
    let now = Utc::now();
    let first = mine(&store, claim("f", "a/1", now)).await;
    match store.claim_feed(claim("f", "b/2", now)).await.unwrap() {
        Claim::Taken { next_poll } => {
            let ahead = (next_poll - now).num_seconds();
            assert!(
                (61..=62).contains(&ahead),
                "moved forward by hold and margin: {ahead}"
            );
        }
        other => panic!("a held feed is taken: {other:?}"),
    }
    // Not a moment before the hold and the send margin pass (the request may have
    // reached the server a moment after the claim).
    let margin = chrono::Duration::from_std(newshound::store::decide::SEND_MARGIN).unwrap();
    let held_until = now + chrono::Duration::seconds(60) + margin;
    match store
        .claim_feed(claim(
            "f",
            "b/2",
            held_until - chrono::Duration::milliseconds(1),
        ))
        .await
        .unwrap()
    {
        Claim::Taken { .. } => {}
        other => panic!("held until its hold and margin pass: {other:?}"),
    }
    // They pass (the claimer died): another instance gets it.
    let later = held_until;
    let second = mine(&store, claim("f", "b/2", later)).await;
    let err = store
        .finish_poll(write("f", Some(first), Vec::new()))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::LeaseLost { .. }), "{err}");
    store
        .finish_poll(write("f", Some(second), Vec::new()))
        .await
        .unwrap();
    let states = store.feed_states().await.unwrap();
    assert_eq!(states["f"].polled_by, "test/1");
    assert_eq!(states["f"].last_result.as_deref(), Some("ok"));
}

async fn a_story_alerts_once_per_watchlist_across_concurrent_polls(store: Store) {
    let a = article("wire", "s1", "Ministers meet");
    let copy = article("other", "s1", "Ministers meet");
    let polls = (0..8).map(|i| {
        let store = store.clone();
        let art = if i % 2 == 0 { a.clone() } else { copy.clone() };
        let alerts = vec![candidate("w", &art), candidate("x", &art)];
        let feed = art.feed.clone();
        tokio::spawn(async move {
            store
                .finish_poll(write(&feed, None, vec![(art, alerts)]))
                .await
        })
    });
    let mut queued = 0;
    for p in polls {
        queued += p.await.unwrap().unwrap()[0].queued.len();
    }
    assert_eq!(queued, 2, "one alert per watchlist");
    let alerts = store.recent_alerts(10).await.unwrap();
    assert_eq!(alerts.len(), 2);
    assert_eq!(store.outbox_counts().await.unwrap().pending, 2);
    let keys = a.story_keys();
    assert!(store
        .story_alert("w", keys.clone())
        .await
        .unwrap()
        .is_some());
    assert!(store.story_alert("y", keys).await.unwrap().is_none());
}

async fn a_near_copy_is_recorded_against_the_first_alert(store: Store) {
    let first = article("wire", "n1", "Typhoon makes landfall in the north");
    let second = article("other", "n2", "Typhoon makes landfall in the north");
    let check = |a: &Article| NearDupCheck {
        fingerprint: Fingerprint::of_article(a),
        since: newshound::store::ago(Duration::from_secs(3600)),
        similarity: 0.8,
    };
    for a in [&first, &second] {
        let mut w = write(&a.feed, None, vec![(a.clone(), vec![candidate("w", a)])]);
        w.articles[0].near = Some(check(a));
        store.finish_poll(w).await.unwrap();
    }
    let alerts = store.recent_alerts(10).await.unwrap();
    assert_eq!(alerts.len(), 1, "the copy did not alert");
    let copies = store.copies_of(&alerts[0].alert.id).await.unwrap();
    assert_eq!(copies.len(), 1);
    assert_eq!(copies[0].feed, "other");
}

async fn one_owner_at_a_time_works_a_sinks_queue(store: Store) {
    let hold = Duration::from_secs(60);
    assert!(store.claim_sink("hook", "a/1", hold).await.unwrap());
    assert!(
        store.claim_sink("hook", "a/1", hold).await.unwrap(),
        "renewed"
    );
    assert!(!store.claim_sink("hook", "b/2", hold).await.unwrap());
    assert!(
        store.claim_sink("log", "b/2", hold).await.unwrap(),
        "per sink"
    );
    store.release_sink("hook", "b/2").await.unwrap();
    assert!(
        !store.claim_sink("hook", "b/2", hold).await.unwrap(),
        "not b's to release"
    );
    store.release_sink("hook", "a/1").await.unwrap();
    assert!(store.claim_sink("hook", "b/2", hold).await.unwrap());
}

async fn a_settled_delivery_is_not_due_again(store: Store) {
    let a = article("wire", "d1", "Markets rally");
    let alerts = vec![candidate("w", &a)];
    store
        .finish_poll(write("wire", None, vec![(a, alerts)]))
        .await
        .unwrap();
    let due = store.due_deliveries("hook", Utc::now(), 10).await.unwrap();
    assert_eq!(due.len(), 1);
    assert!(store.next_due("hook").await.unwrap().is_some());
    let settlement = Settlement {
        attempted: Attempted::Single {
            alert_id: due[0].alert.id.clone(),
            sink: "hook".into(),
        },
        status: DeliveryStatus::Delivered,
        error: None,
        next_attempt_at: Utc::now(),
        now: Utc::now(),
    };
    store.settle(settlement).await.unwrap();
    assert!(store
        .due_deliveries("hook", Utc::now(), 10)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(store.outbox_counts().await.unwrap().delivered, 1);
    let replayed = store
        .replay_alerts(vec![due[0].alert.id.clone()], Utc::now())
        .await
        .unwrap();
    assert_eq!(replayed, 1);
    assert_eq!(store.outbox_counts().await.unwrap().pending, 1);
}

mod each_backend {
    use super::*;
    contract!(
        feed_claims_exclude_others_until_they_pass,
        a_story_alerts_once_per_watchlist_across_concurrent_polls,
        a_near_copy_is_recorded_against_the_first_alert,
        one_owner_at_a_time_works_a_sinks_queue,
        a_settled_delivery_is_not_due_again,
    );
}

/// Instances starting at once on an empty database: the schema is migrated once, and
/// every one of them opens it.
#[tokio::test(flavor = "multi_thread")]
async fn instances_starting_at_once_migrate_once() {
    let url = crate::pg::fresh_database().await;
    let starts = (0..6).map(|_| {
        let url = url.clone();
        tokio::spawn(async move { newshound::store::postgres::PgStore::connect(&url).await })
    });
    for s in starts {
        s.await.unwrap().expect("every instance opens the state");
    }
    let (client, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(conn);
    let rows = client
        .query("SELECT version, applied_by FROM newshound_migrations", &[])
        .await
        .unwrap();
    let versions: Vec<i64> = rows.iter().map(|r| r.get(0)).collect();
    let expected: Vec<i64> = (1..=newshound::store::postgres::schema::SCHEMA_VERSION).collect();
    assert_eq!(versions, expected, "each migration applied once");
}

/// A database migrated by a newer newshound is refused, naming both versions.
#[tokio::test(flavor = "multi_thread")]
async fn a_newer_schema_is_refused() {
    let url = crate::pg::fresh_database().await;
    newshound::store::postgres::PgStore::connect(&url)
        .await
        .unwrap();
    let (client, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(conn);
    client
        .execute(
            "INSERT INTO newshound_migrations (version, applied_by) VALUES (99, 'future')",
            &[],
        )
        .await
        .unwrap();
    let err = match newshound::store::postgres::PgStore::connect(&url).await {
        Ok(_) => panic!("a newer schema must be refused"),
        Err(e) => e.to_string(),
    };
    assert!(
        err.contains(&format!(
            "schema version 99, newer than this newshound ({})",
            newshound::store::postgres::schema::SCHEMA_VERSION
        )),
        "{err}"
    );
    assert!(
        !err.contains("postgres@"),
        "the URL is shown redacted: {err}"
    );
}
