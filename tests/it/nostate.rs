//! Commands without side effects: `alerts`, `alerts replay`, `backtest` and `match` on a
//! state folder with no state create nothing there and say so; `alerts replay` waits out a
//! daemon's write transaction instead of failing.

use std::time::Duration;

use crate::common::{fixture, text};

fn config(dir: &std::path::Path) -> std::path::PathBuf {
    let feed = fixture("it/wire.rss");
    let body = format!(
        "[daemon]\nstate_dir = \"{}\"\n\n[[feed]]\nname = \"wire\"\nurl = \"file://{}\"\n\n\
         [[watchlist]]\nname = \"li\"\nkeywords = [\"Li Shangfu\"]\n",
        dir.join("state").display(),
        feed.display()
    );
    let path = dir.join("config.toml");
    std::fs::write(&path, body).unwrap();
    path
}

async fn run(args: &[&str]) -> (Option<i32>, String, String) {
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_newshound"))
        .args(args)
        .env_remove("NEWSHOUND_CONFIG")
        .env_remove("STATE_DIRECTORY")
        .output()
        .await
        .unwrap();
    let (stdout, stderr) = text(&out);
    (out.status.code(), stdout, stderr)
}

#[tokio::test(flavor = "multi_thread")]
async fn reading_commands_on_an_empty_directory_create_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path());
    let c = config.to_str().unwrap();
    let article = fixture("it/wire.rss");
    let a = article.to_str().unwrap();
    for args in [
        vec!["alerts", "-c", c],
        vec!["alerts", "--json", "-c", c],
        vec!["alerts", "replay", "--dead", "-c", c],
        vec!["backtest", "-c", c],
    ] {
        let (code, stdout, stderr) = run(&args).await;
        assert_eq!(code, Some(1), "{args:?}: {stdout}{stderr}");
        let want = format!("no state yet in {}", dir.path().join("state").display());
        assert!(stderr.contains(&want), "{args:?}: {stderr}");
        assert!(!stderr.contains("Invalid path"), "{stderr}");
    }
    let (code, _, stderr) = run(&["match", "-c", c, a]).await;
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        !dir.path().join("state").exists(),
        "nothing was created: {:?}",
        std::fs::read_dir(dir.path().join("state")).map(|d| d.count())
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn replay_waits_for_a_busy_state_instead_of_failing() {
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path());
    let c = config.to_str().unwrap();
    let (code, _, stderr) = run(&["once", "-c", c]).await;
    assert_eq!(code, Some(0), "{stderr}");
    // Another writer (as a daemon's poll would be) holds the write lock and commits a change
    // while the replay is under way.
    let db = dir.path().join("state/newshound.db");
    let writer = std::thread::spawn(move || {
        let conn = rusqlite::Connection::open(db).unwrap();
        conn.execute_batch("BEGIN IMMEDIATE; UPDATE feeds SET consecutive_failures = 0;")
            .unwrap();
        std::thread::sleep(Duration::from_millis(1500));
        conn.execute_batch("COMMIT;").unwrap();
    });
    std::thread::sleep(Duration::from_millis(300));
    let (code, stdout, stderr) = run(&["alerts", "replay", "--dead", "-c", c]).await;
    writer.join().unwrap();
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert!(stdout.contains("requeued 0 deliveries"), "{stdout}");
}
