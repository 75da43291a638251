//! `newshound run`: the daemon polls on its schedule, delivers, reloads on SIGHUP, and
//! shuts down cleanly on SIGTERM; a restart sends nothing twice.

use std::path::Path;
use std::time::{Duration, Instant};

use tokio::process::Child;

use crate::common::{feed_server, hooks, it_config};

fn start(config: &Path) -> Child {
    crate::harness::daemon_command(config)
        .env("NEWSHOUND__DAEMON__POLL_INTERVAL", "2s")
        .spawn()
        .expect("start newshound run")
}

fn signal(child: &Child, sig: &str) {
    let pid = child.id().expect("running").to_string();
    let ok = std::process::Command::new("kill")
        .args([&format!("-{sig}"), &pid])
        .status()
        .unwrap()
        .success();
    assert!(ok, "kill -{sig} {pid}");
}

async fn wait_for_hooks(server: &wiremock::MockServer, n: usize, limit: Duration) -> usize {
    let start = Instant::now();
    loop {
        let got = hooks(server).await.len();
        if got >= n || start.elapsed() > limit {
            return got;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn stop(mut child: Child) -> String {
    signal(&child, "TERM");
    let started = Instant::now();
    let status = tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .expect("exits within 10 s")
        .unwrap();
    assert!(status.success(), "clean shutdown exits 0: {status:?}");
    assert!(started.elapsed() < Duration::from_secs(10));
    let mut err = String::new();
    if let Some(mut e) = child.stderr.take() {
        use tokio::io::AsyncReadExt;
        e.read_to_string(&mut err).await.unwrap();
    }
    err
}

#[tokio::test(flavor = "multi_thread")]
async fn run_polls_delivers_and_a_restart_sends_nothing_twice() {
    let server = feed_server(200).await;
    let dir = tempfile::tempdir().unwrap();
    let config = it_config(dir.path(), &server);

    let child = start(&config);
    assert_eq!(wait_for_hooks(&server, 6, Duration::from_secs(20)).await, 6);
    // Several more poll rounds go by: still nothing new.
    tokio::time::sleep(Duration::from_secs(5)).await;
    let log = stop(child).await;
    assert_eq!(hooks(&server).await.len(), 6, "{log}");
    assert!(log.contains("shutting down"), "{log}");

    let child = start(&config);
    tokio::time::sleep(Duration::from_secs(4)).await;
    let log = stop(child).await;
    assert_eq!(
        hooks(&server).await.len(),
        6,
        "a restart alerts nothing again: {log}"
    );
    assert!(
        log.contains("polled"),
        "the restarted daemon did poll: {log}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn sighup_applies_a_valid_config_and_keeps_the_old_one_on_errors() {
    let server = feed_server(200).await;
    let dir = tempfile::tempdir().unwrap();
    let config = it_config(dir.path(), &server);
    let child = start(&config);
    assert_eq!(wait_for_hooks(&server, 6, Duration::from_secs(20)).await, 6);

    // A broken config is refused; the daemon keeps running.
    let good = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        format!("{good}\n[[watchlist]]\nname = \"broken\"\nquery = '(unclosed'\n"),
    )
    .unwrap();
    signal(&child, "HUP");
    tokio::time::sleep(Duration::from_secs(1)).await;

    // A valid one with a new watchlist takes effect for the next polls.
    let added =
        "\n[[watchlist]]\nname = \"chips\"\nsinks = [\"hook\"]\nkeywords = [\"chipmaker\"]\n";
    std::fs::write(&config, format!("{good}{added}")).unwrap();
    signal(&child, "HUP");
    assert_eq!(wait_for_hooks(&server, 7, Duration::from_secs(20)).await, 7);
    let log = stop(child).await;
    assert!(log.contains("reload refused"), "{log}");
    assert!(
        log.contains("watchlist[3].query"),
        "the refusal names the key: {log}"
    );
    assert!(log.contains("config reloaded"), "{log}");
    let last: serde_json::Value = serde_json::from_slice(&hooks(&server).await[6].body).unwrap();
    assert_eq!(last["watchlist"], "chips");
}

/// Issue 12: `once` next to a running daemon used to send the daemon's pending alerts a
/// second time. The daemon holds each sink's queue lease, so `once` leaves them to it.
#[tokio::test(flavor = "multi_thread")]
async fn once_beside_a_running_daemon_sends_nothing_twice() {
    use wiremock::matchers::{method, path};
    let server = feed_server(200).await;
    // A slow receiver: the daemon's deliveries are still pending while `once` runs.
    wiremock::Mock::given(method("POST"))
        .and(path("/hook"))
        .respond_with(wiremock::ResponseTemplate::new(200).set_delay(Duration::from_millis(1500)))
        .with_priority(1)
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let config = it_config(dir.path(), &server);
    let child = start(&config);
    assert!(wait_for_hooks(&server, 1, Duration::from_secs(20)).await >= 1);
    let out = crate::common::newshound(&["once", "-c", config.to_str().unwrap()]).await;
    let (stdout, stderr) = crate::common::text(&out);
    assert!(out.status.success(), "{stderr}");
    // Whether `once` or the daemon polls a feed first is a race; either may queue its
    // alert (the other then sees the story as known). What must hold: nothing is sent twice.
    assert!(
        stdout.contains("sink hook: its queue is held by another newshound"),
        "once says why it sent nothing: {stdout}"
    );
    assert_eq!(wait_for_hooks(&server, 6, Duration::from_secs(30)).await, 6);
    tokio::time::sleep(Duration::from_secs(2)).await;
    let log = stop(child).await;
    let ids: std::collections::BTreeSet<String> = hooks(&server)
        .await
        .iter()
        .filter_map(|r| r.headers.get("webhook-id")?.to_str().ok().map(String::from))
        .collect();
    assert_eq!(hooks(&server).await.len(), 6, "{log}");
    assert_eq!(ids.len(), 6, "each alert sent once: {ids:?}");
}
