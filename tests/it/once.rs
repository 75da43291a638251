//! `newshound once` end to end: real feeds over HTTP on 127.0.0.1, a real webhook receiver,
//! a real SQLite state in a temp dir, the real binary.

use std::collections::BTreeSet;

use newshound::store::{DeliveryStatus, Store};
use serde_json::Value;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::common::{
    feed_server, fixture, hooks, it_config, newshound, signature_valid, text, write_config,
};

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// (watchlist, article url) of every alert the integration feeds must raise.
fn expected_alerts() -> BTreeSet<(String, String)> {
    [
        ("us-china-defence", "http://news.example/wire/1001"),
        ("us-china-defence", "http://news.example/wire/1003"),
        (
            "us-china-defence",
            "http://defence.example/2023/05/li-shangri-la",
        ),
        ("shangri-la-query", "http://news.example/wire/1001"),
        (
            "shangri-la-query",
            "http://defence.example/2023/05/li-shangri-la",
        ),
        ("chinese-press", "http://world.example/501"),
    ]
    .into_iter()
    .map(|(w, u)| (w.to_string(), u.to_string()))
    .collect()
}

fn alert_keys(bodies: &[Value]) -> BTreeSet<(String, String)> {
    bodies
        .iter()
        .map(|b| {
            (
                b["watchlist"].as_str().unwrap().to_string(),
                b["article"]["url"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn once_delivers_every_alert_once_signed_and_reports_bad_feeds() {
    let server = feed_server(200).await;
    let dir = tempfile::tempdir().unwrap();
    let config = it_config(dir.path(), &server);
    let out = newshound(&["once", "-c", config.to_str().unwrap()]).await;
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "stdout: {stdout}\nstderr: {stderr}");

    // Broken feeds are named with the reason; the run still succeeds.
    assert!(stdout.contains("feed broken: FAILED: "), "{stdout}");
    assert!(
        stdout.contains("feed missing: FAILED: HTTP 404"),
        "{stdout}"
    );
    // Two XML declarations panicked feed-rs; the prolog repair drops the second one.
    assert!(
        stdout.contains("feed panics: ok, 1 articles, 1 new, 0 alerts"),
        "{stdout}"
    );
    assert!(
        stdout.contains("feed wire: ok, 4 articles, 4 new"),
        "{stdout}"
    );
    assert!(
        stdout.contains("6 feeds polled, 2 failed; 6 new alerts; deliveries: 11 delivered"),
        "{stdout}"
    );

    let requests = hooks(&server).await;
    let bodies: Vec<Value> = requests
        .iter()
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect();
    assert_eq!(alert_keys(&bodies), expected_alerts());
    assert_eq!(bodies.len(), 6, "one request per alert");
    let ids: BTreeSet<&str> = bodies.iter().map(|b| b["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 6, "alert ids are unique");
    for (req, body) in requests.iter().zip(&bodies) {
        assert!(signature_valid(req, SECRET), "bad signature on {body}");
        assert_eq!(
            req.headers.get("webhook-id").unwrap().to_str().unwrap(),
            body["id"].as_str().unwrap()
        );
        let ts: i64 = req
            .headers
            .get("webhook-timestamp")
            .unwrap()
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((chrono::Utc::now().timestamp() - ts).abs() < 120);
        assert_eq!(req.headers.get("x-team").unwrap(), "watch");
        assert_eq!(req.headers.get("content-type").unwrap(), "application/json");
        assert!(body["article"]["summary"].as_str().unwrap().chars().count() <= 500);
        assert!(body["detected_at"].as_str().unwrap().ends_with('Z'));
        assert!(!body["matches"].as_array().unwrap().is_empty());
    }

    // The payload explains itself.
    let opinion = bodies
        .iter()
        .find(|b| b["article"]["url"] == "http://news.example/wire/1003")
        .unwrap();
    assert_eq!(opinion["watchlist"], "us-china-defence");
    assert_eq!(opinion["severity"], "high");
    assert_eq!(opinion["article"]["feed"], "wire");
    assert_eq!(opinion["article"]["guid"], "wire-1003");
    assert_eq!(
        opinion["article"]["title"],
        "Opinion: Why the Pentagon should not be surprised"
    );
    assert_eq!(opinion["article"]["published"], "2023-05-30T07:30:00Z");
    assert_eq!(
        opinion["article"]["summary"],
        "Lloyd Austin’s invitation was declined, and Washington should have seen it coming."
    );
    let person = opinion["matches"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["kind"] == "person")
        .unwrap();
    assert_eq!(person["term"], "Lloyd Austin");
    assert_eq!(person["field"], "summary");
    assert_eq!(person["count"], 1);
    assert!(
        person["snippet"]
            .as_str()
            .unwrap()
            .contains("[Lloyd Austin]"),
        "{person}"
    );
    let keyword = opinion["matches"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["kind"] == "keyword")
        .unwrap();
    assert_eq!(keyword["term"], "declin*");
    assert_eq!(keyword["matched"], "declined");

    let seed = bodies
        .iter()
        .find(|b| {
            b["watchlist"] == "us-china-defence"
                && b["article"]["url"] == "http://news.example/wire/1001"
        })
        .unwrap();
    let li = seed["matches"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["term"] == "Li Shangfu" && m["field"] == "content");
    if let Some(li) = li {
        assert!(
            li["snippet"].as_str().unwrap().contains("[Li Shangfu]"),
            "{li}"
        );
        assert!(li["count"].as_u64().unwrap() >= 2);
    }

    // The log sink wrote one event per alert routed to it (5 of the 6).
    assert_eq!(stderr.matches("newshound::alert").count(), 5, "{stderr}");

    // A second run with the same state sends nothing.
    let out = newshound(&["once", "-c", config.to_str().unwrap()]).await;
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("0 new alerts"), "{stdout}");
    assert_eq!(hooks(&server).await.len(), 6, "nothing sent twice");
}

#[tokio::test(flavor = "multi_thread")]
async fn dry_run_prints_json_lines_and_records_nothing() {
    let server = feed_server(200).await;
    let dir = tempfile::tempdir().unwrap();
    let config = it_config(dir.path(), &server);
    let out = newshound(&["once", "--dry-run", "-c", config.to_str().unwrap()]).await;
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    let lines: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    assert_eq!(alert_keys(&lines), expected_alerts());
    assert_eq!(lines.len(), 6);
    assert!(stderr.contains("dry run"), "{stderr}");
    assert!(
        hooks(&server).await.is_empty(),
        "a dry run delivers nothing"
    );
    assert!(
        !dir.path().join("state").exists(),
        "a dry run records nothing"
    );

    // After a real run, a dry run sees the stories as already alerted.
    let out = newshound(&["once", "-c", config.to_str().unwrap()]).await;
    assert!(out.status.success());
    let out = newshound(&["once", "--dry-run", "-c", config.to_str().unwrap()]).await;
    let (stdout, _) = text(&out);
    assert_eq!(stdout.trim(), "", "nothing new to alert");
}

#[tokio::test(flavor = "multi_thread")]
async fn failed_deliveries_are_recorded_not_lost() {
    let dir = tempfile::tempdir().unwrap();
    for (status, expected_state) in [(503u16, "pending"), (400, "failed")] {
        let server = feed_server(status).await;
        let sub = dir.path().join(status.to_string());
        std::fs::create_dir_all(&sub).unwrap();
        let config = it_config(&sub, &server);
        let out = newshound(&["once", "-c", config.to_str().unwrap()]).await;
        let (stdout, stderr) = text(&out);
        assert!(out.status.success(), "{stderr}");
        assert!(stdout.contains("6 new alerts"), "{stdout}");
        let store = Store::open_dir_read_only(&sub.join("state")).await.unwrap();
        let rows: Vec<_> = store
            .outbox(None, 100)
            .await
            .unwrap()
            .into_iter()
            .filter(|r| r.sink == "hook")
            .collect();
        assert_eq!(rows.len(), 6);
        for row in rows {
            let error = row.last_error.unwrap_or_default();
            assert_eq!(row.status.as_str(), expected_state);
            assert_eq!(row.attempts, 1);
            assert!(error.contains(&format!("HTTP {status}")), "{error}");
        }
        let delivered_logs = store
            .outbox(Some(DeliveryStatus::Delivered), 100)
            .await
            .unwrap()
            .into_iter()
            .filter(|r| r.sink == "log")
            .count();
        assert_eq!(delivered_logs, 5, "a failing sink does not stop the others");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn conditional_get_sends_validators_and_skips_304() {
    let server = wiremock::MockServer::start().await;
    let body = std::fs::read(fixture("it/wire.rss")).unwrap();
    Mock::given(method("GET"))
        .and(path("/feeds/wire.rss"))
        .and(header("if-none-match", "\"v1\""))
        .respond_with(ResponseTemplate::new(304))
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/feeds/wire.rss"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("etag", "\"v1\"")
                .set_body_raw(body, "application/rss+xml"),
        )
        .with_priority(2)
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(
        dir.path(),
        "it/single-feed.toml.tmpl",
        &[
            ("URL", &format!("{}/feeds/wire.rss", server.uri())),
            ("STATE", dir.path().join("state").to_str().unwrap()),
        ],
    );
    let out = newshound(&["once", "-c", config.to_str().unwrap()]).await;
    let (stdout, stderr) = text(&out);
    assert!(
        stdout.contains("feed wire: ok, 4 articles"),
        "{stdout}{stderr}"
    );
    let out = newshound(&["once", "-c", config.to_str().unwrap()]).await;
    let (stdout, _) = text(&out);
    assert!(stdout.contains("feed wire: not modified"), "{stdout}");
}

#[tokio::test(flavor = "multi_thread")]
async fn oversized_and_gzip_bomb_bodies_are_refused() {
    use std::io::Write as _;
    let server = wiremock::MockServer::start().await;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(&vec![b' '; 64 * 1024 * 1024]).unwrap();
    let bomb = gz.finish().unwrap();
    assert!(bomb.len() < 1024 * 1024, "the bomb is small on the wire");
    Mock::given(method("GET"))
        .and(path("/feeds/wire.rss"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-encoding", "gzip")
                .set_body_raw(bomb, "application/rss+xml"),
        )
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(
        dir.path(),
        "it/single-feed.toml.tmpl",
        &[
            ("URL", &format!("{}/feeds/wire.rss", server.uri())),
            ("STATE", dir.path().join("state").to_str().unwrap()),
        ],
    );
    let out = newshound(&["once", "-c", config.to_str().unwrap()]).await;
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stdout.contains("feed wire: FAILED: ")
            && stdout.contains("larger than the 1048576 byte limit"),
        "{stdout}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn demo_config_alerts_offline_through_the_log_sink() {
    let dir = tempfile::tempdir().unwrap();
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_newshound"))
        .args([
            "once",
            "-c",
            fixture("../../config/demo.toml").to_str().unwrap(),
        ])
        .env("NEWSHOUND__DAEMON__STATE_DIR", dir.path())
        .env("RUST_LOG", "info")
        .output()
        .await
        .unwrap();
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(
        !stdout.contains("FAILED"),
        "every demo feed parses: {stdout}"
    );
    assert!(stderr.contains("newshound::alert"), "{stderr}");
    assert!(stderr.contains("Li Shangfu"), "{stderr}");
}
