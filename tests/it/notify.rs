//! The systemd notify protocol as a service manager sees it: the daemon talks to a
//! datagram socket this test owns, with a 1 s watchdog.

use std::time::{Duration, Instant};

use tokio::net::UnixDatagram;
use tokio::sync::mpsc;

use crate::common::{feed_server, it_config};
use crate::daemon::{state_dir, Daemon};

/// One notify message with the time it arrived.
struct Message {
    at: Instant,
    text: String,
}

/// Receives every datagram on `socket` into a channel.
fn listen(socket: UnixDatagram) -> mpsc::UnboundedReceiver<Message> {
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        let mut buf = vec![0u8; 4096];
        while let Ok(n) = socket.recv(&mut buf).await {
            let text = String::from_utf8_lossy(&buf[..n]).into_owned();
            if tx
                .send(Message {
                    at: Instant::now(),
                    text,
                })
                .is_err()
            {
                return;
            }
        }
    });
    rx
}

/// Every message received so far, and the channel for more.
struct Inbox {
    rx: mpsc::UnboundedReceiver<Message>,
    seen: Vec<Message>,
}

impl Inbox {
    /// Receives until a message satisfies `pred` and returns its index in `seen`.
    async fn wait(&mut self, limit: Duration, pred: impl Fn(&str) -> bool) -> usize {
        let deadline = tokio::time::Instant::now() + limit;
        while let Ok(Some(m)) = tokio::time::timeout_at(deadline, self.rx.recv()).await {
            let done = pred(&m.text);
            self.seen.push(m);
            if done {
                return self.seen.len() - 1;
            }
        }
        let texts: Vec<&str> = self.seen.iter().map(|m| m.text.as_str()).collect();
        panic!("no matching notify message within {limit:?}; got {texts:?}");
    }

    /// The text of message `i`.
    fn text(&self, i: usize) -> &str {
        &self.seen[i].text
    }
}

fn monotonic_usec() -> u64 {
    let now = rustix::time::clock_gettime(rustix::time::ClockId::Monotonic);
    now.tv_sec as u64 * 1_000_000 + now.tv_nsec as u64 / 1_000
}

#[tokio::test(flavor = "multi_thread")]
async fn ready_watchdog_status_reload_and_stopping_reach_the_service_manager() {
    let server = feed_server(200).await;
    let dir = tempfile::tempdir().unwrap();
    let config = it_config(dir.path(), &server);
    let path = dir.path().join("notify.sock");
    let rx = listen(UnixDatagram::bind(&path).unwrap());
    let daemon = Daemon::start(
        &config,
        &[
            ("NOTIFY_SOCKET", path.to_str().unwrap()),
            ("WATCHDOG_USEC", "1000000"),
        ],
    );

    let mut inbox = Inbox {
        rx,
        seen: Vec::new(),
    };
    let ready = inbox
        .wait(Duration::from_secs(20), |t| t.contains("READY=1"))
        .await;
    assert!(
        inbox.text(ready).contains("STATUS=polling 6 feeds"),
        "{}",
        inbox.text(ready)
    );
    assert!(
        state_dir(dir.path()).join("newshound.pid").exists(),
        "pid file while running"
    );

    // Half of WATCHDOG_USEC: a ping every 500 ms, from the side that polls.
    let ready_at = inbox.seen[ready].at;
    let window = Duration::from_secs(3);
    let end = inbox
        .wait(window + Duration::from_secs(1), |_| {
            ready_at.elapsed() >= window
        })
        .await;
    let pings = inbox.seen[ready + 1..=end]
        .iter()
        .filter(|m| m.text == "WATCHDOG=1")
        .count();
    assert!(
        (4..=8).contains(&pings),
        "{pings} watchdog pings in 3 s (one per 500 ms)"
    );

    // The STATUS line follows the polls: three of the six feeds are broken.
    let expected = "STATUS=polling 6 feeds, 2 failing, 0 alerts pending";
    if !inbox.seen.iter().any(|m| m.text == expected) {
        inbox.wait(Duration::from_secs(15), |t| t == expected).await;
    }

    daemon.signal("HUP");
    let before = monotonic_usec();
    let reload = inbox
        .wait(Duration::from_secs(10), |t| t.starts_with("RELOADING=1"))
        .await;
    let reloading = inbox.text(reload).to_string();
    let usec: u64 = reloading
        .lines()
        .find_map(|l| l.strip_prefix("MONOTONIC_USEC="))
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("MONOTONIC_USEC in {reloading:?}"));
    assert!(
        usec.abs_diff(before) < 5_000_000,
        "CLOCK_MONOTONIC: {usec} vs {before}"
    );
    inbox
        .wait(Duration::from_secs(15), |t| t.starts_with("READY=1"))
        .await;

    let log = daemon.stop().await;
    inbox
        .wait(Duration::from_secs(5), |t| t.starts_with("STOPPING=1"))
        .await;
    assert!(log.contains("config reloaded"), "{log}");
    assert!(
        !state_dir(dir.path()).join("newshound.pid").exists(),
        "pid file removed on exit"
    );
}
