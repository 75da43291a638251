//! The address guard end to end: every notation of an internal address is refused at
//! load (feeds, webhooks, email), on redirects, and on the addresses a name resolves to —
//! the first hop, a redirect hop, a webhook and an SMTP relay — and each is allowed by
//! `allow_private_networks` or an `allow_hosts` entry.
//!
//! DNS: tests cannot make a real name resolve to 127.0.0.1, so names are pinned through
//! `HttpConfig::pinned_hosts` (a library hook, not a config key) and `once` runs in-process.
//! That replaces only the system lookup: the guard's filtering, reqwest's use of the
//! resolver for every hop and the SMTP connect-to-the-checked-address path are the real ones.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use newshound::daemon::{once, OnceOptions, OnceReport};
use newshound::pipeline::PollResult;
use newshound::store::Store;
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::{fixture_bytes, newshound, text, write_config};

/// The internal addresses, one per notation, as feed URLs on `port`.
const NOTATIONS: [&str; 12] = [
    "http://2130706433:{P}/good.rss",
    "http://0x7f.1:{P}/good.rss",
    "http://0177.0.0.1:{P}/good.rss",
    "http://127.1:{P}/good.rss",
    "http://[::ffff:127.0.0.1]:{P}/good.rss",
    "http://[::ffff:7f00:1]:{P}/good.rss",
    "http://[64:ff9b::7f00:1]:{P}/good.rss",
    "http://[2002:7f00:1::]:{P}/good.rss",
    "http://localhost:{P}/good.rss",
    "http://169.254.169.254/latest/meta-data/",
    "http://[fd00::1]/",
    "http://100.64.0.1/",
];

fn feeds(urls: &[String]) -> String {
    urls.iter()
        .enumerate()
        .map(|(i, u)| format!("[[feed]]\nname = \"f{i}\"\nurl = \"{u}\"\n\n"))
        .collect()
}

fn config(dir: &Path, http: &str, tables: &str) -> PathBuf {
    let state = dir.join("state");
    write_config(
        dir,
        "ssrf/config.toml.tmpl",
        &[
            ("STATE", state.to_str().unwrap()),
            ("HTTP", http),
            ("TABLES", tables),
        ],
    )
}

async fn feed_server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(path("/good.rss"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(fixture_bytes("hostile/good.rss"), "application/rss+xml"),
        )
        .mount(&server)
        .await;
    server
}

#[tokio::test(flavor = "multi_thread")]
async fn every_notation_is_refused_at_load_and_allowed_by_the_switch_or_the_allowlist() {
    let urls: Vec<String> = NOTATIONS.iter().map(|u| u.replace("{P}", "8080")).collect();
    let sinks = "[[sink]]\nname = \"hook\"\ntype = \"webhook\"\nurl = \"http://0x0a000001/hook\"\n\n\
                 [[sink]]\nname = \"mail\"\ntype = \"email\"\nsmtp_url = \"smtp://[::1]:25\"\nfrom = \"a@example.org\"\nto = [\"b@example.org\"]\n";
    let tables = format!("{}{sinks}", feeds(&urls));
    let dir = tempfile::tempdir().unwrap();
    let out = newshound(&[
        "check",
        "-c",
        config(dir.path(), "", &tables).to_str().unwrap(),
    ])
    .await;
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    for (i, url) in urls.iter().enumerate() {
        assert!(
            stderr.contains(&format!("feed[{i}].url: '{url}'")),
            "feed[{i}] not refused:\n{stderr}"
        );
    }
    assert!(
        stderr.contains("sink[0].url: 'http://0x0a000001/hook': 10.0.0.1 is a private address"),
        "{stderr}"
    );
    assert!(
        stderr.contains("sink[1].smtp_url: 'smtp://[::1]:25': ::1 is a loopback address"),
        "{stderr}"
    );
    assert!(
        stderr.contains("set http.allow_private_networks = true or list it in http.allow_hosts"),
        "{stderr}"
    );
    let allowances = [
        "allow_private_networks = true",
        "allow_hosts = [\"127.0.0.0/8\", \"localhost\", \"169.254.169.254\", \"fd00::/8\", \"100.64.0.0/10\", \"10.0.0.1\", \"::1\"]",
    ];
    for allow in allowances {
        let out = newshound(&[
            "check",
            "-c",
            config(dir.path(), allow, &tables).to_str().unwrap(),
        ])
        .await;
        assert!(out.status.success(), "{allow}: {}", text(&out).1);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn allowed_notations_reach_the_server() {
    let server = feed_server().await;
    let port = server.address().port().to_string();
    let urls: Vec<String> = NOTATIONS[..6]
        .iter()
        .map(|u| u.replace("{P}", &port))
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), "allow_hosts = [\"127.0.0.1\"]", &feeds(&urls));
    let out = newshound(&["once", "--dry-run", "-c", config.to_str().unwrap()]).await;
    let (stdout, stderr) = text(&out);
    for (i, url) in urls.iter().enumerate() {
        assert!(
            stderr.contains(&format!("feed f{i}: ok, 1 articles")),
            "{url}: {stderr}"
        );
    }
    assert_eq!(stdout.lines().count(), 1, "one story, one alert: {stdout}");
}

