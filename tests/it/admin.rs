//! The admin endpoint of a running daemon: `/healthz`, `/metrics`, `/api/status` and the
//! status page — the page also in a real headless Chromium, with hostile feed content.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;

use crate::common::{feed_server, it_config};
use crate::daemon::{append, get, serve_feed, state_dir, wait_for_hooks, Daemon};

const ADMIN_ANY_PORT: (&str, &str) = ("NEWSHOUND__DAEMON__ADMIN_LISTEN", "127.0.0.1:0");

#[tokio::test(flavor = "multi_thread")]
async fn healthz_metrics_and_status_describe_the_running_daemon() {
    let server = feed_server(200).await;
    let dir = tempfile::tempdir().unwrap();
    let config = it_config(dir.path(), &server);
    let daemon = Daemon::start(&config, &[ADMIN_ANY_PORT]);
    let base = daemon.admin_url().await;
    assert_eq!(wait_for_hooks(&server, 6, Duration::from_secs(20)).await, 6);
    settled(&base).await;

    let (status, _, body) = get(&format!("{base}/healthz")).await;
    assert_eq!((status, body.as_str()), (200, "ok\n"));

    let (status, ctype, metrics) = get(&format!("{base}/metrics")).await;
    assert_eq!(status, 200);
    assert_eq!(ctype, "text/plain; version=0.0.4; charset=utf-8");
    check_metrics(&metrics);

    let (status, ctype, body) = get(&format!("{base}/api/status")).await;
    assert_eq!((status, ctype.as_str()), (200, "application/json"));
    check_status(&serde_json::from_str(&body).expect("status is JSON"));

    let (status, ctype, page) = get(&format!("{base}/status")).await;
    assert_eq!((status, ctype.as_str()), (200, "text/html; charset=utf-8"));
    assert!(
        page.contains("<table id=\"feeds\">") && page.contains("<b>missing</b>"),
        "{page}"
    );
    assert!(page.contains("国防部回应美方会晤邀请"), "an alert: {page}");
    assert_eq!(get(&format!("{base}/nope")).await.0, 404);
    daemon.stop().await;
}

