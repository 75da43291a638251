//! config → feeds (fetch → **parse**: fast path → Article): reads plain, well-formed
//! RSS 2.0 and Atom 1.0 straight into [`Article`]s with quick-xml, skipping feed-rs's
//! lenient date parser, per-item regexes and big model.
//!
//! It must give exactly what the feed-rs path gives, so it is strict: anything unusual
//! (another encoding, a DOCTYPE, an unknown entity, media namespaces, child elements in
//! text fields, a date that is not strict RFC 3339 / RFC 2822, a link it cannot make
//! absolute) returns `None`, and [`super::parse::parse_feed`] falls back to feed-rs.

use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use feed_rs::model::Link;
use regex::Regex;
use url::Url;

use super::article::Article;
use super::fastxml::{Cursor, Elem, Ev, Ns, Why};
use super::html::html_to_text;
use super::parse::{feed_link, one_line, resolve};
use super::sanitize::strip_controls;

/// An entry's raw fields, as feed-rs would hold them before [`super::parse`] maps them.
#[derive(Default)]
struct Raw {
    id: String,
    title: Option<String>,
    summary: Option<String>,
    body: Option<String>,
    /// The picked link, already absolute.
    url: Option<String>,
    /// The picked link when it is relative and nothing above it gives a base: resolved
    /// against the channel's own link once the channel is read, as the feed-rs path does.
    relative: Option<String>,
    published: Option<DateTime<Utc>>,
    updated: Option<DateTime<Utc>>,
    /// Whether the entry holds text that feed-rs's media objects may take a title or a
    /// description from, which stands in for an empty title or summary: a `media:title` or
    /// `media:description` at any depth, or any iTunes or Podcast element.
    media: bool,
    /// Author names, as feed-rs's persons name them.
    authors: Vec<String>,
    /// Category labels (else terms).
    categories: Vec<String>,
}

/// What the fast path reads of a feed.
pub(crate) struct Fast {
    pub articles: Vec<Article>,
    /// The channel's `<ttl>` in minutes, as feed-rs reads it (the last one that is a
    /// number wins).
    pub ttl: Option<u32>,
}

/// Articles of feed `feed` from its text (BOM already stripped), or `None` when the fast
/// path cannot promise feed-rs's result. `base` is the caller's base URL.
pub(crate) fn articles(text: &str, feed: &str, base: Option<&Url>) -> Option<Fast> {
    let mut cur = Cursor::new(text, base);
    let root = cur.root()?;
    let (raws, ttl) = match (root.local.as_str(), root.attr("version")) {
        ("rss", Some("2.0")) => {
            cur.set_default(Ns::Rss);
            rss(&mut cur)?
        }
        ("feed", _) => {
            cur.set_default(Ns::Atom);
            (atom(&mut cur)?, None)
        }
        _ => return None.why("a root other than <rss version=\"2.0\"> or <feed>"),
    };
    cur.finish()?;
    let articles = raws.into_iter().map(|r| r.into_article(feed));
    Some(Fast {
        articles: articles.collect::<Option<_>>()?,
        ttl,
    })
}

/// `<rss>`'s children: the first `<channel>` is read, anything else skipped.
fn rss(cur: &mut Cursor) -> Option<(Vec<Raw>, Option<u32>)> {
    let mut raws = None;
    while let Ev::Start(e) = next_child(cur)? {
        if e.local == "channel" && raws.is_none() {
            raws = Some(channel(cur)?);
        } else {
            cur.skip()?;
        }
    }
    raws
}

/// The next child start tag, or [`Ev::End`] at the parent's end; text is skipped.
fn next_child(cur: &mut Cursor) -> Option<Ev> {
    loop {
        match cur.next()? {
            Ev::Text { .. } => {}
            Ev::Eof => return None.why("not well-formed"),
            ev => return Some(ev),
        }
    }
}

