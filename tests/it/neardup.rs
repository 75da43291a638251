//! Near-duplicate stories: the same wire story republished under another link alerts once,
//! and the alert lists where else it was seen.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::common::{feed_server, hooks, newshound, text, write_config};

#[tokio::test(flavor = "multi_thread")]
async fn a_republished_copy_does_not_alert_again_and_is_listed() {
    let server = feed_server(200).await;
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let config = write_config(
        dir.path(),
        "it/neardup.toml.tmpl",
        &[("BASE", &server.uri()), ("STATE", state.to_str().unwrap())],
    );
    let out = newshound(&["once", "-c", config.to_str().unwrap()]).await;
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("3 new alerts"), "{stdout}\n{stderr}");
    assert!(
        stderr.contains("near-duplicate of an alerted story"),
        "{stderr}"
    );

    let bodies: Vec<Value> = hooks(&server)
        .await
        .iter()
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect();
    let urls: BTreeSet<&str> = bodies
        .iter()
        .map(|b| b["article"]["url"].as_str().unwrap())
        .collect();
    assert_eq!(urls.len(), 3);
    assert!(urls.contains("http://news.example/wire/1003"));
    assert!(
        urls.contains("http://copycat.example/2023/05/30/drills"),
        "a different story on the same topic still alerts"
    );
    let story = [
        "http://news.example/wire/1001",
        "http://copycat.example/2023/05/30/china-snubs-pentagon",
    ];
    let first = bodies
        .iter()
        .find(|b| story.contains(&b["article"]["url"].as_str().unwrap()))
        .unwrap();
    let also = first["also_seen_in"].as_array().unwrap();
    assert_eq!(also.len(), 1, "{first}");
    let copy_url = also[0]["url"].as_str().unwrap();
    assert!(story.contains(&copy_url) && copy_url != first["article"]["url"].as_str().unwrap());
    for b in &bodies {
        if b != first {
            assert!(b.get("also_seen_in").is_none(), "no copies, no key: {b}");
        }
    }

    // The copy is remembered: polling again alerts nothing.
    let out = newshound(&["once", "-c", config.to_str().unwrap()]).await;
    let (stdout, _) = text(&out);
    assert!(stdout.contains("0 new alerts"), "{stdout}");
    assert_eq!(hooks(&server).await.len(), 3);
}

#[path = "../support/neardup.rs"]
mod testset;

#[test]
fn detector_precision_and_recall_on_the_test_set() {
    let pairs = testset::load(&testset::default_path());
    assert_eq!(pairs.len(), 450);
    let t = newshound::config::validate::DEFAULT_NEAR_DUP_SIMILARITY;
    let s = testset::score(&pairs, t);
    eprintln!(
        "near-duplicates at {t}: precision {:.3}, recall {:.3}",
        s.precision(),
        s.recall()
    );
    // Measured: 1.000 and 1.000 (150 copies with edits, 300 different stories).
    assert!(s.precision() >= 0.98, "precision {:.3}", s.precision());
    assert!(s.recall() >= 0.97, "recall {:.3}", s.recall());
    // Banding (the store compares only pairs sharing a band key) loses at most 1% of
    // what comparing every pair finds (measured: nothing).
    let all = testset::score_unbanded(&pairs, t);
    assert!(
        s.true_pos * 100 >= all.true_pos * 99,
        "banded {} vs every pair {}",
        s.true_pos,
        all.true_pos
    );
    for (kind, k) in testset::score_by_kind(&pairs, t) {
        eprintln!("  {kind}: {} of {} right", k.right(), k.total());
        assert!(
            k.right() * 10 >= k.total() * 9,
            "{kind}: {} of {}",
            k.right(),
            k.total()
        );
    }
}
