//! Article pages (`full_text`) and revision alerts through the storage interfaces, against
//! every backend: a page's text is stored with its article and read back, a failed page
//! keeps its reason, and a revision alert is queued once per change, never taken for a
//! near copy of its own story.

use std::time::Duration;

use chrono::Utc;
use newshound::alert::{Alert, Revision};
use newshound::feeds::fingerprint::Fingerprint;
use newshound::feeds::Article;
use newshound::store::{
    ArticleWrite, NearDupCheck, NewAlert, PageWrite, PollRecord, PollWrite, Store,
};

use crate::backends::backends;

fn article(guid: &str, content: &str) -> Article {
    Article::new(
        "wire",
        Some(guid.into()),
        Some(format!("https://news.example/{guid}")),
        "Port talks resume".into(),
        String::new(),
        content.into(),
        None,
        None,
    )
}

fn candidate(a: &Article) -> NewAlert {
    NewAlert {
        alert: Alert::new("w", None, a, &[], Utc::now()),
        sinks: vec!["hook".into()],
        story_keys: a.story_keys(),
    }
}

fn near(a: &Article) -> NearDupCheck {
    NearDupCheck {
        fingerprint: Fingerprint::of_article(a),
        since: newshound::store::ago(Duration::from_secs(3600)),
        similarity: 0.5,
    }
}

fn poll(a: &Article, alerts: Vec<NewAlert>) -> PollWrite {
    PollWrite {
        record: PollRecord {
            feed: a.feed.clone(),
            result: "ok",
            error: None,
            validators: None,
            at: Utc::now(),
        },
        schedule: None,
        articles: vec![ArticleWrite {
            article: a.clone(),
            alerts,
            near: Some(near(a)),
        }],
        health: Vec::new(),
        matcher: "m".into(),
        lease: None,
        by: "test/1".into(),
        now: Utc::now(),
    }
}

fn page(a: &Article, outcome: Result<(), String>) -> PageWrite {
    PageWrite {
        article: a.clone(),
        url: a.url.clone().unwrap(),
        outcome,
        alerts: Vec::new(),
        near: None,
        matcher: "m".into(),
        now: Utc::now(),
    }
}

async fn a_page_is_stored_with_its_article_and_a_failure_keeps_its_reason(store: Store) {
    let mut ok = article("p1", "Ministers gather.");
    let bad = article("p2", "Ministers leave.");
    store.finish_poll(poll(&ok, Vec::new())).await.unwrap();
    store.finish_poll(poll(&bad, Vec::new())).await.unwrap();
    let ids = vec![ok.id.as_str().to_string(), bad.id.as_str().to_string()];
    assert_eq!(
        store.pages_tried("wire", ids.clone()).await.unwrap(),
        vec![false, false]
    );
    ok.article = "Later in the day, Lloyd Austin met his counterpart for forty minutes.".into();
    store.finish_page(page(&ok, Ok(()))).await.unwrap();
    let reason = "not an HTML page (Content-Type 'application/pdf')".to_string();
    store
        .finish_page(page(&bad, Err(reason.clone())))
        .await
        .unwrap();
    store.flush();
    assert_eq!(
        store.pages_tried("wire", ids.clone()).await.unwrap(),
        vec![true, true]
    );
    let rec = store.page_record("wire", &ids[0]).await.unwrap().unwrap();
    assert_eq!((rec.status.as_str(), rec.reason.as_deref()), ("ok", None));
    assert_eq!(rec.chars, ok.article.chars().count());
    let stored = store
        .stored_article("wire", &ids[0])
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.article, ok.article);
    let failed = store.page_record("wire", &ids[1]).await.unwrap().unwrap();
    assert_eq!(failed.status, "failed");
    assert_eq!(failed.reason.as_deref(), Some(reason.as_str()));
    let stored = store
        .stored_article("wire", &ids[1])
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.article, "");
}

fn revision_of(original: &Alert, a: &Article) -> NewAlert {
    let revision = Revision {
        field: "content".into(),
        before: Some("Jane Doe said the port would reopen.".into()),
        after: Some("Jane Doe said the port would stay closed.".into()),
        new_terms: Vec::new(),
    };
    let mut alert = Alert::new("w", None, a, &[], Utc::now());
    alert.id = revision.alert_id("w", &original.id);
    alert.revision_of = Some(original.id.clone());
    let key = revision.story_key(&original.id);
    alert.revision = Some(revision);
    NewAlert {
        alert,
        sinks: vec!["hook".into()],
        story_keys: vec![key],
    }
}

async fn a_revision_alert_is_queued_once_and_is_no_near_copy(store: Store) {
    let first = article("r1", "Talks resumed. Jane Doe said the port would reopen.");
    let queued = store
        .finish_poll(poll(&first, vec![candidate(&first)]))
        .await;
    let original = queued.unwrap()[0].queued[0].clone();
    let revised = article(
        "r1",
        "Talks resumed. Jane Doe said the port would stay closed.",
    );
    for round in 0..2 {
        let alerts = vec![candidate(&revised), revision_of(&original, &revised)];
        let rec = store.finish_poll(poll(&revised, alerts)).await.unwrap();
        let want = if round == 0 { 1 } else { 0 };
        assert_eq!(rec[0].queued.len(), want, "round {round}: {rec:?}");
        assert!(rec[0].copies.is_empty(), "not a copy of itself: {rec:?}");
    }
    store.flush();
    let alerts = store.recent_alerts(10).await.unwrap();
    assert_eq!(alerts.len(), 2);
    let rev = alerts
        .iter()
        .find(|a| a.alert.revision_of.is_some())
        .expect("the revision is stored");
    assert_eq!(rev.alert.revision_of.as_deref(), Some(original.id.as_str()));
    let r = rev.alert.revision.as_ref().unwrap();
    assert_eq!(
        r.after.as_deref(),
        Some("Jane Doe said the port would stay closed.")
    );
    assert_eq!(rev.deliveries.len(), 1, "one pending delivery per sink");
}

mod each_backend {
    use super::*;
    contract!(
        a_page_is_stored_with_its_article_and_a_failure_keeps_its_reason,
        a_revision_alert_is_queued_once_and_is_no_near_copy,
    );
}