/// `<channel>`: its `<item>`s and `<ttl>`.
fn channel(cur: &mut Cursor) -> Option<(Vec<Raw>, Option<u32>)> {
    let mut raws = Vec::new();
    let mut ttl = None;
    let mut links = Vec::new();
    while let Ev::Start(e) = next_child(cur)? {
        match (e.ns, e.local.as_str()) {
            (Ns::Rss, "item") => raws.push(item(cur)?),
            // feed-rs parses the text untrimmed and keeps the last one that parses.
            (Ns::Rss, "ttl") => ttl = cur.text()?.and_then(|t| t.parse().ok()).or(ttl),
            (Ns::Rss, "link") => {
                if let Some(t) = cur.text()? {
                    links.push(feed_rs_link(&t, e.base.as_deref(), None, None));
                }
            }
            (Ns::Atom, "link") => {
                if let Some(href) = e.attr("href") {
                    // feed-rs reads a link without `rel` as `alternate`.
                    let rel = e.attr("rel").unwrap_or("alternate");
                    links.push(feed_rs_link(
                        href,
                        e.base.as_deref(),
                        Some(rel),
                        e.attr("type"),
                    ));
                }
                cur.skip()?;
            }
            _ => cur.skip()?,
        }
    }
    let feed_link = feed_link(&links);
    for raw in &mut raws {
        if let Some(href) = raw.relative.take() {
            raw.url = Some(resolve(&href, None, feed_link.as_ref()));
        }
    }
    Some((raws, ttl))
}

/// A channel-level link as feed-rs's `Link::new` makes it (resolved against `base` where it
/// can be, else as written; trimmed), for parse.rs's [`feed_link`] to pick from.
fn feed_rs_link(
    href: &str,
    base: Option<&Url>,
    rel: Option<&str>,
    media_type: Option<&str>,
) -> Link {
    let href = parse_uri(href, base).map_or_else(|| href.to_string(), |u| u.to_string());
    Link {
        href: href.trim().to_string(),
        target: None,
        rel: rel.map(str::to_string),
        media_type: media_type.map(str::to_string),
        href_lang: None,
        title: None,
        length: None,
    }
}

/// One RSS `<item>`, as feed-rs's `handle_item` reads it (last element wins).
fn item(cur: &mut Cursor) -> Option<Raw> {
    let mut raw = Raw::default();
    while let Ev::Start(e) = next_child(cur)? {
        match (e.ns, e.local.as_str()) {
            (Ns::Rss, "title") => raw.title = cur.text()?.map(|t| t.trim().to_string()),
            (Ns::Rss, "link") => {
                // The first link is the one picked (an RSS link has no `rel` or type).
                let text = cur.text()?;
                if let (Some(t), None, None) = (text, &raw.url, &raw.relative) {
                    raw.first_link(&t, e.base.as_deref())?;
                }
            }
            (Ns::Rss, "description") => raw.summary = cur.text()?.map(|t| t.trim().to_string()),
            (Ns::Rss, "guid") => {
                if let Some(t) = cur.text()? {
                    raw.id = t.trim().to_string();
                }
            }
            (Ns::Rss, "pubDate") | (Ns::Dc, "date") => {
                // feed-rs reads an empty date as none, even after a date (last wins).
                raw.published = match cur.text()? {
                    Some(text) => Some(date(&text)?),
                    None => None,
                };
            }
            (Ns::Rss, "author") | (Ns::Dc, "creator") => {
                if let Some(t) = cur.text()? {
                    let name =
                        rss_person(&t).why("an author's e-mail address feed-rs cuts oddly")?;
                    raw.authors.extend(name);
                }
            }
            (Ns::Rss, "category") => {
                if let Some(t) = cur.text()? {
                    raw.categories.push(t);
                }
            }
            (Ns::Rss, "updated") | (Ns::Atom, "updated") => {
                return None.why("an RSS item's <updated>")
            }
            (Ns::Content, "encoded") => raw.body = cur.text()?.filter(|t| !t.is_empty()),
            (Ns::Media, _) => media(cur, &e, &mut raw)?,
            (Ns::Pod, _) => {
                raw.media = true;
                cur.skip()?;
            }
            _ => cur.skip()?,
        }
    }
    raw.updated = raw.published;
    Some(raw)
}

