//! The desk's store contract ([`newshound::store::DeskStore`]) through the public
//! interfaces, run against every backend: pages with every filter and the cursor, one
//! alert with deliveries and copies, feedback and precision, search with the matcher's
//! folding (a phrase, a prefix, names in other scripts); the mutes in
//! [`crate::desk_mutes`].

use chrono::Utc;
use newshound::alert::Alert;
use newshound::desk::SearchQuery;
use newshound::feeds::Article;
use newshound::store::desk::{AlertFilter, Feedback, Verdict};
use newshound::store::{NewAlert, Store};
use newshound::watch::{Field, Hit, TermKind};

use crate::backends::backends;
use crate::store_contract::write;

pub(crate) fn article(feed: &str, guid: &str, title: &str, summary: &str) -> Article {
    Article::new(
        feed,
        Some(guid.into()),
        Some(format!("https://news.example/{guid}")),
        title.into(),
        summary.into(),
        format!("{summary} More of the story follows here."),
        None,
        None,
    )
}

pub(crate) fn person(name: &str) -> Hit {
    Hit {
        term: name.into(),
        kind: TermKind::Person,
        matched: name.into(),
        field: Field::Title,
        count: 1,
        snippet: format!("[{name}]"),
    }
}

pub(crate) fn candidate(watchlist: &str, a: &Article, hits: &[Hit]) -> NewAlert {
    NewAlert {
        alert: Alert::new(watchlist, Some("high"), a, hits, Utc::now()),
        sinks: vec!["hook".into()],
        story_keys: a.story_keys(),
    }
}

/// Records `a` from its feed with an alert for each watchlist; returns the alert ids.
pub(crate) async fn poll(
    store: &Store,
    a: &Article,
    watchlists: &[&str],
    hits: &[Hit],
) -> Vec<String> {
    let alerts: Vec<NewAlert> = watchlists.iter().map(|w| candidate(w, a, hits)).collect();
    let ids = alerts.iter().map(|n| n.alert.id.clone()).collect();
    store
        .finish_poll(write(&a.feed, None, vec![(a.clone(), alerts)]))
        .await
        .unwrap();
    ids
}

pub(crate) fn filter(limit: usize) -> AlertFilter {
    AlertFilter {
        limit,
        ..Default::default()
    }
}

pub(crate) async fn ids(store: &Store, f: AlertFilter) -> Vec<String> {
    let page = store.desk().list_alerts(f).await.unwrap();
    page.alerts.into_iter().map(|r| r.alert.id).collect()
}

async fn pages_filter_and_follow_the_cursor(store: Store) {
    let mut all = Vec::new();
    for i in 0..5 {
        let feed = if i % 2 == 0 { "wire" } else { "defence" };
        let a = article(
            feed,
            &format!("p{i}"),
            &format!("Story {i}"),
            "Talks go on.",
        );
        all.extend(poll(&store, &a, &["w"], &[]).await);
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    }
    let first = store.desk().list_alerts(filter(2)).await.unwrap();
    assert_eq!(first.alerts.len(), 2);
    assert_eq!(first.alerts[0].alert.id, all[4], "newest first");
    let mut seen: Vec<String> = first.alerts.iter().map(|r| r.alert.id.clone()).collect();
    let mut next = first.next;
    while let Some(after) = next {
        let page = store
            .desk()
            .list_alerts(AlertFilter {
                after: Some(after),
                ..filter(2)
            })
            .await
            .unwrap();
        seen.extend(page.alerts.iter().map(|r| r.alert.id.clone()));
        next = page.next;
    }
    all.reverse();
    assert_eq!(seen, all, "every alert once, newest first");
    let wire = ids(
        &store,
        AlertFilter {
            feed: Some("wire".into()),
            ..filter(10)
        },
    )
    .await;
    assert_eq!(wire.len(), 3);
    let high = AlertFilter {
        severity: Some("high".into()),
        watchlist: Some("w".into()),
        ..filter(10)
    };
    assert_eq!(ids(&store, high).await.len(), 5);
    assert!(ids(
        &store,
        AlertFilter {
            watchlist: Some("x".into()),
            ..filter(10)
        }
    )
    .await
    .is_empty());
    let future = AlertFilter {
        since: Some("2099-01-01T00:00:00Z".into()),
        ..filter(10)
    };
    assert!(ids(&store, future).await.is_empty());
    let pending = AlertFilter {
        delivery: Some(newshound::store::DeliveryStatus::Pending),
        ..filter(10)
    };
    assert_eq!(ids(&store, pending).await.len(), 5);
}

