//! The load and idle benchmarks' feed server (see `bench/load.sh`, `bench/idle.sh`): serves N
//! generated RSS feeds on 127.0.0.1, ~55 realistic items each (titles, links, GUIDs, dates,
//! a few paragraphs of description, categories; about one feed in ten mentions a watched
//! name), with an ETag per feed version so that an unchanged feed answers `304 Not
//! Modified`. Writes the matching config.
//!
//! ```text
//! cargo run --release --example feedfarm -- FEEDS CONFIG_OUT STATE_DIR [INTERVAL_SECS PERCENT]
//! ```
//!
//! With `INTERVAL_SECS`, the config polls every feed at that interval (`poll_interval` and
//! `max_interval`), and every `INTERVAL_SECS` the server publishes one new item in the next
//! `PERCENT` % of the feeds (default 10), in turn, so each round about that share changes.
//! Every body is generated before the server listens (a changed one when it changes), so
//! serving costs no generation. It prints `listening on 127.0.0.1:PORT` when ready, one
//! `changed N feeds (round R)` line per change, and serves until killed.

use std::sync::{Arc, RwLock};
use std::time::Duration;

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

/// One feed's body at `version`: 55 items, the newest first, an hour apart; each version
/// adds one item on top and drops the oldest. Each item's text depends only on its feed and
/// its number, so an unchanged item reads the same in every version.
fn feed(f: usize, version: usize) -> Vec<u8> {
    let mut xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel><title>Feed {f} news</title>\
         <link>https://news{f}.example/</link><description>Generated feed {f}</description><language>en</language>\n"
    );
    let newest = version + 54;
    for i in (version..=newest).rev() {
        xml.push_str(&item(f, i));
    }
    xml.push_str("</channel></rss>\n");
    xml.into_bytes()
}

/// Item number `i` of feed `f` (larger is newer).
fn item(f: usize, i: usize) -> String {
    let mut rng = fastrand::Rng::with_seed((f as u64) << 32 | i as u64);
    let date = chrono::DateTime::from_timestamp(1_780_000_000 + (i as i64 - 54) * 3600, 0)
        .unwrap_or_default();
    let mut title = words(&mut rng, 9);
    if f.is_multiple_of(10) && i % 55 == 47 {
        title = format!("Lloyd Austin {title}");
    }
    let paras: Vec<String> = (0..3)
        .map(|_| format!("&lt;p&gt;{}.&lt;/p&gt;", words(&mut rng, 22)))
        .collect();
    format!(
        "<item><title>{title}</title><link>https://news{f}.example/2026/story-{i}</link>\
         <guid isPermaLink=\"false\">news{f}-{i}</guid><pubDate>{}</pubDate>\
         <category>{}</category><description>{}</description></item>\n",
        date.to_rfc2822(),
        WORDS[rng.usize(..WORDS.len())],
        paras.join("")
    )
}

/// The benchmark config: every feed, realistic watchlists, a log sink.
fn config(feeds: usize, port: u16, state: &str, interval: Option<u64>) -> String {
    let poll = interval
        .map(|s| format!("poll_interval = \"{s}s\"\nmax_interval = \"{s}s\"\n"))
        .unwrap_or_default();
    let mut c = format!(
        "[daemon]\nstate_dir = \"{state}\"\nconcurrency = 64\n{poll}\n[http]\ntimeout = \"30s\"\nper_host = 64\n\
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

/// Every feed's current version and body.
type Farm = Arc<Vec<RwLock<(usize, Arc<Vec<u8>>)>>>;

/// Answers requests on one keep-alive connection.
async fn serve(conn: TcpStream, farm: Farm) -> std::io::Result<()> {
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
        let Some((id, (version, body))) = id.and_then(|i| Some((i, current(&farm, i)?))) else {
            write
                .write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
                .await?;
            continue;
        };
        let tag = format!("\"f{id}v{version}\"");
        if etag.as_deref() == Some(tag.as_str()) {
            write
                .write_all(format!("HTTP/1.1 304 Not Modified\r\nETag: {tag}\r\n\r\n").as_bytes())
                .await?;
            continue;
        }
        let head = format!("HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nETag: {tag}\r\nContent-Length: {}\r\n\r\n", body.len());
        write.write_all(head.as_bytes()).await?;
        write.write_all(&body).await?;
    }
}

/// Feed `i`'s version and body, if there is such a feed.
fn current(farm: &Farm, i: usize) -> Option<(usize, Arc<Vec<u8>>)> {
    let slot = farm.get(i)?.read().unwrap_or_else(|e| e.into_inner());
    Some((slot.0, slot.1.clone()))
}

/// Every `every`, publishes a new item in the next `percent` % of the feeds, in turn.
async fn change(farm: Farm, every: Duration, percent: usize) {
    let n = farm.len();
    let per_round = (n * percent).div_ceil(100).min(n);
    let (mut next, mut round) = (0, 0);
    loop {
        tokio::time::sleep(every).await;
        round += 1;
        for _ in 0..per_round {
            let version = current(&farm, next).map_or(0, |(v, _)| v + 1);
            let body = Arc::new(feed(next, version));
            *farm[next].write().unwrap_or_else(|e| e.into_inner()) = (version, body);
            next = (next + 1) % n;
        }
        println!("changed {per_round} feeds (round {round})");
    }
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(n), Some(out), Some(state)) = (args.get(1), args.get(2), args.get(3)) else {
        eprintln!("usage: feedfarm FEEDS CONFIG_OUT STATE_DIR [INTERVAL_SECS PERCENT]");
        std::process::exit(2);
    };
    let n: usize = n.parse().unwrap_or(10_000).max(1);
    let interval: Option<u64> = args.get(4).and_then(|s| s.parse().ok()).filter(|s| *s > 0);
    let percent: usize = args.get(5).and_then(|s| s.parse().ok()).unwrap_or(10);
    let farm: Farm = Arc::new(
        (0..n)
            .map(|f| RwLock::new((0, Arc::new(feed(f, 0)))))
            .collect(),
    );
    let total: usize = (0..n)
        .filter_map(|i| current(&farm, i))
        .map(|(_, b)| b.len())
        .sum();
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    std::fs::write(out, config(n, port, state, interval))?;
    println!(
        "listening on 127.0.0.1:{port}: {n} feeds, {:.1} MB, {:.1} KB per feed",
        total as f64 / 1e6,
        total as f64 / n as f64 / 1e3
    );
    if let Some(secs) = interval {
        tokio::spawn(change(farm.clone(), Duration::from_secs(secs), percent));
    }
    loop {
        let (conn, _) = listener.accept().await?;
        let farm = farm.clone();
        tokio::spawn(async move { serve(conn, farm).await });
    }
}
