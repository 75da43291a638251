//! config → feeds (fetch → **parse** → Article) → store → watch → alert: turns RSS
//! 0.9x/1.0/2.0, Atom or JSON Feed bytes into [`Article`]s through feed-rs, whose types
//! never leave this module.
//!
//! feed-rs can panic on some inputs, so every call is wrapped in `catch_unwind`; it also
//! invents ids for entries without one, so we give it an id generator that leaves them
//! empty and let [`Article::new`] derive ours.

use std::any::Any;
use std::borrow::Cow;
use std::cell::Cell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{LazyLock, Once};
use std::time::Duration;

use chrono::Utc;
use tokio::sync::Semaphore;

use feed_rs::model::{Entry, Feed, Link, Text};
use feed_rs::parser::{Builder, ParseFeedError};
use url::Url;

use super::article::Article;
use super::encoding::{html_charset, to_utf8};
use super::fastpath;
use super::fastxml::{take_reason, Why};
use super::html::{html_title, html_to_text, looks_like_html};
use super::limits::cap_items;
use super::repair::{
    clean_prolog, contains, rdf_item_links, repair, repair_atom, strip_people, ATOM03,
};
use super::sanitize::strip_controls;
use super::signals::{publish_gap, update_period, FeedSignals};

/// Why bytes could not be turned into articles.
#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    /// feed-rs rejected the bytes: not RSS, Atom or JSON Feed, or too broken to read.
    /// The source says why.
    #[error("feed {feed:?} is not a readable RSS, Atom or JSON feed")]
    NotAFeed {
        /// The configured feed name.
        feed: String,
        /// feed-rs's own error.
        #[source]
        source: ParseFeedError,
    },
    /// feed-rs panicked on the bytes; the panic was caught and is reported here.
    #[error("the feed parser panicked on feed {feed:?}: {message}")]
    Panicked {
        /// The configured feed name.
        feed: String,
        /// The panic's message.
        message: String,
    },
    /// The blocking parse task was cancelled (the runtime shut down) before it finished.
    #[error("the parse task for feed {feed:?} was cancelled")]
    Cancelled {
        /// The configured feed name.
        feed: String,
        /// The runtime's error.
        #[source]
        source: tokio::task::JoinError,
    },
}

/// How to read a document.
#[derive(Debug, Clone)]
pub struct ParseOptions {
    /// Resolves relative links (after any `xml:base`, before the feed's own link).
    pub base: Option<Url>,
    /// The HTTP `Content-Type` charset, which wins over the XML declaration.
    pub charset: Option<String>,
    /// Items kept, the first (newest) ones (see [`super::limits`]).
    pub max_items: usize,
}

impl Default for ParseOptions {
    fn default() -> Self {
        ParseOptions {
            base: None,
            charset: None,
            max_items: usize::MAX,
        }
    }
}

impl ParseOptions {
    /// The defaults, with relative links resolved against `base`.
    pub fn with_base(base: Option<&Url>) -> Self {
        ParseOptions {
            base: base.cloned(),
            ..ParseOptions::default()
        }
    }
}

/// A parsed feed: its articles and what it said about when to poll it again.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedFeed {
    /// The entries, in document order, at most `max_items`.
    pub articles: Vec<Article>,
    /// `<ttl>`, `sy:updatePeriod` and the publishing pace.
    pub signals: FeedSignals,
    /// Whether the document had more than `max_items` items (only the first were read).
    pub capped: bool,
}

/// Parses RSS 0.9x/1.0/2.0, Atom or JSON Feed bytes into articles of feed `feed`; `base`
/// resolves relative links (after any `xml:base`, before the feed's own link).
///
/// The encoding comes from the BOM or the XML declaration, so pass the raw bytes.
pub fn parse_feed(
    bytes: &[u8],
    feed: &str,
    base: Option<&Url>,
) -> Result<Vec<Article>, ParseError> {
    let opts = ParseOptions::with_base(base);
    parse_document(bytes, feed, &opts).map(|p| p.articles)
}

/// Parses a document as [`parse_feed`] does, with the HTTP charset and the item cap, and
/// reads its scheduling signals. Plain RSS 2.0 and Atom 1.0 take a strict fast path (see
/// `fastpath.rs`); anything it is not sure of goes through feed-rs.
pub fn parse_document(
    bytes: &[u8],
    feed: &str,
    opts: &ParseOptions,
) -> Result<ParsedFeed, ParseError> {
    let utf8 = to_utf8(bytes, opts.charset.as_deref());
    let clean = clean_prolog(&utf8);
    let bytes = cap_items(&clean, opts.max_items);
    let capped = matches!(bytes, Cow::Owned(_));
    let base = opts.base.as_ref();
    match fast_articles(&bytes, feed, base) {
        Some(fast) => Ok(finish(fast.articles, ttl(fast.ttl), &bytes, capped, opts)),
        None => slow_document(&bytes, feed, opts, capped),
    }
}