/// `<feed>`'s children: its `<entry>`s; text constructs feed-rs would reject give up.
fn atom(cur: &mut Cursor) -> Option<Vec<Raw>> {
    let mut raws = Vec::new();
    while let Ev::Start(e) = next_child(cur)? {
        match (e.ns, e.local.as_str()) {
            (Ns::Atom, "entry") => raws.push(entry(cur)?),
            (Ns::Atom, "title" | "subtitle" | "rights") => {
                text_type(&e, true)?;
                cur.skip()?;
            }
            _ => cur.skip()?,
        }
    }
    Some(raws)
}

/// An Atom link: href (as feed-rs's `Link::new` makes it), rel, type.
type AtomLink = (String, String, Option<String>);

/// One Atom `<entry>`, as feed-rs's `handle_entry` reads it.
fn entry(cur: &mut Cursor) -> Option<Raw> {
    let mut raw = Raw::default();
    let mut links: Vec<AtomLink> = Vec::new();
    while let Ev::Start(e) = next_child(cur)? {
        match (e.ns, e.local.as_str()) {
            (Ns::Atom, "id") => {
                if let Some(t) = cur.text()? {
                    raw.id = t;
                }
            }
            (Ns::Atom, "title") => raw.title = Some(atom_text(cur, &e)?),
            (Ns::Atom, "summary") => raw.summary = Some(atom_text(cur, &e)?),
            (Ns::Atom, "content") => raw.body = Some(atom_content(cur, &e)?),
            (Ns::Atom, "updated") => {
                if let Some(t) = cur.text()? {
                    raw.updated = Some(date(&t)?);
                }
            }
            (Ns::Atom, "published" | "pubDate") => {
                if let Some(t) = cur.text()? {
                    raw.published = Some(date(&t)?);
                }
            }
            (Ns::Atom, "link") => {
                links.extend(atom_link(&e));
                cur.skip()?;
            }
            (Ns::Atom, "rights") => {
                text_type(&e, true)?;
                cur.skip()?;
            }
            (Ns::Atom, "author") => raw.authors.extend(atom_person(cur)?),
            (Ns::Atom, "category") => {
                if let Some(term) = e.attr("term") {
                    raw.categories
                        .push(e.attr("label").unwrap_or(term).to_string());
                }
                cur.skip()?;
            }
            (Ns::Media, _) => media(cur, &e, &mut raw)?,
            _ => cur.skip()?,
        }
    }
    raw.url = pick_link(&links).why("an Atom link that stays relative")?;
    Some(raw)
}

/// An RSS `author` or `dc:creator` as feed-rs's person parser names it: the whole text
/// when it holds no e-mail address (by feed-rs's pattern), else the longer of what comes
/// before and after the address, less the one character next to it, trimmed; no name
/// when that is empty. `None` gives up where that character is not a whole one (feed-rs
/// would panic, and its caller read the feed without people).
fn rss_person(text: &str) -> Option<Option<String>> {
    static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"\b(<\[\()?(mailto:)?([A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,})(>]\))?\b")
            .expect("a valid pattern")
    });
    let found = memchr::memchr(b'@', text.as_bytes()).and_then(|_| EMAIL.find(text));
    let Some(found) = found else {
        return Some(Some(text.trim().to_string()));
    };
    let (before, after) = (found.start(), text.len() - found.end());
    let name = if before > after {
        text.get(..before - 1)?
    } else if after > 0 {
        text.get(found.end() + 1..)?
    } else {
        ""
    };
    let name = name.trim();
    Some((!name.is_empty()).then(|| name.to_string()))
}

/// An Atom `<author>`'s `<name>`, if it has one (an e-mail address alone gives none).
fn atom_person(cur: &mut Cursor) -> Option<Option<String>> {
    let mut name = None;
    while let Ev::Start(e) = next_child(cur)? {
        match (e.ns, e.local.as_str()) {
            (Ns::Atom, "name") => name = cur.text()?.or(name),
            _ => cur.skip()?,
        }
    }
    Some(name)
}

