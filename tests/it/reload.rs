//! Reloading a running daemon with `newshound reload` (and plain SIGHUP): a new feed and
//! watchlist take effect; a broken config is refused while polling goes on; the pid file
//! protects the state from a second daemon and is recognised when stale.

use std::time::Duration;

use crate::common::{feed_server, hooks, it_config, newshound, text};
use crate::daemon::{append, get, serve_feed, state_dir, wait_for_hooks, Daemon};

#[tokio::test(flavor = "multi_thread")]
async fn reload_adds_a_feed_and_watchlist_and_refuses_a_broken_config() {
    let server = feed_server(200).await;
    serve_feed(&server, "chips.rss").await;
    let dir = tempfile::tempdir().unwrap();
    let config = it_config(dir.path(), &server);
    let cfg = config.to_str().unwrap();
    let daemon = Daemon::start(
        &config,
        &[("NEWSHOUND__DAEMON__ADMIN_LISTEN", "127.0.0.1:0")],
    );
    let base = daemon.admin_url().await;
    assert_eq!(wait_for_hooks(&server, 6, Duration::from_secs(20)).await, 6);

    let good = std::fs::read_to_string(&config).unwrap();
    append(
        &config,
        &format!(
            "\n[[feed]]\nname = \"chips\"\nurl = \"{}/feeds/chips.rss\"\n\n[[watchlist]]\nname = \"fabs\"\nfeeds = [\"chips\"]\nsinks = [\"hook\"]\nkeywords = [\"semiconductor\"]\n",
            server.uri()
        ),
    );
    let out = newshound(&["reload", "-c", cfg]).await;
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(
        stdout.contains(&format!("sent SIGHUP to newshound (pid {},", daemon.pid())),
        "{stdout}"
    );
    assert_eq!(
        wait_for_hooks(&server, 7, Duration::from_secs(20)).await,
        7,
        "{}",
        daemon.log()
    );
    let last: serde_json::Value = serde_json::from_slice(&hooks(&server).await[6].body).unwrap();
    assert_eq!(
        (last["watchlist"].as_str(), last["article"]["feed"].as_str()),
        (Some("fabs"), Some("chips"))
    );

    // Broken: `reload` says why and leaves the daemon alone…
    let broken = format!("{good}\n[[watchlist]]\nname = \"broken\"\nquery = '(unclosed'\n");
    std::fs::write(&config, &broken).unwrap();
    let out = newshound(&["reload", "-c", cfg]).await;
    assert_eq!(out.status.code(), Some(1), "{:?}", text(&out));
    assert!(
        text(&out).1.contains("watchlist[3].query"),
        "{:?}",
        text(&out)
    );
    // …and a SIGHUP from elsewhere (systemctl reload) is refused by the daemon.
    daemon.signal("HUP");
    assert!(
        daemon
            .wait_for_log("reload refused", Duration::from_secs(10))
            .await,
        "{}",
        daemon.log()
    );
    let polls_before = wire_polls(&base).await;
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(get(&format!("{base}/healthz")).await.0, 200);
    assert!(
        wire_polls(&base).await > polls_before,
        "the daemon keeps polling with the old config"
    );
    let (_, _, status) = get(&format!("{base}/api/status")).await;
    assert!(
        status.contains("\"name\":\"chips\""),
        "the running config still has the added feed"
    );
    let log = daemon.stop().await;
    assert!(
        log.contains("config reloaded") && log.contains("watchlist[3].query"),
        "{log}"
    );
}

async fn wire_polls(base: &str) -> u64 {
    let (_, _, metrics) = get(&format!("{base}/metrics")).await;
    metrics
        .lines()
        .find_map(|l| l.strip_prefix("newshound_feed_polls_total{feed=\"wire\",result=\"ok\"} "))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread")]
async fn reload_without_a_daemon_names_the_missing_or_stale_pid_file() {
    let server = feed_server(200).await;
    let dir = tempfile::tempdir().unwrap();
    let config = it_config(dir.path(), &server);
    let cfg = config.to_str().unwrap();
    let out = newshound(&["reload", "-c", cfg]).await;
    assert_eq!(out.status.code(), Some(3));
    assert!(text(&out).1.contains("no pid file"), "{:?}", text(&out));

    std::fs::create_dir_all(state_dir(dir.path())).unwrap();
    std::fs::write(state_dir(dir.path()).join("newshound.pid"), "2147483000\n").unwrap();
    let out = newshound(&["reload", "-c", cfg]).await;
    assert_eq!(out.status.code(), Some(3));
    assert!(text(&out).1.contains("stale pid file"), "{:?}", text(&out));

    // A daemon replaces the stale file, and a second one on the same state is refused.
    let daemon = Daemon::start(&config, &[]);
    assert!(
        daemon
            .wait_for_log("replaced a stale pid file", Duration::from_secs(10))
            .await,
        "{}",
        daemon.log()
    );
    let second = Daemon::start(&config, &[]);
    let (code, log) = second.exit(Duration::from_secs(10)).await;
    assert_eq!(code, Some(3), "{log}");
    assert!(
        log.contains(&format!(
            "another newshound (pid {}) is running",
            daemon.pid()
        )),
        "{log}"
    );
    daemon.stop().await;
}
