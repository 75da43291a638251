//! Crash safety: `newshound run` killed with SIGKILL at random moments while a slow
//! receiver accepts deliveries, restarted each time. In the end every expected alert has
//! arrived, and repeats are at most the attempts in flight at the kills (one per kill: the
//! single sink delivers one at a time). Half of the kills wait for a request to arrive and
//! land while the receiver holds its answer; the others land at random moments.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use newshound::alert::alert_id;
use wiremock::ResponseTemplate;

use crate::harness::{
    bulk_feed_server, delivery_config, hook_sink, signal, start_daemon, stop, Receiver,
};

const KILLS: usize = 12;

#[tokio::test(flavor = "multi_thread")]
async fn kill_9_at_random_moments_loses_no_alert_and_repeats_only_in_flight_ones() {
    let receiver =
        Receiver::start(|_, _| ResponseTemplate::new(200).set_delay(Duration::from_millis(250)))
            .await;
    let feeds = bulk_feed_server().await;
    let dir = tempfile::tempdir().unwrap();
    let sinks = hook_sink("hook", &receiver.url(), &["backoff = \"100ms\""]);
    let config = delivery_config(dir.path(), &feeds, "harbour", &sinks);
    let expected: BTreeSet<String> = (1..=40)
        .map(|n| alert_id("harbour", &format!("guid:bulk-{n}")))
        .collect();

    let seed = fastrand::u64(..);
    let mut rng = fastrand::Rng::with_seed(seed);
    let started = Instant::now();
    let mut progressed = 0;
    for kill in 0..KILLS {
        let before = receiver.hits().len();
        let mut daemon = start_daemon(&config);
        if kill % 2 == 0 {
            // Every other kill lands inside a delivery whatever the machine's load: wait
            // for the daemon's next request, then kill while the receiver holds its answer.
            let sent = receiver
                .wait_for(Duration::from_secs(60), |h| h.len() > before)
                .await;
            assert!(
                sent,
                "seed {seed}: restart {kill} delivered nothing within 60 s"
            );
            tokio::time::sleep(Duration::from_millis(rng.u64(0..200))).await;
        } else {
            tokio::time::sleep(Duration::from_millis(rng.u64(150..900))).await;
        }
        signal(&daemon, "KILL");
        let status = daemon.wait().await.unwrap();
        assert!(!status.success(), "killed, not exited");
        progressed += usize::from(receiver.hits().len() > before);
    }
    let before_final = receiver.ids().len();

    let daemon = start_daemon(&config);
    let done = receiver
        .wait_for(Duration::from_secs(30), |h| {
            h.iter().map(|h| &h.id).collect::<BTreeSet<_>>().len() >= expected.len()
        })
        .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (log, _) = stop(daemon).await;
    assert!(done, "seed {seed}: every alert arrives: {log}");

    let hits = receiver.hits();
    let ids = receiver.ids();
    let repeats = hits.len() - ids.len();
    eprintln!(
        "kill -9 test (seed {seed}): {KILLS} kills, {progressed} during deliveries, {} expected ids, \
         {before_final} arrived before the final start, {} requests, {repeats} repeats, {:.1}s",
        expected.len(),
        hits.len(),
        started.elapsed().as_secs_f64()
    );
    assert_eq!(
        ids, expected,
        "seed {seed}: exactly the expected alerts, none missing"
    );
    assert!(
        repeats <= KILLS,
        "seed {seed}: {repeats} repeats > {KILLS} kills"
    );
}