/// A MediaRSS element of an entry, skipped after checking that feed-rs would accept
/// every `media:title` and `media:description` in it (typed `plain` or `html`, with text);
/// one found marks the entry (`Raw::media`). A thumbnail or content without them gives
/// feed-rs no text to stand in.
fn media(cur: &mut Cursor, e: &Elem, raw: &mut Raw) -> Option<()> {
    if media_text(cur, e)? {
        raw.media = true;
        return Some(());
    }
    let mut depth = 1usize;
    while depth > 0 {
        match cur.next()? {
            Ev::Start(c) => match media_text(cur, &c)? {
                true => raw.media = true,
                false => depth += 1,
            },
            Ev::End => depth -= 1,
            Ev::Eof => return None.why("not well-formed"),
            _ => {}
        }
    }
    Some(())
}

/// Reads a `media:title` or `media:description` (true), giving up where feed-rs would
/// reject it; false, reading nothing, for any other element.
fn media_text(cur: &mut Cursor, e: &Elem) -> Option<bool> {
    if e.ns != Ns::Media || !matches!(e.local.as_str(), "title" | "description") {
        return Some(false);
    }
    if !matches!(e.attr("type").unwrap_or("plain"), "plain" | "html") {
        return None.why("a media text of another type");
    }
    cur.text()?.why("an empty media title or description")?;
    Some(true)
}

/// The `type` of an Atom text construct when the fast path reads it as a string:
/// `text`, `html` or `text/html` (and `xhtml` only when `xhtml_ok`, for skipped ones).
fn text_type(e: &Elem, xhtml_ok: bool) -> Option<()> {
    match e.attr("type").unwrap_or("text") {
        "text" | "html" | "text/html" => Some(()),
        "xhtml" if xhtml_ok => Some(()),
        _ => None.why("an Atom text of another type"),
    }
}

/// An Atom text construct's trimmed text (feed-rs's sloppy read: empty when none).
fn atom_text(cur: &mut Cursor, e: &Elem) -> Option<String> {
    text_type(e, false)?;
    Some(cur.text()?.unwrap_or_default().trim().to_string())
}

/// An Atom `<content>` body; out-of-line (`src`) and typed content give up.
fn atom_content(cur: &mut Cursor, e: &Elem) -> Option<String> {
    if e.attr("src").is_some() {
        return None.why("out-of-line Atom content");
    }
    atom_text(cur, e)
}

/// An Atom link as feed-rs's `handle_link` builds it; none without an `href`.
fn atom_link(e: &Elem) -> Option<AtomLink> {
    let raw = e.attr("href")?;
    let href = match parse_uri(raw, e.base.as_deref()) {
        Some(url) => url.to_string(),
        None => raw.to_string(),
    };
    let rel = e.attrs.iter().rev().find(|(k, _)| k == "rel");
    let rel = rel.map_or("alternate", |(_, v)| v.as_str());
    let kind = e.attrs.iter().rev().find(|(k, _)| k == "type");
    Some((
        href.trim().to_string(),
        rel.to_string(),
        kind.map(|(_, v)| v.clone()),
    ))
}

/// parse.rs's `pick_link` on Atom links; the outer `None` gives up on a picked link
/// that is still relative (parse.rs would resolve it against the feed's own link).
fn pick_link(links: &[AtomLink]) -> Option<Option<String>> {
    let main = |l: &&AtomLink| !l.0.is_empty() && l.1.trim().eq_ignore_ascii_case("alternate");
    let html = |l: &&AtomLink| l.2.as_deref().is_none_or(|t| t.contains("html"));
    let picked = links
        .iter()
        .filter(main)
        .find(html)
        .or_else(|| links.iter().find(main));
    match picked {
        None => Some(None),
        Some(l) => Url::parse(&l.0).ok().map(|_| Some(l.0.clone())),
    }
}

/// An RSS `<link>`'s text made absolute as feed-rs's `Link::new` does; `None` (give
/// up) when it stays relative.
fn absolute(text: &str, base: Option<&Url>) -> Option<String> {
    let href = parse_uri(text, base)?.to_string();
    let href = href.trim();
    Url::parse(href).ok()?;
    Some(href.to_string())
}

/// feed-rs's `parse_uri`: absolute as is, relative joined to `base`.
fn parse_uri(uri: &str, base: Option<&Url>) -> Option<Url> {
    match Url::parse(uri) {
        Ok(url) => Some(url),
        Err(url::ParseError::RelativeUrlWithoutBase) => base?.join(uri).ok(),
        Err(_) => None,
    }
}

