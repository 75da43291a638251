//! The NATS sink against a real `nats-server -js`: every alert lands in the stream once
//! with its headers; a replayed alert is dropped by the server and counted as a duplicate;
//! the server stopped for a while loses nothing; `kill -9` of the daemon at random
//! moments leaves every alert id in the stream exactly once; credentials come from files;
//! TLS is verified against the configured CA; a deleted stream is created again; an alert
//! too large for the server fails permanently; a digest publishes each alert on its own;
//! `check` validates the subject.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use async_nats::jetstream;
use async_nats::jetstream::stream::{RetentionPolicy, StorageType};
use newshound::alert::alert_id;

use crate::common::{fixture, newshound, text};
use crate::daemon::{get, Daemon};
use crate::harness::{bulk_feed_server, delivery_config, delivery_config_for};
use crate::natsd::{slow_answers, stream_messages, wait_for_messages, NatsServer, Tap};

const STREAM: &str = "NEWSHOUND";
const ADMIN_ANY_PORT: (&str, &str) = ("NEWSHOUND__DAEMON__ADMIN_LISTEN", "127.0.0.1:0");

/// A `[[sink]]` table named `stream` publishing to `url` into [`STREAM`].
fn nats_sink(url: &str, extra: &[&str]) -> String {
    format!(
        "[[sink]]\nname = \"stream\"\ntype = \"nats\"\nurl = \"{url}\"\nstream = \"{STREAM}\"\n{}\n",
        extra.join("\n")
    )
}

/// The ids of the 40 alerts the bulk feed gives for `harbour`.
fn expected() -> BTreeSet<String> {
    (1..=40)
        .map(|n| alert_id("harbour", &format!("guid:bulk-{n}")))
        .collect()
}

/// A counter of `newshound_nats_publishes_total` for the `stream` sink, 0 when absent.
async fn publishes(admin: &str, result: &str) -> u64 {
    let (_, _, body) = get(&format!("{admin}/metrics")).await;
    let series = format!("newshound_nats_publishes_total{{sink=\"stream\",result=\"{result}\"}} ");
    body.lines()
        .find_map(|l| l.strip_prefix(&series))
        .map_or(0, |v| v.trim().parse().unwrap())
}

