//! Full-text fetch end to end: a feed on 127.0.0.1 whose items link to pages served beside
//! it, the real binary's `once`. The name only in a page's body alerts with
//! `field: "article"`; a gzip bomb, a redirect to a private address, a 30-second drip, a
//! non-HTML body, a consent wall and a robots.txt refusal are each recorded with the
//! reason while the feed's own text still alerts; a page is fetched once per story.

use std::collections::HashMap;
use std::io::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::common::{fixture_bytes, newshound, text};

/// A raw server for the feed and its pages; counts requests per path.
#[derive(Clone)]
struct Site {
    addr: SocketAddr,
    feed: Arc<Mutex<Vec<u8>>>,
    counts: Arc<Mutex<HashMap<String, usize>>>,
    bomb: Arc<Vec<u8>>,
}

impl Site {
    async fn start() -> Site {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        let zeros = vec![b' '; 1 << 20];
        for _ in 0..64 {
            gz.write_all(&zeros).unwrap();
        }
        let site = Site {
            addr: listener.local_addr().unwrap(),
            feed: Arc::default(),
            counts: Arc::default(),
            bomb: Arc::new(gz.finish().unwrap()),
        };
        let serving = site.clone();
        tokio::spawn(async move {
            while let Ok((conn, _)) = listener.accept().await {
                tokio::spawn(serving.clone().serve(conn));
            }
        });
        site
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    fn count(&self, path: &str) -> usize {
        self.counts.lock().unwrap().get(path).copied().unwrap_or(0)
    }

    fn set_feed(&self, items: &[(&str, &str, &str, &str)]) {
        let items: String = items
            .iter()
            .map(|(guid, path, title, desc)| {
                format!(
                    "<item><guid>{guid}</guid><link>{}</link><title>{title}</title>\
                     <description>{desc}</description></item>",
                    self.url(path)
                )
            })
            .collect();
        let rss = format!(
            "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>t</title>{items}</channel></rss>"
        );
        *self.feed.lock().unwrap() = rss.into_bytes();
    }

    async fn serve(self, mut conn: TcpStream) {
        let Some(path) = request_path(&mut conn).await else {
            return;
        };
        *self.counts.lock().unwrap().entry(path.clone()).or_default() += 1;
        let ok = |ctype: &str, body: &[u8]| {
            let mut r = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            )
            .into_bytes();
            r.extend_from_slice(body);
            r
        };
        let reply = match path.as_str() {
            "/feed.rss" => ok("application/rss+xml", &self.feed.lock().unwrap().clone()),
            "/robots.txt" => ok("text/plain", b"User-agent: *\nDisallow: /members/\n"),
            "/members/interview" => ok("text/html", &fixture_bytes("fulltext/article.html")),
            "/page/consent" => ok("text/html", &fixture_bytes("fulltext/consent.html")),
            "/page/pdf" => ok("application/pdf", b"%PDF-1.7 not a page"),
            "/page/private" => {
                b"HTTP/1.1 302 Found\r\nLocation: http://10.1.2.3/secret\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                    .to_vec()
            }
            "/page/bomb" => {
                let mut r = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Encoding: gzip\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    self.bomb.len()
                )
                .into_bytes();
                r.extend_from_slice(&self.bomb);
                r
            }
            "/page/drip" => {
                let head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 30\r\nConnection: close\r\n\r\n";
                if conn.write_all(head).await.is_err() {
                    return;
                }
                for _ in 0..30 {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    if conn.write_all(b"x").await.is_err() {
                        return;
                    }
                }
                return;
            }
            p if p.starts_with("/page/body") => {
                ok("text/html; charset=utf-8", &fixture_bytes("fulltext/article.html"))
            }
            _ => b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_vec(),
        };
        let _ = conn.write_all(&reply).await;
        let _ = conn.shutdown().await;
    }
}

