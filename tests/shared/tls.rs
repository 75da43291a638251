//! `sslmode` in the shared state's URL against the test cluster, which has no TLS:
//! `require` fails at once with an error that says so (never a hang, never a plain
//! connection), `prefer` falls back to plain TCP, and the password is never shown.

use std::time::Duration;

use crate::common::{feed_server, it_config, newshound, text};

async fn once_with(url: &str) -> (Option<i32>, String, String) {
    let server = feed_server(200).await;
    let dir = tempfile::tempdir().unwrap();
    let config = it_config(dir.path(), &server);
    let mut body = std::fs::read_to_string(&config).unwrap();
    body.push_str(&format!("\n[store]\nurl = \"{url}\"\n"));
    std::fs::write(&config, body).unwrap();
    let args = ["once", "-c", config.to_str().unwrap()];
    let run = newshound(&args);
    let out = tokio::time::timeout(Duration::from_secs(60), run)
        .await
        .expect("once ends: a TLS mismatch is an error, not a hang");
    let (stdout, stderr) = text(&out);
    (out.status.code(), stdout, stderr)
}

#[tokio::test(flavor = "multi_thread")]
async fn sslmode_require_against_a_server_without_tls_fails_clearly() {
    let url = crate::pg::fresh_database()
        .await
        .replacen("postgres@", "postgres:hunter2@", 1);
    let (code, stdout, stderr) = once_with(&format!("{url}?sslmode=require")).await;
    assert_eq!(code, Some(3), "stdout: {stdout}\nstderr: {stderr}");
    assert!(stderr.contains("server does not support TLS"), "{stderr}");
    assert!(!format!("{stdout}{stderr}").contains("hunter2"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread")]
async fn sslmode_prefer_falls_back_to_plain_tcp() {
    let url = crate::pg::fresh_database().await;
    let (code, stdout, stderr) = once_with(&format!("{url}?sslmode=prefer")).await;
    assert_eq!(code, Some(0), "stdout: {stdout}\nstderr: {stderr}");
    assert!(stdout.contains("6 new alerts"), "{stdout}");
}
