//! The claim rounds' storage contract, against every backend: a config's feeds planned
//! (remembered times honoured up to their cap, new ones spread), due feeds claimed once
//! across instances claiming at the same moment, a claim held until its hold and the send
//! margin pass, a next poll never claimed early.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use newshound::store::decide::SEND_MARGIN;
use newshound::store::{DueClaim, FeedSchedule, FeedSet, PlannedFeed, Store, StoreError};

use crate::backends::backends;
use crate::store_contract::write;

const HOUR: Duration = Duration::from_secs(3600);

fn set(names: &[String], first: Duration) -> Arc<FeedSet> {
    Arc::new(FeedSet::new(
        names
            .iter()
            .map(|n| PlannedFeed {
                name: n.clone(),
                hold: Duration::from_secs(60),
                first,
                cap: 4 * HOUR,
            })
            .collect(),
    ))
}

fn due(owner: &str, now: DateTime<Utc>, limit: usize, feeds: &Arc<FeedSet>) -> DueClaim {
    DueClaim {
        owner: owner.into(),
        now,
        limit,
        feeds: feeds.clone(),
    }
}

async fn due_feeds_are_claimed_once_across_instances(store: Store) {
    let names: Vec<String> = (0..300).map(|i| format!("f{i}")).collect();
    let feeds = set(&names, Duration::ZERO);
    let now = Utc::now();
    store.plan_feeds(feeds.clone(), now).await.unwrap();
    let instances = (0..4).map(|i| {
        let (store, feeds) = (store.clone(), feeds.clone());
        tokio::spawn(async move {
            let mut got = Vec::new();
            loop {
                let round = store
                    .claim_due(due(&format!("host/{i}"), now, 25, &feeds))
                    .await
                    .unwrap();
                if round.claimed.is_empty() {
                    return got;
                }
                assert!(
                    round.claimed.iter().all(|c| c.known.is_none()),
                    "never polled"
                );
                got.extend(round.claimed.into_iter().map(|c| c.feed));
            }
        })
    });
    let mut times: BTreeMap<String, usize> = BTreeMap::new();
    for task in instances {
        for feed in task.await.unwrap() {
            *times.entry(feed).or_default() += 1;
        }
    }
    assert_eq!(times.len(), 300, "every due feed claimed");
    assert!(times.values().all(|n| *n == 1), "none twice: {times:?}");
    let idle = store
        .claim_due(due("host/9", now, 25, &feeds))
        .await
        .unwrap();
    assert!(idle.claimed.is_empty());
    let next = (idle.next_due.expect("scheduled") - now).num_seconds();
    assert!(
        (61..=62).contains(&next),
        "the holds' end and the margin: {next}"
    );
}

async fn a_claim_holds_until_its_hold_passes(store: Store) {
    let feeds = set(&["f".to_string(), "other".to_string()], Duration::ZERO);
    let now = Utc::now();
    store.plan_feeds(feeds.clone(), now).await.unwrap();
    let only_f = set(&["f".to_string()], Duration::ZERO);
    let first = store.claim_due(due("a/1", now, 10, &only_f)).await.unwrap();
    assert_eq!(first.claimed.len(), 1, "a set claims only its own feeds");
    let lease = first.claimed[0].lease.clone();
    let soon = now + chrono::Duration::seconds(30);
    let held = store
        .claim_due(due("b/2", soon, 10, &only_f))
        .await
        .unwrap();
    assert!(held.claimed.is_empty(), "held by a/1");
    // a/1 died: after the hold another instance claims the feed, and a/1's late write
    // is refused.
    let later = now + chrono::Duration::seconds(62);
    let second = store
        .claim_due(due("b/2", later, 10, &only_f))
        .await
        .unwrap();
    assert_eq!(second.claimed.len(), 1);
    let err = store
        .finish_poll(write("f", Some(lease), Vec::new()))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::LeaseLost { .. }), "{err}");
    let mut w = write("f", Some(second.claimed[0].lease.clone()), Vec::new());
    w.schedule = Some(FeedSchedule {
        next_poll: later,
        interval: HOUR,
        reason: "interval".into(),
    });
    store.finish_poll(w).await.unwrap();
    let third = store
        .claim_due(due("c/3", later, 10, &only_f))
        .await
        .unwrap();
    let known = third.claimed[0].known.as_ref().expect("polled before");
    assert_eq!(known.0.polled_by, "test/1");
}

