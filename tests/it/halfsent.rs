//! Issue 12, point 10: a receiver or a feed that answers nothing, or breaks off half-way,
//! is named for what it did ("empty reply", "connection closed after 120 of 400 body
//! bytes") in the delivery's reason and in the log. Raw TCP servers on 127.0.0.1 play
//! the broken peers.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::common::{newshound, text};
use crate::harness::{bulk_feed_server, delivery_config, hook_sink};

/// A server that reads each request whole, then sends the bytes its path names and
/// closes the connection.
struct Broken {
    addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Broken {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Broken {
    async fn start() -> Broken {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            while let Ok((conn, _)) = listener.accept().await {
                tokio::spawn(answer(conn));
            }
        });
        Broken { addr, task }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

/// What each path answers.
fn script(path: &str) -> Vec<u8> {
    let half = |status: &str, kind: &str| {
        let mut b =
            format!("HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: 400\r\n\r\n")
                .into_bytes();
        b.extend_from_slice(&[b'x'; 120]);
        b
    };
    match path {
        "/empty" | "/feed-empty" => Vec::new(),
        "/half" => half("500 Internal Server Error", "text/plain"),
        "/feed-half" => {
            let mut b = half("200 OK", "application/rss+xml");
            let body = b.len() - 120;
            b[body..].copy_from_slice(&[b' '; 120]);
            b
        }
        _ => b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n".to_vec(),
    }
}

async fn answer(mut conn: TcpStream) {
    let mut req = Vec::new();
    let mut buf = [0u8; 4096];
    let head_end = loop {
        match conn.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => req.extend_from_slice(&buf[..n]),
        }
        if let Some(i) = req.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&req[..head_end]).to_string();
    let length: usize = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse().ok())?
        })
        .unwrap_or(0);
    while req.len() < head_end + length {
        match conn.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => req.extend_from_slice(&buf[..n]),
        }
    }
    let path = head.split_whitespace().nth(1).unwrap_or("/").to_string();
    let _ = conn.write_all(&script(&path)).await;
    let _ = conn.shutdown().await;
    // Let the client read to the end before the socket goes.
    tokio::time::sleep(Duration::from_millis(200)).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_receiver_that_answers_nothing_or_half_is_named_in_the_reason() {
    let broken = Broken::start().await;
    let feeds = bulk_feed_server().await;
    let dir = tempfile::tempdir().unwrap();
    let sinks = [
        hook_sink("silent", &broken.url("/empty"), &[]),
        hook_sink("cut", &broken.url("/half"), &[]),
    ]
    .concat();
    let config = delivery_config(dir.path(), &feeds, "lighthouse", &sinks);
    let c = config.to_str().unwrap();
    let out = newshound(&["once", "-c", c]).await;
    let (_, log) = text(&out);
    assert!(
        log.contains("webhook 'silent'") && log.contains("empty reply"),
        "{log}"
    );
    assert!(
        log.contains("webhook 'cut' answered HTTP 500")
            && log.contains("connection closed after 120 of 400 body bytes"),
        "{log}"
    );
    let out = newshound(&["alerts", "-c", c, "--json"]).await;
    let (listing, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(listing.matches("empty reply").count(), 5, "{listing}");
    assert_eq!(
        listing
            .matches("connection closed after 120 of 400 body bytes")
            .count(),
        5,
        "{listing}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_feed_that_answers_nothing_or_half_is_named_in_the_log() {
    let broken = Broken::start().await;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    let toml = format!(
        "[daemon]\nstate_dir = \"{}\"\n[http]\ntimeout = \"5s\"\nallow_private_networks = true\n\
         [[feed]]\nname = \"empty\"\nurl = \"{}\"\n[[feed]]\nname = \"half\"\nurl = \"{}\"\n\
         [[watchlist]]\nname = \"w\"\nkeywords = [\"harbour\"]\nsinks = [\"log\"]\n\
         [[sink]]\nname = \"log\"\ntype = \"log\"\n",
        dir.path().join("state").display(),
        broken.url("/feed-empty"),
        broken.url("/feed-half")
    );
    std::fs::write(&config, toml).unwrap();
    let out = newshound(&["once", "-c", config.to_str().unwrap()]).await;
    let (stdout, log) = text(&out);
    let all = format!("{stdout}{log}");
    let empty = all
        .lines()
        .find(|l| l.contains("/feed-empty") && l.contains("empty reply"));
    assert!(empty.is_some(), "{all}");
    let half = all.lines().find(|l| {
        l.contains("/feed-half") && l.contains("connection closed after 120 of 400 body bytes")
    });
    assert!(half.is_some(), "{all}");
}
