//! The schedule end to end: what a response says (Cache-Control, Expires, Retry-After on
//! 429/503, `<ttl>`, `sy:updatePeriod`) and how often a feed publishes decide its next
//! poll, failures back off across runs, all of it is stored — and a restarted daemon
//! honours the stored next poll instead of polling at once.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::Utc;
use newshound::store::{FeedSchedule, Store};
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::{fixture_bytes, newshound, write_config};
use crate::harness::{start_daemon, stop};

const MIN: u64 = 60;

fn rss(items: &str) -> Vec<u8> {
    format!("<rss version=\"2.0\"><channel><title>t</title><link>https://t.example/</link>{items}</channel></rss>").into_bytes()
}

/// Four items published 30 minutes apart, the newest a minute ago.
fn every_half_hour() -> Vec<u8> {
    let items: String = (0..4)
        .map(|i| {
            let at = Utc::now() - chrono::Duration::minutes(1 + 30 * i);
            format!(
                "<item><guid>p{i}</guid><title>p{i}</title><pubDate>{}</pubDate></item>",
                at.to_rfc2822()
            )
        })
        .collect();
    rss(&items)
}

async fn mount(server: &MockServer, route: &str, resp: ResponseTemplate) {
    Mock::given(path(route))
        .respond_with(resp)
        .mount(server)
        .await;
}

fn ok(body: Vec<u8>) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(body, "application/rss+xml")
}

fn config(dir: &Path, interval: &str, feeds: &[(&str, String)]) -> PathBuf {
    let feeds: String = feeds
        .iter()
        .map(|(n, u)| format!("[[feed]]\nname = \"{n}\"\nurl = \"{u}\"\n\n"))
        .collect();
    let state = dir.join("state");
    write_config(
        dir,
        "schedule/config.toml.tmpl",
        &[
            ("STATE", state.to_str().unwrap()),
            ("INTERVAL", interval),
            ("FEEDS", &feeds),
        ],
    )
}

async fn schedules(dir: &Path) -> HashMap<String, FeedSchedule> {
    Store::open_dir_read_only(&dir.join("state"))
        .await
        .unwrap()
        .feed_schedules()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_responses_signals_decide_the_next_poll_and_are_stored() {
    let server = MockServer::start().await;
    let expires =
        httpdate::fmt_http_date(std::time::SystemTime::now() + Duration::from_secs(25 * MIN));
    let in_two_hours =
        httpdate::fmt_http_date(std::time::SystemTime::now() + Duration::from_secs(2 * 3600));
    mount(
        &server,
        "/plain",
        ok(rss("<item><guid>a</guid><title>a</title></item>")),
    )
    .await;
    mount(
        &server,
        "/max-age",
        ok(rss("")).insert_header("cache-control", "public, max-age=1800"),
    )
    .await;
    mount(
        &server,
        "/expires",
        ok(rss("")).insert_header("expires", expires.as_str()),
    )
    .await;
    mount(&server, "/ttl", ok(fixture_bytes("schedule/ttl.rss"))).await;
    mount(
        &server,
        "/sy",
        ok(fixture_bytes("schedule/updateperiod.rdf")),
    )
    .await;
    mount(&server, "/publishing", ok(every_half_hour())).await;
    mount(
        &server,
        "/busy",
        ResponseTemplate::new(503).insert_header("retry-after", "7200"),
    )
    .await;
    mount(
        &server,
        "/limited",
        ResponseTemplate::new(429).insert_header("retry-after", in_two_hours.as_str()),
    )
    .await;
    mount(&server, "/broken", ResponseTemplate::new(500)).await;
    let names = [
        "plain",
        "max-age",
        "expires",
        "ttl",
        "sy",
        "publishing",
        "busy",
        "limited",
        "broken",
    ];
    let feeds: Vec<(&str, String)> = names
        .iter()
        .map(|n| (*n, format!("{}/{n}", server.uri())))
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), "10m", &feeds);
    let out = newshound(&["once", "-c", config.to_str().unwrap()]).await;
    assert!(out.status.success());
    let got = schedules(dir.path()).await;
    let h = 60 * MIN;
    for (name, secs, reason) in [
        ("plain", 10 * MIN, "interval"),
        ("max-age", 30 * MIN, "cache-control"),
        ("expires", 25 * MIN, "expires"),
        ("ttl", 35 * MIN, "ttl"),
        ("sy", 30 * MIN, "sy:updatePeriod"),
        ("publishing", 15 * MIN, "publishing"),
        ("busy", 2 * h, "retry-after"),
        ("limited", 2 * h, "retry-after"),
        ("broken", 20 * MIN, "backoff"),
    ] {
        let s = &got[name];
        let want = Duration::from_secs(secs);
        let close = |d: Duration| d.abs_diff(want) <= Duration::from_secs(5);
        assert!(
            close(s.interval) && s.reason == reason,
            "{name}: {s:?}, want {secs} s by {reason}"
        );
        let left = (s.next_poll - Utc::now()).to_std().unwrap();
        assert!(
            left <= want.mul_f64(1.1) && left + Duration::from_secs(10) >= want,
            "{name}: next poll in {left:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn failures_back_off_across_runs_up_to_max_interval() {
    let server = MockServer::start().await;
    mount(&server, "/down", ResponseTemplate::new(500)).await;
    let dir = tempfile::tempdir().unwrap();
    let config = config(
        dir.path(),
        "10m",
        &[("down", format!("{}/down", server.uri()))],
    );
    let mut seen = Vec::new();
    for _ in 0..4 {
        let out = newshound(&["once", "-c", config.to_str().unwrap()]).await;
        assert!(out.status.success());
        seen.push(schedules(dir.path()).await["down"].interval.as_secs() / MIN);
    }
    assert_eq!(seen, [20, 40, 40, 40], "10m × 2^failures, at most 4 × 10m");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_restarted_daemon_honours_the_stored_next_poll() {
    let server = MockServer::start().await;
    let body = ok(rss("<item><guid>a</guid><title>a</title></item>"))
        .insert_header("cache-control", "max-age=600");
    mount(&server, "/feed", body).await;
    let dir = tempfile::tempdir().unwrap();
    let config = config(
        dir.path(),
        "10s",
        &[("f", format!("{}/feed", server.uri()))],
    );
    let gets = || async { server.received_requests().await.unwrap_or_default().len() };

    let daemon = start_daemon(&config);
    let started = Instant::now();
    while gets().await == 0 && started.elapsed() < Duration::from_secs(10) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        gets().await,
        1,
        "polled within the first 10% of its interval"
    );
    tokio::time::sleep(Duration::from_millis(300)).await; // the poll is recorded
    stop(daemon).await;
    assert_eq!(schedules(dir.path()).await["f"].reason, "cache-control");

    // Without the stored schedule the feed would be polled within a second of the restart.
    let daemon = start_daemon(&config);
    tokio::time::sleep(Duration::from_secs(3)).await;
    let (log, _) = stop(daemon).await;
    assert_eq!(
        gets().await,
        1,
        "no poll before the stored next poll:\n{log}"
    );
}
