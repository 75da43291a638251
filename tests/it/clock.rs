//! Issue 12, point 7: a wall-clock jump under the running daemon, played by `faketime`
//! (libfaketime preloaded, the wall clock only: the monotonic clock stays real). Set
//! forward two days while deliveries are failing, they are not declared dead (they were
//! not failing for `give_up_after`); set back a day, they are not left waiting for the
//! day to pass again.

use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio::process::Child;
use wiremock::ResponseTemplate;

use crate::common::{newshound, text};
use crate::harness::{bulk_feed_server, delivery_config, hook_sink, stop, Receiver};

const LIBFAKETIME: &str = "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1";

/// `newshound run -c config` with its wall clock offset by what `offset` holds
/// (`+0`, `+2d`, `-1d`), read again on every call.
fn faked_daemon(config: &Path, offset: &Path) -> Child {
    assert!(
        Path::new(LIBFAKETIME).is_file(),
        "{LIBFAKETIME} is missing: install the Debian package faketime (.ci/run does)"
    );
    crate::harness::daemon_command(config)
        .env("LD_PRELOAD", LIBFAKETIME)
        .env("FAKETIME_TIMESTAMP_FILE", offset)
        .env("FAKETIME_NO_CACHE", "1")
        .env("DONT_FAKE_MONOTONIC", "1")
        .spawn()
        .expect("start newshound run under faketime")
}

/// Five alerts into a receiver that fails each one's first three attempts (500), retried
/// every 1–2 s, dead after an hour of failing; the wall clock is set to `jump` after the
/// first attempt. Returns the `alerts --json` listing at the end and the daemon's log.
async fn jump_while_retrying(jump: &str) -> (String, String, Receiver) {
    let receiver =
        Receiver::start(|_, nth| ResponseTemplate::new(if nth < 3 { 500 } else { 200 })).await;
    let feeds = bulk_feed_server().await;
    let dir = tempfile::tempdir().unwrap();
    let offset: PathBuf = dir.path().join("faketime");
    std::fs::write(&offset, "+0\n").unwrap();
    let policy = [
        "backoff = \"1s\"",
        "backoff_max = \"2s\"",
        "give_up_after = \"1h\"",
    ];
    let sinks = hook_sink("hook", &receiver.url(), &policy);
    let config = delivery_config(dir.path(), &feeds, "lighthouse", &sinks);
    let daemon = faked_daemon(&config, &offset);
    assert!(
        receiver
            .wait_for(Duration::from_secs(30), |h| !h.is_empty())
            .await,
        "the first attempt goes out"
    );
    std::fs::write(&offset, format!("{jump}\n")).unwrap();
    let all_through = receiver
        .wait_for(Duration::from_secs(60), |h| {
            let mut n = std::collections::BTreeMap::<&str, usize>::new();
            h.iter().for_each(|h| *n.entry(&h.id).or_default() += 1);
            n.len() == 5 && n.values().all(|k| *k >= 4)
        })
        .await;
    let (log, _) = stop(daemon).await;
    let out = newshound(&["alerts", "-c", config.to_str().unwrap(), "--json"]).await;
    let (listing, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(
        all_through,
        "after the clock jumped {jump}, every alert is retried until it is through: {} hits\n{listing}\n{log}",
        receiver.hits().len()
    );
    (listing, log, receiver)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_clock_set_forward_does_not_make_failing_deliveries_dead() {
    let (listing, log, _) = jump_while_retrying("+2d").await;
    assert_eq!(listing.matches("\"dead\"").count(), 0, "{listing}\n{log}");
    assert_eq!(listing.matches("\"delivered\"").count(), 5, "{listing}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_clock_set_back_does_not_hold_retries_for_a_day() {
    let (listing, log, _) = jump_while_retrying("-1d").await;
    assert_eq!(
        listing.matches("\"delivered\"").count(),
        5,
        "{listing}\n{log}"
    );
}