/// A strict RFC 3339, else RFC 2822, date (feed-rs's lenient parser tries them in this
/// order and agrees on every strictly valid one).
fn date(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    DateTime::parse_from_rfc3339(text)
        .or_else(|_| DateTime::parse_from_rfc2822(text))
        .ok()
        .map(|d| d.with_timezone(&Utc))
        .why("a date not strictly RFC 3339 or RFC 2822")
}

impl Raw {
    /// Takes an item's first link: absolute against `base`, or kept relative for the
    /// channel's link to resolve when nothing above it gives a base; gives up on one that
    /// stays relative otherwise.
    fn first_link(&mut self, text: &str, base: Option<&Url>) -> Option<()> {
        let keep_relative = base.is_none()
            && !text.trim().is_empty()
            && matches!(
                Url::parse(text),
                Err(url::ParseError::RelativeUrlWithoutBase)
            );
        if keep_relative {
            self.relative = Some(text.trim().to_string());
        } else {
            self.url = Some(absolute(text, base).why("an RSS link that stays relative")?);
        }
        Some(())
    }

    /// The article, mapped exactly as parse.rs's `article` maps a feed-rs entry; `None`
    /// when a media title or description could stand in for an empty title or summary.
    fn into_article(self, feed: &str) -> Option<Article> {
        let guid = Some(self.id.trim().to_string()).filter(|id| !id.is_empty());
        let url = self.url.or_else(|| {
            guid.clone()
                .filter(|g| Url::parse(g).is_ok_and(|u| u.scheme().starts_with("http")))
        });
        let title = one_line(&strip_controls(
            &self.title.map(|t| html_to_text(&t)).unwrap_or_default(),
        ));
        let summary = self.summary.map(|s| html_to_text(&s)).unwrap_or_default();
        if self.media && (title.is_empty() || summary.is_empty()) {
            return None.why("media text could stand in for an empty title or summary");
        }
        let content = html_to_text(&self.body.unwrap_or_default());
        let authors = self.authors.iter().map(|a| html_to_text(a));
        let categories = self.categories.iter().map(|c| html_to_text(c));
        let article = Article::new(
            feed,
            guid,
            url,
            title,
            summary,
            content,
            self.published,
            self.updated,
        );
        Some(article.with_people_and_tags(authors, categories))
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use crate::feeds::parse::{parse_feed_fast, parse_feed_slow, parse_ttl_fast, parse_ttl_slow};
    use url::Url;

    fn rss(items: &str) -> String {
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
            xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:media="http://search.yahoo.com/mrss/"><channel><title>T</title>
            <link>https://news.example/</link>{items}</channel></rss>"#
        )
    }

    /// The fast path answers, and exactly as feed-rs does.
    fn same(xml: &str, base: Option<&str>) {
        let base = base.and_then(|b| Url::parse(b).ok());
        let fast = parse_feed_fast(xml.as_bytes(), "f", base.as_ref()).expect("fast path");
        let slow = parse_feed_slow(xml.as_bytes(), "f", base.as_ref()).expect("feed-rs");
        assert_eq!(fast, slow, "{xml}");
    }

    #[test]
    fn plain_rss_and_atom_match_feed_rs() {
        same(
            &rss(
                r#"<item><title>Caf&#233; &amp; &lt;b&gt;co&lt;/b&gt;</title><link>a/1</link>
            <guid isPermaLink="false"> g </guid><description><![CDATA[<p>One</p>]]> two</description>
            <content:encoded>&lt;p&gt;Full&lt;/p&gt;</content:encoded><dc:date>2023-05-29T08:30:00+02:00</dc:date></item>
            <item><guid>https://news.example/g</guid><pubDate>Mon, 29 May 2023 08:30:00 GMT</pubDate>
            <media:content url="https://v.example/1.mp4"><media:title>m</media:title></media:content>
            <title>t</title><description>d</description></item>"#,
            ),
            Some("https://base.example/feeds/x.xml"),
        );
        same(
            r#"<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://atom.example/dir/"><title type="xhtml"><div>t</div></title>
            <entry><id> urn:1 </id><title type="html">A &amp;amp; B</title><link rel="self" href="/self"/>
            <link href="page.html" type="text/html"/><summary>s</summary><content type="html">&lt;p&gt;c&lt;/p&gt;</content>
            <published>2023-05-29T08:30:00Z</published><updated>2023-05-30T01:02:03.5-05:00</updated></entry></feed>"#,
            None,
        );
    }