/// The feed-rs path over prepared (UTF-8, cleaned, capped) bytes.
fn slow_document(
    bytes: &[u8],
    feed: &str,
    opts: &ParseOptions,
    capped: bool,
) -> Result<ParsedFeed, ParseError> {
    // Atom 0.3 would parse "fine" with no entries at all, so upgrade it up front; so would
    // RSS 1.0 whose items lack a link.
    let atom = contains(bytes, ATOM03)
        .then(|| repair_atom(bytes))
        .flatten();
    let bytes = atom.as_deref().unwrap_or(bytes);
    let rdf = rdf_item_links(bytes);
    let bytes = rdf.as_deref().unwrap_or(bytes);
    let base = opts.base.as_ref();
    let parsed = read(bytes, feed, base)?;
    let ttl = ttl(parsed.ttl);
    let articles = articles(parsed, feed, base);
    Ok(finish(articles, ttl, bytes, capped, opts))
}

/// A `<ttl>` in minutes as a duration.
fn ttl(minutes: Option<u32>) -> Option<Duration> {
    minutes.map(|m| Duration::from_secs(u64::from(m) * 60))
}

/// Applies the item cap and reads the scheduling signals.
fn finish(
    mut articles: Vec<Article>,
    ttl: Option<Duration>,
    bytes: &[u8],
    mut capped: bool,
    opts: &ParseOptions,
) -> ParsedFeed {
    capped |= articles.len() > opts.max_items;
    articles.truncate(opts.max_items);
    let dates = articles.iter().filter_map(|a| a.published.or(a.updated));
    let signals = FeedSignals {
        ttl: ttl.filter(|t| !t.is_zero()),
        update_period: update_period(bytes),
        publish_gap: publish_gap(dates, Utc::now()),
    };
    ParsedFeed {
        articles,
        signals,
        capped,
    }
}

/// The strict fast path over prepared bytes: `Some` only when it is sure to give what the
/// feed-rs path gives.
fn fast_articles(bytes: &[u8], feed: &str, base: Option<&Url>) -> Option<fastpath::Fast> {
    // str's substring search is much faster than `contains` on bytes.
    let text = simdutf8::basic::from_utf8(bytes).ok().why("not UTF-8")?;
    let atom03 = std::str::from_utf8(ATOM03).unwrap_or_default();
    if text.contains(atom03) {
        return None.why("Atom 0.3");
    }
    catch_unwind(AssertUnwindSafe(|| fastpath::articles(text, feed, base)))
        .ok()
        .why("the fast path panicked")
        .flatten()
}

/// The fast path alone, on raw bytes prepared as [`parse_feed`] prepares them. Public for
/// the differential tests.
#[doc(hidden)]
pub fn parse_feed_fast(bytes: &[u8], feed: &str, base: Option<&Url>) -> Option<Vec<Article>> {
    let utf8 = to_utf8(bytes, None);
    fast_articles(&clean_prolog(&utf8), feed, base).map(|f| f.articles)
}

/// The fast path's `<ttl>` on raw bytes prepared as [`parse_feed`] prepares them, when it
/// answers. Public for the differential tests.
#[doc(hidden)]
pub fn parse_ttl_fast(bytes: &[u8]) -> Option<Option<Duration>> {
    let utf8 = to_utf8(bytes, None);
    let fast = fast_articles(&clean_prolog(&utf8), "f", None)?;
    Some(ttl(fast.ttl).filter(|t| !t.is_zero()))
}

/// The feed-rs path's `<ttl>` on raw bytes prepared as [`parse_feed`] prepares them.
/// Public for the differential tests.
#[doc(hidden)]
pub fn parse_ttl_slow(bytes: &[u8]) -> Result<Option<Duration>, ParseError> {
    let utf8 = to_utf8(bytes, None);
    let clean = clean_prolog(&utf8);
    let opts = ParseOptions::default();
    slow_document(&clean, "f", &opts, false).map(|p| p.signals.ttl)
}

/// Why the fast path gives up on raw bytes prepared as [`parse_feed`] prepares them, or
/// `None` when it answers. Public for the bench's and the tests' report of fallbacks.
#[doc(hidden)]
pub fn fast_path_refusal(bytes: &[u8], base: Option<&Url>) -> Option<&'static str> {
    take_reason();
    match parse_feed_fast(bytes, "f", base) {
        Some(_) => None,
        None => Some(take_reason().unwrap_or("no reason noted")),
    }
}

