//! Issue 12, point 8: different stories sharing one GUID (a feed that reuses it) are not
//! collapsed into one: a GUID whose title and link both changed is a new story, keyed by
//! its link; the collision is logged once per feed.

use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::common::{newshound, text};
use crate::harness::{delivery_config_for, hook_sink, Receiver};

const TOPICS: [&str; 10] = [
    "tariffs on steel",
    "a lunar probe landing",
    "rainfall records",
    "a chess championship",
    "vaccine approval",
    "railway strike talks",
    "a museum reopening",
    "wildfire evacuations",
    "central bank rates",
    "a football transfer",
];

/// Ten different items under one GUID, each mentioning "harbour".
fn shared_guid_feed() -> String {
    let items: String = TOPICS
        .iter()
        .enumerate()
        .map(|(n, topic)| {
            format!(
                "<item><guid isPermaLink=\"false\">same-guid</guid>\
                 <title>Harbour {topic}</title>\
                 <link>https://news.example/story-{n}</link>\
                 <description>{topic} {topic}, {topic}</description></item>"
            )
        })
        .collect();
    format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Reused</title>\
         <link>https://news.example/</link><description>d</description>{items}</channel></rss>"
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn ten_stories_sharing_one_guid_alert_ten_times_and_the_collision_is_logged_once() {
    let receiver = Receiver::accepting().await;
    Mock::given(method("GET"))
        .and(path("/feeds/reused.rss"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(shared_guid_feed(), "application/rss+xml"),
        )
        .mount(&receiver.server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let url = format!("{}/feeds/reused.rss", receiver.server.uri());
    let config = delivery_config_for(
        dir.path(),
        &url,
        "harbour",
        &hook_sink("hook", &receiver.url(), &[]),
    );
    let out = newshound(&["once", "-c", config.to_str().unwrap()]).await;
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("10 new alerts"), "{stdout}");
    assert_eq!(receiver.ids().len(), 10, "ten stories, ten alerts");
    assert_eq!(
        stderr.matches("share one GUID").count(),
        1,
        "logged once for the feed: {stderr}"
    );
    // The decision is the same on every poll: nothing alerts again.
    let out = newshound(&["once", "-c", config.to_str().unwrap()]).await;
    assert!(text(&out).0.contains("0 new alerts"), "{}", text(&out).0);
    assert_eq!(receiver.hits().len(), 10);
}
