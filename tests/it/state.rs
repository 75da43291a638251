//! Issue 12, point 2: a damaged state is refused with a way out, never taken for a fresh
//! one (which re-alerts every story still in the feeds): a 0-byte database, the
//! write-ahead log deleted or overwritten after a kill -9, a corrupted page. And the way
//! out: `state check`, `state backup PATH`, `--reset-state`.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use wiremock::MockServer;

use crate::common::{feed_server, hooks, it_config, newshound, text};
use crate::harness::{signal, start_daemon};

/// A state made by one `once` (cleanly closed): its server, folder, config and the
/// number of webhooks it sent.
async fn fresh_state() -> (MockServer, tempfile::TempDir, PathBuf, usize) {
    let server = feed_server(200).await;
    let dir = tempfile::tempdir().unwrap();
    let config = it_config(dir.path(), &server);
    let out = newshound(&["once", "-c", config.to_str().unwrap()]).await;
    assert!(out.status.success(), "{}", text(&out).1);
    let sent = hooks(&server).await.len();
    assert!(sent > 0, "the fixtures alert");
    (server, dir, config, sent)
}

/// A state left by `newshound run` killed with SIGKILL once it delivered something: the
/// write-ahead log and the open marker are still there.
async fn crashed_state() -> (MockServer, tempfile::TempDir, PathBuf, usize) {
    let server = feed_server(200).await;
    let dir = tempfile::tempdir().unwrap();
    let config = it_config(dir.path(), &server);
    let mut daemon = start_daemon(&config);
    let until = Instant::now() + Duration::from_secs(30);
    while hooks(&server).await.len() < 6 && Instant::now() < until {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    signal(&daemon, "KILL");
    daemon.wait().await.unwrap();
    let state = dir.path().join("state");
    assert!(
        state.join("newshound.db-wal").is_file(),
        "a crash leaves the log"
    );
    assert!(
        state.join("newshound.db-open").is_file(),
        "and the open marker"
    );
    let sent = hooks(&server).await.len();
    (server, dir, config, sent)
}

/// Runs `once` on a damaged state: it must fail naming the damage and the way out, and
/// send nothing.
async fn assert_refused(server: &MockServer, config: &Path, sent: usize, what: &str) {
    let out = newshound(&["once", "-c", config.to_str().unwrap()]).await;
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(3), "{what}: {stdout}{stderr}");
    assert!(stderr.contains("is damaged"), "{what}: {stderr}");
    for hint in ["newshound state check", "state backup", "--reset-state"] {
        assert!(stderr.contains(hint), "{what}: names {hint}: {stderr}");
    }
    assert_eq!(
        hooks(server).await.len(),
        sent,
        "{what}: nothing re-alerted"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_empty_database_file_is_refused_and_reset_state_starts_afresh() {
    let (server, dir, config, sent) = fresh_state().await;
    let db = dir.path().join("state/newshound.db");
    std::fs::write(&db, b"").unwrap();
    assert_refused(&server, &config, sent, "0-byte db").await;
    let out = newshound(&["once", "-c", config.to_str().unwrap(), "--reset-state"]).await;
    assert!(out.status.success(), "{}", text(&out).1);
    let kept = std::fs::read_dir(dir.path().join("state"))
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.starts_with("newshound.db.broken-"))
        .count();
    assert_eq!(kept, 1, "the damaged file is kept aside");
    assert_eq!(
        hooks(&server).await.len(),
        2 * sent,
        "a reset state alerts again"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_log_deleted_after_a_crash_is_refused() {
    let (server, dir, config, sent) = crashed_state().await;
    std::fs::remove_file(dir.path().join("state/newshound.db-wal")).unwrap();
    assert_refused(&server, &config, sent, "missing -wal").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_garbage_log_after_a_crash_is_refused() {
    let (server, dir, config, sent) = crashed_state().await;
    let wal = dir.path().join("state/newshound.db-wal");
    let len = std::fs::metadata(&wal).unwrap().len() as usize;
    std::fs::write(&wal, b"not a log ".repeat(len / 10 + 1)).unwrap();
    assert_refused(&server, &config, sent, "garbage -wal").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_crash_with_its_log_intact_restarts_normally() {
    let (server, _dir, config, sent) = crashed_state().await;
    let out = newshound(&["once", "-c", config.to_str().unwrap()]).await;
    assert!(out.status.success(), "{}", text(&out).1);
    assert!(
        hooks(&server).await.len() <= sent + 1,
        "at most the one in flight"
    );
}

/// Overwrites every page after the first of `db` (the schema stays readable).
fn corrupt_pages(db: &Path) {
    let mut bytes = std::fs::read(db).unwrap();
    let page = usize::from(u16::from_be_bytes([bytes[16], bytes[17]]));
    assert!(bytes.len() > page, "more than one page");
    bytes[page..].fill(0x5a);
    std::fs::write(db, bytes).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_corrupted_page_is_refused_and_state_check_names_it() {
    let (server, dir, config, sent) = fresh_state().await;
    let cfg = config.to_str().unwrap();
    let out = newshound(&["state", "check", "-c", cfg]).await;
    assert!(out.status.success(), "{}", text(&out).1);
    assert!(text(&out).0.contains(": ok"), "{}", text(&out).0);

    corrupt_pages(&dir.path().join("state/newshound.db"));
    assert_refused(&server, &config, sent, "corrupted page").await;
    let out = newshound(&["state", "check", "-c", cfg]).await;
    assert_eq!(out.status.code(), Some(3), "{:?}", text(&out));
    assert!(text(&out).1.contains("is damaged"), "{}", text(&out).1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_backup_is_a_working_state() {
    let (server, dir, config, sent) = fresh_state().await;
    let backup = dir.path().join("backup.db");
    let out = newshound(&[
        "state",
        "backup",
        "-c",
        config.to_str().unwrap(),
        backup.to_str().unwrap(),
    ])
    .await;
    assert!(out.status.success(), "{}", text(&out).1);
    let again = newshound(&[
        "state",
        "backup",
        "-c",
        config.to_str().unwrap(),
        backup.to_str().unwrap(),
    ])
    .await;
    assert!(
        !again.status.success(),
        "an existing file is not overwritten"
    );

    // The backup restored in place of a lost state: nothing alerts a second time.
    let state = dir.path().join("state");
    std::fs::remove_dir_all(&state).unwrap();
    std::fs::create_dir(&state).unwrap();
    std::fs::copy(&backup, state.join("newshound.db")).unwrap();
    let out = newshound(&["once", "-c", config.to_str().unwrap()]).await;
    assert!(out.status.success(), "{}", text(&out).1);
    assert_eq!(hooks(&server).await.len(), sent, "{}", text(&out).0);
}
