//! Issue 12, points 3 and 4: a state that fails under the running daemon makes it
//! unhealthy and stops it (non-zero, so systemd restarts it) instead of "healthy" while
//! delivering nothing; a state directory removed or replaced is noticed and stops it.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use tokio::process::Child;

use crate::harness::{bulk_feed_server, start_daemon, Receiver};

/// A config polling the bulk feed every second into `hook`, with the admin endpoint on
/// a free port; returns it and the port.
fn config(dir: &Path, feeds: &str, hook: &str) -> (PathBuf, u16) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let text = format!(
        "[daemon]\nstate_dir = \"{}\"\npoll_interval = \"1s\"\nmax_age = \"0s\"\nadmin_listen = \"127.0.0.1:{port}\"\n\
         [http]\ntimeout = \"5s\"\nallow_private_networks = true\n\
         [[feed]]\nname = \"bulk\"\nurl = \"{feeds}/feeds/bulk.rss\"\n\
         [[watchlist]]\nname = \"harbour\"\nkeywords = [\"harbour\"]\nsinks = [\"hook\"]\n\
         [[sink]]\nname = \"hook\"\ntype = \"webhook\"\nurl = \"{hook}\"\n",
        dir.join("state").display()
    );
    let path = dir.join("config.toml");
    std::fs::write(&path, text).unwrap();
    (path, port)
}

/// `/healthz`'s status and body.
async fn healthz(port: u16) -> (u16, String) {
    match reqwest::get(format!("http://127.0.0.1:{port}/healthz")).await {
        Ok(r) => (r.status().as_u16(), r.text().await.unwrap_or_default()),
        Err(e) => (0, e.to_string()),
    }
}

/// Waits for the daemon to exit within `limit`; its exit code and stderr.
async fn exit_within(mut child: Child, limit: Duration) -> (Option<i32>, String) {
    let status = tokio::time::timeout(limit, child.wait())
        .await
        .expect("the daemon stops by itself")
        .unwrap();
    let mut err = String::new();
    if let Some(mut e) = child.stderr.take() {
        use tokio::io::AsyncReadExt;
        e.read_to_string(&mut err).await.unwrap();
    }
    (status.code(), err)
}

/// A daemon that delivered all 40 bulk alerts and is healthy.
async fn running() -> (tempfile::TempDir, Receiver, Child, u16) {
    let receiver = Receiver::accepting().await;
    let feeds = bulk_feed_server().await;
    let dir = tempfile::tempdir().unwrap();
    let (config, port) = config(dir.path(), &feeds.uri(), &receiver.url());
    let child = start_daemon(&config);
    std::mem::forget(feeds);
    assert!(
        receiver
            .wait_for(Duration::from_secs(30), |h| h.len() >= 40)
            .await
    );
    let until = Instant::now() + Duration::from_secs(10);
    while healthz(port).await.0 != 200 && Instant::now() < until {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(healthz(port).await.0, 200);
    (dir, receiver, child, port)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_state_directory_removed_under_the_daemon_stops_it() {
    let (dir, _receiver, child, _) = running().await;
    std::fs::remove_dir_all(dir.path().join("state")).unwrap();
    let (code, log) = exit_within(child, Duration::from_secs(15)).await;
    assert_eq!(code, Some(3), "{log}");
    assert!(
        log.contains("was removed under the running daemon"),
        "{log}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_state_file_replaced_under_the_daemon_stops_it() {
    let (dir, _receiver, child, _) = running().await;
    let db = dir.path().join("state/newshound.db");
    let copy = dir.path().join("copy.db");
    std::fs::copy(&db, &copy).unwrap();
    std::fs::rename(&copy, &db).unwrap();
    let (code, log) = exit_within(child, Duration::from_secs(15)).await;
    assert_eq!(code, Some(3), "{log}");
    assert!(log.contains("was replaced by another file"), "{log}");
}

/// Overwrites, in place, every page of `db` after the first and every frame of its log.
fn corrupt_in_place(db: &Path) {
    use std::io::{Seek, SeekFrom, Write};
    let page = {
        let head = std::fs::read(db).unwrap();
        u64::from(u16::from_be_bytes([head[16], head[17]]))
    };
    for (path, from) in [(db.to_path_buf(), page), (db.with_extension("db-wal"), 32)] {
        let Ok(mut f) = std::fs::OpenOptions::new().write(true).open(&path) else {
            continue;
        };
        let len = f.metadata().unwrap().len();
        if len > from {
            f.seek(SeekFrom::Start(from)).unwrap();
            f.write_all(&vec![0x5a; (len - from) as usize]).unwrap();
            f.sync_all().unwrap();
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_state_that_fails_at_run_time_turns_unhealthy_then_stops_the_daemon() {
    let (dir, _receiver, child, port) = running().await;
    corrupt_in_place(&dir.path().join("state/newshound.db"));
    let until = Instant::now() + Duration::from_secs(10);
    let mut health = healthz(port).await;
    while health.0 == 200 && Instant::now() < until {
        tokio::time::sleep(Duration::from_millis(200)).await;
        health = healthz(port).await;
    }
    assert_eq!(health.0, 503, "{health:?}");
    assert!(health.1.contains("state failing"), "{health:?}");
    let (code, log) = exit_within(child, Duration::from_secs(60)).await;
    assert_eq!(code, Some(3), "exits non-zero for a restart: {log}");
    assert!(log.contains("the state fails: unhealthy"), "{log}");
}
