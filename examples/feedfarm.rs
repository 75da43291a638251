//! The load benchmark's feed server (see `bench/load.sh`): serves N generated RSS feeds on
//! 127.0.0.1, ~55 realistic items each (titles, links, GUIDs, dates, a few paragraphs of
//! description, categories; about one feed in ten mentions a watched name), with an ETag
//! per feed so that a second round is all `304 Not Modified`. Writes the matching config.
//!
//! ```text
//! cargo run --release --example feedfarm -- FEEDS CONFIG_OUT STATE_DIR
//! ```
//!
//! Every body is generated before the server listens, so serving costs no generation.
//! It prints `listening on 127.0.0.1:PORT` when ready and serves until killed.

use std::sync::Arc;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

const WORDS: &[&str] = &[
    "government",
    "minister",
    "talks",
    "security",
    "defence",
    "summit",
    "market",
    "report",
    "election",
    "policy",
    "border",
    "trade",
    "energy",
    "climate",
    "court",
    "ruling",
    "budget",
    "parliament",
    "official",
    "agreement",
    "crisis",
    "investors",
    "growth",
    "inflation",
    "bank",
    "rates",
    "health",
    "hospital",
    "school",
    "police",
    "protest",
    "city",
    "region",
    "coast",
    "storm",
    "flood",
    "drought",
    "harvest",
    "export",
    "import",
    "industry",
    "workers",
    "union",
    "strike",
    "company",
    "profits",
    "shares",
    "technology",
    "chips",
    "software",
    "satellite",
    "launch",
    "mission",
    "research",
    "study",
    "scientists",
    "discovery",
    "museum",
    "festival",
    "film",
    "music",
    "football",
    "league",
    "season",
    "coach",
    "transfer",
    "record",
    "world",
    "national",
    "local",
    "international",
    "military",
    "navy",
    "exercise",
    "alliance",
    "visit",
    "meeting",
    "statement",
    "spokesperson",
    "declined",
    "announced",
    "warned",
    "expected",
    "said",
    "reported",
    "confirmed",
    "denied",
    "proposed",
    "approved",
    "rejected",
];
const PLACES: &[&str] = &[
    "Singapore",
    "Beijing",
    "Washington",
    "Brussels",
    "Nairobi",
    "Jakarta",
    "Lima",
    "Oslo",
    "Manila",
    "Hanoi",
    "Canberra",
    "Ottawa",
    "Dakar",
    "Seoul",
    "Tokyo",
    "Delhi",
];

/// Deterministic text for feed `f`, item `i`: `n` words.
fn words(rng: &mut fastrand::Rng, n: usize) -> String {
    let mut out = Vec::with_capacity(n);
    for k in 0..n {
        let w = if k % 9 == 4 {
            PLACES[rng.usize(..PLACES.len())]
        } else {
            WORDS[rng.usize(..WORDS.len())]
        };
        out.push(w);
    }
    out.join(" ")
}

/// One feed's body: 55 items, the newest first, an hour apart.
fn feed(f: usize) -> Vec<u8> {
    let mut rng = fastrand::Rng::with_seed(f as u64);
    let mut xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel><title>Feed {f} news</title>\
         <link>https://news{f}.example/</link><description>Generated feed {f}</description><language>en</language>\n"
    );
    let mentions = f.is_multiple_of(10);
    for i in 0..55 {
        let date = chrono::DateTime::from_timestamp(1_780_000_000 - (i as i64) * 3600, 0)
            .unwrap_or_default();
        let mut title = words(&mut rng, 9);
        if mentions && i == 7 {
            title = format!("Lloyd Austin {title}");
        }
        let paras: Vec<String> = (0..3)
            .map(|_| format!("&lt;p&gt;{}.&lt;/p&gt;", words(&mut rng, 22)))
            .collect();
        xml.push_str(&format!(
            "<item><title>{title}</title><link>https://news{f}.example/2026/story-{i}</link>\
             <guid isPermaLink=\"false\">news{f}-{i}</guid><pubDate>{}</pubDate>\
             <category>{}</category><description>{}</description></item>\n",
            date.to_rfc2822(),
            WORDS[rng.usize(..WORDS.len())],
            paras.join("")
        ));
    }
    xml.push_str("</channel></rss>\n");
    xml.into_bytes()
}