    #[test]
    fn media_without_text_leaves_an_empty_summary_empty_as_in_feed_rs() {
        let atom = |entry: &str| {
            format!(
                r#"<feed xmlns="http://www.w3.org/2005/Atom" xmlns:media="http://search.yahoo.com/mrss/">
                <entry><id>urn:1</id><title>t</title>{entry}</entry></feed>"#
            )
        };
        let thumbnail = atom(
            r#"<content type="html">c</content>
            <media:thumbnail url="https://x.example/t.jpg" width="72" height="72"/>"#,
        );
        same(&thumbnail, None);
        let nested = atom(
            r#"<media:group><media:content url="https://x.example/v.mp4">
            <media:description>d</media:description></media:content></media:group>"#,
        );
        assert_eq!(
            parse_feed_fast(nested.as_bytes(), "f", None),
            None,
            "{nested}"
        );
        let first = r#"<feed xmlns="http://www.w3.org/2005/Atom" xmlns:media="http://search.yahoo.com/mrss/">
            <entry><id>urn:1</id><title>t</title><media:thumbnail url="https://x.example/t.jpg"/>
            <media:content url="https://x.example/v.mp4"/></entry></feed>"#;
        same(first, None);
        assert!(parse_feed_fast(first.as_bytes(), "f", None).is_some());
        let rss_item = rss(
            r#"<item><guid>g</guid><title>t</title><media:content url="https://x.example/a.jpg"><media:thumbnail url="https://x.example/t.jpg"/></media:content></item>"#,
        );
        same(&rss_item, None);
        assert!(parse_feed_fast(rss_item.as_bytes(), "f", None).is_some());
        let text = rss(
            r#"<item><guid>g</guid><title>t</title><media:content url="https://x.example/a.jpg"><media:description>m</media:description></media:content></item>"#,
        );
        assert_eq!(
            parse_feed_fast(text.as_bytes(), "f", None),
            None,
            "media text could stand in"
        );
    }

    #[test]
    fn relative_item_links_resolve_against_the_channel_link_as_in_feed_rs() {
        let items = r#"<item><guid>g1</guid><link> /blog/a b/ </link><link>https://x.example/</link></item>
            <item><guid>g2</guid><link>c?d=1#e</link></item><item><guid>g3</guid><link>//cdn.example/x</link></item>
            <item><guid>g4</guid><link>https://abs.example/y</link><link>/later</link></item>"#;
        let plain = format!(
            r#"<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel>{items}{{links}}</channel></rss>"#
        );
        for links in [
            "<link>https://news.example/dir/</link>",
            r#"<atom:link rel="self" href="https://self.example/feed"/><link>https://news.example/dir/</link>"#,
            r#"<atom:link href="https://atom.example/d/" type="application/rss+xml"/><link> https://news.example/dir/ </link>"#,
            r#"<atom:link rel="Alternate" href="https://atom.example/d/"/><link>https://news.example/</link>"#,
            "<link>not a url</link>",
            "",
        ] {
            let xml = plain.replace("{links}", links);
            same(&xml, None);
            same(&xml, Some("https://base.example/feeds/x.xml"));
        }
        let xml = plain.replace("{links}", "<link>https://news.example/dir/</link>");
        let got = parse_feed_fast(xml.as_bytes(), "f", None).expect("fast path");
        assert_eq!(
            got[1].url.as_deref(),
            Some("https://news.example/dir/c?d=1#e")
        );
    }

    #[test]
    fn an_empty_date_is_no_date_as_in_feed_rs() {
        same(
            &rss(
                r#"<item><guid>g1</guid><title>t</title><pubDate></pubDate></item>
            <item><guid>g2</guid><pubDate>Mon, 29 May 2023 08:30:00 GMT</pubDate><pubDate/></item>
            <item><guid>g3</guid><pubDate/><dc:date>2023-05-29T08:30:00Z</dc:date></item>"#,
            ),
            None,
        );
        let fast = parse_feed_fast(
            rss("<item><guid>g</guid><pubDate/></item>").as_bytes(),
            "f",
            None,
        );
        assert_eq!(fast.expect("fast path")[0].published, None);
    }

