//! Test support for the NATS sink: a real `nats-server -js` per test (its own process and
//! store folder, on a free port of 127.0.0.1, killed on drop), a tap that sees every
//! publish on the alert subjects, reading a stream back, and a TCP proxy that holds the
//! server's answers back for a while (a slow link: the server has stored an alert, the
//! daemon has not heard so yet).

use std::collections::BTreeSet;
use std::net::{SocketAddr, TcpListener};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_nats::jetstream;
use futures_util::StreamExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The Debian package's binary; `.ci/run` installs it when missing.
const NATS_SERVER: &str = "nats-server";

/// One `nats-server -js -sd DIR -a 127.0.0.1 -p PORT`.
pub struct NatsServer {
    port: u16,
    store: tempfile::TempDir,
    args: Vec<String>,
    child: Option<Child>,
}

impl NatsServer {
    /// Starts a server with JetStream on a free port.
    pub async fn start() -> NatsServer {
        NatsServer::start_with(&[]).await
    }

    /// Starts a server with extra arguments (e.g. `--auth TOKEN`).
    pub async fn start_with(args: &[&str]) -> NatsServer {
        let mut server = NatsServer {
            port: free_port(),
            store: tempfile::tempdir().unwrap(),
            args: args.iter().map(|a| a.to_string()).collect(),
            child: None,
        };
        server.spawn().await;
        server
    }

    async fn spawn(&mut self) {
        let port = self.port.to_string();
        let store = self.store.path().to_str().unwrap().to_string();
        let child = Command::new(NATS_SERVER)
            .args(["-js", "-sd", &store, "-a", "127.0.0.1", "-p", &port])
            .args(&self.args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("start {NATS_SERVER} (apt-get install nats-server): {e}"));
        self.child = Some(child);
        self.wait_until_ready().await;
    }

