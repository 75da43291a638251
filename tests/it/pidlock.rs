//! One daemon per state, decided by the kernel: 200 `newshound run` released at the same
//! instant on one state directory leave exactly one running; every other one says another
//! newshound is running (never "writing pid file failed") and exits 3.

use std::time::{Duration, Instant};

use tokio::process::{Child, Command};

const STARTS: usize = 200;

#[tokio::test(flavor = "multi_thread")]
async fn two_hundred_simultaneous_starts_leave_exactly_one_daemon() {
    let dir = tempfile::tempdir().unwrap();
    let feed = dir.path().join("feed.xml");
    std::fs::write(&feed, crate::common::fixture_bytes("it/wire.rss")).unwrap();
    let config = dir.path().join("config.toml");
    let text = format!(
        "[daemon]\nstate_dir = \"{}\"\npoll_interval = \"1h\"\n\n[[feed]]\nname = \"wire\"\nurl = \"file://{}\"\n",
        dir.path().join("state").display(),
        feed.display()
    );
    std::fs::write(&config, text).unwrap();
    // Every child waits for the gate file; creating it releases them all within ~10 ms.
    let gate = dir.path().join("gate");
    let mut children: Vec<Child> = (0..STARTS).map(|_| spawn(&gate, &config)).collect();
    tokio::time::sleep(Duration::from_millis(500)).await;
    std::fs::write(&gate, "").unwrap();

    let mut running = Vec::new();
    let mut refused = 0;
    let deadline = Instant::now() + Duration::from_secs(120);
    while !children.is_empty() {
        let mut still = Vec::new();
        for mut child in children {
            match child.try_wait().unwrap() {
                Some(status) => {
                    let out = child.wait_with_output().await.unwrap();
                    let stderr = String::from_utf8_lossy(&out.stderr);
                    assert_eq!(status.code(), Some(3), "{stderr}");
                    assert!(stderr.contains("another newshound"), "{stderr}");
                    assert!(!stderr.contains("writing pid file"), "{stderr}");
                    refused += 1;
                }
                None => still.push(child),
            }
        }
        children = still;
        if refused == STARTS - 1 || Instant::now() > deadline {
            running = children;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(refused, STARTS - 1, "refused starts");
    assert_eq!(running.len(), 1, "survivors");
    let mut survivor = running.pop().unwrap();
    let pid = survivor.id().unwrap();
    let written = std::fs::read_to_string(dir.path().join("state/newshound.pid")).unwrap();
    let shell_pid: u32 = written.trim().parse().unwrap();
    // The shell exec'd newshound, so the pid is the survivor's.
    assert_eq!(shell_pid, pid);
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = tokio::time::timeout(Duration::from_secs(10), survivor.wait())
        .await
        .expect("stops")
        .unwrap();
    assert!(status.success(), "{status:?}");
    assert!(!dir.path().join("state/newshound.pid").exists());
}

fn spawn(gate: &std::path::Path, config: &std::path::Path) -> Child {
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg("until [ -e \"$1\" ]; do sleep 0.01; done; exec \"$2\" run -c \"$3\"")
        .arg("sh")
        .arg(gate)
        .arg(env!("CARGO_BIN_EXE_newshound"))
        .arg(config);
    crate::harness::detached(&mut cmd)
        .env("RUST_LOG", "warn")
        .spawn()
        .expect("spawn")
}