/// The feed-rs path alone, on raw bytes prepared as [`parse_feed`] prepares them. Public
/// for the differential tests.
#[doc(hidden)]
pub fn parse_feed_slow(
    bytes: &[u8],
    feed: &str,
    base: Option<&Url>,
) -> Result<Vec<Article>, ParseError> {
    let opts = ParseOptions::with_base(base);
    let utf8 = to_utf8(bytes, None);
    let clean = clean_prolog(&utf8);
    let bytes = cap_items(&clean, opts.max_items);
    slow_document(&bytes, feed, &opts, false).map(|p| p.articles)
}

/// feed-rs over `bytes`, with second chances: a rejected document is repaired (see
/// [`repair`]), and one feed-rs panicked on is tried without its person elements (see
/// [`strip_people`]).
fn read(bytes: &[u8], feed: &str, base: Option<&Url>) -> Result<Feed, ParseError> {
    let parsed = match attempt(bytes, feed, base)? {
        Err(first) => match repair(bytes) {
            Some(fixed) => attempt(&fixed, feed, base)?.map_err(|_| first),
            None => Err(first),
        },
        ok => ok,
    };
    parsed.map_err(|source| ParseError::NotAFeed {
        feed: feed.to_string(),
        source,
    })
}

/// One run of feed-rs, and a second without person elements if it panicked.
fn attempt(
    bytes: &[u8],
    feed: &str,
    base: Option<&Url>,
) -> Result<Result<Feed, ParseFeedError>, ParseError> {
    match run_feed_rs(bytes, feed, base) {
        Err(panicked) => {
            let stripped = strip_people(bytes).ok_or(panicked)?;
            run_feed_rs(&stripped, feed, base)
        }
        ok => ok,
    }
}

/// Parses run at once on blocking threads: parsing is CPU work, so more than one per core
/// gains nothing, and this bounds the memory parsing takes to cores × what one parse takes.
static PARSE_SLOTS: LazyLock<Semaphore> =
    LazyLock::new(|| Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get())));

/// Runs CPU work `f` on a blocking thread, at most one per core at once (waiting for a
/// slot): parsing and matching gain nothing from more, and the memory they hold stays
/// bounded by cores × what one poll holds.
pub async fn on_cpu<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, tokio::task::JoinError> {
    let _slot = PARSE_SLOTS.acquire().await;
    tokio::task::spawn_blocking(f).await
}

/// The same as [`parse_document`], off the async runtime (on a blocking thread, one per
/// core at most); a panic is reported as [`ParseError::Panicked`].
pub async fn parse_feed_blocking(
    bytes: bytes::Bytes,
    feed: String,
    opts: ParseOptions,
) -> Result<ParsedFeed, ParseError> {
    let name = feed.clone();
    match on_cpu(move || parse_document(&bytes, &feed, &opts)).await {
        Ok(result) => result,
        Err(e) if e.is_panic() => Err(ParseError::Panicked {
            feed: name,
            message: panic_message(&*e.into_panic()),
        }),
        Err(source) => Err(ParseError::Cancelled { feed: name, source }),
    }
}

/// What a local file turned out to be, for the `match` command.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    /// A feed, with its entries.
    Feed(Vec<Article>),
    /// An HTML page: its title, and its text as content.
    Page(Article),
    /// Plain text: an untitled article whose content is the whole text.
    Text(Article),
}

/// Reads a local file that may be a feed, an HTML page or plain text: a feed if it parses
/// as one, else a page if it looks like HTML, else text. A page or text is decoded as its
/// `<meta charset>` says, else as [`to_utf8`] guesses.
pub fn parse_any(bytes: &[u8], name: &str) -> Input {
    if let Ok(articles) = parse_feed(bytes, name, None) {
        return Input::Feed(articles);
    }
    let utf8 = to_utf8(bytes, html_charset(bytes).as_deref());
    let text = String::from_utf8_lossy(&utf8);
    if looks_like_html(&text) {
        let title = html_title(&text).unwrap_or_default();
        let content = html_to_text(&text);
        return Input::Page(Article::new(
            name,
            None,
            None,
            title,
            String::new(),
            content,
            None,
            None,
        ));
    }
    let content = text.trim().to_string();
    Input::Text(Article::new(
        name,
        None,
        None,
        String::new(),
        String::new(),
        content,
        None,
        None,
    ))
}

/// Runs feed-rs on the bytes with a panic caught: the outer error is the panic.
fn run_feed_rs(
    bytes: &[u8],
    feed: &str,
    base: Option<&Url>,
) -> Result<Result<Feed, ParseFeedError>, ParseError> {
    let parser = Builder::new()
        .base_uri(base.map(Url::as_str))
        // Leave missing ids empty, so we know the entry had none (feed-rs would hash or
        // randomise one); Article::new derives ours.
        .id_generator(|_, _, _| String::new())
        .sanitize_content(false)
        .build();
    quiet_panics(|| catch_unwind(AssertUnwindSafe(|| parser.parse(bytes)))).map_err(|payload| {
        ParseError::Panicked {
            feed: feed.to_string(),
            message: panic_message(&*payload),
        }
    })
}

