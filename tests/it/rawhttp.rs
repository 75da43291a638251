//! A raw HTTP/1.1 server on 127.0.0.1 for what wiremock cannot do: drip a byte a second,
//! never answer, lie about Content-Length, stream an endless chunked body or a huge text
//! node. One response per connection, chosen by the request's path.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A running server; it stops when dropped.
pub struct RawServer {
    addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for RawServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl RawServer {
    /// Starts the server on an ephemeral port of 127.0.0.1.
    pub async fn start() -> RawServer {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1");
        let addr = listener.local_addr().expect("local address");
        let task = tokio::spawn(async move {
            while let Ok((conn, _)) = listener.accept().await {
                tokio::spawn(serve(conn));
            }
        });
        RawServer { addr, task }
    }

    /// The URL of `path` on this server.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

const FEED_HEAD: &[u8] = b"<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>raw</title><item><guid>r1</guid><title>Lloyd Austin raw</title><description>";
const FEED_TAIL: &[u8] = b"</description></item></channel></rss>";

async fn serve(mut conn: TcpStream) {
    let Some(path) = read_request_path(&mut conn).await else {
        return;
    };
    // Write errors mean the client gave up, which is what the hostile cases want.
    let _ = match path.as_str() {
        "/drip" => drip(&mut conn).await,
        "/silent" => {
            tokio::time::sleep(Duration::from_secs(600)).await;
            Ok(())
        }
        "/endless" => endless(&mut conn).await,
        "/short-body" => lying_length(&mut conn, 100_000, FEED_HEAD).await,
        "/long-body" => lying_length(&mut conn, 40, &[FEED_HEAD, b"x", FEED_TAIL].concat()).await,
        "/huge-length" => lying_length(&mut conn, 10_000_000_000, FEED_HEAD).await,
        "/text-node" => text_node(&mut conn, 20 * 1024 * 1024).await,
        _ => {
            conn.write_all(
                b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            )
            .await
        }
    };
}

/// Reads the request head and returns its path.
async fn read_request_path(conn: &mut TcpStream) -> Option<String> {
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 16 * 1024 {
        let n = conn.read(&mut buf).await.ok().filter(|n| *n > 0)?;
        head.extend_from_slice(&buf[..n]);
    }
    let line = String::from_utf8_lossy(&head).lines().next()?.to_string();
    line.split_whitespace().nth(1).map(str::to_string)
}

async fn drip(conn: &mut TcpStream) -> std::io::Result<()> {
    conn.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nContent-Length: 100000\r\nConnection: close\r\n\r\n").await?;
    for byte in FEED_HEAD.iter().cycle() {
        conn.write_all(&[*byte]).await?;
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    Ok(())
}

async fn endless(conn: &mut TcpStream) -> std::io::Result<()> {
    conn.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n").await?;
    let chunk = [b"10000\r\n".as_slice(), &[b'a'; 0x10000], b"\r\n"].concat();
    loop {
        conn.write_all(&chunk).await?;
    }
}

async fn lying_length(conn: &mut TcpStream, claimed: u64, body: &[u8]) -> std::io::Result<()> {
    let head = format!("HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nContent-Length: {claimed}\r\nConnection: close\r\n\r\n");
    conn.write_all(head.as_bytes()).await?;
    conn.write_all(body).await?;
    conn.shutdown().await
}

/// A feed whose one description is `size` bytes, without a Content-Length.
async fn text_node(conn: &mut TcpStream, size: usize) -> std::io::Result<()> {
    conn.write_all(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nConnection: close\r\n\r\n",
    )
    .await?;
    conn.write_all(FEED_HEAD).await?;
    let block = vec![b'z'; 64 * 1024];
    for _ in 0..size / block.len() {
        conn.write_all(&block).await?;
    }
    conn.write_all(FEED_TAIL).await?;
    conn.shutdown().await
}