    /// Waits until the server accepts a connection and announces JetStream.
    async fn wait_until_ready(&mut self) {
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(15) {
            if let Some(status) = self.child.as_mut().and_then(|c| c.try_wait().unwrap()) {
                panic!("nats-server exited at start: {status}");
            }
            if let Ok(info) = first_line(self.addr()).await {
                assert!(info.contains("\"jetstream\":true"), "no JetStream: {info}");
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("nats-server on port {} not ready in 15 s", self.port);
    }

    /// Its address.
    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    /// `nats://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("nats://{}", self.addr())
    }

    /// Stops the server (SIGTERM) and waits for it to exit; the store is kept.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let pid = child.id().to_string();
            let _ = Command::new("kill").args(["-TERM", &pid]).status();
            let started = Instant::now();
            while child.try_wait().unwrap().is_none() {
                if started.elapsed() > Duration::from_secs(10) {
                    let _ = child.kill();
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    }

    /// Starts it again on the same port with the same store.
    pub async fn restart(&mut self) {
        self.stop();
        self.spawn().await;
    }

    /// A client of this server (no credentials).
    pub async fn client(&self) -> async_nats::Client {
        self.client_with(async_nats::ConnectOptions::new()).await
    }

    /// A client with these options.
    pub async fn client_with(&self, options: async_nats::ConnectOptions) -> async_nats::Client {
        options
            .connect(self.addr().to_string())
            .await
            .expect("connect to the test nats-server")
    }
}

impl Drop for NatsServer {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The first line the server sends (its `INFO`), within a second.
async fn first_line(addr: SocketAddr) -> std::io::Result<String> {
    let read = async {
        let mut conn = tokio::net::TcpStream::connect(addr).await?;
        let mut buf = vec![0u8; 4096];
        let mut got = 0;
        while !buf[..got].contains(&b'\n') && got < buf.len() {
            let n = conn.read(&mut buf[got..]).await?;
            if n == 0 {
                break;
            }
            got += n;
        }
        Ok(String::from_utf8_lossy(&buf[..got]).into_owned())
    };
    tokio::time::timeout(Duration::from_secs(1), read)
        .await
        .unwrap_or_else(|_| Err(std::io::ErrorKind::TimedOut.into()))
}

/// One message as the stream stored it.
#[derive(Debug, Clone)]
pub struct Stored {
    /// Its subject.
    pub subject: String,
    /// `Nats-Msg-Id`.
    pub msg_id: String,
    /// A header by name, empty when missing.
    pub headers: Vec<(String, String)>,
    /// The body as JSON.
    pub body: serde_json::Value,
}

impl Stored {
    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Every message of `stream`, in order.
pub async fn stream_messages(client: &async_nats::Client, stream: &str) -> Vec<Stored> {
    let js = jetstream::new(client.clone());
    let mut s = js.get_stream(stream).await.expect("the stream exists");
    let state = s.info().await.unwrap().state.clone();
    let mut out = Vec::new();
    if state.messages == 0 {
        return out;
    }
    for seq in state.first_sequence..=state.last_sequence {
        let m = s.get_raw_message(seq).await.expect("stored message");
        let headers: Vec<(String, String)> = m
            .headers
            .iter()
            .flat_map(|(k, vs)| vs.iter().map(move |v| (k.to_string(), v.to_string())))
            .collect();
        let msg_id = headers
            .iter()
            .find(|(k, _)| k == "Nats-Msg-Id")
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
        out.push(Stored {
            subject: m.subject.to_string(),
            msg_id,
            headers,
            body: serde_json::from_slice(&m.payload).expect("JSON body"),
        });
    }
    out
}

/// Waits until `stream` holds at least `n` messages; returns how many it holds.
pub async fn wait_for_messages(
    client: &async_nats::Client,
    stream: &str,
    n: u64,
    limit: Duration,
) -> u64 {
    let js = jetstream::new(client.clone());
    let started = Instant::now();
    loop {
        let count = match js.get_stream(stream).await {
            Ok(mut s) => s.info().await.map(|i| i.state.messages).unwrap_or(0),
            Err(_) => 0,
        };
        if count >= n || started.elapsed() > limit {
            return count;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Every publish on a subject, as a plain (non-JetStream) subscriber sees it: repeats
/// that the stream drops as duplicates arrive here too.
#[derive(Clone)]
pub struct Tap {
    ids: Arc<Mutex<Vec<String>>>,
}

impl Tap {
    /// Subscribes to `subject` on `client`.
    pub async fn start(client: &async_nats::Client, subject: &str) -> Tap {
        let mut sub = client.subscribe(subject.to_string()).await.unwrap();
        client.flush().await.unwrap();
        let ids = Arc::new(Mutex::new(Vec::new()));
        let seen = ids.clone();
        tokio::spawn(async move {
            while let Some(m) = sub.next().await {
                let id = m
                    .headers
                    .as_ref()
                    .and_then(|h| h.get("Nats-Msg-Id"))
                    .map(|v| v.to_string())
                    .unwrap_or_default();
                seen.lock().unwrap().push(id);
            }
        });
        Tap { ids }
    }

    /// Every id published so far, in order, repeats included.
    pub fn ids(&self) -> Vec<String> {
        self.ids.lock().unwrap().clone()
    }

    /// How many publishes so far.
    pub fn count(&self) -> usize {
        self.ids.lock().unwrap().len()
    }

    /// The distinct ids so far.
    pub fn distinct(&self) -> BTreeSet<String> {
        self.ids().into_iter().collect()
    }

    /// Waits until `pred(count)` holds; false after `limit`.
    pub async fn wait(&self, limit: Duration, pred: impl Fn(usize) -> bool) -> bool {
        let started = Instant::now();
        while started.elapsed() < limit {
            if pred(self.count()) {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        pred(self.count())
    }
}

/// A proxy on 127.0.0.1 in front of `upstream` that forwards what the client sends at
/// once and what the server sends `delay` later, in order. Returns its address.
pub async fn slow_answers(upstream: SocketAddr, delay: Duration) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            tokio::spawn(relay(client, upstream, delay));
        }
    });
    addr
}

async fn relay(client: tokio::net::TcpStream, upstream: SocketAddr, delay: Duration) {
    let Ok(server) = tokio::net::TcpStream::connect(upstream).await else {
        return;
    };
    let (mut cr, mut cw) = client.into_split();
    let (mut sr, mut sw) = server.into_split();
    let up = async move {
        let _ = tokio::io::copy(&mut cr, &mut sw).await;
        let _ = sw.shutdown().await;
    };
    let (tx, mut rx) = tokio::sync::mpsc::channel::<(Instant, Vec<u8>)>(1024);
    let read_down = async move {
        let mut buf = vec![0u8; 16 * 1024];
        while let Ok(n) = sr.read(&mut buf).await {
            if n == 0
                || tx
                    .send((Instant::now() + delay, buf[..n].to_vec()))
                    .await
                    .is_err()
            {
                break;
            }
        }
    };
    let write_down = async move {
        while let Some((due, bytes)) = rx.recv().await {
            tokio::time::sleep_until(due.into()).await;
            if cw.write_all(&bytes).await.is_err() {
                break;
            }
        }
    };
    tokio::join!(up, read_down, write_down);
}
