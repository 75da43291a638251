//! Helpers for the delivery tests: a scripted receiver that records every request with its
//! arrival time, a feed server for the bulk fixture, the delivery config, and starting and
//! stopping `newshound run`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::process::{Child, Command};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::common::{fixture_bytes, write_config};

/// One request a receiver got.
#[derive(Debug, Clone)]
pub struct Hit {
    /// When it arrived.
    pub at: Instant,
    /// Its `webhook-id` header.
    pub id: String,
    /// Its body.
    pub body: Vec<u8>,
    /// Its headers, lower-case names.
    pub headers: HashMap<String, String>,
}

impl Hit {
    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("JSON body")
    }
}

type Policy = dyn Fn(&str, usize) -> ResponseTemplate + Send + Sync;

struct Scripted {
    hits: Arc<Mutex<Vec<Hit>>>,
    policy: Box<Policy>,
}

impl Respond for Scripted {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let headers: HashMap<String, String> = req
            .headers
            .iter()
            .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or("").to_string()))
            .collect();
        let id = headers.get("webhook-id").cloned().unwrap_or_default();
        let mut hits = self.hits.lock().unwrap();
        let nth = hits.iter().filter(|h| h.id == id).count();
        hits.push(Hit {
            at: Instant::now(),
            id: id.clone(),
            body: req.body.clone(),
            headers,
        });
        drop(hits);
        (self.policy)(&id, nth)
    }
}

/// A receiver on 127.0.0.1 answering POST /hook as `policy(webhook-id, attempts before)`.
pub struct Receiver {
    /// The server.
    pub server: MockServer,
    hits: Arc<Mutex<Vec<Hit>>>,
}

impl Receiver {
    /// Starts a receiver.
    pub async fn start(
        policy: impl Fn(&str, usize) -> ResponseTemplate + Send + Sync + 'static,
    ) -> Receiver {
        let server = MockServer::start().await;
        let hits = Arc::new(Mutex::new(Vec::new()));
        Mock::given(method("POST"))
            .and(path("/hook"))
            .respond_with(Scripted {
                hits: hits.clone(),
                policy: Box::new(policy),
            })
            .mount(&server)
            .await;
        Receiver { server, hits }
    }

    /// A receiver that accepts everything.
    pub async fn accepting() -> Receiver {
        Receiver::start(|_, _| ResponseTemplate::new(200)).await
    }

    /// Its URL.
    pub fn url(&self) -> String {
        format!("{}/hook", self.server.uri())
    }

    /// Every request so far, in arrival order.
    pub fn hits(&self) -> Vec<Hit> {
        self.hits.lock().unwrap().clone()
    }

    /// The distinct ids seen.
    pub fn ids(&self) -> std::collections::BTreeSet<String> {
        self.hits().into_iter().map(|h| h.id).collect()
    }

    /// Waits until `pred(hits)` holds or `limit` passes; returns whether it held.
    pub async fn wait_for(&self, limit: Duration, pred: impl Fn(&[Hit]) -> bool) -> bool {
        poll_until(limit, || pred(&self.hits())).await
    }
}

/// A server for `/feeds/bulk.rss` (and anything else mounted on it later).
pub async fn bulk_feed_server() -> MockServer {
    let server = MockServer::start().await;
    serve_feed(&server, "bulk.rss").await;
    server
}

/// Serves `tests/fixtures/it/NAME` at `/feeds/NAME` on `server`.
pub async fn serve_feed(server: &MockServer, name: &str) {
    Mock::given(method("GET"))
        .and(path(format!("/feeds/{name}")))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(fixture_bytes(&format!("it/{name}")), "application/rss+xml"),
        )
        .mount(server)
        .await;
}

/// Writes the delivery config into `dir`: the bulk feed on `feeds`, alerts for items with
/// `keyword` (`harbour`: all 40; `lighthouse`: 5), and `sinks` (TOML `[[sink]]` tables).
pub fn delivery_config(dir: &Path, feeds: &MockServer, keyword: &str, sinks: &str) -> PathBuf {
    let url = format!("{}/feeds/bulk.rss", feeds.uri());
    delivery_config_for(dir, &url, keyword, sinks)
}

/// [`delivery_config`] with any feed URL; `keyword` may list several (`a", "b`).
pub fn delivery_config_for(dir: &Path, feed_url: &str, keyword: &str, sinks: &str) -> PathBuf {
    let state = dir.join("state");
    write_config(
        dir,
        "it/delivery.toml.tmpl",
        &[
            ("FEED_URL", feed_url),
            ("STATE", state.to_str().unwrap()),
            ("KEYWORD", keyword),
            ("SINKS", sinks),
        ],
    )
}

/// A webhook `[[sink]]` table named `name` posting to `url`, with extra `key = value` lines.
pub fn hook_sink(name: &str, url: &str, extra: &[&str]) -> String {
    format!(
        "[[sink]]\nname = \"{name}\"\ntype = \"webhook\"\nurl = \"{url}\"\n{}\n",
        extra.join("\n")
    )
}

/// Checks `cond` every 25 ms until it holds or `limit` passes; returns whether it held.
pub async fn poll_until(limit: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    loop {
        if cond() {
            return true;
        }
        if start.elapsed() > limit {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// `newshound run -c config` as the tests start it: no systemd socket, no config from the
/// environment, stdin and stdout closed, stderr piped (kept for [`stop`]), killed on drop.
pub fn daemon_command(config: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_newshound"));
    cmd.args(["run", "-c", config.to_str().unwrap()]);
    detached(&mut cmd);
    cmd
}

/// Sets what [`daemon_command`] sets on any command that ends up running the daemon.
pub fn detached(cmd: &mut Command) -> &mut Command {
    cmd.env("RUST_LOG", "info")
        .env_remove("NOTIFY_SOCKET")
        .env_remove("NEWSHOUND_CONFIG")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
}

/// Starts `newshound run -c config`; stderr is kept for [`stop`].
pub fn start_daemon(config: &Path) -> Child {
    daemon_command(config).spawn().expect("start newshound run")
}

/// Sends `sig` (e.g. `TERM`, `KILL`) to the daemon.
pub fn signal(child: &Child, sig: &str) {
    let pid = child.id().expect("running").to_string();
    let ok = std::process::Command::new("kill")
        .args([&format!("-{sig}"), &pid])
        .status()
        .unwrap()
        .success();
    assert!(ok, "kill -{sig} {pid}");
}

/// SIGTERM, then asserts exit 0 within 10 s; returns (stderr, time to exit).
pub async fn stop(mut child: Child) -> (String, Duration) {
    signal(&child, "TERM");
    let started = Instant::now();
    let status = tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .expect("exits within 10 s")
        .unwrap();
    let took = started.elapsed();
    let mut err = String::new();
    if let Some(mut e) = child.stderr.take() {
        use tokio::io::AsyncReadExt;
        e.read_to_string(&mut err).await.unwrap();
    }
    assert!(
        status.success(),
        "clean shutdown exits 0: {status:?}\n{err}"
    );
    (err, took)
}