async fn planning_honours_remembered_times_up_to_their_cap(store: Store) {
    let now = Utc::now();
    let names: Vec<String> = ["kept", "beyond", "retry", "past", "new"]
        .map(String::from)
        .into();
    let feeds = set(&names, Duration::from_secs(90));
    store.plan_feeds(feeds.clone(), now).await.unwrap();
    let claimed = store
        .claim_due(due("a/1", now + chrono::Duration::seconds(91), 10, &feeds))
        .await
        .unwrap();
    assert_eq!(
        claimed.claimed.len(),
        5,
        "new feeds first polled after `first`"
    );
    for (c, (hours, reason)) in claimed.claimed.iter().zip([
        (2, "interval"),
        (10, "ttl"),
        (10, "retry-after"),
        (-1, "interval"),
        (-1, "interval"),
    ]) {
        let mut w = write(&c.feed, Some(c.lease.clone()), Vec::new());
        w.schedule = Some(FeedSchedule {
            next_poll: now + chrono::Duration::hours(hours),
            interval: HOUR,
            reason: reason.into(),
        });
        store.finish_poll(w).await.unwrap();
    }
    store.plan_feeds(feeds.clone(), now).await.unwrap();
    let schedules = store.feed_schedules().await.unwrap();
    let ahead = |feed: &str| (schedules[feed].next_poll - now).num_seconds();
    let by_name: BTreeMap<&str, i64> = names.iter().map(|n| (n.as_str(), ahead(n))).collect();
    assert!((7199..=7200).contains(&by_name["kept"]), "{by_name:?}");
    assert!(
        (4 * 3600 - 1..=4 * 3600).contains(&by_name["beyond"]),
        "{by_name:?}"
    );
    assert!(
        (10 * 3600 - 1..=10 * 3600).contains(&by_name["retry"]),
        "{by_name:?}"
    );
    assert!((89..=90).contains(&by_name["past"]), "{by_name:?}");
}

/// A claim keeps the feed from other claims for its hold and the send margin (its
/// request may reach the server a moment after the claim, and the poll may die or outlive
/// its claim before writing the next poll), and a written next poll is never claimed early:
/// so no feed is requested twice within its interval.
async fn a_claim_is_neither_taken_over_nor_repeated_early(store: Store) {
    let only_f = set(&["f".to_string()], Duration::ZERO);
    // Whole milliseconds, as the state keeps times.
    let now = DateTime::from_timestamp_millis(Utc::now().timestamp_millis()).unwrap();
    store.plan_feeds(only_f.clone(), now).await.unwrap();
    let first = store.claim_due(due("a/1", now, 10, &only_f)).await.unwrap();
    assert_eq!(first.claimed.len(), 1);
    let margin = chrono::Duration::from_std(SEND_MARGIN).unwrap();
    let held_until = now + chrono::Duration::seconds(60) + margin;
    // a/1's request went out up to the margin after its claim, and a/1 died.
    let just_before = held_until - chrono::Duration::milliseconds(1);
    let early = store
        .claim_due(due("b/2", just_before, 10, &only_f))
        .await
        .unwrap();
    assert!(early.claimed.is_empty(), "held for its hold and the margin");
    assert_eq!(early.next_due, Some(held_until));
    let second = store
        .claim_due(due("b/2", held_until, 10, &only_f))
        .await
        .unwrap();
    assert_eq!(second.claimed.len(), 1, "taken over when both pass");
    // b/2 polls and writes the next poll: not claimed a moment before it.
    let next_poll = held_until + chrono::Duration::seconds(60);
    let mut w = write("f", Some(second.claimed[0].lease.clone()), Vec::new());
    w.schedule = Some(FeedSchedule {
        next_poll,
        interval: Duration::from_secs(60),
        reason: "interval".into(),
    });
    store.finish_poll(w).await.unwrap();
    let before = next_poll - chrono::Duration::milliseconds(100);
    let early = store
        .claim_due(due("a/1", before, 10, &only_f))
        .await
        .unwrap();
    assert!(
        early.claimed.is_empty(),
        "a next poll is never claimed early"
    );
    let due_now = store
        .claim_due(due("a/1", next_poll, 10, &only_f))
        .await
        .unwrap();
    assert_eq!(due_now.claimed.len(), 1);
}

mod each_backend {
    use super::*;
    contract!(
        a_claim_is_neither_taken_over_nor_repeated_early,
        due_feeds_are_claimed_once_across_instances,
        a_claim_holds_until_its_hold_passes,
        planning_honours_remembered_times_up_to_their_cap,
    );
}
