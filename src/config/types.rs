//! The validated, runnable configuration that the rest of the daemon reads.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use url::Url;

use crate::watch::Matcher;

/// A validated config: every name resolved, every watchlist compiled.
#[derive(Clone)]
pub struct Config {
    /// `[daemon]`
    pub daemon: DaemonConfig,
    /// `[http]`
    pub http: HttpConfig,
    /// `[store]`
    pub store: StoreConfig,
    /// `[[feed]]`, in file order. Shared with the claim loop, which polls them, rather
    /// than copied (a copy of 20,000 feeds is some 6 MB).
    pub feeds: Arc<[FeedConfig]>,
    /// `[[watchlist]]`, in file order; index i is watchlist i of `matcher`.
    pub watchlists: Vec<WatchlistConfig>,
    /// `[[sink]]`, in file order.
    pub sinks: Vec<SinkConfig>,
    /// `[[health]]` rules, in file order.
    pub health: Vec<HealthRule>,
    /// Every watchlist compiled into one matcher.
    pub matcher: Arc<Matcher>,
    /// A hash of everything that decides what matches (watchlists and their feed filters).
    pub watch_fingerprint: String,
    /// The watchlists' matching rules as written, index i compiled as watchlist i of
    /// `matcher` (the rule tester starts from them).
    pub specs: Vec<crate::watch::WatchlistSpec>,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("daemon", &self.daemon)
            .field("feeds", &self.feeds.len())
            .field("watchlists", &self.watchlists.len())
            .field("sinks", &self.sinks.len())
            .finish()
    }
}

/// `[daemon]`
#[derive(Debug, Clone)]
pub struct DaemonConfig {
    /// Where the SQLite state lives.
    pub state_dir: PathBuf,
    /// Interval of feeds without their own.
    pub poll_interval: Duration,
    /// Feeds fetched at once.
    pub concurrency: usize,
    /// Admin endpoint address.
    pub admin_listen: Option<SocketAddr>,
    /// The admin token's file, resolved (relative names under `$CREDENTIALS_DIRECTORY`);
    /// when unset, `$CREDENTIALS_DIRECTORY/admin_token` if that exists. Only the path is
    /// kept: the token is read where it is used, never held in the config.
    pub admin_token_file: Option<PathBuf>,
    /// How long stored articles are kept (for `backtest`).
    pub retention: Duration,
    /// Window for near-duplicate detection; zero disables it.
    pub near_duplicate_window: Duration,
    /// Similarity at or above which two texts are one story.
    pub near_duplicate_similarity: f64,
    /// Backlog cut-off: on a feed's first poll, and when stored articles are matched
    /// again, items published longer ago are recorded without alerting; zero disables it.
    pub max_age: Duration,
    /// One fetch-latency histogram per feed on `/metrics` instead of one for all.
    pub per_feed_fetch_histogram: bool,
}

/// `[store]`: where the state lives.
#[derive(Debug, Clone, Default)]
pub struct StoreConfig {
    /// A shared PostgreSQL (`url` or the contents of `url_file`); `None` for the embedded
    /// SQLite under `daemon.state_dir`. Holds a password: shown only redacted.
    pub url: Option<crate::alert::sinks::secret::Secret>,
}

/// `[http]`
#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// Total request time, body included.
    pub timeout: Duration,
    /// Connection set-up time.
    pub connect_timeout: Duration,
    /// Largest body in bytes, after decompression.
    pub max_body: u64,
    /// Redirects followed.
    pub max_redirects: usize,
    /// User-Agent sent.
    pub user_agent: String,
    /// Whether loopback and private addresses may be contacted.
    pub allow_private_networks: bool,
    /// Exceptions to the guard (`http.allow_hosts`).
    pub allow_hosts: crate::net::AllowList,
    /// Requests to one host at once.
    pub per_host: usize,
    /// Items kept per feed, the newest first.
    pub max_items: usize,
    /// Names resolved to fixed addresses without DNS (still judged by the guard). Not a
    /// config key: a hook for tests that need a name pointing at 127.0.0.1.
    pub pinned_hosts: std::collections::BTreeMap<String, Vec<std::net::IpAddr>>,
}

