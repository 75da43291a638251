//! The commands against a shared PostgreSQL state (`[store] url_file`): `once` records and
//! delivers there, `alerts` and `backtest` read it, and nothing is written under
//! `state_dir`; the desk's commands (search, feedback, show, mute, unmute) work there too.

use crate::common::{feed_server, hooks, it_config, newshound, text};

/// The standard config with its state in a fresh PostgreSQL database, the URL read from a
/// file in `$CREDENTIALS_DIRECTORY`-style relative form.
async fn shared_config(dir: &std::path::Path, server: &wiremock::MockServer) -> std::path::PathBuf {
    let config = it_config(dir, server);
    let url = crate::pg::fresh_database().await;
    std::fs::write(dir.join("db-url"), format!("{url}\n")).unwrap();
    let mut text = std::fs::read_to_string(&config).unwrap();
    let file = dir.join("db-url");
    text.push_str(&format!("\n[store]\nurl_file = \"{}\"\n", file.display()));
    std::fs::write(&config, text).unwrap();
    config
}

#[tokio::test(flavor = "multi_thread")]
async fn once_alerts_and_backtest_work_against_a_shared_state() {
    let server = feed_server(200).await;
    let dir = tempfile::tempdir().unwrap();
    let config = shared_config(dir.path(), &server).await;
    let c = config.to_str().unwrap();

    let out = newshound(&["once", "-c", c]).await;
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("6 new alerts"), "{stdout}");
    assert_eq!(hooks(&server).await.len(), 6);
    assert!(
        !stderr.contains("postgres@"),
        "the URL is never logged: {stderr}"
    );

    let out = newshound(&["once", "-c", c]).await;
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("0 new alerts"), "{stdout}");
    assert_eq!(hooks(&server).await.len(), 6, "nothing sent twice");

    // A dry run polls from a scratch copy of the shared state: nothing is new to it, so it
    // prints no alert (it would print all six from an empty copy).
    let out = newshound(&["once", "--dry-run", "-c", c]).await;
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(stdout.lines().count(), 0, "{stdout}");
    assert_eq!(hooks(&server).await.len(), 6, "a dry run sends nothing");

    let out = newshound(&["alerts", "--json", "-c", c]).await;
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(stdout.lines().count(), 6, "{stdout}");

    let out = newshound(&["backtest", "-c", c, "--since", "1h"]).await;
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("0 would alert"), "{stdout}");
    assert!(
        !dir.path().join("state/newshound.db").exists(),
        "the embedded state is not used"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn check_refuses_a_store_with_both_url_and_url_file() {
    let server = feed_server(200).await;
    let dir = tempfile::tempdir().unwrap();
    let config = it_config(dir.path(), &server);
    let mut text_ = std::fs::read_to_string(&config).unwrap();
    text_.push_str("\n[store]\nurl = \"postgres://u:hunter2@127.0.0.1/x\"\nurl_file = \"f\"\n");
    std::fs::write(&config, text_).unwrap();
    let out = newshound(&["check", "-c", config.to_str().unwrap()]).await;
    let (stdout, stderr) = text(&out);
    assert!(!out.status.success());
    let all = format!("{stdout}{stderr}");
    assert!(all.contains("store.url_file"), "{all}");
    assert!(!all.contains("hunter2"), "{all}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_desk_commands_work_against_a_shared_state() {
    let server = feed_server(200).await;
    let dir = tempfile::tempdir().unwrap();
    let config = shared_config(dir.path(), &server).await;
    let c = config.to_str().unwrap();

    // The futures the closure makes outlive the borrow of `config`: a 'static copy.
    let c: &'static str = Box::leak(c.to_string().into_boxed_str());
    let run = |args: &[&'static str]| {
        let mut all = args.to_vec();
        all.extend(["-c", c]);
        async move {
            let out = newshound(&all).await;
            let (stdout, stderr) = text(&out);
            assert!(out.status.success(), "{all:?}: {stderr}");
            stdout
        }
    };
    run(&["once"]).await;
    let found = run(&["search", "李尚福"]).await;
    assert!(found.contains("[李尚福]"), "{found}");
    let listed = run(&["alerts", "--json"]).await;
    let first: serde_json::Value = listed
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|a| a["watchlist"] == "chinese-press")
        .expect("an alert of chinese-press");
    let id: &'static str = Box::leak(first["id"].as_str().unwrap().to_string().into_boxed_str());
    run(&[
        "alerts",
        "feedback",
        id,
        "false-positive",
        "--note",
        "another Li",
    ])
    .await;
    let shown = run(&["alerts", "show", id]).await;
    assert!(
        shown.contains("false-positive") && shown.contains("another Li"),
        "{shown}"
    );
    run(&["mute", "--watchlist", "chinese-press", "--for", "2h"]).await;
    let mutes = run(&["unmute", "--watchlist", "chinese-press"]).await;
    assert!(mutes.contains('1'), "{mutes}");
    let backtest = run(&["backtest", "--since", "1h"]).await;
    assert!(backtest.contains("feedback so far"), "{backtest}");
}
