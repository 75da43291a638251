//! Issue 12, point 9: busy, not broken. `alerts` (a read-only open) beside a daemon that
//! writes all the time never fails with "database is locked"; and the `alerts` summary
//! counts the whole outbox, not only the alerts it lists; and the short writes (`alerts
//! replay`, `alerts feedback`, `mute`, `unmute`) beside it wait for the write lock instead
//! of failing: they take their turn (`newshound.db-turn`), so a daemon committing all
//! the time cannot starve them past their 30 s busy timeout (3 of 16 failed so in CI
//! before turns).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures_util::future::join_all;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::common::{newshound, text};
use crate::daemon::Daemon;
use crate::harness::Receiver;

/// A feed whose every answer carries `per_answer` stories never served before, so each
/// poll queues alerts and writes the state.
struct Fresh {
    served: AtomicUsize,
    per_answer: usize,
}

impl Respond for Fresh {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let first = self.served.fetch_add(self.per_answer, Ordering::SeqCst);
        let feed = req.url.path().replace('/', "_");
        let items: String = (first..first + self.per_answer)
            .map(|n| {
                format!(
                    "<item><guid>{feed}-{n}</guid><title>Harbour story {n}</title>\
                     <link>https://news.example/{feed}/{n}</link>\
                     <description>The harbour reopened, story {n}.</description></item>"
                )
            })
            .collect();
        let body = format!(
            "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>fresh</title>{items}</channel></rss>"
        );
        ResponseTemplate::new(200).set_body_raw(body, "application/rss+xml")
    }
}

/// A server answering every GET with fresh stories.
async fn fresh_feeds(per_answer: usize) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(Fresh {
            served: AtomicUsize::new(0),
            per_answer,
        })
        .mount(&server)
        .await;
    server
}

