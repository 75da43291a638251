//! `newshound match`: local feeds, HTML pages and text, with highlighted hits; nothing is
//! delivered or recorded.

use std::process::Stdio;

use tokio::io::AsyncWriteExt;

use crate::common::{fixture, newshound, text, write_config};

fn config(dir: &std::path::Path) -> std::path::PathBuf {
    let state = dir.join("state");
    write_config(
        dir,
        "it/config.toml.tmpl",
        &[
            ("BASE", "http://127.0.0.1:9"),
            ("STATE", state.to_str().unwrap()),
        ],
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn match_a_feed_shows_each_hit_with_a_snippet() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path());
    let out = newshound(&[
        "match",
        "-c",
        cfg.to_str().unwrap(),
        fixture("it/wire.rss").to_str().unwrap(),
    ])
    .await;
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stdout.contains("== Beijing declines US invitation"),
        "{stdout}"
    );
    assert!(
        stdout.contains("watchlist us-china-defence [high]"),
        "{stdout}"
    );
    assert!(stdout.contains("[Li Shangfu]"), "{stdout}");
    assert!(stdout.contains("person \"Lloyd Austin\""), "{stdout}");
    assert!(
        !stdout.contains("Austin, Texas"),
        "a place sharing the surname does not match: {stdout}"
    );
    assert!(stdout.contains("2 of 4 articles matched"), "{stdout}");
    assert!(!dir.path().join("state").exists(), "match records nothing");
}

#[tokio::test(flavor = "multi_thread")]
async fn match_filters_by_watchlist() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path());
    let path = fixture("it/wire.rss");
    let out = newshound(&[
        "match",
        "-c",
        cfg.to_str().unwrap(),
        "-w",
        "shangri-la-query",
        path.to_str().unwrap(),
    ])
    .await;
    let (stdout, _) = text(&out);
    assert!(stdout.contains("watchlist shangri-la-query"), "{stdout}");
    assert!(!stdout.contains("watchlist us-china-defence"), "{stdout}");
    assert!(
        stdout.contains("1 of 4 articles matched"),
        "the opinion piece is excluded by NOT title:opinion: {stdout}"
    );
    let out = newshound(&[
        "match",
        "-c",
        cfg.to_str().unwrap(),
        "-w",
        "nope",
        path.to_str().unwrap(),
    ])
    .await;
    assert_eq!(out.status.code(), Some(1));
}

#[tokio::test(flavor = "multi_thread")]
async fn match_as_feed_rejects_a_page_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path());
    let page = fixture("it/not-a-feed.html");
    let out = newshound(&[
        "match",
        "-c",
        cfg.to_str().unwrap(),
        "--as",
        "feed",
        page.to_str().unwrap(),
    ])
    .await;
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("is not a feed"), "{stderr}");

    let out = newshound(&[
        "match",
        "-c",
        cfg.to_str().unwrap(),
        "--as",
        "feed",
        fixture("it/defence.atom").to_str().unwrap(),
    ])
    .await;
    assert_eq!(out.status.code(), Some(0));
}

#[tokio::test(flavor = "multi_thread")]
async fn match_reads_html_pages_and_stdin_text() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path());
    let out = newshound(&[
        "match",
        "-c",
        cfg.to_str().unwrap(),
        fixture("it/not-a-feed.html").to_str().unwrap(),
    ])
    .await;
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("== Li Shangfu profile"), "{stdout}");
    assert!(
        stdout.contains("[Li Shangfu]") && stdout.contains("declined"),
        "{stdout}"
    );

    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_newshound"))
        .args(["match", "-c", cfg.to_str().unwrap(), "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin
        .write_all("Defence Secretary Lloyd Austin’s trip: Beijing declined.\n".as_bytes())
        .await
        .unwrap();
    drop(stdin);
    let out = child.wait_with_output().await.unwrap();
    let (stdout, _) = text(&out);
    assert!(stdout.contains("[Lloyd Austin]"), "{stdout}");
    assert!(stdout.contains("1 of 1 articles matched"), "{stdout}");
}