thread_local! {
    static QUIET: Cell<bool> = const { Cell::new(false) };
}

/// Runs `f` with the panic hook silenced on this thread: a panic caught here is reported
/// as a [`ParseError`] (its text cleaned of control characters on the way to the log),
/// not printed raw — with the feed's bytes in it — to stderr by the default hook.
fn quiet_panics<T>(f: impl FnOnce() -> T) -> T {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !QUIET.with(Cell::get) {
                previous(info);
            }
        }));
    });
    QUIET.with(|q| q.set(true));
    let out = f();
    QUIET.with(|q| q.set(false));
    out
}

/// The text of a caught panic.
fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic without a message".to_string()
    }
}

/// Maps feed-rs entries to our articles.
fn articles(parsed: Feed, feed: &str, base: Option<&Url>) -> Vec<Article> {
    let feed_link = feed_link(&parsed.links);
    let fallback = base.or(feed_link.as_ref());
    parsed
        .entries
        .into_iter()
        .map(|entry| article(entry, feed, fallback))
        .collect()
}

/// Maps one entry; `base` resolves a link still relative after feed-rs's own resolution.
/// Media RSS titles and descriptions stand in for a missing title or summary, and a
/// GUID that is a web address for a missing link (RSS's `isPermaLink` default).
fn article(entry: Entry, feed: &str, base: Option<&Url>) -> Article {
    let guid = Some(entry.id.trim().to_string()).filter(|id| !id.is_empty());
    let url = match pick_link(&entry.links) {
        Some(link) => Some(resolve(&link.href, entry.base.as_deref(), base)),
        None => guid
            .clone()
            .filter(|g| Url::parse(g).is_ok_and(|u| u.scheme().starts_with("http"))),
    };
    let media_titles = entry.media.iter().filter_map(|m| m.title.as_ref());
    let title = first_text(entry.title.iter().chain(media_titles));
    let title = one_line(&strip_controls(&title));
    let media_descriptions = entry.media.iter().filter_map(|m| m.description.as_ref());
    let summary = first_text(entry.summary.iter().chain(media_descriptions));
    let body = entry.content.and_then(|c| c.body).unwrap_or_default();
    let content = html_to_text(&body);
    let authors = entry.authors.into_iter().filter_map(|p| p.name);
    let authors = authors.map(|name| html_to_text(&name));
    let categories = entry
        .categories
        .into_iter()
        .map(|c| html_to_text(c.label.as_deref().unwrap_or(&c.term)));
    Article::new(
        feed,
        guid,
        url,
        title,
        summary,
        content,
        entry.published,
        entry.updated,
    )
    .with_people_and_tags(authors, categories)
}

/// The first of `texts` that is not empty as plain text.
fn first_text<'a>(texts: impl Iterator<Item = &'a Text>) -> String {
    texts
        .map(|t| html_to_text(&t.content))
        .find(|s| !s.is_empty())
        .unwrap_or_default()
}

/// The feed's own link, from its channel-level links, when it is an absolute URL: what
/// resolves an entry's link left relative.
pub(super) fn feed_link(links: &[Link]) -> Option<Url> {
    pick_link(links).and_then(|l| Url::parse(&l.href).ok())
}

/// The entry's main link: the first plain or `rel="alternate"` link that is not a
/// comments link, preferring one that is not typed as a non-HTML attachment.
fn pick_link(links: &[Link]) -> Option<&Link> {
    let main = |l: &&Link| {
        l.target.is_none()
            && !l.href.trim().is_empty()
            && l.rel
                .as_deref()
                .is_none_or(|r| r.trim().eq_ignore_ascii_case("alternate"))
    };
    let html = |l: &&Link| l.media_type.as_deref().is_none_or(|t| t.contains("html"));
    links
        .iter()
        .filter(main)
        .find(html)
        .or_else(|| links.iter().find(main))
}

/// Makes `href` absolute against the entry's `xml:base`, else `base`; left as is when
/// it already is absolute or nothing resolves it.
pub(super) fn resolve(href: &str, entry_base: Option<&str>, base: Option<&Url>) -> String {
    let href = href.trim();
    if Url::parse(href).is_ok() {
        return href.to_string();
    }
    let entry_base = entry_base.and_then(|b| Url::parse(b).ok());
    entry_base
        .as_ref()
        .or(base)
        .and_then(|b| b.join(href).ok())
        .map_or_else(|| href.to_string(), String::from)
}

/// Collapses all whitespace (line breaks too) to single spaces.
pub(crate) fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
#[path = "parse_tests.rs"]
mod tests;