/// `feeds` feeds on `server` polled every `interval`, alerting into `hook`.
fn config(dir: &Path, server: &str, feeds: usize, interval: &str, hook: &str) -> PathBuf {
    let mut text = format!(
        "[daemon]\nstate_dir = \"{}\"\npoll_interval = \"{interval}\"\nmax_age = \"0s\"\n\
         [http]\ntimeout = \"5s\"\nallow_private_networks = true\n",
        dir.join("state").display()
    );
    for n in 0..feeds {
        text.push_str(&format!(
            "[[feed]]\nname = \"f{n}\"\nurl = \"{server}/feeds/{n}.rss\"\n"
        ));
    }
    text.push_str(&format!(
        "[[watchlist]]\nname = \"harbour\"\nkeywords = [\"harbour\"]\nsinks = [\"hook\"]\n\
         [[sink]]\nname = \"hook\"\ntype = \"webhook\"\nurl = \"{hook}\"\n"
    ));
    let path = dir.join("config.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// `newshound ARGS`, owning its arguments (so many can run at once).
fn owned(args: &[&str]) -> impl std::future::Future<Output = std::process::Output> {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    async move {
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let started = std::time::Instant::now();
        let mut out = newshound(&refs).await;
        if !out.status.success() {
            let took = format!(" (after {:?})", started.elapsed());
            out.stderr.extend_from_slice(took.as_bytes());
        }
        out
    }
}

/// A daemon polling 12 feeds of 20 fresh stories every second (240 alerts a second),
/// already delivering.
struct Busy {
    daemon: Daemon,
    config: PathBuf,
    _receiver: Receiver,
    _feeds: MockServer,
    _dir: tempfile::TempDir,
}

impl Busy {
    async fn start() -> Busy {
        let receiver = Receiver::accepting().await;
        let feeds = fresh_feeds(20).await;
        let dir = tempfile::tempdir().unwrap();
        let config = config(dir.path(), &feeds.uri(), 12, "1s", &receiver.url());
        let daemon = Daemon::start(&config, &[("NEWSHOUND__DAEMON__POLL_INTERVAL", "1s")]);
        let delivering = receiver
            .wait_for(Duration::from_secs(120), |h| h.len() >= 20)
            .await;
        assert!(delivering, "the daemon delivers: {}", daemon.log());
        Busy {
            daemon,
            config,
            _receiver: receiver,
            _feeds: feeds,
            _dir: dir,
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn alerts_beside_a_busy_daemon_never_fails() {
    let busy = Busy::start().await;
    let c = busy.config.to_str().unwrap();
    let mut failures = Vec::new();
    let mut calls = 0;
    for round in 0..5 {
        let mut runs = Vec::new();
        let mut what = Vec::new();
        for _ in 0..12 {
            runs.push(owned(&["alerts", "-c", c, "--limit", "50"]));
            what.push("alerts");
        }
        calls += runs.len();
        let outs = join_all(runs).await;
        for (out, what) in outs.into_iter().zip(what) {
            if !out.status.success() {
                let (_, stderr) = text(&out);
                failures.push(format!(
                    "round {round}, {what}: {:?} {stderr}",
                    out.status.code()
                ));
            }
        }
    }
    let log = busy.daemon.stop().await;
    assert!(
        failures.is_empty(),
        "{} of {calls} calls beside the busy daemon failed:\n{}\n--- daemon log tail:\n{}",
        failures.len(),
        failures.join("\n"),
        log.lines().rev().take(20).collect::<Vec<_>>().join("\n")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_alerts_summary_counts_the_whole_outbox() {
    let receiver = Receiver::accepting().await;
    // Three feeds of 400 stories: 1,200 alerts, each with one delivery.
    let feeds = fresh_feeds(400).await;
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), &feeds.uri(), 3, "1h", &receiver.url());
    let c = config.to_str().unwrap();
    let out = newshound(&["once", "-c", c]).await;
    assert!(out.status.success(), "{}", text(&out).1);
    assert_eq!(receiver.ids().len(), 1200);

    let out = newshound(&["alerts", "-c", c]).await;
    let (table, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    let summary = table.lines().rev().take(2).collect::<Vec<_>>().join("\n");
    assert!(
        summary
            .contains("1200 alerts, 1200 deliveries: 0 pending, 1200 delivered, 0 failed, 0 dead"),
        "{summary}"
    );
    assert!(
        summary.contains("newest 1000 listed"),
        "the listing says it is cut: {summary}"
    );
    let listed = table
        .lines()
        .filter(|l| l.contains("Harbour story"))
        .count();
    assert_eq!(listed, 1000, "--limit's default");
}

/// Ids of the newest `n` alerts, read through `alerts --json`.
async fn alert_ids(config: &str, n: usize) -> Vec<String> {
    let out = newshound(&["alerts", "-c", config, "--json", "--limit", &n.to_string()]).await;
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    stdout
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            v["id"].as_str().unwrap().to_string()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn short_writes_beside_a_busy_daemon_get_their_turn() {
    let busy = Busy::start().await;
    let c = busy.config.to_str().unwrap();
    let ids = alert_ids(c, 8).await;
    assert_eq!(ids.len(), 8);
    let mut failures = Vec::new();
    for (round, pair) in ids.chunks(2).enumerate() {
        let (a, b) = (pair[0].as_str(), pair[1].as_str());
        let runs = vec![
            owned(&["alerts", "replay", "-c", c, a]),
            owned(&["alerts", "feedback", "-c", c, b, "useful", "--note", "busy"]),
            owned(&["mute", "-c", c, "--story", a, "--for", "1h"]),
            owned(&["alerts", "replay", "-c", c, b]),
        ];
        for (out, what) in join_all(runs)
            .await
            .into_iter()
            .zip(["replay", "feedback", "mute", "replay"])
        {
            if !out.status.success() {
                failures.push(format!(
                    "round {round}, {what}: {:?} {}",
                    out.status.code(),
                    text(&out).1
                ));
            }
        }
        let out = newshound(&["unmute", "-c", c, "--story", a]).await;
        if !out.status.success() {
            failures.push(format!("round {round}, unmute: {}", text(&out).1));
        }
    }
    let log = busy.daemon.stop().await;
    assert!(
        failures.is_empty(),
        "{} short writes beside the busy daemon failed:\n{}\n--- daemon log tail:\n{}",
        failures.len(),
        failures.join("\n"),
        log.lines().rev().take(20).collect::<Vec<_>>().join("\n")
    );
}
