//! The push and chat sink kinds end to end with the real binary against stand-ins for
//! each service on 127.0.0.1 (see `services/`): what each API documents is checked on
//! every request, rate-limit answers are retried as the service asks (Telegram's
//! `retry_after`, Matrix's `retry_after_ms`, `Retry-After`), a Matrix retry reuses the
//! alert id as transaction id, digests fit each service, kill -9 loses nothing, and no
//! token reaches any output.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::Duration;

use newshound::alert::alert_id;
use serde_json::json;
use tokio::process::{Child, Command};

use crate::harness::{bulk_feed_server, delivery_config, signal, stop};
use crate::services::{self, Call, Fake};

const NTFY_TOKEN: &str = "tk_AgQdq7mVBoFD37zQVN29RhuMzNIz2";
const TG_TOKEN: &str = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw";
const MX_TOKEN: &str = "syt_bmV3c2hvdW5k_secretsecret_0xyz";
const GOTIFY_TOKEN: &str = "AWpUd8aFQ.cVq1R";
const PO_TOKEN: &str = "azGDORePK8gMaC0QOYAMyEEuzJnyUi";
const PO_USER: &str = "uQiRzpo4DXghDmr9QzzfQu27cmVRsG";
const MM_KEY: &str = "xwtc7de8bprx3pnzydcmc4ku3e";
const ROOM: &str = "!desk:example.org";
const CHAT: i64 = -1001234567890;

/// Every secret the stand-ins use, for the "never printed" checks.
const SECRETS: [&str; 7] = [
    NTFY_TOKEN,
    TG_TOKEN,
    MX_TOKEN,
    GOTIFY_TOKEN,
    PO_TOKEN,
    PO_USER,
    MM_KEY,
];

/// The six stand-ins, the first `throttle` requests of each rate-limited.
struct Services {
    ntfy: Fake,
    telegram: Fake,
    matrix: Fake,
    gotify: Fake,
    pushover: Fake,
    mattermost: Fake,
}

impl Services {
    async fn start(throttle: usize, delay: Duration) -> Services {
        let tg = services::telegram::Telegram {
            token: TG_TOKEN.into(),
            chat_id: json!(CHAT),
            thread: Some(7),
            retry_after: 1,
        };
        Services {
            ntfy: Fake::start(
                services::ntfy::Ntfy {
                    topic: "desk-alerts".into(),
                    token: Some(NTFY_TOKEN.into()),
                },
                throttle,
                delay,
            )
            .await,
            telegram: Fake::start(tg, throttle, delay).await,
            matrix: Fake::start(
                services::matrix::Matrix {
                    room_id: ROOM.into(),
                    token: MX_TOKEN.into(),
                },
                throttle,
                delay,
            )
            .await,
            gotify: Fake::start(
                services::gotify::Gotify {
                    token: GOTIFY_TOKEN.into(),
                },
                throttle,
                delay,
            )
            .await,
            pushover: Fake::start(
                services::pushover::Pushover {
                    token: PO_TOKEN.into(),
                    user: PO_USER.into(),
                },
                throttle,
                delay,
            )
            .await,
            mattermost: Fake::start(
                services::mattermost::Mattermost { key: MM_KEY.into() },
                throttle,
                delay,
            )
            .await,
        }
    }