async fn one_alert_feedback_and_precision(store: Store) {
    let a = article("wire", "f1", "Ministers meet", "Talks go on.");
    let id = poll(&store, &a, &["w", "x"], &[]).await.remove(0);
    let record = store.desk().alert_record(&id).await.unwrap().unwrap();
    assert_eq!(
        record.article,
        ("wire".to_string(), a.id.as_str().to_string())
    );
    assert_eq!(record.deliveries.len(), 1);
    assert_eq!(record.deliveries[0].status, "pending");
    assert!(record.deliveries[0].next_attempt_at.is_some());
    assert!(record.feedback.is_none() && !record.muted());
    assert!(store.desk().alert_record("nope").await.unwrap().is_none());

    let fb = |verdict, note: Option<&str>| Feedback {
        verdict,
        note: note.map(str::to_string),
        at: "2026-01-01T00:00:00Z".into(),
    };
    assert!(!store
        .desk()
        .set_feedback("nope", fb(Verdict::Useful, None))
        .await
        .unwrap());
    assert!(store
        .desk()
        .set_feedback(&id, fb(Verdict::Useful, None))
        .await
        .unwrap());
    let judged = fb(Verdict::FalsePositive, Some("another Li"));
    assert!(store
        .desk()
        .set_feedback(&id, judged.clone())
        .await
        .unwrap());
    let record = store.desk().alert_record(&id).await.unwrap().unwrap();
    assert_eq!(record.feedback, Some(judged), "the latest replaces earlier");
    let precision = store.desk().precision().await.unwrap();
    assert_eq!(precision.len(), 1);
    assert_eq!((precision[0].useful, precision[0].false_positive), (0, 1));
    let marked = store.desk().marked_alerts().await.unwrap();
    assert_eq!(marked.len(), 1);
    assert_eq!(
        (marked[0].id.as_str(), marked[0].verdict),
        (id.as_str(), Verdict::FalsePositive)
    );
    let fp = AlertFilter {
        feedback: Some(Some(Verdict::FalsePositive)),
        ..filter(10)
    };
    assert_eq!(ids(&store, fp).await, std::slice::from_ref(&id));
    let none = ids(
        &store,
        AlertFilter {
            feedback: Some(None),
            ..filter(10)
        },
    )
    .await;
    assert_eq!(none.len(), 1, "the other watchlist's alert has none");
}

async fn search_folds_like_the_matcher(store: Store) {
    let stories = [
        (
            "s1",
            "Talks in Zürich today",
            "General Li Shangfu, minister of defence.",
        ),
        ("s2", "国防部长李尚福被免职", "外交部发言人回应。"),
        ("s3", "שר הביטחון יואב גלנט", "הודעה רשמית."),
        (
            "s4",
            "Harbour reopens",
            "Shangfu Li was not there; defenders were.",
        ),
    ];
    for (guid, title, summary) in stories {
        poll(&store, &article("wire", guid, title, summary), &["w"], &[]).await;
    }
    let search = |q: &str| {
        let store = store.clone();
        let q = SearchQuery::parse(q).unwrap();
        async move {
            let hits = store.desk().search_articles(&q, 10).await.unwrap();
            let mut ids: Vec<String> = hits.iter().map(|h| h.id.clone()).collect();
            ids.sort();
            let alerts = store
                .desk()
                .list_alerts(AlertFilter {
                    text: Some(q),
                    ..filter(10)
                })
                .await
                .unwrap()
                .alerts
                .len();
            (ids.len(), alerts)
        }
    };
    assert_eq!(search("zurich").await, (1, 1));
    assert_eq!(search("ZÜRICH today").await, (1, 1));
    assert_eq!(search("zuri").await, (0, 0), "a word, not part of one");
    assert_eq!(search("zuri*").await, (1, 1));
    assert_eq!(
        search("\"li shangfu\"").await,
        (1, 1),
        "the phrase, in order"
    );
    assert_eq!(search("shangfu li").await, (2, 2), "words in any order");
    assert_eq!(search("defen*").await, (2, 2));
    assert_eq!(search("李尚福").await, (1, 1));
    assert_eq!(search("גלנט").await, (1, 1));
    assert_eq!(search("harbour 100%").await, (0, 0));
    let best = store
        .desk()
        .search_articles(&SearchQuery::parse("shangfu").unwrap(), 10)
        .await
        .unwrap();
    assert_eq!(best.len(), 2);
    assert!(best.iter().all(|h| h.text.contains("Shangfu")));
}