async fn request_path(conn: &mut TcpStream) -> Option<String> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 2048];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = conn.read(&mut chunk).await.ok()?;
        if n == 0 || buf.len() > 16_384 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let line = String::from_utf8_lossy(&buf);
    line.split_whitespace().nth(1).map(str::to_string)
}

fn config(dir: &Path, site: &Site, feed_keys: &str, watch_keys: &str) -> PathBuf {
    let toml = format!(
        "[daemon]\nstate_dir = \"{}\"\n\n[http]\ntimeout = \"2s\"\nconnect_timeout = \"1s\"\n\
         max_body = \"1 MiB\"\nallow_hosts = [\"127.0.0.1\"]\n\n\
         [[feed]]\nname = \"news\"\nurl = \"{}\"\n{feed_keys}\n\n\
         [[watchlist]]\nname = \"austin\"\nrequire = \"person\"\n{watch_keys}\n\
         [[watchlist.person]]\nname = \"Lloyd Austin\"\n",
        dir.join("state").display(),
        site.url("/feed.rss"),
    );
    let path = dir.join("config.toml");
    std::fs::write(&path, toml).unwrap();
    path
}

/// The alerts a dry run printed, as JSON.
fn alerts(stdout: &str) -> Vec<Value> {
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

fn fields_of(alert: &Value) -> Vec<String> {
    alert["matches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["field"].as_str().unwrap().to_string())
        .collect()
}

/// The log line saying why `path`'s page was not used.
fn refusal<'a>(stderr: &'a str, path: &str) -> &'a str {
    stderr
        .lines()
        .find(|l| l.contains("article page not used") && l.contains(path))
        .unwrap_or_else(|| panic!("no refusal logged for {path}:\n{stderr}"))
}

const ITEMS: [(&str, &str, &str, &str); 7] = [
    (
        "body",
        "/page/body",
        "Security forum opens",
        "Ministers gather.",
    ),
    ("bomb", "/page/bomb", "Lloyd Austin arrives", "Short."),
    ("private", "/page/private", "Lloyd Austin speaks", "Short."),
    ("drip", "/page/drip", "Lloyd Austin meets", "Short."),
    ("pdf", "/page/pdf", "Lloyd Austin report", "Short."),
    ("consent", "/page/consent", "Lloyd Austin dinner", "Short."),
    (
        "members",
        "/members/interview",
        "Lloyd Austin interview",
        "Short.",
    ),
];

