//! Issue 12, point 5: the disk fills up after a receiver acknowledged a delivery. The
//! outcome is kept and written once the disk has room again; the delivery is never sent
//! again because its record could not be written. The state lives on a small tmpfs the
//! test mounts (root only: CI runs as root), filled up while the receiver holds its
//! answer.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use wiremock::ResponseTemplate;

use crate::common::{newshound, text};
use crate::harness::{bulk_feed_server, delivery_config, hook_sink, start_daemon, stop, Receiver};

/// A tmpfs of `size` mounted on `dir`; unmounted when dropped.
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(dir: &Path, size: &str) -> Tmpfs {
        std::fs::create_dir_all(dir).unwrap();
        let out = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir)
            .output()
            .expect("run mount");
        assert!(
            out.status.success(),
            "mounting a tmpfs on {} failed — this test must run as root (CI does): {}",
            dir.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        Tmpfs(dir.to_path_buf())
    }

    /// Writes `filler` until the file system has no room left.
    fn fill(&self) -> PathBuf {
        let path = self.0.join("filler");
        let mut f = std::fs::File::create(&path).unwrap();
        let mut chunk = vec![0u8; 1 << 20];
        while !chunk.is_empty() {
            if f.write_all(&chunk).is_err() {
                let half = chunk.len() / 2;
                chunk.truncate(half);
            }
        }
        let _ = f.sync_all();
        path
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(&self.0)
            .status();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_disk_full_after_the_receiver_acknowledged_never_sends_again() {
    // Every answer takes 2 s: the disk fills while the first one is on its way.
    let receiver =
        Receiver::start(|_, _| ResponseTemplate::new(200).set_delay(Duration::from_secs(2))).await;
    let feeds = bulk_feed_server().await;
    let dir = tempfile::tempdir().unwrap();
    let disk = Tmpfs::mount(&dir.path().join("state"), "16m");
    let sinks = hook_sink("hook", &receiver.url(), &["backoff = \"1s\""]);
    let config = delivery_config(dir.path(), &feeds, "lighthouse", &sinks);
    let daemon = start_daemon(&config);
    assert!(
        receiver
            .wait_for(Duration::from_secs(30), |h| !h.is_empty())
            .await,
        "the first delivery goes out"
    );
    let filler = disk.fill();
    // Full for longer than several retry rounds.
    tokio::time::sleep(Duration::from_secs(8)).await;
    std::fs::remove_file(&filler).unwrap();
    assert!(
        receiver
            .wait_for(Duration::from_secs(60), |h| {
                h.iter()
                    .map(|h| &h.id)
                    .collect::<std::collections::BTreeSet<_>>()
                    .len()
                    >= 5
            })
            .await,
        "every alert arrives once the disk has room: {} hits",
        receiver.hits().len()
    );
    // Room for a repeat to show up.
    tokio::time::sleep(Duration::from_secs(4)).await;
    let (log, _) = stop(daemon).await;
    let hits = receiver.hits();
    let mut per_id = std::collections::BTreeMap::<String, usize>::new();
    for h in &hits {
        *per_id.entry(h.id.clone()).or_default() += 1;
    }
    assert!(
        per_id.values().all(|n| *n == 1),
        "each alert reaches the receiver exactly once: {per_id:?}\n{log}"
    );
    assert!(
        log.contains("disk is full"),
        "the log says why writes fail: {log}"
    );
    let out = newshound(&["alerts", "-c", config.to_str().unwrap(), "--json"]).await;
    let (listing, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    let delivered = listing.matches("\"delivered\"").count();
    assert_eq!(delivered, 5, "the kept outcomes were written: {listing}");
    drop(disk);
}