/// Articles with every term in the title come before the others, however new those are.
async fn search_puts_every_term_in_the_title_first(store: Store) {
    let stories = [
        ("t1", "Harbour talks in Zürich", "The port reopens."),
        ("t2", "Zürich", "Harbour talks went on."),
        (
            "t3",
            "News of the day",
            "In Zürich the harbour talks ended.",
        ),
    ];
    for (guid, title, summary) in stories {
        poll(&store, &article("wire", guid, title, summary), &["w"], &[]).await;
    }
    let titles = |q: &str, limit| {
        let store = store.clone();
        let q = SearchQuery::parse(q).unwrap();
        async move {
            let hits = store.desk().search_articles(&q, limit).await.unwrap();
            hits.into_iter().map(|h| h.title).collect::<Vec<_>>()
        }
    };
    let all = titles("zurich harbour", 10).await;
    assert_eq!(all.len(), 3);
    assert_eq!(all[0], "Harbour talks in Zürich", "{all:?}");
    assert_eq!(
        titles("talks zurich", 1).await,
        ["Harbour talks in Zürich"],
        "the title hit, though stored first"
    );
    let in_title = titles("zurich", 10).await;
    assert_eq!(
        in_title[2], "News of the day",
        "after both with the word in the title: {in_title:?}"
    );
}

mod each_backend {
    use super::*;
    contract!(
        pages_filter_and_follow_the_cursor,
        one_alert_feedback_and_precision,
        search_folds_like_the_matcher,
        search_puts_every_term_in_the_title_first,
    );
}

/// A database of schema version 4 (before the desk) with articles and alerts in it:
/// migrating folds their text, so search finds what was stored before the upgrade.
#[tokio::test(flavor = "multi_thread")]
async fn the_desk_migration_folds_what_was_stored_before() {
    use newshound::store::postgres::PgStore;
    let url = crate::pg::fresh_database().await;
    let store = Store::new(
        std::sync::Arc::new(PgStore::connect(&url).await.unwrap()),
        false,
    );
    let a = article(
        "wire",
        "old1",
        "Talks in Zürich",
        "General Li Shangfu spoke.",
    );
    let id = poll(&store, &a, &["w"], &[]).await.remove(0);
    let (client, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(conn);
    client
        .batch_execute(
            "ALTER TABLE articles DROP COLUMN fold_title, DROP COLUMN fold_body;
             ALTER TABLE alerts DROP COLUMN fold_title, DROP COLUMN fold_body;
             DROP TABLE feedback; DROP TABLE mutes; DROP INDEX alerts_created_id;
             DELETE FROM newshound_migrations WHERE version = 5;",
        )
        .await
        .unwrap();
    let store = Store::new(
        std::sync::Arc::new(PgStore::connect(&url).await.unwrap()),
        false,
    );
    let q = SearchQuery::parse("\"li shangfu\" zurich").unwrap();
    let hits = store.desk().search_articles(&q, 10).await.unwrap();
    assert_eq!(
        hits.len(),
        1,
        "the stored article is searchable after the upgrade"
    );
    let found = ids(
        &store,
        AlertFilter {
            text: Some(q),
            ..filter(10)
        },
    )
    .await;
    assert_eq!(found, [id]);
}