    fn all(&self) -> [(&'static str, &Fake); 6] {
        [
            ("ntfy", &self.ntfy),
            ("telegram", &self.telegram),
            ("matrix", &self.matrix),
            ("gotify", &self.gotify),
            ("pushover", &self.pushover),
            ("mattermost", &self.mattermost),
        ]
    }

    /// The `[[sink]]` table of `kind`, its secrets in files under `creds`, with `extra` lines.
    fn sink(&self, kind: &str, creds: &Path, extra: &str) -> String {
        let put = |name: &str, value: &str| {
            std::fs::write(creds.join(name), format!("{value}\n")).unwrap()
        };
        let table = match kind {
            "ntfy" => {
                put("ntfy-token", NTFY_TOKEN);
                format!(
                    "url = \"{}/desk-alerts\"\ntoken_file = \"ntfy-token\"",
                    self.ntfy.uri()
                )
            }
            "telegram" => {
                put("tg-token", TG_TOKEN);
                format!(
                    "api_url = \"{}\"\nchat_id = {CHAT}\nmessage_thread_id = 7\ntoken_file = \"tg-token\"",
                    self.telegram.uri()
                )
            }
            "matrix" => {
                put("mx-token", MX_TOKEN);
                format!(
                    "homeserver = \"{}\"\nroom_id = \"{ROOM}\"\ntoken_file = \"mx-token\"",
                    self.matrix.uri()
                )
            }
            "gotify" => {
                put("gotify-token", GOTIFY_TOKEN);
                format!(
                    "url = \"{}\"\ntoken_file = \"gotify-token\"",
                    self.gotify.uri()
                )
            }
            "pushover" => {
                put("po-token", PO_TOKEN);
                put("po-user", PO_USER);
                format!(
                    "api_url = \"{}\"\ntoken_file = \"po-token\"\nuser_key_file = \"po-user\"",
                    self.pushover.uri()
                )
            }
            "mattermost" => {
                put(
                    "mm-url",
                    &format!("{}/hooks/{MM_KEY}", self.mattermost.uri()),
                );
                "url_file = \"mm-url\"".to_string()
            }
            other => panic!("no kind {other}"),
        };
        format!("[[sink]]\nname = \"{kind}-sink\"\ntype = \"{kind}\"\n{table}\n{extra}\n\n")
    }

    fn fake(&self, kind: &str) -> &Fake {
        self.all().into_iter().find(|(k, _)| *k == kind).unwrap().1
    }
}

/// A temp folder with `creds/` (the `$CREDENTIALS_DIRECTORY`).
fn folders() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let creds = dir.path().join("creds");
    std::fs::create_dir(&creds).unwrap();
    (dir, creds)
}

async fn newshound_with_creds(args: &[&str], creds: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_newshound"))
        .args(args)
        .env("RUST_LOG", "debug")
        .env("CREDENTIALS_DIRECTORY", creds)
        .env_remove("NEWSHOUND_CONFIG")
        .stdin(Stdio::null())
        .output()
        .await
        .expect("run newshound")
}

fn start_daemon(config: &Path, creds: &Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_newshound"))
        .args(["run", "-c", config.to_str().unwrap()])
        .env("RUST_LOG", "info")
        .env("CREDENTIALS_DIRECTORY", creds)
        .env_remove("NOTIFY_SOCKET")
        .env_remove("NEWSHOUND_CONFIG")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("start newshound run")
}

/// The ids of the five "lighthouse" alerts.
fn lighthouse_ids() -> BTreeSet<String> {
    (1..=5)
        .map(|n| alert_id("harbour", &format!("guid:bulk-{n}")))
        .collect()
}

fn assert_no_secret(what: &str, text: &str) {
    for s in SECRETS {
        assert!(!text.contains(s), "{what} shows the secret {s}:\n{text}");
    }
}

/// `once` with one sink of `kind`: five alerts, each accepted as the API documents.
async fn once_with(kind: &str) -> (Services, Vec<Call>) {
    let services = Services::start(0, Duration::ZERO).await;
    let feeds = bulk_feed_server().await;
    let (dir, creds) = folders();
    let sinks = services.sink(kind, &creds, "");
    let config = delivery_config(dir.path(), &feeds, "lighthouse", &sinks);
    let out = newshound_with_creds(&["once", "-c", config.to_str().unwrap()], &creds).await;
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert_no_secret("once's output", &format!("{stdout}{stderr}"));
    let fake = services.fake(kind);
    assert_eq!(
        fake.problems(),
        Vec::<String>::new(),
        "{kind}: requests the API refuses"
    );
    let accepted = fake.accepted();
    assert_eq!(accepted.len(), 5, "{kind}: one message per alert: {stderr}");
    (services, accepted)
}

