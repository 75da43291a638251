//! Issue 12, point 6: a reload never repeats a delivery. A 12 s delivery in flight at
//! SIGHUP used to be sent again by the new config's delivery loop once the old one's
//! grace ran out; now the old attempt finishes and is recorded on its own, and the new
//! loop starts after it.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use wiremock::ResponseTemplate;

use crate::harness::{bulk_feed_server, signal, start_daemon, stop, Receiver};

#[tokio::test(flavor = "multi_thread")]
async fn a_sighup_during_a_slow_delivery_does_not_send_it_twice() {
    let served = Arc::new(AtomicUsize::new(0));
    let counter = served.clone();
    // The first request takes 12 s to answer; the rest answer at once.
    let receiver = Receiver::start(move |_, _| {
        let delay = match counter.fetch_add(1, Ordering::SeqCst) {
            0 => Duration::from_secs(12),
            _ => Duration::ZERO,
        };
        ResponseTemplate::new(200).set_delay(delay)
    })
    .await;
    let feeds = bulk_feed_server().await;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[daemon]\nstate_dir = \"{}\"\npoll_interval = \"2s\"\nmax_age = \"0s\"\n\
             [http]\ntimeout = \"30s\"\nallow_private_networks = true\n\
             [[feed]]\nname = \"bulk\"\nurl = \"{}/feeds/bulk.rss\"\n\
             [[watchlist]]\nname = \"lights\"\nkeywords = [\"lighthouse\"]\nsinks = [\"hook\"]\n\
             [[sink]]\nname = \"hook\"\ntype = \"webhook\"\nurl = \"{}\"\n",
            dir.path().join("state").display(),
            feeds.uri(),
            receiver.url()
        ),
    )
    .unwrap();
    let daemon = start_daemon(&config);
    assert!(
        receiver
            .wait_for(Duration::from_secs(20), |h| !h.is_empty())
            .await
    );
    // The first delivery is in flight: reload now.
    tokio::time::sleep(Duration::from_millis(500)).await;
    signal(&daemon, "HUP");
    assert!(
        receiver
            .wait_for(Duration::from_secs(40), |h| {
                h.iter()
                    .map(|h| &h.id)
                    .collect::<std::collections::BTreeSet<_>>()
                    .len()
                    >= 5
            })
            .await,
        "all five alerts arrive"
    );
    // Past the old attempt's end and a few delivery rounds more.
    tokio::time::sleep(Duration::from_secs(4)).await;
    let (log, _) = stop(daemon).await;
    let hits = receiver.hits();
    assert_eq!(receiver.ids().len(), 5, "{log}");
    assert_eq!(
        hits.len(),
        5,
        "each alert sent once, none repeated by the reload: {log}"
    );
    assert!(log.contains("config reloaded"), "{log}");
}
