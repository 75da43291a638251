//! `newshound check`: valid configs pass with a summary; each kind of mistake is reported
//! with its key path, all at once, exit 1.

use rstest::rstest;

use crate::common::{fixture, newshound, text};

#[tokio::test(flavor = "multi_thread")]
async fn demo_config_is_valid() {
    let out = newshound(&[
        "check",
        "-c",
        fixture("../../config/demo.toml").to_str().unwrap(),
    ])
    .await;
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "stdout: {stdout}\nstderr: {stderr}");
    assert!(stdout.contains("is valid"), "{stdout}");
    assert!(stdout.contains("watchlists:"), "{stdout}");
}

#[tokio::test(flavor = "multi_thread")]
async fn example_config_is_valid_with_its_credential() {
    let config = fixture("../../config/newshound.toml");
    // Without the credential file the secret cannot be read: a config error naming the key.
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_newshound"))
        .args(["check", "-c", config.to_str().unwrap()])
        .env("CREDENTIALS_DIRECTORY", "/nonexistent")
        .output()
        .await
        .unwrap();
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("sink[0].secret_file: cannot read '/nonexistent/ops'"),
        "{stderr}"
    );
    // With systemd's credentials folder holding it, the config is valid and the hook signed.
    let creds = tempfile::tempdir().unwrap();
    std::fs::write(
        creds.path().join("ops"),
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n",
    )
    .unwrap();
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_newshound"))
        .args(["check", "-c", config.to_str().unwrap()])
        .env("CREDENTIALS_DIRECTORY", creds.path())
        .output()
        .await
        .unwrap();
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "stdout: {stdout}\nstderr: {stderr}");
    assert!(
        stdout.contains("ops (webhook https://hooks.example.org/newshound, signed)"),
        "{stdout}"
    );
}

#[rstest]
#[case::unknown_key("check/unknown-key.toml", &["poll_intervall"])]
#[case::bad_duration("check/bad-duration.toml", &["poll_interval"])]
#[case::unknown_sink_type("check/unknown-sink-type.toml", &["carrier-pigeon"])]
#[case::unknown_person("check/unknown-person.toml", &["watchlist[0].query", "Wei Fenghe"])]
#[case::polling("check/polling-problems.toml", &[
    "daemon.min_interval: 0s is too short (at least 1s)",
    "http.allow_hosts[1]: '10.0.0.0/33' is not a host name, an address or a network (CIDR)",
    "http.allow_hosts[2]: 'http://x/' is not a host name",
    "http.per_host: must be at least 1",
    "http.max_items: must be at least 1",
    "feed[0].max_interval: max_interval 1h is shorter than min_interval 2h",
])]
#[case::many("check/many-problems.toml", &[
    "daemon.concurrency: must be at least 1",
    "feed[0].url: 'ftp://example.org/rss': scheme 'ftp' is not supported",
    "feed[1].name: duplicate feed name 'pentagon'",
    "feed[1].url: 'not a url' is not a URL",
    "feed[2].url: 'http://127.0.0.1:8080/rss': 127.0.0.1 is a loopback address",
    "watchlist[1].sinks: no sink named \"nope\"",
    "watchlist[2].query:",
    "watchlist[3].name: duplicate watchlist name 'ok'",
    "watchlist[3].feeds: no feed named \"nosuchfeed\"",
    "watchlist[3].feeds: no feed has tag \"nosuchtag\"",
    "watchlist[3].require: requires a person but the watchlist has no people",
    "sink[0].secret: must be 'whsec_'",
    "sink[1].name: duplicate sink name 'hook'",
])]
#[tokio::test(flavor = "multi_thread")]
async fn invalid_configs_name_the_key(#[case] file: &str, #[case] expected: &[&str]) {
    let out = newshound(&["check", "-c", fixture(file).to_str().unwrap()]).await;
    let (stdout, stderr) = text(&out);
    assert_eq!(
        out.status.code(),
        Some(1),
        "stdout: {stdout}\nstderr: {stderr}"
    );
    for e in expected {
        assert!(stderr.contains(e), "expected {e:?} in:\n{stderr}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn query_error_gives_the_column() {
    let out = newshound(&[
        "check",
        "-c",
        fixture("check/many-problems.toml").to_str().unwrap(),
    ])
    .await;
    let (_, stderr) = text(&out);
    let line = stderr
        .lines()
        .find(|l| l.contains("watchlist[2].query"))
        .expect("query error listed");
    assert!(line.contains("column"), "{line}");
}

#[tokio::test(flavor = "multi_thread")]
async fn missing_config_file_is_a_config_error() {
    let out = newshound(&["check", "-c", "/nonexistent/newshound.toml"]).await;
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr.contains("/nonexistent/newshound.toml"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread")]
async fn environment_overrides_a_key() {
    let dir = tempfile::tempdir().unwrap();
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_newshound"))
        .args([
            "check",
            "-c",
            fixture("../../config/demo.toml").to_str().unwrap(),
        ])
        .env("NEWSHOUND__DAEMON__STATE_DIR", dir.path())
        .output()
        .await
        .unwrap();
    let (stdout, _) = text(&out);
    assert!(
        stdout.contains(&format!("state_dir: {}", dir.path().display())),
        "{stdout}"
    );
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_newshound"))
        .args([
            "check",
            "-c",
            fixture("../../config/demo.toml").to_str().unwrap(),
        ])
        .env("NEWSHOUND__DAEMON__CONCURRENCY", "0")
        .output()
        .await
        .unwrap();
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("daemon.concurrency"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread")]
async fn five_different_mistakes_are_all_reported_once_with_path_line_and_help() {
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_newshound"))
        .args(["check", "-c"])
        .arg(fixture("check/five-mistakes.toml"))
        .env("NEWSHOUND__HTTP__MAX_BODDY", "1MB")
        .output()
        .await
        .unwrap();
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    for expected in [
        "line 3: daemon.poll_intervl: unknown key 'poll_intervl'; did you mean 'poll_interval'?",
        "line 6: http.timeout: invalid value: string \"soon\", expected a duration",
        "$NEWSHOUND__HTTP__MAX_BODDY: http.max_boddy: unknown key 'max_boddy'; did you mean 'max_body'?",
        "line 10: feed[0].url: ",
        "missing-feed.xml' does not exist",
        "line 14: watchlist[0].require: 'persn' is not one of: any, person, keyword, person-and-keyword; did you mean 'person'?",
        "line 21: sink[0].backoff: invalid type: integer `5`, expected a duration",
    ] {
        assert!(stderr.contains(expected), "expected {expected:?} in:\n{stderr}");
    }
    assert!(stderr.contains("(6 problems)"), "{stderr}");
    // Said once: no error is repeated as its own cause.
    assert_eq!(stderr.matches("poll_intervl").count(), 2, "{stderr}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_config_or_a_folder_says_how_to_name_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = newshound(&["check", "-c", dir.path().to_str().unwrap()]).await;
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("is a directory, not a file"), "{stderr}");
    let missing = dir.path().join("nope.toml");
    let out = newshound(&["check", "-c", missing.to_str().unwrap()]).await;
    let (_, stderr) = text(&out);
    assert!(stderr.contains("does not exist"), "{stderr}");
    assert!(
        stderr.contains("-c/--config or $NEWSHOUND_CONFIG"),
        "{stderr}"
    );
    assert_eq!(stderr.matches("nope.toml").count(), 1, "{stderr}");
}
