//! `newshound migrate-state`: a SQLite state built by `once` is copied into an empty
//! PostgreSQL database; run against it, nothing alerts again and the history reads the same
//! through `alerts --json`, the desk's feedback and mutes included. A database that is not empty is refused, and the password of
//! the URL is never printed.

use crate::common::{feed_server, hooks, it_config, newshound, text};

/// `alerts --json` of `config`: per alert, its id, watchlist, title, created_at, feedback
/// and each sink's status and attempts, sorted by id.
async fn history(config: &str) -> Vec<serde_json::Value> {
    let out = newshound(&["alerts", "--json", "-c", config]).await;
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    let mut rows: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            let deliveries: Vec<serde_json::Value> = v["deliveries"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| serde_json::json!([d["sink"], d["status"], d["attempts"]]))
                .collect();
            serde_json::json!([
                v["id"],
                v["watchlist"],
                v["title"],
                v["created_at"],
                v["feedback"],
                deliveries
            ])
        })
        .collect();
    rows.sort_by_key(|r| r[0].as_str().unwrap_or_default().to_string());
    rows
}

#[tokio::test(flavor = "multi_thread")]
async fn a_migrated_state_goes_on_without_alerting_again() {
    let server = feed_server(200).await;
    let dir = tempfile::tempdir().unwrap();
    let config = it_config(dir.path(), &server);
    let c = config.to_str().unwrap();
    let out = newshound(&["once", "-c", c]).await;
    assert!(out.status.success(), "{:?}", text(&out));
    assert_eq!(hooks(&server).await.len(), 6);
    let first = history(c).await[0][0].as_str().unwrap().to_string();
    let desk_writes: [&[&str]; 2] = [
        &[
            "alerts",
            "feedback",
            "-c",
            c,
            &first,
            "false-positive",
            "--note",
            "moved",
        ],
        &[
            "mute",
            "-c",
            c,
            "--watchlist",
            "us-china-defence",
            "--for",
            "1d",
        ],
    ];
    for args in desk_writes {
        let out = newshound(args).await;
        assert!(out.status.success(), "{args:?}: {:?}", text(&out));
    }
    let before = history(c).await;
    assert!(
        before.iter().any(|r| r[4]["verdict"] == "false-positive"),
        "{before:?}"
    );
    assert_eq!(before.len(), 6);

    // Trust authentication: the password is accepted, and must never be shown.
    let url = crate::pg::fresh_database()
        .await
        .replacen("postgres@", "postgres:hunter2@", 1);
    let out = newshound(&["migrate-state", "-c", c, "--to", &url]).await;
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "stdout: {stdout}\nstderr: {stderr}");
    assert!(
        !format!("{stdout}{stderr}").contains("hunter2"),
        "{stdout}{stderr}"
    );
    let shown = url.replacen(":hunter2", "", 1);
    assert!(stdout.contains(&format!("into {shown}")), "{stdout}");
    for line in [
        "alerts: 6 rows",
        "feedback: 1 rows",
        "mutes: 1 rows",
        "seen: 12 rows",
        "deliveries: 11 rows",
        "feeds: 6 rows",
    ] {
        assert!(stdout.contains(line), "{line}\n{stdout}");
    }

    let mut shared = std::fs::read_to_string(&config).unwrap();
    shared.push_str(&format!("\n[store]\nurl = \"{url}\"\n"));
    std::fs::write(&config, shared).unwrap();
    assert_eq!(
        history(c).await,
        before,
        "the history reads the same from PostgreSQL"
    );
    let out = newshound(&["mute", "-c", c, "--list"]).await;
    let (listed, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(
        listed.contains("us-china-defence"),
        "the mute moved: {listed}"
    );
    let out = newshound(&["once", "-c", c]).await;
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("0 new alerts"), "{stdout}");
    assert_eq!(
        hooks(&server).await.len(),
        6,
        "nothing alerted or sent again"
    );

    let out = newshound(&["migrate-state", "-c", c, "--to", &url]).await;
    let (stdout, stderr) = text(&out);
    assert_eq!(
        out.status.code(),
        Some(1),
        "stdout: {stdout}\nstderr: {stderr}"
    );
    assert!(stderr.contains("is not empty (feeds: 6 rows"), "{stderr}");
    assert!(!stderr.contains("hunter2"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread")]
async fn migrate_state_needs_a_state_and_a_postgres_url() {
    let server = feed_server(200).await;
    let dir = tempfile::tempdir().unwrap();
    let config = it_config(dir.path(), &server);
    let c = config.to_str().unwrap();
    let out = newshound(&[
        "migrate-state",
        "-c",
        c,
        "--to",
        "postgres://x@127.0.0.1:1/x",
    ])
    .await;
    assert_eq!(out.status.code(), Some(1), "{:?}", text(&out));
    assert!(text(&out).1.contains("no state yet"), "{:?}", text(&out));
    assert!(newshound(&["once", "-c", c]).await.status.success());
    let out = newshound(&["migrate-state", "-c", c, "--to", "mysql://u:pw@h/db"]).await;
    assert_eq!(out.status.code(), Some(2), "{:?}", text(&out));
}
