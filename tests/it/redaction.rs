//! Secrets never shown: a run with failing chat sinks (a Mattermost-style `/hooks/TOKEN`
//! that refuses connections, a Slack-format hook answering 500), a feed URL with
//! `user:password@` and a `?key=`, and an Authorization header. Every output channel is
//! grepped for every token: stderr in each log format, stdout of `check`, `once` and
//! `alerts` (table and JSON), and a running daemon's stderr, `/api/status`, status page and
//! `/metrics`.

use std::time::Duration;

use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::common::{feed_server, text};
use crate::daemon::{get, Daemon};

const TOKENS: &[&str] = &[
    "CHATTOKEN0451",
    "SLACKTOKEN9931",
    "FEEDPASS7720",
    "FEEDQUERY3318",
    "HEADERTOKEN5150",
];

fn assert_clean(channel: &str, output: &str) {
    for t in TOKENS {
        assert!(!output.contains(t), "{t} leaked on {channel}:\n{output}");
    }
}

/// A port nothing listens on (bound, then released).
fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

fn config(dir: &std::path::Path, base: &str, dead_port: u16) -> std::path::PathBuf {
    let host = base.trim_start_matches("http://");
    let text = format!(
        r#"[daemon]
state_dir = "{state}"
# The fixture stories are old-dated (2023): no backlog cut-off, so they alert.
max_age = "0s"

[http]
timeout = "3s"
allow_private_networks = true

[[feed]]
name = "wire"
url = "http://reader:FEEDPASS7720@{host}/feeds/wire.rss?key=FEEDQUERY3318"

[[watchlist]]
name = "li"
keywords = ["Li Shangfu", "Lloyd Austin"]

[[sink]]
name = "mattermost"
type = "webhook"
format = "slack"
url = "http://127.0.0.1:{dead_port}/hooks/CHATTOKEN0451"
headers = {{ "Authorization" = "Bearer HEADERTOKEN5150" }}

[[sink]]
name = "slack"
type = "webhook"
format = "slack"
url = "{base}/hooks/SLACKTOKEN9931?token=SLACKTOKEN9931"
"#,
        state = dir.join("state").display(),
    );
    let path = dir.join("config.toml");
    std::fs::write(&path, text).unwrap();
    path
}

async fn run(args: &[&str], config: &std::path::Path) -> (String, String) {
    run_in(args, config, &config.with_file_name("state")).await
}

/// Runs with the state in `state` (each log format's `once` sends its alerts afresh).
async fn run_in(
    args: &[&str],
    config: &std::path::Path,
    state: &std::path::Path,
) -> (String, String) {
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_newshound"))
        .args(args)
        .arg("-c")
        .arg(config)
        .env("NEWSHOUND__DAEMON__STATE_DIR", state)
        .env("RUST_LOG", "debug")
        .env_remove("NEWSHOUND_CONFIG")
        .env_remove("JOURNAL_STREAM")
        .output()
        .await
        .unwrap();
    text(&out)
}

#[tokio::test(flavor = "multi_thread")]
async fn no_output_channel_shows_a_webhook_token_a_feed_password_or_a_header() {
    let server = feed_server(200).await;
    Mock::given(method("POST"))
        .and(path("/hooks/SLACKTOKEN9931"))
        .respond_with(ResponseTemplate::new(500))
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), &server.uri(), closed_port());

    let (stdout, stderr) = run(&["check"], &config).await;
    assert!(stdout.contains("/hooks/REDACTED"), "{stdout}\n{stderr}");
    assert_clean("check", &format!("{stdout}{stderr}"));

    for format in ["pretty", "json", "journald"] {
        let state = match format {
            "pretty" => dir.path().join("state"),
            other => dir.path().join(format!("state-{other}")),
        };
        let (stdout, stderr) = run_in(&["--log-format", format, "once"], &config, &state).await;
        assert!(
            stderr.contains("mattermost") && stderr.contains("slack"),
            "both sinks failed and said so ({format}):\n{stderr}"
        );
        assert_clean(&format!("once --log-format {format}"), &stdout);
        assert_clean(&format!("once --log-format {format}"), &stderr);
    }
    let (stdout, stderr) = run(&["alerts"], &config).await;
    assert!(stdout.contains("last error"), "{stdout}\n{stderr}");
    assert_clean("alerts", &format!("{stdout}{stderr}"));
    let (stdout, stderr) = run(&["alerts", "--json"], &config).await;
    assert!(stdout.contains("last_error"), "{stdout}\n{stderr}");
    assert_clean("alerts --json", &format!("{stdout}{stderr}"));

    let daemon = Daemon::start(
        &config,
        &[
            ("NEWSHOUND__DAEMON__ADMIN_LISTEN", "127.0.0.1:0"),
            ("RUST_LOG", "debug"),
        ],
    );
    let base = daemon.admin_url().await;
    // Let it poll and try both sinks again.
    assert!(
        daemon
            .wait_for_log("delivery", Duration::from_secs(20))
            .await,
        "{}",
        daemon.log()
    );
    for page in ["/api/status", "/", "/metrics"] {
        let (status, _, body) = get(&format!("{base}{page}")).await;
        assert_eq!(status, 200, "{page}");
        assert_clean(page, &body);
    }
    let (_, _, status) = get(&format!("{base}/api/status")).await;
    assert!(
        status.contains("REDACTED"),
        "the feed URL is shown redacted: {status}"
    );
    let log = daemon.stop().await;
    assert_clean("run", &log);
}
