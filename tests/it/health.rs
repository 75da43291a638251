//! Feed-health alerts: a `[[health]]` rule alerts its sinks when a feed has failed N polls
//! in a row, once, and again when it recovers — through the outbox like any alert.

use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::common::{fixture_bytes, newshound, text};
use crate::harness::{delivery_config_for, hook_sink, Receiver};

#[tokio::test(flavor = "multi_thread")]
async fn a_failing_feed_alerts_once_after_n_failures_and_once_on_recovery() {
    let feeds = wiremock::MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/feeds/flaky.rss"))
        .respond_with(ResponseTemplate::new(500))
        .up_to_n_times(3)
        .with_priority(1)
        .mount(&feeds)
        .await;
    Mock::given(method("GET"))
        .and(path("/feeds/flaky.rss"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(fixture_bytes("it/bulk.rss"), "application/rss+xml"),
        )
        .with_priority(2)
        .mount(&feeds)
        .await;
    let receiver = Receiver::accepting().await;
    let dir = tempfile::tempdir().unwrap();
    let sinks = hook_sink("hook", &receiver.url(), &[])
        + "[[health]]\nsinks = [\"hook\"]\nafter_failures = 2\n";
    let url = format!("{}/feeds/flaky.rss", feeds.uri());
    let config = delivery_config_for(dir.path(), &url, "no-such-word", &sinks);
    let c = config.to_str().unwrap();

    let mut seen = Vec::new();
    for _ in 1..=5 {
        let out = newshound(&["once", "-c", c]).await;
        assert!(out.status.success(), "{}", text(&out).1);
        seen.push(receiver.hits().len());
    }
    assert_eq!(
        seen,
        [0, 1, 1, 2, 2],
        "an alert after the 2nd failure and on recovery only"
    );
    let hits = receiver.hits();
    let (down, up) = (hits[0].json(), hits[1].json());
    assert_eq!(down["watchlist"], "feed-health");
    assert_eq!(down["severity"], "warning");
    assert_eq!(
        down["article"]["title"],
        "feed 'bulk' is failing: 2 polls in a row"
    );
    assert!(
        down["article"]["summary"].as_str().unwrap().contains("500"),
        "{down}"
    );
    assert_eq!(
        up["article"]["title"],
        "feed 'bulk' recovered after 3 failed polls"
    );
    assert_eq!(up["severity"], "info");
    assert_ne!(down["id"], up["id"]);
}