impl HttpConfig {
    /// The address guard these settings describe.
    pub fn guard(&self) -> crate::net::Guard {
        crate::net::Guard {
            allow_private: self.allow_private_networks,
            allow: self.allow_hosts.clone(),
        }
    }
}

/// Where a feed is read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedSource {
    /// http:// or https://
    Http(Url),
    /// A local file, polled like any feed.
    File(PathBuf),
}

impl std::fmt::Display for FeedSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FeedSource::Http(u) => write!(f, "{u}"),
            FeedSource::File(p) => write!(f, "file://{}", p.display()),
        }
    }
}

/// One feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedConfig {
    /// Unique name.
    pub name: String,
    /// Where to read it.
    pub source: FeedSource,
    /// How often to poll it when it gives no signal of its own.
    pub interval: Duration,
    /// Shortest interval its signals may bring it to.
    pub min_interval: Duration,
    /// Longest interval its signals or failures may bring it to.
    pub max_interval: Duration,
    /// Tags for `#tag` filters.
    pub tags: Vec<String>,
    /// When to fetch the article page behind an item's link.
    pub full_text: FullText,
}

/// `[[feed]] full_text`: when the article page behind an item's link is fetched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FullText {
    /// Never (the default).
    #[default]
    Off,
    /// For every new item with an http(s) link.
    Always,
    /// Only when the item's own text (summary and content) is shorter than this many
    /// characters (`full_text = "auto"`, `full_text_below`).
    Below(usize),
}

impl FullText {
    /// Whether an item whose feed text has `chars` characters gets its page fetched.
    pub fn wants(self, chars: usize) -> bool {
        match self {
            FullText::Off => false,
            FullText::Always => true,
            FullText::Below(n) => chars < n,
        }
    }
}

/// One watchlist's routing (its matching rules live in the compiled matcher).
#[derive(Debug, Clone)]
pub struct WatchlistConfig {
    /// Unique name.
    pub name: String,
    /// Free label passed to sinks.
    pub severity: Option<String>,
    /// Indices into `Config::sinks`.
    pub sinks: Vec<usize>,
    /// Feed names it applies to; `None` = every feed.
    pub feeds: Option<BTreeSet<String>>,
    /// `revisions = true`: a story it alerted whose matched text changes alerts again, as
    /// a revision (off by default).
    pub revisions: bool,
}

impl WatchlistConfig {
    /// Whether this watchlist looks at articles of `feed`.
    pub fn applies_to(&self, feed: &str) -> bool {
        self.feeds.as_ref().is_none_or(|f| f.contains(feed))
    }
}

/// One sink.
#[derive(Debug, Clone)]
pub struct SinkConfig {
    /// Unique name.
    pub name: String,
    /// The validated sink of its kind, ready to deliver.
    pub sink: crate::alert::sinks::AnySink,
    /// Retry timing, rate limit, digest window and grouping.
    pub delivery: crate::alert::sinks::DeliveryConfig,
}

/// One `[[health]]` rule.
#[derive(Debug, Clone)]
pub struct HealthRule {
    /// The name its alerts carry in `watchlist`.
    pub name: String,
    /// Indices into `Config::sinks`.
    pub sinks: Vec<usize>,
    /// Feed names it watches; `None` = every feed.
    pub feeds: Option<BTreeSet<String>>,
    /// Failed polls in a row that raise the alert.
    pub after_failures: u32,
}

impl HealthRule {
    /// Whether this rule watches `feed`.
    pub fn applies_to(&self, feed: &str) -> bool {
        self.feeds.as_ref().is_none_or(|f| f.contains(feed))
    }
}