/// Waits until `/api/status` shows a finished poll for every feed (the broken ones too)
/// and all 11 deliveries recorded: the webhook receiver sees a request a moment before the
/// daemon records its answer.
async fn settled(base: &str) {
    let start = std::time::Instant::now();
    loop {
        let (_, _, body) = get(&format!("{base}/api/status")).await;
        let status: Value = serde_json::from_str(&body).expect("status is JSON");
        let feeds = status["feeds"].as_array().cloned().unwrap_or_default();
        let polled = !feeds.is_empty() && feeds.iter().all(|f| f["last_poll"].is_string());
        if polled && status["outbox"]["delivered"] == 11 {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "not settled: {body}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The metric families of INTERFACE.md with the values this run must have produced, and
/// every sample line well-formed.
fn check_metrics(text: &str) {
    for expected in [
        "newshound_feed_polls_total{feed=\"wire\",result=\"ok\"} ",
        "newshound_feed_polls_total{feed=\"missing\",result=\"error\"} ",
        "newshound_alerts_total{watchlist=\"us-china-defence\"} 3\n",
        "newshound_alerts_total{watchlist=\"chinese-press\"} 1\n",
        "newshound_deliveries_total{sink=\"hook\",result=\"delivered\"} 6\n",
        "newshound_deliveries_total{sink=\"log\",result=\"delivered\"} 5\n",
        "newshound_outbox_pending 0\n",
        "newshound_feeds 6\n",
        "newshound_feeds_failing 2\n",
        // One latency histogram for all feeds unless per_feed_fetch_histogram = true.
        "newshound_fetch_duration_seconds_bucket{le=\"+Inf\"} ",
        "newshound_fetch_duration_seconds_count ",
        "newshound_build_info{version=\"",
        "newshound_feed_last_success_timestamp_seconds{feed=\"wire\"} ",
        "\nprocess_cpu_seconds_total ",
        "\nprocess_resident_memory_bytes ",
        "\nprocess_open_fds ",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in\n{text}");
    }
    let articles = sample(text, "newshound_articles_total");
    assert!(articles >= 8.0, "articles counted: {articles}\n{text}");
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let (series, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("{line}"));
        assert!(value.parse::<f64>().is_ok(), "value of {line}");
        assert!(
            series.starts_with("newshound_") || series.starts_with("process_"),
            "{line}"
        );
        assert_eq!(series.contains('{'), series.ends_with('}'), "{line}");
    }
}

fn sample(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{series} ")))
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no {series} in\n{text}"))
}

fn check_status(status: &Value) {
    let feeds = status["feeds"].as_array().expect("feeds");
    let names: Vec<&str> = feeds.iter().map(|f| f["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        ["wire", "defence", "world", "broken", "missing", "panics"]
    );
    let feed = |name: &str| feeds.iter().find(|f| f["name"] == name).unwrap();
    assert_eq!(feed("wire")["last_result"], "ok");
    assert_eq!(feed("wire")["consecutive_failures"], 0);
    assert!(feed("wire")["last_poll"].is_string() && feed("wire")["interval_secs"] == 2);
    assert_eq!(feed("missing")["last_result"], "error");
    assert!(feed("missing")["last_error"]
        .as_str()
        .unwrap()
        .contains("HTTP 404"));
    assert!(feed("missing")["consecutive_failures"].as_u64().unwrap() >= 1);
    let planned = feeds
        .iter()
        .filter(|f| f["next_poll"].is_string() || f["polling"] == true);
    assert_eq!(
        planned.count(),
        6,
        "every feed has a next poll or is polling: {feeds:?}"
    );
    assert_eq!(status["summary"]["feeds"], 6);
    assert_eq!(status["summary"]["failing"], 2);
    assert_eq!(status["outbox"]["delivered"], 11);
    let alerts = status["alerts"].as_array().expect("alerts");
    assert_eq!(alerts.len(), 6);
    let first = &alerts
        .iter()
        .find(|a| a["watchlist"] == "chinese-press")
        .unwrap();
    assert_eq!(first["article"]["feed"], "world");
    assert!(first["matches"][0]["snippet"]
        .as_str()
        .unwrap()
        .contains("[李尚福]"));
    assert_eq!(first["deliveries"][0]["sink"], "hook");
    assert_eq!(first["deliveries"][0]["status"], "delivered");
    // Times as sent in the webhook body: whole seconds.
    for a in alerts {
        let t = a["detected_at"].as_str().unwrap();
        assert!(!t.contains('.') && t.ends_with('Z'), "{t}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_status_page_reads_well_in_headless_chromium() {
    let chromium = chromium();
    let server = feed_server(200).await;
    serve_feed(&server, "hostile.rss").await;
    let dir = tempfile::tempdir().unwrap();
    let config = it_config(dir.path(), &server);
    append(
        &config,
        &format!(
            "\n[[feed]]\nname = \"hostile <b>feed</b>\"\nurl = \"{}/feeds/hostile.rss\"\n",
            server.uri()
        ),
    );
    let daemon = Daemon::start(&config, &[ADMIN_ANY_PORT]);
    let base = daemon.admin_url().await;
    assert_eq!(
        wait_for_hooks(&server, 7, Duration::from_secs(20)).await,
        7,
        "{}",
        daemon.log()
    );

    let profile = tempfile::tempdir().unwrap();
    let dom = run_chromium(
        &chromium,
        profile.path(),
        &["--dump-dom", &format!("{base}/status")],
    )
    .await;
    assert!(dom.contains("<table id=\"feeds\">"), "{dom}");
    for name in ["wire", "defence", "world", "broken", "missing", "panics"] {
        assert!(
            dom.contains(&format!("<b>{name}</b>")),
            "feed {name} in the table: {dom}"
        );
    }
    assert!(
        dom.contains("<b>hostile &lt;b&gt;feed&lt;/b&gt;</b>"),
        "feed names are text: {dom}"
    );
    assert!(
        dom.contains(">国防部回应美方会晤邀请</a></h3>"),
        "an alert: {dom}"
    );
    assert!(
        dom.contains("<mark>李尚福</mark>"),
        "a highlighted snippet: {dom}"
    );
    // The hostile story: markup in its summary is shown as text, its javascript: link is
    // not a link.
    assert!(
        dom.contains("declined a meeting &lt;script&gt;alert(2)&lt;/script&gt; in Singapore"),
        "{dom}"
    );
    assert!(dom.contains("<h3>Li Shangfu declines talks</h3>"), "{dom}");
    assert!(
        !dom.contains("<script") && !dom.contains("<img"),
        "no markup from feeds: {dom}"
    );
    assert!(
        !dom.contains("href=\"javascript:"),
        "no javascript: links: {dom}"
    );
    assert!(dom.contains("<title>newshound: polling 7 feeds"), "{dom}");

    let shot = artifacts_dir().join("status-page.png");
    let _ = std::fs::remove_file(&shot);
    let arg = format!("--screenshot={}", shot.display());
    run_chromium(
        &chromium,
        profile.path(),
        &[&arg, "--window-size=1280,900", &format!("{base}/status")],
    )
    .await;
    let png = std::fs::read(&shot).unwrap_or_else(|e| panic!("screenshot {}: {e}", shot.display()));
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 20_000,
        "a real screenshot: {} bytes",
        png.len()
    );
    daemon.stop().await;
}

/// Chromium is required: without it the test fails, it is not skipped.
fn chromium() -> PathBuf {
    let candidates = [
        std::env::var("CHROMIUM").unwrap_or_default(),
        "/usr/bin/chromium".into(),
        "/usr/bin/chromium-browser".into(),
    ];
    candidates
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("chromium not found (apt-get install chromium, or set CHROMIUM): the status page test needs a real browser"))
}

async fn run_chromium(chromium: &Path, profile: &Path, args: &[&str]) -> String {
    let user_data = format!("--user-data-dir={}", profile.display());
    let run = tokio::process::Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            &user_data,
        ])
        .args(args)
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(Duration::from_secs(90), run)
        .await
        .expect("chromium finishes within 90 s")
        .expect("chromium runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "chromium {args:?} failed: {stderr}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `target/test-artifacts/`, next to the binary under test's profile folder.
fn artifacts_dir() -> PathBuf {
    let bin = Path::new(env!("CARGO_BIN_EXE_newshound"));
    let target = bin.parent().and_then(Path::parent).expect("target folder");
    let dir = target.join("test-artifacts");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[tokio::test(flavor = "multi_thread")]
async fn an_admin_address_in_use_fails_the_start() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let server = feed_server(200).await;
    let dir = tempfile::tempdir().unwrap();
    let config = it_config(dir.path(), &server);
    let daemon = Daemon::start(&config, &[("NEWSHOUND__DAEMON__ADMIN_LISTEN", &addr)]);
    let (code, log) = daemon.exit(Duration::from_secs(10)).await;
    assert_eq!(code, Some(3), "{log}");
    assert!(
        log.contains(&format!(
            "admin endpoint cannot listen on {addr} (daemon.admin_listen)"
        )),
        "{log}"
    );
    assert!(
        log.contains("Address already in use") || log.contains("in use"),
        "{log}"
    );
    assert!(
        !state_dir(dir.path()).join("newshound.pid").exists(),
        "no pid file left behind"
    );
}