#[tokio::test(flavor = "multi_thread")]
async fn the_name_only_in_the_page_alerts_as_article_and_each_bad_page_is_refused_with_its_reason()
{
    let site = Site::start().await;
    site.set_feed(&ITEMS);
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), &site, "full_text = true", "");
    let out = newshound(&["once", "--dry-run", "-c", cfg.to_str().unwrap()]).await;
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    let alerts = alerts(&stdout);
    let by_title: HashMap<&str, &Value> = alerts
        .iter()
        .map(|a| (a["article"]["title"].as_str().unwrap(), a))
        .collect();
    assert_eq!(alerts.len(), 7, "one alert per story:\n{stdout}");
    let body = by_title["Security forum opens"];
    assert_eq!(fields_of(body), vec!["article"], "{body}");
    let snippet = body["matches"][0]["snippet"].as_str().unwrap();
    assert!(
        snippet.contains("[Lloyd Austin] met his counterpart"),
        "{snippet}"
    );
    for (_, _, title, _) in &ITEMS[1..] {
        assert_eq!(fields_of(by_title[title]), vec!["title"], "{title}");
    }
    for (path, reason) in [
        ("/page/bomb", "larger than the 1048576 byte limit"),
        (
            "/page/private",
            "redirect to 'http://10.1.2.3/secret' refused",
        ),
        ("/page/drip", "no complete answer"),
        (
            "/page/pdf",
            "not an HTML page (Content-Type 'application/pdf')",
        ),
        ("/page/consent", "consent or paywall page"),
        ("/members/interview", "disallowed by the host's robots.txt"),
    ] {
        let line = refusal(&stderr, path);
        assert!(line.contains(reason), "{path}: {line}");
    }
    assert_eq!(site.count("/members/interview"), 0, "robots.txt is obeyed");
    assert_eq!(
        site.count("/robots.txt"),
        1,
        "robots.txt read once per host"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_page_is_fetched_once_per_story_stored_and_auto_skips_long_items() {
    let site = Site::start().await;
    let long = "Ministers gather. ".repeat(10);
    site.set_feed(&[
        (
            "short",
            "/page/body?short",
            "Security forum opens",
            "Ministers gather.",
        ),
        ("long", "/page/body?long", "Security forum, day two", &long),
    ]);
    let dir = tempfile::tempdir().unwrap();
    let keys = "full_text = \"auto\"\nfull_text_below = 100";
    let cfg = config(dir.path(), &site, keys, "");
    for _ in 0..2 {
        let out = newshound(&["once", "-c", cfg.to_str().unwrap()]).await;
        let (stdout, stderr) = text(&out);
        assert!(out.status.success(), "{stdout}\n{stderr}");
    }
    assert_eq!(site.count("/page/body?short"), 1, "fetched once per story");
    assert_eq!(site.count("/page/body?long"), 0, "long enough: not fetched");
    let store = newshound::store::Store::open_dir_read_only(&dir.path().join("state"))
        .await
        .unwrap();
    let id = newshound::feeds::ArticleId::derive(Some("short"), None, "", None);
    let page = store
        .page_record("news", id.as_str())
        .await
        .unwrap()
        .expect("page recorded");
    assert_eq!(page.status, "ok");
    assert!(page.chars > 400, "{page:?}");
    let stored = store
        .stored_article("news", id.as_str())
        .await
        .unwrap()
        .unwrap();
    assert!(stored.article.contains("Lloyd Austin met his counterpart"));
    assert!(!stored.article.contains("Subscribe to our newsletter"));
}

/// The real pages of Miniflux's test data (Apache-2.0, tests/fixtures/miniflux/LICENSE), and
/// our synthetic article: a sentence of the body is kept, the navigation around it is not.
#[test]
fn real_pages_extract_to_their_body_text() {
    use newshound::feeds::page::extract_page;
    let cases: [(&str, &str, &[&str], &[&str]); 4] = [
        (
            "miniflux/internal/reader/sanitizer/testdata/miniflux_wikipedia.html",
            "https://fr.wikipedia.org/wiki/Miniflux",
            &["Miniflux est un agrégateur de flux RSS minimaliste."],
            &[
                "Menu principal",
                "Créer un compte",
                "Portail de la communauté",
            ],
        ),
        (
            "miniflux/internal/reader/sanitizer/testdata/miniflux_github.html",
            "https://github.com/miniflux/v2",
            &["Miniflux is a minimalist and opinionated feed reader"],
            &[
                "Automate any workflow",
                "Skip to content",
                "Find and fix vulnerabilities",
            ],
        ),
        (
            "miniflux/internal/reader/scraper/testdata/p.html",
            "https://example.org/p",
            &["Apquam tincidunt mauris eu risus."],
            &[],
        ),
        (
            "fulltext/article.html",
            "https://news.example/a",
            &["Lloyd Austin met his counterpart for forty minutes"],
            &[
                "World desk",
                "Subscribe to our newsletter",
                "About the newsroom",
                "in a script",
            ],
        ),
    ];
    for (rel, url, present, absent) in cases {
        let got = extract_page(&fixture_bytes(rel), Some("text/html"), Some(url))
            .unwrap_or_else(|e| panic!("{rel}: {e}"));
        for s in present {
            assert!(
                got.text.contains(s),
                "{rel}: body sentence {s:?} missing:\n{}",
                got.text
            );
        }
        for s in absent {
            assert!(
                !got.text.contains(s),
                "{rel}: navigation {s:?} kept:\n{}",
                got.text
            );
        }
    }
}
