//! config → feeds → **page** → watch: the article page behind an item's link, fetched
//! once per story for feeds with `full_text`, through the feeds' client (address guard,
//! size and time caps, redirect policy), its own concurrency cap and per-host limit, and
//! the host's `robots.txt`. No JavaScript runs and no cookies are kept: the client has no
//! cookie store. [`extract`] turns the page into readable text.

pub mod extract;
pub mod robots;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::OnceCell;
use url::Url;

pub use extract::{extract_html, extract_page, ExtractError, Extracted};
use robots::{Robots, MAX_ROBOTS};

use super::fetch::{FetchError, Fetched, Fetcher};
use super::gate::Gate;
use super::parse::on_cpu;
use crate::config::FeedSource;
use crate::store::HostSlots;

/// Article pages fetched at once, over all feeds.
pub const PAGE_CONCURRENCY: usize = 4;

/// The product token looked for in `robots.txt`.
pub const ROBOTS_AGENT: &str = "newshound";

/// Why an article page gave no text; recorded with the article, never retried.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    /// The link is not an http(s) URL.
    #[error("link '{0}' is not an http(s) URL")]
    NotWeb(String),
    /// The host's robots.txt disallows the page.
    #[error("{0} is disallowed by the host's robots.txt")]
    Robots(String),
    /// The fetch failed (refused address, redirect to a private address, timeout, size…).
    #[error(transparent)]
    Fetch(#[from] FetchError),
    /// The page has no usable article text.
    #[error("{url}: {source}")]
    Extract {
        /// The page.
        url: String,
        /// Why.
        #[source]
        source: ExtractError,
    },
    /// The poll's page stage ran out of time before this page's turn came or ended.
    #[error("not fetched: the poll's page budget ({}) ran out", humantime::format_duration(*.0))]
    Budget(std::time::Duration),
    /// The extraction was cancelled (shutdown) or panicked.
    #[error("extracting {0} was cancelled")]
    Cancelled(String),
}

/// Fetches article pages; cheap to clone, shared by every feed of one config.
#[derive(Clone)]
pub struct PageFetcher {
    fetcher: Fetcher,
    gate: Arc<Gate>,
    robots: Arc<Mutex<HashMap<String, Arc<OnceCell<Robots>>>>>,
}

impl PageFetcher {
    /// Pages through `fetcher`, [`PAGE_CONCURRENCY`] at once, `per_host` per host (for
    /// the whole fleet when `slots` are given: a shared state's, named `page:` + host and
    /// each held at most `ttl`).
    pub fn new(
        fetcher: Fetcher,
        per_host: usize,
        slots: Option<(Arc<dyn HostSlots>, Duration)>,
    ) -> PageFetcher {
        let gate = Gate::new(PAGE_CONCURRENCY, per_host);
        let gate = match slots {
            Some((slots, ttl)) => gate.shared_as(slots, ttl, "page:"),
            None => gate,
        };
        PageFetcher {
            fetcher,
            gate: Arc::new(gate),
            robots: Arc::default(),
        }
    }

    /// Fetches the page at `link` and extracts its readable text.
    pub async fn fetch(&self, link: &str) -> Result<Extracted, PageError> {
        let url = match Url::parse(link) {
            Ok(u) if matches!(u.scheme(), "http" | "https") => u,
            _ => return Err(PageError::NotWeb(link.chars().take(200).collect())),
        };
        let source = FeedSource::Http(url.clone());
        let _pass = self.gate.enter(&source).await;
        if !self.robots_for(&url).await.allows(&path_of(&url)) {
            return Err(PageError::Robots(url.to_string()));
        }
        let (bytes, content_type, final_url) = match self.fetcher.fetch(&source, None).await? {
            Fetched::Body {
                bytes,
                content_type,
                final_url,
                ..
            } => (bytes, content_type, final_url.unwrap_or(url.clone())),
            // Never asked for (no validators sent); treat as nothing to read.
            Fetched::NotModified { .. } => (bytes::Bytes::new(), None, url.clone()),
        };
        let page = final_url.to_string();
        let work = move || extract_page(&bytes, content_type.as_deref(), Some(&page));
        match on_cpu(work).await {
            Ok(got) => got.map_err(|source| PageError::Extract {
                url: final_url.to_string(),
                source,
            }),
            Err(_) => Err(PageError::Cancelled(final_url.to_string())),
        }
    }

    /// The host's robots rules, read once per host per config: a 4xx (no file) allows
    /// everything; a file that cannot be read (5xx, timeout, refused) disallows everything,
    /// as RFC 9309 asks.
    async fn robots_for(&self, url: &Url) -> Robots {
        let origin = url.origin().ascii_serialization();
        let cell = {
            let mut map = self.robots.lock().unwrap_or_else(|e| e.into_inner());
            map.entry(origin.clone()).or_default().clone()
        };
        cell.get_or_init(|| self.read_robots(origin)).await.clone()
    }

    async fn read_robots(&self, origin: String) -> Robots {
        let Ok(url) = Url::parse(&format!("{origin}/robots.txt")) else {
            return Robots::allow_all();
        };
        match self.fetcher.fetch(&FeedSource::Http(url), None).await {
            Ok(Fetched::Body { bytes, .. }) => {
                let text = String::from_utf8_lossy(&bytes[..bytes.len().min(MAX_ROBOTS)]);
                Robots::parse(&text, ROBOTS_AGENT)
            }
            Ok(Fetched::NotModified { .. }) => Robots::allow_all(),
            Err(FetchError::Status { status, .. }) if (400..500).contains(&status) => {
                Robots::allow_all()
            }
            Err(e) => {
                tracing::info!(origin, error = %crate::net::error_chain(&e), "robots.txt unreadable: no article pages from this host");
                Robots::parse("User-agent: *\nDisallow: /\n", ROBOTS_AGENT)
            }
        }
    }
}

/// The path and query robots rules are matched against.
fn path_of(url: &Url) -> String {
    match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_string(),
    }
}