    #[test]
    fn ttl_and_authors_with_addresses_match_feed_rs() {
        let xml = rss(
            r#"<item><guid>g1</guid><author>jane@example.com (Jane Doe)</author>
            <dc:creator>Bob &lt;bob@example.org&gt;</dc:creator></item>
            <item><guid>g2</guid><author>mailto:x@example.com</author><author> a@b.example </author>
            <dc:creator>Ann Lee, ann@example.com, Editor in chief</dc:creator></item>"#,
        )
        .replace(
            "<title>T</title>",
            "<ttl>30</ttl><title>T</title><ttl> 9</ttl>",
        );
        same(&xml, None);
        let ttl = parse_ttl_fast(xml.as_bytes());
        assert_eq!(ttl, Some(Some(Duration::from_secs(1800))));
        assert_eq!(ttl, parse_ttl_slow(xml.as_bytes()).ok());
        // The character before the address is cut in half by feed-rs, which panics.
        let odd = rss("<item><guid>g</guid><author>Jürgen Müller—x@example.com</author></item>");
        assert_eq!(parse_feed_fast(odd.as_bytes(), "f", None), None);
    }

    #[test]
    fn text_read_in_place_matches_feed_rs() {
        same(
            &rss(
                r#"<item><title/><description>a &amp; b &#233;<![CDATA[ <p>c</p> ]]>&lt;i&gt;d&lt;/i&gt;<![CDATA[]]></description>
            <guid>g1</guid><content:encoded>x<!-- note -->y &#x1F600;</content:encoded></item>
            <item><title></title><guid>g2</guid><description><![CDATA[only]]></description>
            <content:encoded><![CDATA[]]></content:encoded><dc:creator>A &amp; B</dc:creator></item>"#,
            ),
            None,
        );
        let unclosed = rss("<item><guid>g</guid><description>a &amp b</description></item>");
        assert_eq!(parse_feed_fast(unclosed.as_bytes(), "f", None), None);
    }

    #[test]
    fn a_doctype_and_entities_beyond_xmls_read_as_feed_rs_reads_them() {
        let items = r#"<item><title>caf&eacute; &nbsp;x &amp;&unknown;</title><guid>g</guid>
            <description>a&mdash;b &lt;i&gt;&hellip;&lt;/i&gt;</description></item>"#;
        let xml = rss(items).replacen("<rss", "<!DOCTYPE rss [<!ENTITY mdash \"--\">]><rss", 1);
        same(&xml, None);
        assert!(parse_feed_fast(xml.as_bytes(), "f", None).is_some());
        let bare = rss(items).replacen("<rss", "<!DOCTYPE html><rss", 1);
        same(&bare, None);
        assert!(parse_feed_fast(bare.as_bytes(), "f", None).is_some());
    }

    #[test]
    fn anything_unusual_falls_back() {
        let atom = |entry: &str| {
            format!(
                r#"<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>x</id>{entry}</entry></feed>"#
            )
        };
        for xml in [
            rss("<item><title>caf&#xZZ;</title></item>"),
            "<rss version=\"2.0\"><!DOCTYPE rss><channel></channel></rss>".to_string(),
            rss("<item><pubDate>29 May 2023 8:30</pubDate></item>"),
            rss("<item><title>a <b>bold</b> one</title></item>"),
            rss("<item><title>t</title><media:description>m</media:description></item>"),
            rss("<item><updated>2023-05-29T08:30:00Z</updated></item>"),
            atom(r#"<content type="xhtml"><div>x</div></content>"#),
            atom(r#"<content src="https://x.example/a"/>"#),
            atom(r#"<summary type="application/octet-stream">eA==</summary>"#),
            "<rss version=\"0.91\"><channel></channel></rss>".to_string(),
        ] {
            assert_eq!(parse_feed_fast(xml.as_bytes(), "f", None), None, "{xml}");
        }
    }
}
