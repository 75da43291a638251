//! config → feeds (fetch → **parse** → Article) → store → watch → alert: turns RSS
//! 0.9x/1.0/2.0, Atom or JSON Feed bytes into [`Article`]s through feed-rs, whose types
//! never leave this module.
//!
//! feed-rs can panic on some inputs, so every call is wrapped in `catch_unwind`; it also
//! invents ids for entries without one, so we give it an id generator that leaves them
//! empty and let [`Article::new`] derive ours.

use std::any::Any;
use std::panic::{catch_unwind, AssertUnwindSafe};

use feed_rs::model::{Entry, Feed, Link, Text};
use feed_rs::parser::{Builder, ParseFeedError};
use url::Url;

use super::article::Article;
use super::fastpath;
use super::html::{html_title, html_to_text, looks_like_html};
use super::repair::{contains, repair, repair_atom, to_utf8, ATOM03};

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

/// Parses RSS 0.9x/1.0/2.0, Atom or JSON Feed bytes into articles of feed `feed`; `base`
/// resolves relative links (after any `xml:base`, before the feed's own link).
///
/// The encoding comes from the BOM or the XML declaration, so pass the raw bytes.
/// Plain RSS 2.0 and Atom 1.0 take a strict fast path ([`parse_feed_fast`]); everything
/// else, and anything the fast path is unsure of, goes through feed-rs.
pub fn parse_feed(
    bytes: &[u8],
    feed: &str,
    base: Option<&Url>,
) -> Result<Vec<Article>, ParseError> {
    match parse_feed_fast(bytes, feed, base) {
        Some(articles) => Ok(articles),
        None => parse_feed_slow(bytes, feed, base),
    }
}

/// The strict fast path alone: `Some` only when it is sure to give what
/// [`parse_feed_slow`] gives. Public for the differential tests.
#[doc(hidden)]
pub fn parse_feed_fast(bytes: &[u8], feed: &str, base: Option<&Url>) -> Option<Vec<Article>> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if to_utf8(bytes).is_some() {
        return None;
    }
    // UTF-8 first: str's substring search is much faster than `contains` on bytes.
    let text = std::str::from_utf8(bytes).ok()?;
    let atom03 = std::str::from_utf8(ATOM03).unwrap_or_default();
    if text.contains(atom03) {
        return None;
    }
    catch_unwind(AssertUnwindSafe(|| fastpath::articles(text, feed, base)))
        .ok()
        .flatten()
}

/// The feed-rs path alone (with its repairs). Public for the differential tests.
#[doc(hidden)]
pub fn parse_feed_slow(
    bytes: &[u8],
    feed: &str,
    base: Option<&Url>,
) -> Result<Vec<Article>, ParseError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let utf8 = to_utf8(bytes);
    let bytes = utf8.as_deref().unwrap_or(bytes);
    // Atom 0.3 would parse "fine" with no entries at all, so upgrade it up front.
    let atom = contains(bytes, ATOM03)
        .then(|| repair_atom(bytes))
        .flatten();
    let bytes = atom.as_deref().unwrap_or(bytes);
    let parsed = match run_feed_rs(bytes, feed, base)? {
        Err(first) => match repair(bytes) {
            Some(fixed) => run_feed_rs(&fixed, feed, base)?.map_err(|_| first),
            None => Err(first),
        },
        ok => ok,
    };
    let parsed = parsed.map_err(|source| ParseError::NotAFeed {
        feed: feed.to_string(),
        source,
    })?;
    Ok(articles(parsed, feed, base))
}

