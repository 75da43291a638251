//! The email sink end to end through a real SMTP server (aiosmtpd, started here on
//! 127.0.0.1): one multipart message per alert with escaped HTML, AUTH from a password
//! file, and a digest as one message. The test fails, never skips, when the server cannot
//! start: `.ci/run` installs python3-aiosmtpd.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::common::{fixture, newshound, text};
use crate::harness::{delivery_config_for, serve_feed};

/// Debian's python (which has python3-aiosmtpd), else whatever `python3` is.
fn python() -> &'static str {
    if Path::new("/usr/bin/python3").exists() {
        "/usr/bin/python3"
    } else {
        "python3"
    }
}

/// A running SMTP server writing each message as JSON into `dir`.
struct Smtp {
    port: u16,
    dir: PathBuf,
    _child: Child,
}

async fn start_smtp(dir: &Path, auth: Option<(&str, &str)>) -> Smtp {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut args = vec![
        fixture("it/smtp_server.py").display().to_string(),
        port.to_string(),
        dir.display().to_string(),
    ];
    if let Some((u, p)) = auth {
        args.extend([u.to_string(), p.to_string()]);
    }
    let mut child = Command::new(python())
        .args(&args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| panic!("starting {} failed: {e}", python()));
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let ready = tokio::time::timeout(Duration::from_secs(20), lines.next_line()).await;
    if !matches!(ready, Ok(Ok(Some(ref l))) if l == "READY") {
        let out = child.wait_with_output().await.unwrap();
        panic!(
            "the SMTP test server did not start (install python3-aiosmtpd): {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Smtp {
        port,
        dir: dir.to_path_buf(),
        _child: child,
    }
}

impl Smtp {
    /// The messages received so far, in order.
    fn messages(&self) -> Vec<Value> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&self.dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        let read = |p: &PathBuf| serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap();
        files.iter().map(read).collect()
    }

    async fn wait_for(&self, n: usize) -> Vec<Value> {
        let start = Instant::now();
        while self.messages().len() < n && start.elapsed() < Duration::from_secs(10) {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.messages()
    }
}

fn email_sink(port: u16, extra: &str) -> String {
    format!(
        "[[sink]]\nname = \"desk\"\ntype = \"email\"\nsmtp_url = \"smtp://127.0.0.1:{port}\"\n\
         from = \"newshound <newshound@example.org>\"\nto = [\"desk@example.org\", \"Night Desk <night@example.org>\"]\n{extra}\n"
    )
}

async fn config_with(dir: &Path, sinks: &str) -> (wiremock::MockServer, PathBuf) {
    let feeds = wiremock::MockServer::start().await;
    serve_feed(&feeds, "tricky.rss").await;
    let url = format!("{}/feeds/tricky.rss", feeds.uri());
    let config = delivery_config_for(dir, &url, "lighthouse", sinks);
    (feeds, config)
}

#[tokio::test(flavor = "multi_thread")]
async fn email_alerts_arrive_through_a_real_smtp_server() {
    let dir = tempfile::tempdir().unwrap();
    let inbox = dir.path().join("inbox");
    std::fs::create_dir_all(&inbox).unwrap();
    let smtp = start_smtp(&inbox, Some(("hound", "s3cret pass"))).await;
    std::fs::write(dir.path().join("smtp.pw"), "s3cret pass\n").unwrap();
    let pw = dir.path().join("smtp.pw");
    let extra = format!(
        "smtp_username = \"hound\"\nsmtp_password_file = \"{}\"",
        pw.display()
    );
    let (_feeds, config) = config_with(dir.path(), &email_sink(smtp.port, &extra)).await;

    let out = newshound(&["once", "-c", config.to_str().unwrap()]).await;
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("3 delivered"), "{stdout}\n{stderr}");
    let messages = smtp.wait_for(3).await;
    assert_eq!(messages.len(), 3);
    for m in &messages {
        assert_eq!(m["auth"], true, "logged in with the password file");
        assert_eq!(m["mail_from"], "newshound@example.org");
        assert_eq!(
            m["rcpt_tos"],
            serde_json::json!(["desk@example.org", "night@example.org"])
        );
        assert_eq!(m["content_type"], "multipart/alternative");
        assert_eq!(m["parts"], serde_json::json!(["text/plain", "text/html"]));
        assert!(m["subject"]
            .as_str()
            .unwrap()
            .starts_with("[newshound] harbour: "));
        let id = m["message_id"].as_str().unwrap();
        assert!(id.starts_with('<') && id.ends_with("@newshound>"), "{id}");
        assert!(
            m["plain"].as_str().unwrap().contains("[lighthouse]")
                || m["plain"].as_str().unwrap().contains("[Lighthouse]")
        );
    }
    let tricky = messages
        .iter()
        .find(|m| m["subject"].as_str().unwrap().contains("Q&A"))
        .expect("the tricky story");
    let html = tricky["html"].as_str().unwrap();
    assert!(
        html.contains("Q&amp;A: the &lt;lighthouse&gt;"),
        "escaped: {html}"
    );
    assert!(!html.contains("<lighthouse>"), "{html}");
    assert!(html.contains("<strong>lighthouse</strong>"), "{html}");
    assert!(
        html.contains("href=\"http://tricky.example/a?x=1&amp;y=2|3\""),
        "{html}"
    );
    let plain = tricky["plain"].as_str().unwrap();
    assert!(
        plain.contains("Q&A: the <lighthouse>"),
        "plain text is not escaped: {plain}"
    );

    // A second run sends nothing again.
    let out = newshound(&["once", "-c", config.to_str().unwrap()]).await;
    assert!(out.status.success());
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(smtp.messages().len(), 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_email_digest_is_one_message_and_a_down_server_is_retried() {
    let dir = tempfile::tempdir().unwrap();
    let inbox = dir.path().join("inbox");
    std::fs::create_dir_all(&inbox).unwrap();
    // Nothing listens on the port yet: the attempt fails and stays pending.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let sink = email_sink(port, "digest = \"1s\"\nbackoff = \"100ms\"");
    let (_feeds, config) = config_with(dir.path(), &sink).await;
    let c = config.to_str().unwrap();
    assert!(newshound(&["once", "-c", c]).await.status.success());
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let out = newshound(&["once", "-c", c]).await;
    let (stdout, stderr) = text(&out);
    assert!(stdout.contains("3 to retry"), "{stdout}\n{stderr}");

    let smtp = start_smtp_on(&inbox, port).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let out = newshound(&["once", "-c", c]).await;
    assert!(text(&out).0.contains("3 delivered"), "{}", text(&out).1);
    let messages = smtp.wait_for(1).await;
    assert_eq!(messages.len(), 1, "one message for the whole window");
    assert_eq!(messages[0]["subject"], "[newshound] digest: 3 alerts");
    let html = messages[0]["html"].as_str().unwrap();
    assert_eq!(html.matches("<h3>").count(), 3, "{html}");
}

async fn start_smtp_on(dir: &Path, port: u16) -> Smtp {
    let mut child = Command::new(python())
        .args([
            fixture("it/smtp_server.py").display().to_string(),
            port.to_string(),
            dir.display().to_string(),
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("start the SMTP test server");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let ready = tokio::time::timeout(Duration::from_secs(20), lines.next_line()).await;
    assert!(
        matches!(ready, Ok(Ok(Some(ref l))) if l == "READY"),
        "the SMTP test server did not start"
    );
    Smtp {
        port,
        dir: dir.to_path_buf(),
        _child: child,
    }
}
