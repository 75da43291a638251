//! Logs: secrets never reach them, even at debug level; the journald format when stderr is
//! the journal; JSON lines on request.

use std::os::unix::fs::MetadataExt;
use std::process::Stdio;
use std::time::Duration;

use crate::common::{feed_server, hooks, newshound, text, write_config};
use crate::daemon::{wait_for_hooks, Daemon};

const KEY: &str = "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const FILE_KEY: &str = "c2VjcmV0LWZyb20tYS1jcmVkZW50aWFsLWZpbGU=";
const TOKEN: &str = "Bearer tok-3f9a1c-very-private";

#[tokio::test(flavor = "multi_thread")]
async fn secrets_never_reach_the_logs_at_debug_level() {
    let server = feed_server(200).await;
    let dir = tempfile::tempdir().unwrap();
    let creds = dir.path().join("creds");
    std::fs::create_dir_all(&creds).unwrap();
    std::fs::write(creds.join("second"), format!("whsec_{FILE_KEY}\n")).unwrap();
    let state = dir.path().join("state");
    let config = write_config(
        dir.path(),
        "it/secrets.toml.tmpl",
        &[
            ("BASE", &server.uri()),
            ("STATE", state.to_str().unwrap()),
            ("KEY", KEY),
            ("TOKEN", TOKEN),
        ],
    );
    let daemon = Daemon::start(
        &config,
        &[
            ("RUST_LOG", "debug"),
            ("CREDENTIALS_DIRECTORY", creds.to_str().unwrap()),
        ],
    );
    assert_eq!(
        wait_for_hooks(&server, 4, Duration::from_secs(20)).await,
        4,
        "{}",
        daemon.log()
    );
    let log = daemon.stop().await;
    let received = hooks(&server).await;
    assert!(
        received
            .iter()
            .any(|r| r.headers.get("authorization").is_some_and(|v| v == TOKEN)),
        "the header was sent"
    );
    assert!(log.contains("DEBUG"), "debug events were logged: {log}");
    for secret in [KEY, FILE_KEY, "tok-3f9a1c-very-private"] {
        assert!(
            !log.contains(secret),
            "{secret} leaked into the log:\n{log}"
        );
    }

    // A bad secret is reported by its key path, never echoed.
    let bad = std::fs::read_to_string(&config)
        .unwrap()
        .replace(KEY, "not!base64!but-private");
    std::fs::write(&config, bad).unwrap();
    let out = newshound(&["check", "-c", config.to_str().unwrap()]).await;
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr.contains("sink[0].secret"), "{stderr}");
    assert!(
        !stdout.contains("but-private") && !stderr.contains("but-private"),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn stderr_that_is_the_journal_gets_priority_prefixed_plain_lines() {
    let server = feed_server(200).await;
    let dir = tempfile::tempdir().unwrap();
    let config = crate::common::it_config(dir.path(), &server);
    // The journal is a socket; a file stands in for it: JOURNAL_STREAM names its device
    // and inode, exactly as systemd names the stream it connected.
    let log_path = dir.path().join("stderr.log");
    let file = std::fs::File::create(&log_path).unwrap();
    let meta = file.metadata().unwrap();
    let status = tokio::process::Command::new(env!("CARGO_BIN_EXE_newshound"))
        .args(["once", "-c", config.to_str().unwrap()])
        .env("JOURNAL_STREAM", format!("{}:{}", meta.dev(), meta.ino()))
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::from(file))
        .status()
        .await
        .unwrap();
    assert!(status.success());
    let log = std::fs::read_to_string(&log_path).unwrap();
    assert!(!log.is_empty());
    for line in log.lines() {
        let prio = line.get(..3).unwrap_or("");
        assert!(
            ["<3>", "<4>", "<6>", "<7>"].contains(&prio),
            "priority prefix: {line}"
        );
        assert!(!line.contains('\u{1b}'), "no colour: {line}");
        let rest = &line[3..];
        assert!(
            !rest.starts_with(|c: char| c.is_ascii_digit()),
            "no timestamp: {line}"
        );
        assert!(
            !rest.contains(" INFO ") && !rest.contains(" WARN "),
            "no level word: {line}"
        );
    }
    assert!(
        log.contains("<4>poll{feed=missing}: newshound::pipeline::record: poll failed"),
        "{log}"
    );
    assert!(
        log.contains("<6>newshound::alert: alert sink=\"log\"")
            || log.contains("<6>newshound::alert: alert sink=log"),
        "{log}"
    );

    // Same variable, but stderr is a pipe, not that stream: a person's terminal format.
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_newshound"))
        .args(["once", "--dry-run", "-c", config.to_str().unwrap()])
        .env("JOURNAL_STREAM", format!("{}:{}", meta.dev(), meta.ino()))
        .env("RUST_LOG", "info")
        .output()
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(" WARN ") && !stderr.contains("<4>"),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn log_format_json_writes_one_object_per_line() {
    let server = feed_server(200).await;
    let dir = tempfile::tempdir().unwrap();
    let config = crate::common::it_config(dir.path(), &server);
    let out = newshound(&[
        "--log-format",
        "json",
        "once",
        "--dry-run",
        "-c",
        config.to_str().unwrap(),
    ])
    .await;
    let (_, stderr) = text(&out);
    let events: Vec<serde_json::Value> = stderr
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert!(
        events
            .iter()
            .any(|e| e["level"] == "WARN" && e["fields"]["message"] == "poll failed"),
        "{stderr}"
    );
}
