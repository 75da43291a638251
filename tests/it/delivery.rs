//! Delivery guarantees end to end with the real binary: retries with backoff until a
//! refusing receiver accepts, `Retry-After`, 410 disabling one sink, failed and dead
//! deliveries listed and replayed, one slow sink never delaying another, SIGTERM with a
//! delivery in flight, rate limits and digests.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use serde_json::Value;
use wiremock::ResponseTemplate;

use crate::common::{newshound, text};
use crate::harness::{
    bulk_feed_server, delivery_config, hook_sink, start_daemon, stop, Hit, Receiver,
};

/// The JSON lines of `newshound alerts --json [args]`.
async fn listing(config: &std::path::Path, args: &[&str]) -> Vec<Value> {
    let mut all = vec!["alerts", "-c", config.to_str().unwrap(), "--json"];
    all.extend_from_slice(args);
    let out = newshound(&all).await;
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// (sink, status, attempts) of every delivery listed.
fn states(listed: &[Value]) -> Vec<(String, String, u64)> {
    listed
        .iter()
        .flat_map(|a| a["deliveries"].as_array().unwrap().clone())
        .map(|d| {
            (
                d["sink"].as_str().unwrap().to_string(),
                d["status"].as_str().unwrap().to_string(),
                d["attempts"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn attempts_of<'a>(hits: &'a [Hit], id: &str) -> Vec<&'a Hit> {
    hits.iter().filter(|h| h.id == id).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn refused_attempts_are_retried_with_backoff_until_every_alert_arrives() {
    const REFUSALS: usize = 3;
    let receiver =
        Receiver::start(|_, nth| ResponseTemplate::new(if nth < REFUSALS { 503 } else { 200 }))
            .await;
    let feeds = bulk_feed_server().await;
    let dir = tempfile::tempdir().unwrap();
    let sinks = hook_sink(
        "hook",
        &receiver.url(),
        &["backoff = \"200ms\"", "backoff_max = \"1s\""],
    );
    let config = delivery_config(dir.path(), &feeds, "lighthouse", &sinks);

    let daemon = start_daemon(&config);
    let done = receiver
        .wait_for(Duration::from_secs(20), |h| h.len() >= 5 * (REFUSALS + 1))
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await; // anything extra would show now
    let (log, _) = stop(daemon).await;
    assert!(done, "every alert arrives: {log}");

    let hits = receiver.hits();
    let ids = receiver.ids();
    assert_eq!(ids.len(), 5, "5 distinct alerts: {ids:?}");
    for id in &ids {
        let tries = attempts_of(&hits, id);
        assert_eq!(
            tries.len(),
            REFUSALS + 1,
            "{id}: refused {REFUSALS} times, then accepted once"
        );
        for k in 0..REFUSALS {
            let gap = tries[k + 1].at - tries[k].at;
            let base = (200u64 << k).min(1000) as f64 / 1000.0;
            let gap = gap.as_secs_f64();
            assert!(
                gap >= base * 0.8 - 0.02,
                "{id} retry {k}: {gap:.3}s < 0.8 x {base}s"
            );
            assert!(
                gap <= base * 1.2 + 0.5,
                "{id} retry {k}: {gap:.3}s >> {base}s"
            );
        }
    }
    let listed = listing(&config, &[]).await;
    assert_eq!(
        states(&listed),
        vec![("hook".to_string(), "delivered".to_string(), 4); 5]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn retry_after_is_honoured_in_seconds_and_as_an_http_date() {
    let receiver = Receiver::start(|_, nth| match nth {
        0 => ResponseTemplate::new(429).insert_header("Retry-After", "1"),
        1 => {
            let at = std::time::SystemTime::now() + Duration::from_secs(2);
            ResponseTemplate::new(503).insert_header("Retry-After", httpdate::fmt_http_date(at))
        }
        _ => ResponseTemplate::new(200),
    })
    .await;
    let feeds = bulk_feed_server().await;
    let dir = tempfile::tempdir().unwrap();
    let sinks = hook_sink("hook", &receiver.url(), &["backoff = \"100ms\""]);
    let config = delivery_config(dir.path(), &feeds, "lighthouse", &sinks);

    let daemon = start_daemon(&config);
    let done = receiver
        .wait_for(Duration::from_secs(20), |h| h.len() >= 15)
        .await;
    let (log, _) = stop(daemon).await;
    assert!(done, "{log}");
    let hits = receiver.hits();
    for id in receiver.ids() {
        let tries = attempts_of(&hits, &id);
        assert_eq!(tries.len(), 3);
        let seconds = (tries[1].at - tries[0].at).as_secs_f64();
        assert!(seconds >= 0.98, "Retry-After: 1 waited {seconds:.3}s");
        // An HTTP-date has whole seconds: now + 2 s is between 1 and 2 s away.
        let date = (tries[2].at - tries[1].at).as_secs_f64();
        assert!(date >= 0.98, "Retry-After as a date waited {date:.3}s");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn gone_disables_only_that_sink_and_keeps_its_deliveries_pending() {
    let gone = Receiver::start(|_, _| ResponseTemplate::new(410)).await;
    let ok = Receiver::accepting().await;
    let feeds = bulk_feed_server().await;
    let dir = tempfile::tempdir().unwrap();
    let sinks = hook_sink("gone", &gone.url(), &[]) + &hook_sink("ok", &ok.url(), &[]);
    let config = delivery_config(dir.path(), &feeds, "lighthouse", &sinks);
    let c = config.to_str().unwrap();

    let out = newshound(&["once", "-c", c]).await;
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("SINK DISABLED") && stderr.contains("410"),
        "{stderr}"
    );
    assert_eq!(gone.hits().len(), 1, "one 410, then the sink is disabled");
    assert_eq!(ok.ids().len(), 5, "the other sink got everything: {stdout}");

    let pending = states(&listing(&config, &["--status", "pending"]).await);
    assert_eq!(pending.len(), 5, "{pending:?}");
    assert!(pending.iter().all(|(s, ..)| s == "gone"));
    // A restart re-enables the sink: it tries again (and is disabled again).
    let out = newshound(&["once", "-c", c]).await;
    assert!(out.status.success());
    assert_eq!(gone.hits().len(), 2);
    assert_eq!(ok.hits().len(), 5, "nothing sent twice to the healthy sink");
}

#[tokio::test(flavor = "multi_thread")]
async fn failed_and_dead_deliveries_are_kept_listed_and_replayable() {
    let healthy = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = healthy.clone();
    let flaky = Receiver::start(move |_, _| {
        let up = flag.load(std::sync::atomic::Ordering::SeqCst);
        ResponseTemplate::new(if up { 200 } else { 503 })
    })
    .await;
    let bad = Receiver::start(|_, _| ResponseTemplate::new(400)).await;
    let feeds = bulk_feed_server().await;
    let dir = tempfile::tempdir().unwrap();
    let timing = [
        "backoff = \"100ms\"",
        "backoff_max = \"100ms\"",
        "give_up_after = \"300ms\"",
    ];
    let sinks = hook_sink("flaky", &flaky.url(), &timing) + &hook_sink("bad", &bad.url(), &[]);
    let config = delivery_config(dir.path(), &feeds, "lighthouse", &sinks);
    let c = config.to_str().unwrap();

    assert!(newshound(&["once", "-c", c]).await.status.success());
    tokio::time::sleep(Duration::from_millis(400)).await;
    let out = newshound(&["once", "-c", c]).await;
    assert!(text(&out).1.contains("gave up: dead"), "{}", text(&out).1);
    assert_eq!(bad.hits().len(), 5, "a 400 is never retried");
    let dead = states(&listing(&config, &["--status", "dead"]).await);
    assert_eq!(dead, vec![("flaky".to_string(), "dead".to_string(), 2); 5]);
    let failed = states(&listing(&config, &["--status", "failed"]).await);
    assert_eq!(
        failed,
        vec![("bad".to_string(), "failed".to_string(), 1); 5]
    );

    // The table names each alert and its state per sink.
    let out = newshound(&["alerts", "-c", c]).await;
    let (table, _) = text(&out);
    assert!(
        table.contains("Harbour report 1") && table.contains("dead"),
        "{table}"
    );
    assert!(
        table.contains("5 alerts, 10 deliveries: 0 pending, 0 delivered, 5 failed, 5 dead"),
        "{table}"
    );

    // An unknown id is an error and requeues nothing.
    let out = newshound(&["alerts", "replay", "-c", c, "nope"]).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out).1.contains("no alert with id 'nope'"),
        "{}",
        text(&out).1
    );

    healthy.store(true, std::sync::atomic::Ordering::SeqCst);
    let out = newshound(&["alerts", "replay", "-c", c, "--dead"]).await;
    assert!(out.status.success());
    assert!(
        text(&out).0.contains("requeued 5 deliveries of 5 alerts"),
        "{}",
        text(&out).0
    );
    assert!(newshound(&["once", "-c", c]).await.status.success());
    let delivered = states(&listing(&config, &["--status", "delivered"]).await);
    assert_eq!(
        delivered,
        vec![("flaky".to_string(), "delivered".to_string(), 1); 5]
    );

    // Replaying one alert by id sends it again, to every sink.
    let id = flaky.hits()[0].id.clone();
    let out = newshound(&["alerts", "replay", "-c", c, &id]).await;
    assert!(
        text(&out).0.contains("requeued 2 deliveries of 1 alerts"),
        "{}",
        text(&out).0
    );
    assert!(newshound(&["once", "-c", c]).await.status.success());
    assert_eq!(bad.hits().len(), 6);
    assert_eq!(flaky.hits().iter().filter(|h| h.id == id).count(), 4);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_slow_sink_never_delays_another_and_sigterm_lets_its_delivery_finish() {
    let slow =
        Receiver::start(|_, _| ResponseTemplate::new(200).set_delay(Duration::from_millis(1500)))
            .await;
    let fast = Receiver::accepting().await;
    let feeds = bulk_feed_server().await;
    let dir = tempfile::tempdir().unwrap();
    let sinks = hook_sink("slow", &slow.url(), &[]) + &hook_sink("fast", &fast.url(), &[]);
    let config = delivery_config(dir.path(), &feeds, "lighthouse", &sinks);

    let daemon = start_daemon(&config);
    let started = Instant::now();
    assert!(
        fast.wait_for(Duration::from_secs(10), |h| h.len() == 5)
            .await
    );
    let fast_done = started.elapsed();
    assert!(
        slow.wait_for(Duration::from_secs(10), |h| h.len() == 2)
            .await
    );
    assert!(
        fast_done < Duration::from_millis(1500) + (slow.hits()[0].at - started),
        "the fast sink finished ({fast_done:?}) before the slow one's first answer"
    );
    // SIGTERM while the slow sink's second delivery is in flight.
    let (log, took) = stop(daemon).await;
    assert!(took < Duration::from_secs(10), "{took:?}");
    assert!(
        took >= Duration::from_millis(500),
        "the in-flight delivery was awaited: {took:?}"
    );
    assert_eq!(
        slow.hits().len(),
        2,
        "nothing new starts after SIGTERM: {log}"
    );
    let listed = states(&listing(&config, &["--status", "pending"]).await);
    assert_eq!(listed.len(), 3, "the rest stays pending: {listed:?}");

    // The next start sends the rest; nothing was sent twice.
    let daemon = start_daemon(&config);
    assert!(
        slow.wait_for(Duration::from_secs(15), |h| h.len() >= 5)
            .await
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop(daemon).await;
    let hits = slow.hits();
    let ids: BTreeSet<&str> = hits.iter().map(|h| h.id.as_str()).collect();
    assert_eq!((hits.len(), ids.len()), (5, 5), "each alert exactly once");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rate_limit_delays_alerts_and_drops_none() {
    let receiver = Receiver::accepting().await;
    let feeds = bulk_feed_server().await;
    let dir = tempfile::tempdir().unwrap();
    let sinks = hook_sink("hook", &receiver.url(), &["rate_limit = \"2/s\""]);
    let config = delivery_config(dir.path(), &feeds, "lighthouse", &sinks);
    let daemon = start_daemon(&config);
    let done = receiver
        .wait_for(Duration::from_secs(15), |h| h.len() >= 5)
        .await;
    let (log, _) = stop(daemon).await;
    assert!(done, "{log}");
    let hits = receiver.hits();
    assert_eq!(receiver.ids().len(), 5);
    for w in hits.windows(3) {
        let span = (w[2].at - w[0].at).as_secs_f64();
        assert!(span >= 0.95, "3 requests within {span:.3}s under 2/s");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_digest_batches_a_window_into_one_message_sent_durably() {
    // The first attempt of the digest fails: the retry carries the same id and members.
    let receiver =
        Receiver::start(|_, nth| ResponseTemplate::new(if nth == 0 { 503 } else { 200 })).await;
    let feeds = bulk_feed_server().await;
    let dir = tempfile::tempdir().unwrap();
    let sinks = hook_sink(
        "hook",
        &receiver.url(),
        &["digest = \"1s\"", "backoff = \"200ms\""],
    );
    let config = delivery_config(dir.path(), &feeds, "lighthouse", &sinks);
    let daemon = start_daemon(&config);
    let done = receiver
        .wait_for(Duration::from_secs(15), |h| h.len() >= 2)
        .await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let (log, _) = stop(daemon).await;
    assert!(done, "{log}");
    let hits = receiver.hits();
    assert_eq!(hits.len(), 2, "one digest, retried once: {log}");
    let (a, b) = (hits[0].json(), hits[1].json());
    assert_eq!(a, b, "the retry is the same message");
    assert_eq!(a["kind"], "digest");
    assert_eq!(a["count"], 5);
    assert_eq!(a["id"], hits[0].id.as_str());
    let members: BTreeSet<&str> = a["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_str().unwrap())
        .collect();
    assert_eq!(members.len(), 5);
    let listed = listing(&config, &[]).await;
    for alert in &listed {
        let d = &alert["deliveries"][0];
        assert_eq!(
            (d["status"].as_str(), d["digest_id"].as_str()),
            (Some("delivered"), Some(hits[0].id.as_str()))
        );
        assert!(members.contains(alert["id"].as_str().unwrap()));
    }
}