/// The same as [`parse_feed`], off the async runtime (on a blocking thread); a panic is
/// reported as [`ParseError::Panicked`].
pub async fn parse_feed_blocking(
    bytes: bytes::Bytes,
    feed: String,
    base: Option<Url>,
) -> Result<Vec<Article>, ParseError> {
    let name = feed.clone();
    match tokio::task::spawn_blocking(move || parse_feed(&bytes, &feed, base.as_ref())).await {
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
/// as one, else a page if it looks like HTML, else text. Invalid UTF-8 is decoded lossily.
pub fn parse_any(bytes: &[u8], name: &str) -> Input {
    if let Ok(articles) = parse_feed(bytes, name, None) {
        return Input::Feed(articles);
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = String::from_utf8_lossy(bytes);
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
    catch_unwind(AssertUnwindSafe(|| parser.parse(bytes))).map_err(|payload| ParseError::Panicked {
        feed: feed.to_string(),
        message: panic_message(&*payload),
    })
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
    let feed_link = pick_link(&parsed.links).and_then(|l| Url::parse(&l.href).ok());
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
    let title = one_line(&first_text(entry.title.iter().chain(media_titles)));
    let media_descriptions = entry.media.iter().filter_map(|m| m.description.as_ref());
    let summary = first_text(entry.summary.iter().chain(media_descriptions));
    let body = entry.content.and_then(|c| c.body).unwrap_or_default();
    let content = Some(html_to_text(&body))
        .filter(|c| *c != summary)
        .unwrap_or_default();
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
}

/// The first of `texts` that is not empty as plain text.
fn first_text<'a>(texts: impl Iterator<Item = &'a Text>) -> String {
    texts
        .map(|t| html_to_text(&t.content))
        .find(|s| !s.is_empty())
        .unwrap_or_default()
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
fn resolve(href: &str, entry_base: Option<&str>, base: Option<&Url>) -> String {
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
mod tests {
    use super::*;
    use crate::feeds::article::ArticleId;

    fn parse(xml: &str) -> Vec<Article> {
        parse_feed(xml.as_bytes(), "f", None).expect("parses")
    }

    fn rss(items: &str) -> String {
        format!(
            r#"<?xml version="1.0"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
            xmlns:media="http://search.yahoo.com/mrss/"><channel><title>T</title>
            <link>https://news.example/</link>{items}</channel></rss>"#
        )
    }

    #[test]
    fn rss_fields_become_plain_text() {
        let a = &parse(&rss(
            r#"<item><title>Caf&eacute; &lt;b&gt;Li&lt;/b&gt; Shangfu&rsquo;s &amp;lt;3</title>
            <guid isPermaLink="false"> g-1 </guid><link>https://news.example/a</link>
            <description>&lt;p&gt;One &amp;ldquo;two&amp;rdquo;&lt;/p&gt;&lt;p&gt;three&lt;/p&gt;</description>
            <content:encoded><![CDATA[<p>Full <b>text</b></p><script>x()</script>]]></content:encoded>
            <pubDate>Mon, 29 May 2023 08:30:00 +0000</pubDate></item>"#,
        ))[0];
        assert_eq!(a.title, "Café Li Shangfu’s <3");
        assert_eq!(a.guid.as_deref(), Some("g-1"));
        assert_eq!(a.url.as_deref(), Some("https://news.example/a"));
        assert_eq!(a.summary, "One “two”\n\nthree");
        assert_eq!(a.content, "Full text");
        assert_eq!(
            a.published.map(|d| d.to_rfc3339()).as_deref(),
            Some("2023-05-29T08:30:00+00:00")
        );
        assert_eq!(a.feed, "f");
    }

    #[test]
    fn entries_without_ids_get_ours_not_random_ones() {
        let xml = rss(
            "<item><title>linked</title><link>/a/b</link></item><item><title>bare</title></item>",
        );
        let (first, second) = (parse(&xml), parse(&xml));
        assert_eq!(first, second, "ids are stable across parses");
        assert_eq!(first[0].guid, None);
        assert_eq!(
            first[0].url.as_deref(),
            Some("https://news.example/a/b"),
            "resolved against the channel link"
        );
        assert_eq!(
            first[0].id,
            ArticleId::derive(None, first[0].url.as_deref(), "linked", None)
        );
        assert_eq!(first[1].id, ArticleId::derive(None, None, "bare", None));
    }

    #[test]
    fn relative_links_resolve_against_base_then_xml_base() {
        let base = Url::parse("https://base.example/feeds/x.xml").ok();
        let got = parse_feed(
            rss("<item><link>story/1</link></item>").as_bytes(),
            "f",
            base.as_ref(),
        )
        .unwrap();
        assert_eq!(
            got[0].url.as_deref(),
            Some("https://base.example/feeds/story/1")
        );
        let atom = r#"<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://atom.example/dir/"><title>t</title>
            <entry><id>e1</id><title>t</title><link rel="self" href="/self"/><link rel="enclosure" href="a.mp3"/>
            <link href="page.html" type="text/html"/></entry></feed>"#;
        assert_eq!(
            parse(atom)[0].url.as_deref(),
            Some("https://atom.example/dir/page.html")
        );
    }

    #[test]
    fn atom_and_json_feeds() {
        let atom = r#"<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><entry><id>urn:x:1</id>
            <title type="html">A &amp;amp; B</title><summary>short</summary>
            <content type="html">&lt;p&gt;long &lt;em&gt;body&lt;/em&gt;&lt;/p&gt;</content>
            <updated>2023-05-30T01:02:03Z</updated></entry></feed>"#;
        let a = &parse(atom)[0];
        assert_eq!(
            (a.guid.as_deref(), a.title.as_str()),
            (Some("urn:x:1"), "A & B")
        );
        assert_eq!(
            (a.summary.as_str(), a.content.as_str()),
            ("short", "long body")
        );
        assert!(a.updated.is_some());
        let json = r#"{"version":"https://jsonfeed.org/version/1.1","title":"j","home_page_url":"https://j.example/",
            "items":[{"id":"7","url":"/p/7","title":"李尚福","content_html":"<p>国防部长</p>","summary":"s"}]}"#;
        let j = &parse(json)[0];
        assert_eq!(
            (j.guid.as_deref(), j.url.as_deref()),
            (Some("7"), Some("https://j.example/p/7"))
        );
        assert_eq!(
            (j.title.as_str(), j.content.as_str(), j.summary.as_str()),
            ("李尚福", "国防部长", "s")
        );
    }

    #[test]
    fn media_description_stands_in_for_a_missing_summary_and_duplicates_go() {
        let items = r#"<item><guid>m</guid><media:content url="https://v.example/1.mp4"/><media:description>video &lt;b&gt;about&lt;/b&gt; it</media:description></item>
            <item><guid>d</guid><description>same</description><content:encoded>same</content:encoded></item>"#;
        let got = parse(&rss(items));
        assert_eq!(got[0].summary, "video about it");
        assert_eq!(
            (got[1].summary.as_str(), got[1].content.as_str()),
            ("same", "")
        );
    }

    #[test]
    fn encodings_boms_and_old_rss_are_read() {
        let body = rss("<item><guid>g</guid><title>caf\u{e9} \u{201c}x\u{201d}</title></item>");
        let utf16be: Vec<u8> = [0xFE, 0xFF]
            .into_iter()
            .chain(body.encode_utf16().flat_map(u16::to_be_bytes))
            .collect();
        let utf32le: Vec<u8> = body
            .chars()
            .flat_map(|c| u32::from(c).to_le_bytes())
            .collect();
        let bom: Vec<u8> = b"\xEF\xBB\xBF"
            .iter()
            .copied()
            .chain(body.bytes())
            .collect();
        let cp1252 = b"<rss version=\"2.0\"><channel><item><title>caf\xE9 \x93x\x94</title></item></channel></rss>";
        for bytes in [utf16be, utf32le, bom, cp1252.to_vec()] {
            let got = parse_feed(&bytes, "f", None).expect("parses");
            assert_eq!(got[0].title, "café “x”");
        }
        for xml in [
            "<rss><item><title>x</title></item></rss>",
            "<rss version=\"0.94\"><channel><item><title>x</title></item></channel></rss>",
        ] {
            assert_eq!(parse(xml)[0].title, "x", "{xml}");
        }
    }

    #[test]
    fn non_feeds_are_errors_and_panics_are_caught() {
        for bad in [
            "",
            "plain words",
            "<!DOCTYPE html><html><body><p>page</p></body></html>",
            "{\"a\": 1}",
            "<rss version=\"2.0\">",
        ] {
            assert!(
                matches!(
                    parse_feed(bad.as_bytes(), "f", None),
                    Err(ParseError::NotAFeed { .. })
                ),
                "{bad:?}"
            );
        }
        // feed-rs 3.0 (quick-xml 0.42) panics on a second declaration naming another encoding.
        let twice = format!(
            r#"<?xml version="1.0" encoding="utf-8"?><?xml version="1.0" encoding="iso-8859-1"?>{}"#,
            rss("")
        );
        match parse_feed(twice.as_bytes(), "f", None) {
            Err(ParseError::Panicked { message, .. }) => assert!(!message.is_empty()),
            other => panic!("expected a caught panic, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn blocking_parse_survives_deep_nesting() {
        let deep = format!(
            r#"<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>d</id><content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">{}{}</div></content></entry></feed>"#,
            "<div>".repeat(60_000),
            "</div>".repeat(60_000)
        );
        let got = parse_feed_blocking(deep.into(), "f".into(), None)
            .await
            .unwrap();
        assert_eq!(got[0].guid.as_deref(), Some("d"));
        let bad = parse_feed_blocking(bytes::Bytes::from_static(b"nope"), "f".into(), None).await;
        assert!(matches!(bad, Err(ParseError::NotAFeed { .. })));
    }

    #[test]
    fn parse_any_tells_feeds_pages_and_text_apart() {
        assert!(
            matches!(parse_any(rss("<item><guid>g</guid></item>").as_bytes(), "x"), Input::Feed(v) if v.len() == 1)
        );
        let page = b"<!doctype html><html><head><title>Page &amp; co</title></head><body><p>Lloyd <b>Austin</b></p></body></html>";
        match parse_any(page, "p.html") {
            Input::Page(a) => assert_eq!(
                (a.title.as_str(), a.content.as_str(), a.feed.as_str()),
                ("Page & co", "Page & co\n\nLloyd Austin", "p.html")
            ),
            other => panic!("not a page: {other:?}"),
        }
        match parse_any(b"  Li Shangfu \xFF declined\n", "t.txt") {
            Input::Text(a) => assert_eq!(
                (a.title.as_str(), a.content.as_str()),
                ("", "Li Shangfu \u{fffd} declined")
            ),
            other => panic!("not text: {other:?}"),
        }
    }
}