/// The benchmark config: every feed, realistic watchlists, a log sink.
fn config(feeds: usize, port: u16, state: &str) -> String {
    let mut c = format!(
        "[daemon]\nstate_dir = \"{state}\"\nconcurrency = 64\n\n[http]\ntimeout = \"30s\"\nper_host = 64\n\
         allow_private_networks = true\n\n\
         [[watchlist]]\nname = \"us-china-defence\"\nrequire = \"person-and-keyword\"\nkeywords = [\"declin*\", \"summit\", \"talks\"]\n\
         [[watchlist.person]]\nname = \"Lloyd Austin\"\naliases = [\"Secretary Austin\"]\n\
         [[watchlist.person]]\nname = \"Li Shangfu\"\n\n\
         [[watchlist]]\nname = \"famine\"\nquery = '(drought OR flood) NEAR/2 famine AND NOT football'\n\n\
         [[watchlist]]\nname = \"markets\"\nkeywords = [\"rate cut\", \"default on\", \"bank run\", \"sovereign bonds\"]\n\n\
         [[sink]]\nname = \"log\"\ntype = \"log\"\n\n"
    );
    for f in 0..feeds {
        c.push_str(&format!(
            "[[feed]]\nname = \"feed-{f}\"\nurl = \"http://127.0.0.1:{port}/feed/{f}.xml\"\n\n"
        ));
    }
    c
}

/// Answers requests on one keep-alive connection.
async fn serve(conn: TcpStream, bodies: Arc<Vec<Vec<u8>>>) -> std::io::Result<()> {
    let (read, mut write) = conn.into_split();
    let mut lines = BufReader::new(read);
    loop {
        let (mut path, mut etag, mut line) = (String::new(), None, String::new());
        loop {
            line.clear();
            if lines.read_line(&mut line).await? == 0 {
                return Ok(());
            }
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            if path.is_empty() {
                path = l.split_whitespace().nth(1).unwrap_or("").to_string();
            } else if let Some(v) = l
                .strip_prefix("if-none-match:")
                .or(l.strip_prefix("If-None-Match:"))
            {
                etag = Some(v.trim().to_string());
            }
        }
        let id = path
            .strip_prefix("/feed/")
            .and_then(|p| p.strip_suffix(".xml"))
            .and_then(|n| n.parse::<usize>().ok());
        let Some(body) = id.and_then(|i| bodies.get(i)) else {
            write
                .write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
                .await?;
            continue;
        };
        let tag = format!("\"f{}\"", id.unwrap_or(0));
        if etag.as_deref() == Some(tag.as_str()) {
            write
                .write_all(format!("HTTP/1.1 304 Not Modified\r\nETag: {tag}\r\n\r\n").as_bytes())
                .await?;
            continue;
        }
        let head = format!("HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nETag: {tag}\r\nContent-Length: {}\r\n\r\n", body.len());
        write.write_all(head.as_bytes()).await?;
        write.write_all(body).await?;
    }
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(n), Some(out), Some(state)) = (args.get(1), args.get(2), args.get(3)) else {
        eprintln!("usage: feedfarm FEEDS CONFIG_OUT STATE_DIR");
        std::process::exit(2);
    };
    let n: usize = n.parse().unwrap_or(10_000);
    let bodies: Arc<Vec<Vec<u8>>> = Arc::new((0..n).map(feed).collect());
    let total: usize = bodies.iter().map(Vec::len).sum();
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    std::fs::write(out, config(n, port, state))?;
    println!(
        "listening on 127.0.0.1:{port}: {n} feeds, {:.1} MB, {:.1} KB per feed",
        total as f64 / 1e6,
        total as f64 / n as f64 / 1e3
    );
    loop {
        let (conn, _) = listener.accept().await?;
        let bodies = bodies.clone();
        tokio::spawn(async move { serve(conn, bodies).await });
    }
}