#[tokio::test(flavor = "multi_thread")]
async fn redirects_into_loopback_are_refused_unless_allowed() {
    let server = feed_server().await;
    let port = server.address().port();
    let targets = [
        format!("http://localhost:{port}/good.rss"),
        format!("http://127.0.0.2:{port}/good.rss"),
        format!("http://[::1]:{port}/good.rss"),
    ];
    for (i, to) in targets.iter().enumerate() {
        let hop = ResponseTemplate::new(302).insert_header("location", to.as_str());
        Mock::given(path(format!("/hop{i}")))
            .respond_with(hop)
            .mount(&server)
            .await;
    }
    let urls: Vec<String> = (0..targets.len())
        .map(|i| format!("{}/hop{i}", server.uri()))
        .collect();
    let dir = tempfile::tempdir().unwrap();
    // The first hop is allowed as a literal address; where it redirects is not.
    let config = config(dir.path(), "allow_hosts = [\"127.0.0.1\"]", &feeds(&urls));
    let out = newshound(&["once", "--dry-run", "-c", config.to_str().unwrap()]).await;
    let (_, stderr) = text(&out);
    let reasons = [
        "'localhost' is a loopback name",
        "127.0.0.2 is a loopback address",
        "::1 is a loopback address",
    ];
    for (i, why) in reasons.iter().enumerate() {
        let want = format!("redirect to '{}' refused: {why}", targets[i]);
        assert!(stderr.contains(&want), "{want}\n{stderr}");
    }
    let config = self::config(
        dir.path(),
        "allow_private_networks = true",
        &feeds(&urls[..1]),
    );
    let out = newshound(&["once", "--dry-run", "-c", config.to_str().unwrap()]).await;
    assert!(
        text(&out).1.contains("feed f0: ok, 1 articles"),
        "{}",
        text(&out).1
    );
}

/// Runs `once` in-process with `pinned` names, for a config with `http` and `tables`.
async fn once_pinned(dir: &Path, http: &str, tables: &str, pinned: &[&str]) -> OnceReport {
    let path = config(dir, http, tables);
    let mut cfg = newshound::config::load(&path).unwrap_or_else(|e| panic!("{e}"));
    let localhost: BTreeMap<_, _> = pinned
        .iter()
        .map(|n| (n.to_string(), vec!["127.0.0.1".parse().unwrap()]))
        .collect();
    cfg.http.pinned_hosts = localhost;
    once(cfg, OnceOptions::default()).await.expect("once runs")
}

fn failure(report: &OnceReport, i: usize) -> String {
    match &report.feeds[i].result {
        PollResult::Failed(e) => e.clone(),
        other => panic!("feed {i} did not fail: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn names_resolving_inside_are_refused_on_every_hop_and_sink() {
    let server = feed_server().await;
    let port = server.address().port();
    let hop = ResponseTemplate::new(302).insert_header(
        "location",
        format!("http://internal.example:{port}/good.rss"),
    );
    Mock::given(path("/hop"))
        .respond_with(hop)
        .mount(&server)
        .await;
    Mock::given(path("/hook"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let urls = [
        format!("http://feeds.example:{port}/good.rss"),
        format!("http://feeds.example:{port}/hop"),
    ];
    let sinks = format!(
        "[[sink]]\nname = \"hook\"\ntype = \"webhook\"\nurl = \"http://hooks.example:{port}/hook\"\n\n\
         [[sink]]\nname = \"mail\"\ntype = \"email\"\nsmtp_url = \"smtp://mail.example:2525\"\nfrom = \"a@example.org\"\nto = [\"b@example.org\"]\n"
    );
    let tables = format!("{}{sinks}", feeds(&urls));
    let names = [
        "feeds.example",
        "internal.example",
        "hooks.example",
        "mail.example",
    ];

    let dir = tempfile::tempdir().unwrap();
    let report = once_pinned(dir.path(), "", &tables, &names).await;
    assert!(
        failure(&report, 0).contains("'feeds.example' resolves to 127.0.0.1 (loopback)"),
        "{}",
        failure(&report, 0)
    );

    // Open the feed's name only: the redirect hop to another name is still refused, and
    // so are the webhook and the relay the alert goes to.
    let dir = tempfile::tempdir().unwrap();
    let report = once_pinned(
        dir.path(),
        "allow_hosts = [\"feeds.example\"]",
        &tables,
        &names,
    )
    .await;
    assert!(
        matches!(report.feeds[0].result, PollResult::Ok { articles: 1, .. }),
        "{:?}",
        report.feeds[0]
    );
    assert!(
        failure(&report, 1).contains("'internal.example' resolves to 127.0.0.1 (loopback)"),
        "{}",
        failure(&report, 1)
    );
    assert_eq!(report.delivery.retrying, 2, "{:?}", report.delivery);
    let hook_hits = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == "/hook")
        .count();
    assert_eq!(hook_hits, 0, "the webhook was never contacted");
    let store = Store::open_dir_read_only(&dir.path().join("state"))
        .await
        .unwrap();
    let errors: Vec<String> = store
        .outbox(None, 10)
        .await
        .unwrap()
        .into_iter()
        .filter_map(|r| r.last_error)
        .collect();
    for name in ["hooks.example", "mail.example"] {
        assert!(
            errors
                .iter()
                .any(|e| e.contains(&format!("'{name}' resolves to 127.0.0.1 (loopback)"))),
            "{name}: {errors:?}"
        );
    }

    // Allow every name: the redirect is followed and the webhook receives the alert.
    let dir = tempfile::tempdir().unwrap();
    let all = "allow_hosts = [\"feeds.example\", \"internal.example\", \"hooks.example\"]";
    let report = once_pinned(
        dir.path(),
        all,
        &tables[..tables.find("[[sink]]\nname = \"mail\"").unwrap()],
        &names,
    )
    .await;
    assert!(
        matches!(report.feeds[1].result, PollResult::Ok { articles: 1, .. }),
        "{:?}",
        report.feeds[1]
    );
    assert_eq!(report.delivery.delivered, 1, "{:?}", report.delivery);
}