/// Waits until the daemon's outbox has nothing pending.
async fn outbox_empty(admin: &str, limit: Duration) -> bool {
    let started = Instant::now();
    while started.elapsed() < limit {
        let (_, _, body) = get(&format!("{admin}/metrics")).await;
        if body.lines().any(|l| l == "newshound_outbox_pending 0") {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

#[tokio::test(flavor = "multi_thread")]
async fn every_alert_of_a_run_lands_in_the_stream_once_with_its_headers() {
    let nats = NatsServer::start().await;
    let feeds = bulk_feed_server().await;
    let dir = tempfile::tempdir().unwrap();
    let config = delivery_config(dir.path(), &feeds, "harbour", &nats_sink(&nats.url(), &[]));
    let config = config.to_str().unwrap();
    let out = newshound(&["once", "-c", config]).await;
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("40 delivered"), "{stdout}");

    let client = nats.client().await;
    let stored = stream_messages(&client, STREAM).await;
    assert_eq!(stored.len(), 40, "one message per alert");
    let ids: BTreeSet<String> = stored.iter().map(|m| m.msg_id.clone()).collect();
    assert_eq!(ids, expected());
    let now = chrono::Utc::now().timestamp();
    for m in &stored {
        assert_eq!(m.subject, "newshound.alerts.harbour");
        assert_eq!(m.header("watchlist"), Some("harbour"));
        assert_eq!(m.header("severity"), Some("low"));
        assert_eq!(m.header("webhook-id"), Some(m.msg_id.as_str()));
        let ts: i64 = m.header("webhook-timestamp").unwrap().parse().unwrap();
        assert!((now - ts).abs() < 600, "timestamp {ts} vs now {now}");
        assert_eq!(m.body["id"], m.msg_id.as_str(), "the v1 body");
        assert_eq!(m.body["watchlist"], "harbour");
        assert_eq!(m.body["article"]["feed"], "bulk");
        assert!(m.body["matches"][0]["term"].is_string());
    }

    let js = jetstream::new(client.clone());
    let info = js
        .get_stream(STREAM)
        .await
        .unwrap()
        .info()
        .await
        .unwrap()
        .clone();
    let c = &info.config;
    assert_eq!(c.subjects, ["newshound.alerts.*"]);
    assert_eq!(
        (c.storage, c.retention),
        (StorageType::File, RetentionPolicy::Limits)
    );
    assert_eq!(c.duplicate_window, Duration::from_secs(2 * 3600));
    assert_eq!(c.max_age, Duration::from_secs(30 * 24 * 3600));

    let again = newshound(&["once", "-c", config]).await;
    assert!(again.status.success());
    assert_eq!(
        stream_messages(&client, STREAM).await.len(),
        40,
        "nothing new"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_replayed_alert_is_dropped_by_the_stream_and_counted_as_a_duplicate() {
    let nats = NatsServer::start().await;
    let feeds = bulk_feed_server().await;
    let dir = tempfile::tempdir().unwrap();
    let config = delivery_config(dir.path(), &feeds, "harbour", &nats_sink(&nats.url(), &[]));
    let c = config.to_str().unwrap();
    assert!(newshound(&["once", "-c", c]).await.status.success());
    let ids: Vec<String> = expected().into_iter().take(3).collect();
    let mut args = vec!["alerts", "replay", "-c", c];
    args.extend(ids.iter().map(String::as_str));
    let replay = newshound(&args).await;
    assert!(replay.status.success(), "{:?}", text(&replay));

    let daemon = Daemon::start(&config, &[ADMIN_ANY_PORT]);
    let admin = daemon.admin_url().await;
    assert!(
        outbox_empty(&admin, Duration::from_secs(20)).await,
        "{}",
        daemon.log()
    );
    assert_eq!(publishes(&admin, "duplicate").await, 3);
    assert_eq!(publishes(&admin, "ok").await, 0);
    let log = daemon.stop().await;
    assert_eq!(
        log.matches("the server dropped the repeat").count(),
        3,
        "{log}"
    );
    let client = nats.client().await;
    assert_eq!(stream_messages(&client, STREAM).await.len(), 40);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_server_stopped_for_a_while_and_started_again_loses_nothing() {
    let mut nats = NatsServer::start().await;
    let feeds = bulk_feed_server().await;
    let dir = tempfile::tempdir().unwrap();
    let extra = [
        "rate_limit = \"10/s\"",
        "backoff = \"200ms\"",
        "backoff_max = \"1s\"",
        "timeout = \"1s\"",
    ];
    let config = delivery_config(
        dir.path(),
        &feeds,
        "harbour",
        &nats_sink(&nats.url(), &extra),
    );
    let daemon = Daemon::start(&config, &[ADMIN_ANY_PORT]);
    let admin = daemon.admin_url().await;
    let client = nats.client().await;
    let before = wait_for_messages(&client, STREAM, 5, Duration::from_secs(20)).await;
    assert!((5..40).contains(&before), "stopped mid-run: {before}");

    nats.stop();
    drop(client);
    tokio::time::sleep(Duration::from_secs(2)).await;
    nats.restart().await;

    assert!(
        outbox_empty(&admin, Duration::from_secs(40)).await,
        "{}",
        daemon.log()
    );
    let failed = publishes(&admin, "failed").await;
    let log = daemon.stop().await;
    let client = nats.client().await;
    let stored = stream_messages(&client, STREAM).await;
    let ids: BTreeSet<String> = stored.iter().map(|m| m.msg_id.clone()).collect();
    assert_eq!(ids, expected(), "every alert: {log}");
    assert_eq!(stored.len(), 40, "each once");
    assert!(failed > 0, "publishes failed while the server was down");
    assert!(log.contains("NATS connection lost"), "{log}");
    eprintln!("nats restart test: {before} stored before the stop, {failed} failed publishes");
}

const KILLS: usize = 10;

/// Between the daemon and the server sits a link that delays the server's answers, so a
/// kill often lands after the server stored an alert and before the daemon heard of it:
/// the restarted daemon publishes that alert again, and the server must drop it.
#[tokio::test(flavor = "multi_thread")]
async fn kill_9_at_random_moments_leaves_every_alert_in_the_stream_exactly_once() {
    let nats = NatsServer::start().await;
    let link = slow_answers(nats.addr(), Duration::from_millis(150)).await;
    let feeds = bulk_feed_server().await;
    let dir = tempfile::tempdir().unwrap();
    let sink = nats_sink(&format!("nats://{link}"), &["backoff = \"100ms\""]);
    let config = delivery_config(dir.path(), &feeds, "harbour", &sink);
    let client = nats.client().await;
    let tap = Tap::start(&client, "newshound.alerts.>").await;

    let seed = fastrand::u64(..);
    let mut rng = fastrand::Rng::with_seed(seed);
    let started = Instant::now();
    let (mut kills, mut counted) = (0, 0);
    while kills < KILLS && tap.distinct().len() < 40 {
        let before = tap.count();
        let daemon = Daemon::start(&config, &[ADMIN_ANY_PORT]);
        let admin = daemon.admin_url().await;
        // Two publishes of this run: the first (the repeat, if any) is acknowledged.
        if !tap.wait(Duration::from_secs(20), |n| n >= before + 2).await {
            break; // nothing left to deliver
        }
        tokio::time::sleep(Duration::from_millis(rng.u64(0..400))).await;
        counted += publishes(&admin, "duplicate").await;
        daemon.signal("KILL");
        let (code, _) = daemon.exit(Duration::from_secs(5)).await;
        assert_eq!(code, None, "killed by a signal");
        kills += 1;
    }

    let daemon = Daemon::start(&config, &[ADMIN_ANY_PORT]);
    let admin = daemon.admin_url().await;
    assert!(
        outbox_empty(&admin, Duration::from_secs(60)).await,
        "seed {seed}: {}",
        daemon.log()
    );
    counted += publishes(&admin, "duplicate").await;
    daemon.stop().await;

    let stored = stream_messages(&client, STREAM).await;
    let ids: BTreeSet<String> = stored.iter().map(|m| m.msg_id.clone()).collect();
    assert_eq!(ids, expected(), "seed {seed}: every alert");
    assert_eq!(stored.len(), 40, "seed {seed}: each exactly once");
    let published = tap.count();
    let rejected = published - 40;
    eprintln!(
        "nats kill -9 test (seed {seed}): {kills} kills, {published} publishes, {rejected} \
         dropped by the server as duplicates, {counted} counted by the metric, {:.1}s",
        started.elapsed().as_secs_f64()
    );
    assert_eq!(
        kills, KILLS,
        "seed {seed}: every kill landed while alerts were pending"
    );
    assert_eq!(
        counted as usize, rejected,
        "seed {seed}: the metric counts every duplicate"
    );
    assert!(
        rejected >= KILLS / 2,
        "seed {seed}: only {rejected} kills caught an alert in flight"
    );
}

/// Runs `newshound ARGS` with `CREDENTIALS_DIRECTORY=creds`.
async fn newshound_with_creds(args: &[&str], creds: &Path) -> std::process::Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_newshound"))
        .args(args)
        .env("RUST_LOG", "info")
        .env("CREDENTIALS_DIRECTORY", creds)
        .env_remove("NEWSHOUND_CONFIG")
        .stdin(Stdio::null())
        .output()
        .await
        .expect("run newshound")
}

#[tokio::test(flavor = "multi_thread")]
async fn credentials_come_from_files_in_the_credentials_directory() {
    let feeds = bulk_feed_server().await;
    let cases: [(&[&str], &str, &str); 2] = [
        (
            &["--auth", "tok-s3cret"],
            "token_file = \"nats-token\"",
            "tok-s3cret",
        ),
        (
            &["--user", "desk", "--pass", "pw-s3cret"],
            "user = \"desk\"\npassword_file = \"nats-password\"",
            "pw-s3cret",
        ),
    ];
    for (args, keys, secret) in cases {
        let nats = NatsServer::start_with(args).await;
        let dir = tempfile::tempdir().unwrap();
        let creds = dir.path().join("creds");
        std::fs::create_dir(&creds).unwrap();
        std::fs::write(creds.join("nats-url"), format!("{}\n", nats.url())).unwrap();
        let sink = format!("[[sink]]\nname = \"stream\"\ntype = \"nats\"\nurl_file = \"nats-url\"\nstream = \"{STREAM}\"\nbackoff = \"100ms\"\n{keys}\n");
        let config = delivery_config(dir.path(), &feeds, "lighthouse", &sink);
        let c = config.to_str().unwrap();

        std::fs::write(creds.join("nats-token"), "wrong\n").unwrap();
        std::fs::write(creds.join("nats-password"), "wrong\n").unwrap();
        let out = newshound_with_creds(&["once", "-c", c], &creds).await;
        let (stdout, stderr) = text(&out);
        assert!(
            stdout.contains("0 delivered, 5 to retry"),
            "{args:?}: {stdout}\n{stderr}"
        );
        assert!(stderr.to_lowercase().contains("authorization"), "{stderr}");

        tokio::time::sleep(Duration::from_millis(300)).await; // the retries fall due
        std::fs::write(creds.join("nats-token"), format!("{secret}\n")).unwrap();
        std::fs::write(creds.join("nats-password"), format!("{secret}\n")).unwrap();
        let out = newshound_with_creds(&["once", "-c", c], &creds).await;
        let (stdout, stderr) = text(&out);
        assert!(
            stdout.contains("5 delivered"),
            "{args:?}: {stdout}\n{stderr}"
        );
        assert!(!stderr.contains(secret) && !stdout.contains(secret));
        let options = match args[0] {
            "--auth" => async_nats::ConnectOptions::with_token(secret.into()),
            _ => async_nats::ConnectOptions::with_user_and_password("desk".into(), secret.into()),
        };
        let client = nats.client_with(options).await;
        assert_eq!(stream_messages(&client, STREAM).await.len(), 5);
    }
}

#[tokio::test]
async fn check_validates_the_subject_and_never_prints_a_password() {
    let dir = tempfile::tempdir().unwrap();
    let feed = "http://127.0.0.1:9/feed.rss";
    let bad = "[[sink]]\nname = \"stream\"\ntype = \"nats\"\nurl = \"nats://127.0.0.1:4222\"\nsubject = \"alerts.{who}.*\"\n";
    let config = delivery_config_for(dir.path(), feed, "harbour", bad);
    let out = newshound(&["check", "-c", config.to_str().unwrap()]).await;
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("sink[0].subject: 'alerts.{who}.*': unknown placeholder '{who}' (allowed: {watchlist}, {severity}, {feed})"),
        "{stderr}"
    );

    let good = "[[sink]]\nname = \"stream\"\ntype = \"nats\"\nurl = \"nats://desk:pw-s3cret@127.0.0.1:4222\"\nstream = \"ALERTS\"\nsubject = \"desk.{severity}.{watchlist}\"\n";
    let config = delivery_config_for(dir.path(), feed, "harbour", good);
    let out = newshound(&["check", "-c", config.to_str().unwrap()]).await;
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("stream (nats nats://127.0.0.1:4222, subject desk.{severity}.{watchlist}, stream ALERTS"),
        "{stdout}"
    );
    assert!(!stdout.contains("s3cret") && !stderr.contains("s3cret"));
}

#[tokio::test(flavor = "multi_thread")]
async fn tls_is_verified_against_the_configured_ca() {
    let (cert, key, ca) = (
        fixture("nats/server.pem"),
        fixture("nats/server-key.pem"),
        fixture("nats/ca.pem"),
    );
    let args = [
        "--tls",
        "--tlscert",
        cert.to_str().unwrap(),
        "--tlskey",
        key.to_str().unwrap(),
    ];
    let nats = NatsServer::start_with(&args).await;
    let feeds = bulk_feed_server().await;
    let dir = tempfile::tempdir().unwrap();
    let url = format!("tls://{}", nats.addr());
    let ca_key = format!("tls_ca_file = \"{}\"", ca.display());
    for (extra, delivered) in [(vec![], false), (vec![ca_key.as_str()], true)] {
        let mut extra = extra.clone();
        extra.push("backoff = \"100ms\"");
        let config = delivery_config(dir.path(), &feeds, "lighthouse", &nats_sink(&url, &extra));
        let out = newshound(&["once", "-c", config.to_str().unwrap()]).await;
        let (stdout, stderr) = text(&out);
        if delivered {
            assert!(stdout.contains("5 delivered"), "{stdout}\n{stderr}");
        } else {
            assert!(
                stdout.contains("0 delivered, 5 to retry"),
                "{stdout}\n{stderr}"
            );
            assert!(stderr.to_lowercase().contains("certificate"), "{stderr}");
            tokio::time::sleep(Duration::from_millis(300)).await; // the retries fall due
        }
    }
    let options = async_nats::ConnectOptions::new()
        .require_tls(true)
        .add_root_certificates(ca);
    let client = nats.client_with(options).await;
    assert_eq!(stream_messages(&client, STREAM).await.len(), 5);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_deleted_stream_is_created_again_by_the_next_attempt() {
    let nats = NatsServer::start().await;
    let feeds = bulk_feed_server().await;
    let dir = tempfile::tempdir().unwrap();
    let extra = [
        "rate_limit = \"10/s\"",
        "backoff = \"100ms\"",
        "backoff_max = \"500ms\"",
    ];
    let config = delivery_config(
        dir.path(),
        &feeds,
        "harbour",
        &nats_sink(&nats.url(), &extra),
    );
    let daemon = Daemon::start(&config, &[ADMIN_ANY_PORT]);
    let admin = daemon.admin_url().await;
    let client = nats.client().await;
    let before = wait_for_messages(&client, STREAM, 5, Duration::from_secs(20)).await;
    assert!(before < 40, "deleted mid-run: {before}");
    jetstream::new(client.clone())
        .delete_stream(STREAM)
        .await
        .unwrap();

    assert!(
        outbox_empty(&admin, Duration::from_secs(30)).await,
        "{}",
        daemon.log()
    );
    let log = daemon.stop().await;
    assert_eq!(
        log.matches("created the JetStream stream").count(),
        2,
        "{log}"
    );
    let after = stream_messages(&client, STREAM).await;
    assert!(
        !after.is_empty() && after.len() < 40,
        "{} in the new stream",
        after.len()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_alert_larger_than_the_servers_max_payload_fails_permanently() {
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("nats.conf");
    std::fs::write(&conf, "max_payload: 512\n").unwrap();
    let nats = NatsServer::start_with(&["-c", conf.to_str().unwrap()]).await;
    let feeds = bulk_feed_server().await;
    let config = delivery_config(
        dir.path(),
        &feeds,
        "lighthouse",
        &nats_sink(&nats.url(), &[]),
    );
    let out = newshound(&["once", "-c", config.to_str().unwrap()]).await;
    let (stdout, stderr) = text(&out);
    assert!(
        stdout.contains("0 delivered, 0 to retry, 5 failed"),
        "{stdout}\n{stderr}"
    );
    assert!(stderr.contains("max payload"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_digest_publishes_each_of_its_alerts_under_its_own_id() {
    let nats = NatsServer::start().await;
    let feeds = bulk_feed_server().await;
    let dir = tempfile::tempdir().unwrap();
    let sink = nats_sink(&nats.url(), &["digest = \"1s\""]);
    let config = delivery_config(dir.path(), &feeds, "harbour", &sink);
    let c = config.to_str().unwrap();
    assert!(newshound(&["once", "-c", c]).await.status.success());
    tokio::time::sleep(Duration::from_millis(1200)).await; // the window passes
    let out = newshound(&["once", "-c", c]).await;
    let (stdout, stderr) = text(&out);
    assert!(stdout.contains("40 delivered"), "{stdout}\n{stderr}");
    let client = nats.client().await;
    let stored = stream_messages(&client, STREAM).await;
    let ids: BTreeSet<String> = stored.iter().map(|m| m.msg_id.clone()).collect();
    assert_eq!((stored.len(), ids), (40, expected()));
}

#[tokio::test(flavor = "multi_thread")]
async fn credentials_in_the_url_file_authenticate() {
    let nats = NatsServer::start_with(&["--user", "desk", "--pass", "pw-s3cret"]).await;
    let feeds = bulk_feed_server().await;
    let dir = tempfile::tempdir().unwrap();
    let url = format!("nats://desk:pw-s3cret@{}\n", nats.addr());
    std::fs::write(dir.path().join("nats-url"), url).unwrap();
    let sink = format!("[[sink]]\nname = \"stream\"\ntype = \"nats\"\nurl_file = \"nats-url\"\nstream = \"{STREAM}\"\n");
    let config = delivery_config(dir.path(), &feeds, "lighthouse", &sink);
    let out = newshound_with_creds(&["once", "-c", config.to_str().unwrap()], dir.path()).await;
    let (stdout, stderr) = text(&out);
    assert!(stdout.contains("5 delivered"), "{stdout}\n{stderr}");
    assert!(!stderr.contains("s3cret") && !stdout.contains("s3cret"));
}