#[tokio::test(flavor = "multi_thread")]
async fn ntfy_publishes_json_with_title_priority_tags_and_click() {
    let (_s, calls) = once_with("ntfy").await;
    let clicks: BTreeSet<String> = calls
        .iter()
        .map(|c| c.json["click"].as_str().unwrap().to_string())
        .collect();
    let want: BTreeSet<String> = (1..=5)
        .map(|n| format!("http://bulk.example/harbour/{n}"))
        .collect();
    assert_eq!(clicks, want);
    let c = &calls[0].json;
    assert_eq!(c["priority"], 2, "severity low → ntfy priority 2");
    assert_eq!(c["tags"], json!(["newspaper", "harbour"]));
    assert!(
        c["title"]
            .as_str()
            .unwrap()
            .starts_with("[harbour] Harbour report"),
        "{c}"
    );
    assert!(
        c["message"].as_str().unwrap().contains("[lighthouse]"),
        "the hit is marked: {c}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn telegram_sends_escaped_html_to_the_chat_and_thread() {
    let (_s, calls) = once_with("telegram").await;
    for c in &calls {
        assert_eq!(c.json["chat_id"], CHAT);
        assert_eq!(c.json["message_thread_id"], 7);
        let text = c.json["text"].as_str().unwrap();
        assert!(text.contains("<b>lighthouse</b>"), "{text}");
        assert!(
            text.contains("<a href=\"http://bulk.example/harbour/"),
            "{text}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn matrix_puts_one_event_per_alert_with_the_alert_id_as_transaction() {
    let (_s, calls) = once_with("matrix").await;
    assert_eq!(services::matrix::room_events(&calls), lighthouse_ids());
    let c = &calls[0].json;
    assert_eq!(c["msgtype"], "m.notice");
    assert_eq!(c["format"], "org.matrix.custom.html");
    assert!(
        c["formatted_body"]
            .as_str()
            .unwrap()
            .contains("<b>lighthouse</b>"),
        "{c}"
    );
    assert!(c["body"].as_str().unwrap().contains("[lighthouse]"), "{c}");
}

#[tokio::test(flavor = "multi_thread")]
async fn gotify_posts_markdown_messages_with_priority_and_click() {
    let (_s, calls) = once_with("gotify").await;
    let c = &calls[0].json;
    assert_eq!(c["priority"], 3, "severity low → gotify 3");
    assert_eq!(
        c["extras"]["client::display"]["contentType"],
        "text/markdown"
    );
    let click = c["extras"]["client::notification"]["click"]["url"]
        .as_str()
        .unwrap();
    assert!(click.starts_with("http://bulk.example/harbour/"), "{c}");
    assert!(
        c["message"].as_str().unwrap().contains("**lighthouse**"),
        "{c}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn pushover_sends_html_within_its_character_limits() {
    let (_s, calls) = once_with("pushover").await;
    let c = &calls[0].json;
    assert_eq!(
        (c["html"].clone(), c["priority"].clone()),
        (json!(1), json!(-1))
    );
    assert!(
        c["url"]
            .as_str()
            .unwrap()
            .starts_with("http://bulk.example/harbour/"),
        "{c}"
    );
    assert!(
        c["url_title"]
            .as_str()
            .unwrap()
            .starts_with("Harbour report"),
        "{c}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn mattermost_posts_markdown_text_to_the_hook_from_a_url_file() {
    let (_s, calls) = once_with("mattermost").await;
    let text = calls[0].json["text"].as_str().unwrap();
    assert!(
        text.contains("**lighthouse**") && text.contains("](http://bulk.example/harbour/"),
        "{text}"
    );
}

/// The daemon with one sink of `kind` whose service rate-limits the first two requests:
/// every alert still arrives, and the retry waits as long as the service said.
async fn retried(kind: &str) -> Vec<Call> {
    let services = Services::start(2, Duration::ZERO).await;
    let feeds = bulk_feed_server().await;
    let (dir, creds) = folders();
    let sinks = services.sink(kind, &creds, "backoff = \"100ms\"\nbackoff_max = \"200ms\"");
    let config = delivery_config(dir.path(), &feeds, "lighthouse", &sinks);
    let daemon = start_daemon(&config, &creds);
    let fake = services.fake(kind);
    let done = fake
        .wait_for(Duration::from_secs(20), |c| c.len() >= 5)
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (log, _) = stop(daemon).await;
    assert!(
        done,
        "{kind}: every alert arrives after the rate limit: {log}"
    );
    assert_no_secret("the daemon's log", &log);
    assert_eq!(fake.problems(), Vec::<String>::new(), "{kind}");
    let calls = fake.calls();
    assert_eq!(calls.iter().filter(|c| c.throttled).count(), 2, "{kind}");
    assert!(
        log.contains("429") || log.contains("503"),
        "{kind}: the refusal is logged: {log}"
    );
    calls
}

/// The gap between the first rate-limited attempt and the next attempt.
fn gap_after_throttle(calls: &[Call]) -> Duration {
    let first = calls.iter().position(|c| c.throttled).unwrap();
    calls[first + 1].at - calls[first].at
}

#[tokio::test(flavor = "multi_thread")]
async fn ntfy_rate_limit_is_retried() {
    let calls = retried("ntfy").await;
    assert_eq!(
        calls.iter().filter(|c| c.accepted()).count(),
        5,
        "no message twice"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn telegram_429_retry_after_is_honoured() {
    let calls = retried("telegram").await;
    let gap = gap_after_throttle(&calls);
    assert!(
        gap >= Duration::from_millis(950),
        "retry_after = 1 s, but retried after {gap:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn matrix_retry_keeps_the_alert_id_as_transaction_id() {
    let calls = retried("matrix").await;
    let throttled: BTreeSet<String> = calls
        .iter()
        .filter(|c| c.throttled)
        .filter_map(services::matrix::txn_id)
        .collect();
    assert!(throttled.is_subset(&lighthouse_ids()), "{throttled:?}");
    assert_eq!(
        services::matrix::room_events(&calls),
        lighthouse_ids(),
        "one event per alert"
    );
    let gap = gap_after_throttle(&calls);
    assert!(
        gap >= Duration::from_millis(280),
        "retry_after_ms = 300, retried after {gap:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn gotify_unavailable_is_retried() {
    let calls = retried("gotify").await;
    assert_eq!(calls.iter().filter(|c| c.accepted()).count(), 5);
}

#[tokio::test(flavor = "multi_thread")]
async fn pushover_over_limit_is_retried() {
    let calls = retried("pushover").await;
    assert_eq!(calls.iter().filter(|c| c.accepted()).count(), 5);
}

#[tokio::test(flavor = "multi_thread")]
async fn mattermost_rate_limit_retry_after_is_honoured() {
    let calls = retried("mattermost").await;
    let gap = gap_after_throttle(&calls);
    assert!(
        gap >= Duration::from_millis(950),
        "Retry-After: 1, but retried after {gap:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn every_kind_sends_a_digest_within_its_service_limits() {
    let services = Services::start(0, Duration::ZERO).await;
    let feeds = bulk_feed_server().await;
    let (dir, creds) = folders();
    let sinks: String = services
        .all()
        .iter()
        .map(|(k, _)| services.sink(k, &creds, "digest = \"2s\""))
        .collect();
    // All 40 alerts: a digest larger than Pushover's 1,024 characters must be cut to fit.
    let config = delivery_config(dir.path(), &feeds, "harbour", &sinks);
    let check = newshound_with_creds(&["check", "-c", config.to_str().unwrap()], &creds).await;
    let shown = format!(
        "{}{}",
        String::from_utf8_lossy(&check.stdout),
        String::from_utf8_lossy(&check.stderr)
    );
    assert!(check.status.success(), "{shown}");
    assert_no_secret("check", &shown);
    let daemon = start_daemon(&config, &creds);
    let mut pending = Vec::new();
    for (kind, fake) in services.all() {
        if !fake
            .wait_for(Duration::from_secs(20), |c| !c.is_empty())
            .await
        {
            pending.push(kind);
        }
    }
    let (log, _) = stop(daemon).await;
    assert!(pending.is_empty(), "no digest for {pending:?}: {log}");
    assert_no_secret("the daemon's log", &log);
    for (kind, fake) in services.all() {
        assert_eq!(fake.problems(), Vec::<String>::new(), "{kind}");
        let body = fake.accepted()[0].json.to_string();
        assert!(
            body.contains("40 alerts"),
            "{kind}: a digest of all 40: {body}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn kill_9_over_ntfy_and_matrix_loses_no_alert() {
    const KILLS: usize = 6;
    let services = Services::start(0, Duration::from_millis(150)).await;
    let feeds = bulk_feed_server().await;
    let (dir, creds) = folders();
    let sinks = format!(
        "{}{}",
        services.sink("ntfy", &creds, "backoff = \"100ms\""),
        services.sink("matrix", &creds, "backoff = \"100ms\"")
    );
    let config = delivery_config(dir.path(), &feeds, "harbour", &sinks);
    let expected: BTreeSet<String> = (1..=40)
        .map(|n| alert_id("harbour", &format!("guid:bulk-{n}")))
        .collect();
    let urls: BTreeSet<String> = (1..=40)
        .map(|n| format!("http://bulk.example/harbour/{n}"))
        .collect();
    let seed = fastrand::u64(..);
    let mut rng = fastrand::Rng::with_seed(seed);
    for _ in 0..KILLS {
        let mut daemon = start_daemon(&config, &creds);
        tokio::time::sleep(Duration::from_millis(rng.u64(200..900))).await;
        signal(&daemon, "KILL");
        assert!(!daemon.wait().await.unwrap().success(), "killed");
    }
    let daemon = start_daemon(&config, &creds);
    let clicks = |calls: &[Call]| -> BTreeSet<String> {
        calls
            .iter()
            .filter_map(|c| c.json["click"].as_str().map(str::to_string))
            .collect()
    };
    let ntfy_done = services
        .ntfy
        .wait_for(Duration::from_secs(40), |c| clicks(c).len() >= 40)
        .await;
    let mx_done = services
        .matrix
        .wait_for(Duration::from_secs(40), |c| {
            services::matrix::room_events(c).len() >= 40
        })
        .await;
    let (log, _) = stop(daemon).await;
    assert!(
        ntfy_done && mx_done,
        "seed {seed}: every alert arrives on both: {log}"
    );
    assert_eq!(
        clicks(&services.ntfy.accepted()),
        urls,
        "seed {seed}: ntfy got every story"
    );
    assert_eq!(
        services::matrix::room_events(&services.matrix.calls()),
        expected,
        "seed {seed}"
    );
    let repeats = services.ntfy.accepted().len() - 40;
    assert!(
        repeats <= KILLS,
        "seed {seed}: {repeats} ntfy repeats > {KILLS} kills"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn group_story_sends_one_message_per_story_listing_every_watchlist() {
    let services = Services::start(0, Duration::ZERO).await;
    let hook = crate::harness::Receiver::accepting().await;
    let feeds = bulk_feed_server().await;
    let (dir, creds) = folders();
    // A second watchlist that fires on the same five stories.
    let mut sinks =
        "[[watchlist]]\nname = \"coast\"\nseverity = \"high\"\nkeywords = [\"keeper\"]\n\n"
            .to_string();
    sinks += &crate::harness::hook_sink("grouped", &hook.url(), &["group = \"story\""]);
    sinks += &services.sink("matrix", &creds, "group = \"story\"");
    sinks += &services.sink("ntfy", &creds, ""); // the default: one message per alert
    let config = delivery_config(dir.path(), &feeds, "lighthouse", &sinks);
    let out = newshound_with_creds(&["once", "-c", config.to_str().unwrap()], &creds).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let bodies: Vec<serde_json::Value> = hook.hits().iter().map(|h| h.json()).collect();
    assert_eq!(bodies.len(), 5, "one webhook call per story: {bodies:?}");
    for b in &bodies {
        assert_eq!(
            (b["version"].clone(), b["kind"].clone()),
            (json!(2), json!("story")),
            "{b}"
        );
        assert_eq!(b["watchlists"], json!(["harbour", "coast"]), "{b}");
        assert_eq!(b["alerts"].as_array().unwrap().len(), 2);
        assert_eq!(b["alerts"][0]["article"], b["article"]);
    }
    let ids: BTreeSet<&str> = bodies.iter().map(|b| b["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 5, "a group id per story");

    let events = services.matrix.accepted();
    assert_eq!(events.len(), 5, "one Matrix event per story");
    let body = events[0].json["body"].as_str().unwrap();
    assert!(body.contains("also coast (high): keeper"), "{body}");
    assert_eq!(
        services.ntfy.accepted().len(),
        10,
        "ungrouped: one per alert"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn webhook_put_with_a_content_type_a_url_file_and_a_headers_file() {
    let server = wiremock::MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::method("PUT"))
        .and(wiremock::matchers::path("/kv/secret-path-4711"))
        .respond_with(wiremock::ResponseTemplate::new(204))
        .mount(&server)
        .await;
    let feeds = bulk_feed_server().await;
    let (dir, creds) = folders();
    std::fs::write(
        creds.join("hook-url"),
        format!("{}/kv/secret-path-4711\n", server.uri()),
    )
    .unwrap();
    std::fs::write(
        creds.join("hook-headers"),
        "# the service's key\nX-Api-Key: k-123-secret\n\nX-Team: desk\n",
    )
    .unwrap();
    let sinks =
        "[[sink]]\nname = \"kv\"\ntype = \"webhook\"\nurl_file = \"hook-url\"\nmethod = \"PUT\"\n\
                 headers_file = \"hook-headers\"\ncontent_type = \"text/plain; charset=utf-8\"\n\
                 template = '{{ alert.watchlist }}: {{ alert.article.title }}'\n";
    let config = delivery_config(dir.path(), &feeds, "lighthouse", sinks);
    let check = newshound_with_creds(&["check", "-c", config.to_str().unwrap()], &creds).await;
    let shown = String::from_utf8_lossy(&check.stdout).to_string();
    assert!(check.status.success(), "{shown}");
    assert!(
        shown.contains("webhook PUT http://127.0.0.1") && !shown.contains("secret-path-4711"),
        "{shown}"
    );
    let out = newshound_with_creds(&["once", "-c", config.to_str().unwrap()], &creds).await;
    let log = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "{log}");
    assert!(
        !log.contains("k-123-secret") && !log.contains("secret-path-4711"),
        "{log}"
    );
    let got = server.received_requests().await.unwrap();
    assert_eq!(got.len(), 5, "{log}");
    let r = &got[0];
    assert_eq!(r.headers["content-type"], "text/plain; charset=utf-8");
    assert_eq!(r.headers["x-api-key"], "k-123-secret");
    assert_eq!(r.headers["x-team"], "desk");
    assert!(String::from_utf8_lossy(&r.body).starts_with("harbour: Harbour report"));
}

#[tokio::test(flavor = "multi_thread")]
async fn every_kinds_mistakes_are_reported_at_their_key_paths() {
    let (dir, creds) = folders();
    let feeds = bulk_feed_server().await;
    std::fs::write(creds.join("empty"), "\n").unwrap();
    let sinks = "[[sink]]\nname = \"n\"\ntype = \"ntfy\"\nurl = \"https://ntfy.example/a/b?x=1\"\n\n\
        [[sink]]\nname = \"t\"\ntype = \"telegram\"\nchat_id = \"desk\"\n\n\
        [[sink]]\nname = \"m\"\ntype = \"matrix\"\nhomeserver = \"https://m.example\"\nroom_id = \"#desk:m.example\"\ntoken_file = \"missing\"\n\n\
        [[sink]]\nname = \"g\"\ntype = \"gotify\"\ntoken_file = \"empty\"\n\n\
        [[sink]]\nname = \"p\"\ntype = \"pushover\"\ntoken_file = \"empty\"\n\n\
        [[sink]]\nname = \"mm\"\ntype = \"mattermost\"\nurl = \"https://chat.example/hooks/k\"\nurl_file = \"x\"\ngroup = \"thread\"\n";
    let config = delivery_config(dir.path(), &feeds, "lighthouse", sinks);
    let out = newshound_with_creds(&["check", "-c", config.to_str().unwrap()], &creds).await;
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(1), "{err}");
    for expected in [
        "sink[0].url: must be a topic URL",
        "sink[1].chat_id: 'desk' is not a chat id",
        "sink[1].token_file: missing",
        "sink[2].room_id: '#desk:m.example' is not a room id",
        "sink[2].token_file: cannot read",
        "sink[3].url: missing",
        "sink[3].token_file:",
        "sink[4].user_key_file: missing",
        "sink[5].url: set either url or url_file, not both",
        "sink[5].group: unknown group 'thread' (supported: alert, story)",
    ] {
        assert!(err.contains(expected), "missing {expected:?} in:\n{err}");
    }
}
