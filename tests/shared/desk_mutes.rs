//! The desk's mutes through the public interfaces, against every backend: muted alerts
//! recorded and marked, never due, not sent late when the mute ends; a watchlist, a
//! person of a watchlist and a story.

use chrono::{Duration, Utc};
use newshound::store::desk::{AlertFilter, MuteScope, MuteSelector};
use newshound::store::Store;

use crate::backends::backends;
use crate::desk_contract::{article, filter, ids, person, poll};

async fn mutes_hold_back_deliveries_and_nothing_is_sent_late(store: Store) {
    let now = Utc::now();
    let desk = store.desk();
    let before = article("wire", "m0", "Earlier story", "Text.");
    let pending = poll(&store, &before, &["w"], &[]).await.remove(0);
    let mute = desk
        .add_mute(
            MuteScope::Watchlist {
                watchlist: "w".into(),
            },
            Some(now + Duration::hours(2)),
            now,
        )
        .await
        .unwrap()
        .unwrap();
    let rec = desk.alert_record(&pending).await.unwrap().unwrap();
    assert!(
        rec.muted(),
        "a pending delivery it covers is held back at once"
    );

    let during = article("wire", "m1", "During the mute", "Text.");
    let ids = poll(&store, &during, &["w", "other"], &[]).await;
    let muted = desk.alert_record(&ids[0]).await.unwrap().unwrap();
    assert!(muted.muted(), "recorded, marked muted");
    assert!(!desk.alert_record(&ids[1]).await.unwrap().unwrap().muted());
    let due: Vec<String> = store
        .due_deliveries("hook", Utc::now() + Duration::hours(1), 50)
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.alert.id)
        .collect();
    assert_eq!(due, [ids[1].clone()], "only the unmuted alert is due");
    let muted_list = AlertFilter {
        delivery: Some(newshound::store::DeliveryStatus::Muted),
        ..filter(10)
    };
    assert_eq!(ids_sorted(&store, muted_list).await.len(), 2);

    assert_eq!(desk.mutes(now).await.unwrap(), std::slice::from_ref(&mute));
    assert!(
        desk.mutes(now + Duration::hours(3))
            .await
            .unwrap()
            .is_empty(),
        "ends by itself"
    );
    assert_eq!(
        desk.lift_mutes(MuteSelector::Id(mute.id), Utc::now())
            .await
            .unwrap(),
        1
    );
    assert!(desk.mutes(Utc::now()).await.unwrap().is_empty());
    let after = article("wire", "m2", "After the mute", "Text.");
    let later = poll(&store, &after, &["w"], &[]).await.remove(0);
    assert!(!desk.alert_record(&later).await.unwrap().unwrap().muted());
    let due = store
        .due_deliveries("hook", Utc::now() + Duration::hours(1), 50)
        .await
        .unwrap();
    assert!(due.iter().all(|d| d.alert.id != ids[0]), "not sent late");

    // A person of a watchlist (names compared folded), and a story by one of its alerts.
    let who = MuteScope::Person {
        watchlist: "p".into(),
        person: "li shangfu".into(),
    };
    desk.add_mute(who.clone(), None, Utc::now())
        .await
        .unwrap()
        .unwrap();
    let li = article("wire", "m3", "Li Shangfu speaks", "Text.");
    let other = article("wire", "m4", "Lloyd Austin speaks", "Text.");
    let li_id = poll(&store, &li, &["p"], &[person("Li Shangfu")])
        .await
        .remove(0);
    let other_id = poll(&store, &other, &["p"], &[person("Lloyd Austin")])
        .await
        .remove(0);
    assert!(desk.alert_record(&li_id).await.unwrap().unwrap().muted());
    assert!(!desk.alert_record(&other_id).await.unwrap().unwrap().muted());
    assert_eq!(
        desk.lift_mutes(MuteSelector::Scope(who), Utc::now())
            .await
            .unwrap(),
        1
    );
    let story = MuteScope::Story {
        alert: "no-such-alert".into(),
    };
    assert!(desk
        .add_mute(story, None, Utc::now())
        .await
        .unwrap()
        .is_none());
    let story = MuteScope::Story {
        alert: other_id.clone(),
    };
    desk.add_mute(story, None, Utc::now())
        .await
        .unwrap()
        .unwrap();
    assert!(desk.alert_record(&other_id).await.unwrap().unwrap().muted());
    let copy = article("elsewhere", "m4", "Lloyd Austin speaks", "Text.");
    let copy_id = poll(&store, &copy, &["q"], &[]).await.remove(0);
    assert!(
        desk.alert_record(&copy_id).await.unwrap().unwrap().muted(),
        "same story key"
    );
}

async fn ids_sorted(store: &Store, f: AlertFilter) -> Vec<String> {
    let mut v = ids(store, f).await;
    v.sort();
    v
}
mod each_backend {
    use super::*;
    contract!(mutes_hold_back_deliveries_and_nothing_is_sent_late);
}
