//! Machine-readable means all of it: with `--log-format json` every stderr line is one JSON
//! object, a bad config, a bad command line and a refused start included; a closed stdout
//! ends quietly with status 0.

use std::process::Stdio;

use serde_json::Value;

use crate::common::{fixture, text};

async fn json_run(args: &[&str]) -> (Option<i32>, Vec<Value>) {
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_newshound"))
        .args(args)
        .env("RUST_LOG", "info")
        .env_remove("NEWSHOUND_CONFIG")
        .env_remove("JOURNAL_STREAM")
        .stdin(Stdio::null())
        .output()
        .await
        .unwrap();
    let (_, stderr) = text(&out);
    assert!(!stderr.is_empty(), "{args:?} said nothing");
    let lines = stderr
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l)
                .unwrap_or_else(|e| panic!("{args:?}: not JSON ({e}): {l:?}\n{stderr}"));
            assert!(v.is_object(), "{l}");
            v
        })
        .collect();
    (out.status.code(), lines)
}

#[tokio::test(flavor = "multi_thread")]
async fn json_stderr_is_json_for_config_usage_and_start_up_errors() {
    let bad = fixture("check/five-mistakes.toml");
    let (code, lines) =
        json_run(&["--log-format", "json", "check", "-c", bad.to_str().unwrap()]).await;
    assert_eq!(code, Some(1));
    let keys: Vec<&str> = lines
        .iter()
        .filter_map(|l| l["fields"]["key"].as_str())
        .collect();
    assert_eq!(
        keys,
        [
            "daemon.poll_intervl",
            "http.timeout",
            "feed[0].url",
            "watchlist[0].require",
            "sink[0].backoff"
        ]
    );
    assert_eq!(lines[1]["fields"]["line"], 3);

    let (code, lines) = json_run(&["--log-format=json", "chek"]).await;
    assert_eq!(code, Some(2));
    assert!(lines[0]["fields"]["message"]
        .as_str()
        .unwrap()
        .contains("chek"));

    let (code, lines) =
        json_run(&["--log-format", "json", "run", "-c", "/nonexistent/x.toml"]).await;
    assert_eq!(code, Some(1));
    assert_eq!(lines[0]["level"], "ERROR");

    // A start refused because the state is taken: the refusal is JSON too.
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    std::fs::create_dir_all(&state).unwrap();
    let _held = newshound::pidfile::PidFile::create(&state).unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!("[daemon]\nstate_dir = \"{}\"\n", state.display()),
    )
    .unwrap();
    let (code, lines) = json_run(&[
        "--log-format",
        "json",
        "run",
        "-c",
        config.to_str().unwrap(),
    ])
    .await;
    assert_eq!(code, Some(3));
    let last = lines.last().unwrap()["fields"]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(last.contains("another newshound"), "{last}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_closed_stdout_ends_quietly_with_status_0() {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader); // like `| head -1` having exited: every write gets EPIPE
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_newshound"))
        .args(["check", "-c"])
        .arg(fixture("../../config/demo.toml"))
        .env_remove("NEWSHOUND_CONFIG")
        .stdout(Stdio::from(writer))
        .stderr(Stdio::piped())
        .output()
        .await
        .unwrap();
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_eq!(stderr, "");
}
