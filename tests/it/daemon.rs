//! Running `newshound run` as a child process: its stderr collected as it is written, so a
//! test can wait for a log line (the admin endpoint's address, a reload) and read it all
//! at the end; signals; a clean stop.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::AsyncReadExt;
use tokio::process::{Child, Command};
use tokio::task::JoinHandle;

/// A running daemon.
pub struct Daemon {
    child: Child,
    log: Arc<Mutex<String>>,
    reader: JoinHandle<()>,
}

/// The environment a daemon starts with unless a test says otherwise: quick polls (the
/// fixtures' old dates would otherwise stretch the adaptive interval), info logs, and none
/// of the caller's systemd variables.
const DEFAULT_ENV: &[(&str, &str)] = &[
    ("NEWSHOUND__DAEMON__POLL_INTERVAL", "2s"),
    ("NEWSHOUND__DAEMON__MAX_INTERVAL", "2s"),
    ("RUST_LOG", "info"),
];

impl Daemon {
    /// Starts `newshound run -c config` with `env` on top of the defaults.
    pub fn start(config: &Path, env: &[(&str, &str)]) -> Daemon {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_newshound"));
        cmd.args(["run", "-c", config.to_str().unwrap()]);
        for var in [
            "NOTIFY_SOCKET",
            "WATCHDOG_USEC",
            "WATCHDOG_PID",
            "JOURNAL_STREAM",
            "NEWSHOUND_CONFIG",
        ] {
            cmd.env_remove(var);
        }
        for (k, v) in DEFAULT_ENV.iter().chain(env) {
            cmd.env(k, v);
        }
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("start newshound run");
        let log = Arc::new(Mutex::new(String::new()));
        let mut stderr = child.stderr.take().expect("piped stderr");
        let sink = log.clone();
        let reader = tokio::spawn(async move {
            let mut buf = [0u8; 8192];
            while let Ok(n) = stderr.read(&mut buf).await {
                if n == 0 {
                    break;
                }
                sink.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        Daemon { child, log, reader }
    }

    /// Its pid.
    pub fn pid(&self) -> u32 {
        self.child.id().expect("running")
    }

    /// Sends `kill -SIG`.
    pub fn signal(&self, sig: &str) {
        let pid = self.pid().to_string();
        let ok = std::process::Command::new("kill")
            .args([&format!("-{sig}"), &pid])
            .status()
            .unwrap()
            .success();
        assert!(ok, "kill -{sig} {pid}");
    }

    /// Stderr so far.
    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// Waits until stderr contains `needle`; false after `limit`.
    pub async fn wait_for_log(&self, needle: &str, limit: Duration) -> bool {
        let start = Instant::now();
        while start.elapsed() < limit {
            if self.log().contains(needle) {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        false
    }

    /// The admin endpoint's base URL, from its start-up log line (`admin_listen` port 0).
    pub async fn admin_url(&self) -> String {
        let marker = "admin endpoint listening addr=";
        assert!(
            self.wait_for_log(marker, Duration::from_secs(20)).await,
            "no admin endpoint: {}",
            self.log()
        );
        let log = self.log();
        let rest = &log[log.find(marker).unwrap() + marker.len()..];
        let addr: String = rest.chars().take_while(|c| !c.is_whitespace()).collect();
        format!("http://{addr}")
    }

    /// SIGTERM; asserts a clean exit (0) within 10 s and returns all of stderr.
    pub async fn stop(mut self) -> String {
        self.signal("TERM");
        let status = tokio::time::timeout(Duration::from_secs(10), self.child.wait())
            .await
            .expect("exits within 10 s")
            .unwrap();
        let _ = tokio::time::timeout(Duration::from_secs(5), &mut self.reader).await;
        let log = self.log();
        assert!(
            status.success(),
            "clean shutdown exits 0: {status:?}\n{log}"
        );
        log
    }

    /// Waits for the process to exit by itself (a start-up failure); returns its exit
    /// code and stderr.
    pub async fn exit(mut self, limit: Duration) -> (Option<i32>, String) {
        let status = tokio::time::timeout(limit, self.child.wait())
            .await
            .expect("exits by itself")
            .unwrap();
        let _ = tokio::time::timeout(Duration::from_secs(5), &mut self.reader).await;
        (status.code(), self.log())
    }
}

/// The state folder of the integration config written into `dir`.
pub fn state_dir(dir: &Path) -> PathBuf {
    dir.join("state")
}

/// GETs `url`; returns (status, content type, body).
pub async fn get(url: &str) -> (u16, String, String) {
    let resp = reqwest::Client::new()
        .get(url)
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET {url}: {e}"));
    let status = resp.status().as_u16();
    let ctype = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    (status, ctype, resp.text().await.unwrap_or_default())
}

/// Appends `text` to the config file at `path`.
pub fn append(path: &Path, text: &str) {
    let mut config = std::fs::read_to_string(path).unwrap();
    config.push_str(text);
    std::fs::write(path, config).unwrap();
}

/// Serves `tests/fixtures/it/<name>` at `/feeds/<name>` on `server`.
pub async fn serve_feed(server: &wiremock::MockServer, name: &str) {
    use wiremock::matchers::{method, path};
    wiremock::Mock::given(method("GET"))
        .and(path(format!("/feeds/{name}")))
        .respond_with(wiremock::ResponseTemplate::new(200).set_body_raw(
            crate::common::fixture_bytes(&format!("it/{name}")),
            "application/rss+xml",
        ))
        .mount(server)
        .await;
}

/// Waits until `server` received at least `n` webhooks; returns how many it has.
pub async fn wait_for_hooks(server: &wiremock::MockServer, n: usize, limit: Duration) -> usize {
    let start = Instant::now();
    loop {
        let got = crate::common::hooks(server).await.len();
        if got >= n || start.elapsed() > limit {
            return got;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
