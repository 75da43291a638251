//! config → feeds (fetch → **parse** → Article) → store → watch → alert: reduces the HTML
//! in feed titles, summaries, content and local pages to the plain text watchlists match.
//!
//! A small single-pass scanner, not a DOM parser: linear in the input, never panics, and
//! tolerant of the broken markup that feeds carry (unclosed tags, a bare `<` in text,
//! `>` inside quoted attributes).

use std::ops::Range;

#[path = "html_entities.rs"]
mod entities;
#[path = "html_text.rs"]
mod text;

use text::{Break, TextOut};

/// The elements of each [`Kind`] but [`Kind::Inline`], by lowercase local name.
/// Dropped with their content: `script`, `style`, `noscript`, `template`. Ruby annotations
/// (readings, fallback parentheses), dropped with their text up to the next annotation or
/// the end of the ruby, since their end tags may be omitted: `rt`, `rp`. Ending a
/// paragraph (a blank line): `p`, `h1`–`h6`, `blockquote`, the sectioning elements, lists,
/// `table`, `pre`, `figure`, `hr`, `address`, `form`, `fieldset`, `details`, and `body`,
/// `html`, `head`, `title`. Ending a line: `div`, `li`, table rows and cells, `dt`, `dd`,
/// captions, `option`, `summary`, table sections, `legend`, `center`, `menu`.
fn kind_of_lowercase(name: &[u8]) -> Kind {
    match name {
        b"br" => Kind::Br,
        b"p" | b"h1" | b"h2" | b"h3" | b"h4" | b"h5" | b"h6" | b"blockquote" | b"section"
        | b"article" | b"header" | b"footer" | b"aside" | b"nav" | b"main" | b"ul" | b"ol"
        | b"dl" | b"table" | b"pre" | b"figure" | b"hr" | b"address" | b"form" | b"fieldset"
        | b"details" | b"body" | b"html" | b"head" | b"title" => Kind::Para,
        b"div" | b"li" | b"tr" | b"td" | b"th" | b"dt" | b"dd" | b"caption" | b"figcaption"
        | b"option" | b"summary" | b"thead" | b"tbody" | b"tfoot" | b"legend" | b"center"
        | b"menu" => Kind::Line,
        b"script" | b"style" | b"noscript" | b"template" => Kind::Dropped,
        b"rt" | b"rp" => Kind::Annotation,
        _ => Kind::Inline,
    }
}

/// What an element does to the text, by its local name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Dropped with its content.
    Dropped,
    /// A ruby annotation.
    Annotation,
    /// `<br>`: a line break.
    Br,
    /// Ends a paragraph.
    Para,
    /// Ends a line.
    Line,
    /// Inline: vanishes.
    Inline,
}

impl Kind {
    /// The kind of the element named `local` (ASCII case-insensitively).
    fn of(local: &str) -> Kind {
        let mut buf = [0u8; 12];
        let Some(lower) = buf.get_mut(..local.len()) else {
            return Kind::Inline;
        };
        lower.copy_from_slice(local.as_bytes());
        lower.make_ascii_lowercase();
        kind_of_lowercase(lower)
    }
}

/// Reduces HTML, or text that may contain HTML, to plain text.
///
/// Entities are decoded (the full HTML5 set, named and numeric); block-level tags become
/// line breaks while inline tags vanish, leaving the text around them as written
/// (`<b>Li</b> Shangfu` → `Li Shangfu`); `<script>`, `<style>`, `<noscript>`,
/// `<template>` and comments are dropped with their content; CDATA is kept as text.
/// Whitespace is collapsed (one space, at most one blank line) and trimmed. Text with no
/// markup at all keeps its own line breaks.
pub fn html_to_text(html: &str) -> String {
    let markup = has_markup(html.as_bytes());
    let mut out = TextOut::new(html.len(), !markup);
    Scanner::new(html).run(&mut out);
    out.finish()
}

/// The page's title: the text of its `<title>`, else of its first `<h1>`, on one line.
pub fn html_title(html: &str) -> Option<String> {
    ["title", "h1"].iter().find_map(|name| {
        let text = element_text(html, name)?;
        let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
        (!line.is_empty()).then_some(line)
    })
}

/// A cheap sniff: does this text look like an HTML page or fragment? Looks near the start
/// (case-insensitively) for `<html`, `<body`, `<head`, `<p>`, `<div`, `<br` or a doctype.
pub fn looks_like_html(text: &str) -> bool {
    const MARKERS: &[&[u8]] = &[
        b"<!doctype html",
        b"<html",
        b"<body",
        b"<head",
        b"<p>",
        b"<p ",
        b"<div",
        b"<br",
    ];
    let head = &text.as_bytes()[..text.len().min(4096)];
    MARKERS.iter().any(|m| find_ci(head, 0, m).is_some())
}

/// Whether the text contains anything that opens a tag, comment or CDATA section.
fn has_markup(bytes: &[u8]) -> bool {
    memchr::memchr_iter(b'<', bytes).any(|i| {
        bytes
            .get(i + 1)
            .is_some_and(|&b| b.is_ascii_alphabetic() || b == b'/' || b == b'!')
    })
}

/// The text inside the first `<name …>…</name>` element, when there is one.
fn element_text(html: &str, name: &str) -> Option<String> {
    let bytes = html.as_bytes();
    let mut from = 0;
    loop {
        let open = find_ci(bytes, from, format!("<{name}").as_bytes())?;
        let after = open + 1 + name.len();
        if bytes.get(after).is_some_and(|b| b.is_ascii_alphanumeric()) {
            from = after;
            continue;
        }
        let start = tag_end(bytes, after, true).or_else(|| tag_end(bytes, after, false))? + 1;
        let end = find_ci(bytes, start, format!("</{name}").as_bytes()).unwrap_or(bytes.len());
        return Some(html_to_text(&html[start..end]));
    }
}

/// A piece of markup found by [`Scanner::markup_at`].
enum Markup {
    /// A comment, declaration or processing instruction: resume at this index.
    Skip(usize),
    /// A CDATA section whose text spans `start..end`.
    Cdata { start: usize, end: usize },
    /// A start or end tag: its name's byte range and the index of its closing `>`.
    Tag {
        name: Range<usize>,
        closing: bool,
        end: usize,
    },
}

/// Single-pass tag stripper writing text and break markers into a raw buffer.
struct Scanner<'a> {
    text: &'a str,
    bytes: &'a [u8],
    /// Set once a quote-aware search for a tag's end ran off the end of the input:
    /// from then on tags end at the first `>`, which keeps the scan linear.
    quotes_unreliable: bool,
    /// Set once a search for `>` failed: no tag can close any more, so `<` is text.
    no_more_gt: bool,
}

impl<'a> Scanner<'a> {
    fn new(text: &'a str) -> Self {
        Scanner {
            text,
            bytes: text.as_bytes(),
            quotes_unreliable: false,
            no_more_gt: false,
        }
    }

    /// Walks the input once, writing decoded text and the breaks markup asks for.
    fn run(mut self, out: &mut TextOut) {
        let mut pos = 0;
        let mut text_start = 0;
        while let Some(offset) = memchr::memchr(b'<', &self.bytes[pos..]) {
            let lt = pos + offset;
            pos = lt + 1;
            if let Some(found) = self.markup_at(lt) {
                out.text(&self.text[text_start..lt]);
                pos = self.apply(found, out);
                text_start = pos;
            }
        }
        out.text(&self.text[text_start..]);
    }

    /// Recognises the markup starting at `lt` (a `<`); None when the `<` is just text.
    fn markup_at(&mut self, lt: usize) -> Option<Markup> {
        let len = self.bytes.len();
        let rest = &self.bytes[lt..];
        if rest.starts_with(b"<!--") {
            return Some(Markup::Skip(
                find(self.bytes, lt + 4, b"-->").map_or(len, |i| i + 3),
            ));
        }
        if rest.starts_with(b"<![CDATA[") {
            let end = find(self.bytes, lt + 9, b"]]>").unwrap_or(len);
            return Some(Markup::Cdata { start: lt + 9, end });
        }
        let next = *rest.get(1)?;
        if next == b'!' || next == b'?' {
            return self.find_gt(lt + 2, false).map(|end| Markup::Skip(end + 1));
        }
        let closing = next == b'/';
        let start = lt + 1 + usize::from(closing);
        let name_len = self.bytes[start..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || **b == b'-' || **b == b':')
            .count();
        if name_len == 0 || !self.bytes[start].is_ascii_alphabetic() {
            return None;
        }
        let end = self.find_gt(start + name_len, true)?;
        Some(Markup::Tag {
            name: start..start + name_len,
            closing,
            end,
        })
    }

    /// Writes what the markup leaves in the text; returns where scanning resumes.
    fn apply(&self, found: Markup, out: &mut TextOut) -> usize {
        match found {
            Markup::Skip(next) => next,
            Markup::Cdata { start, end } => {
                out.literal(&self.text[start..end]);
                (end + 3).min(self.bytes.len())
            }
            Markup::Tag { name, closing, end } => self.element(&self.text[name], closing, end, out),
        }
    }

    /// Acts on a tag named `name` ending at `end` (its `>`); returns where to resume.
    fn element(&self, name: &str, closing: bool, end: usize, out: &mut TextOut) -> usize {
        let local = match name.bytes().rposition(|b| b == b':') {
            Some(colon) => &name[colon + 1..],
            None => name,
        };
        let kind = Kind::of(local);
        if !closing && kind == Kind::Dropped && self.bytes[end - 1] != b'/' {
            let close = format!("</{name}");
            return match find_ci(self.bytes, end + 1, close.as_bytes()) {
                Some(i) => find(self.bytes, i, b">").map_or(self.bytes.len(), |j| j + 1),
                None => self.bytes.len(),
            };
        }
        match kind {
            Kind::Annotation if !closing => return self.annotation_end(end + 1),
            Kind::Br => out.mark(Break::Line),
            Kind::Para => out.mark(Break::Para),
            Kind::Line => out.mark(Break::Block),
            _ => {}
        }
        end + 1
    }

    /// Where the text resumes after a ruby annotation starting at `from`: after its own
    /// end tag, or at the next annotation's or the ruby's tag.
    fn annotation_end(&self, from: usize) -> usize {
        let next = [&b"<rt"[..], b"<rp", b"</rt", b"</rp", b"</ruby"]
            .iter()
            .filter_map(|m| find_ci(self.bytes, from, m))
            .min();
        let Some(at) = next else {
            return self.bytes.len();
        };
        let own_end = self.bytes[at + 1] == b'/' && !self.bytes[at..].starts_with(b"</ruby");
        match own_end {
            true => find(self.bytes, at, b">").map_or(self.bytes.len(), |j| j + 1),
            false => at,
        }
    }

    /// Finds the `>` that ends a tag whose attributes start at `from`.
    fn find_gt(&mut self, from: usize, quotes: bool) -> Option<usize> {
        if self.no_more_gt {
            return None;
        }
        if quotes && !self.quotes_unreliable {
            if let Some(i) = tag_end(self.bytes, from, true) {
                return Some(i);
            }
            self.quotes_unreliable = true;
        }
        let found = tag_end(self.bytes, from, false);
        self.no_more_gt = found.is_none();
        found
    }
}

/// The index of the `>` ending a tag whose attributes start at `from`. With `quotes`, a
/// `>` inside a quoted attribute value (`a="x>y"`) does not count.
fn tag_end(bytes: &[u8], from: usize, quotes: bool) -> Option<usize> {
    if !quotes {
        return find(bytes, from, b">");
    }
    let mut at = from;
    loop {
        let i = at + memchr::memchr3(b'>', b'"', b'\'', bytes.get(at..)?)?;
        if bytes[i] == b'>' {
            return Some(i);
        }
        // A quote opens a value only right after `=` (spaces between allowed).
        let before = bytes[from..i]
            .iter()
            .rev()
            .find(|b| !b.is_ascii_whitespace());
        at = match before {
            Some(b'=') => i + 1 + memchr::memchr(bytes[i], &bytes[i + 1..])? + 1,
            _ => i + 1,
        };
    }
}

/// Finds `needle` in `hay` at or after `from`.
fn find(hay: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(hay.get(from..)?, needle).map(|i| i + from)
}

/// Finds `needle` (ASCII) in `hay` at or after `from`, ignoring ASCII case.
fn find_ci(hay: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    hay.get(from..)?
        .windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
        .map(|i| i + from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[rstest::rstest]
    #[case::ruby_readings(
        "<ruby>漢<rp>(</rp><rt>かん</rt><rp>)</rp>字<rt>じ</rt></ruby>です",
        "漢字です"
    )]
    #[case::ruby_omitted_end_tags("<ruby>東<rt>とう<rt>きょう</ruby>京", "東京")]
    #[case::ruby_unclosed("a<ruby>b<rt>reading", "ab")]
    #[case::script("x<script>Austin()</script>y", "xy")]
    #[case::style("x<style>.Austin{}</style>y", "xy")]
    #[case::template("x<template>Austin</template>y", "xy")]
    #[case::attributes("<a title=\"Austin\" data-x='Austin'>link</a>", "link")]
    #[case::comments("a<!-- Austin -->b", "ab")]
    #[case::double_escaped_named("caf&amp;eacute; au lait", "café au lait")]
    #[case::double_escaped_numeric("Sh&amp;#257;ngfu &amp;#x101;", "Shāngfu ā")]
    #[case::double_escaped_ampersand("AT&amp;amp;T", "AT&T")]
    #[case::escaped_once_stays_literal_text("&amp;lt;b&amp;gt; is a tag", "<b> is a tag")]
    #[case::astral_decimal("&#128512; &#119808;", "😀 𝐀")]
    #[case::astral_hex("&#x1F600; &#X1D400;", "😀 𝐀")]
    #[case::numeric_without_semicolon("caf&#233 &#x101", "café ā")]
    #[case::numeric_c1_as_windows_1252("&#150; &#147;x&#148;", "– “x”")]
    #[case::numeric_zero_and_surrogate("a&#0;b&#xD800;c&#x110000;", "a\u{FFFD}b\u{FFFD}c\u{FFFD}")]
    #[case::legacy_without_semicolon("caf&eacute au lait &copy2026", "café au lait ©2026")]
    #[case::legacy_longest_prefix("&notit; &notin;", "¬it; ∉")]
    #[case::modern_name_needs_semicolon("&hellip &hellip;", "&hellip …")]
    #[case::query_string_untouched("?a=1&lang=en&x", "?a=1&lang=en&x")]
    fn class6_html_as_a_reader_sees_it(#[case] html: &str, #[case] text: &str) {
        assert_eq!(html_to_text(html), text, "input: {html:?}");
    }

    #[test]
    fn text_cases() {
        let cases: &[(&str, &str)] = &[
            ("", ""),
            ("plain text", "plain text"),
            ("<b>Li</b> Shangfu", "Li Shangfu"),
            ("Li<b>Shang</b>fu", "LiShangfu"),
            ("<p>one</p><p>two</p>", "one\n\ntwo"),
            ("one<br>two<br/>three", "one\ntwo\nthree"),
            ("one<br><br><br><br>two", "one\n\ntwo"),
            ("<ul><li>a</li><li>b</li></ul>", "a\nb"),
            ("<div>a</div><div>b</div>", "a\nb"),
            ("<h1>Head</h1>body", "Head\n\nbody"),
            ("<table><tr><td>a</td><td>b</td></tr></table>", "a\nb"),
            ("caf&eacute; &rsquo;s&nbsp;x", "café ’s x"),
            ("&#8217; &#x2019; &#X2019;", "’ ’ ’"),
            ("&ldquo;Hi&rdquo; &hellip; &mdash;", "“Hi” … —"),
            ("AT&T &unknown; &amp", "AT&T &unknown; &"),
            ("a < b and c > d", "a < b and c > d"),
            ("a<b", "a<b"),
            ("x <3 y", "x <3 y"),
            ("<a href=\"x>y\">link</a> text", "link text"),
            ("<a title='1 > 0'>t</a>", "t"),
            ("<script>var x = '<p>';</script>after", "after"),
            ("<STYLE>p { color: red }</STYLE>after", "after"),
            ("<noscript>no</noscript><template>t</template>ok", "ok"),
            ("a<!-- hidden <b>x</b> -->b", "ab"),
            ("a <!-- unclosed comment", "a"),
            ("<![CDATA[raw <b> &amp;]]> tail", "raw <b> &amp; tail"),
            ("<p>unclosed <b>bold", "unclosed bold"),
            ("<p>broken <a href=\"x", "broken <a href=\"x"),
            (
                "  lots   of \t spaces\n\n\n\nand lines  ",
                "lots of spaces\n\nand lines",
            ),
            ("<p>source\nnewline</p>", "source newline"),
            ("&lt;b&gt;not a tag&lt;/b&gt;", "<b>not a tag</b>"),
            ("<xhtml:p>ns</xhtml:p><xhtml:p>p</xhtml:p>", "ns\n\np"),
            ("<!DOCTYPE html><?xml version='1.0'?>text", "text"),
            ("<script src=x />after", "after"),
            ("<img src=x alt=y>word", "word"),
            ("trailing <", "trailing <"),
            ("ends </", "ends </"),
            ("ends <!", "ends <!"),
            ("ends <![CDATA[", "ends"),
            ("李尚福 <b>国防部长</b>", "李尚福 国防部长"),
        ];
        for (input, want) in cases {
            assert_eq!(html_to_text(input), *want, "input: {input:?}");
        }
    }

    #[test]
    fn titles() {
        let cases: &[(&str, Option<&str>)] = &[
            (
                "<html><head><title>The &amp; Title</title></head></html>",
                Some("The & Title"),
            ),
            ("<TITLE>\n Upper\n case </TITLE>", Some("Upper case")),
            (
                "<body><h1 class=x>Head <b>line</b></h1><h1>2</h1></body>",
                Some("Head line"),
            ),
            ("<title></title><h1>Fallback</h1>", Some("Fallback")),
            ("<titles>no</titles>", None),
            ("<p>nothing</p>", None),
            ("<title>unclosed", Some("unclosed")),
        ];
        for (input, want) in cases {
            assert_eq!(html_title(input).as_deref(), *want, "input: {input:?}");
        }
    }

    #[test]
    fn sniffing() {
        let cases: &[(&str, bool)] = &[
            ("<!DOCTYPE html><html>", true),
            ("  <HTML lang=en>", true),
            ("<body>", true),
            ("<p>para", true),
            ("text<br>more", true),
            ("<div class=x>", true),
            ("plain text with a < b", false),
            ("<?xml version=\"1.0\"?><rss version=\"2.0\">", false),
            ("", false),
        ];
        for (input, want) in cases {
            assert_eq!(looks_like_html(input), *want, "input: {input:?}");
        }
    }

    /// The byte-by-byte search `tag_end` replaced: a `>` outside quoted values, where a
    /// quote opens a value only after `=` (spaces between allowed).
    fn tag_end_per_byte(bytes: &[u8], from: usize, quotes: bool) -> Option<usize> {
        let mut quote: Option<u8> = None;
        let mut after_eq = false;
        for (i, &b) in bytes.iter().enumerate().skip(from) {
            match quote {
                Some(q) if b == q => quote = None,
                Some(_) => {}
                None if b == b'>' => return Some(i),
                None if quotes && after_eq && (b == b'"' || b == b'\'') => quote = Some(b),
                None => {}
            }
            if !b.is_ascii_whitespace() {
                after_eq = b == b'=';
            }
        }
        None
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(3000))]

        #[test]
        fn tag_end_equals_the_per_byte_search(
            tag in proptest::collection::vec(
                proptest::sample::select(b"a =\"'>\n".to_vec()), 0..30),
            from in 0usize..32,
            quotes in proptest::prelude::any::<bool>(),
        ) {
            proptest::prop_assert_eq!(
                tag_end(&tag, from, quotes),
                tag_end_per_byte(&tag, from, quotes)
            );
        }
    }

    #[test]
    fn malformed_input_is_linear_and_safe() {
        let nasty = [
            "<a \"".repeat(20_000),
            "<a x=\"".repeat(20_000),
            "<".repeat(50_000),
            "<!--".repeat(20_000),
            "<script>".repeat(20_000),
            "<![CDATA[".repeat(20_000),
            "&".repeat(50_000),
            "<b".repeat(30_000),
        ];
        for input in &nasty {
            let start = std::time::Instant::now();
            let _ = html_to_text(input);
            let _ = html_title(input);
            assert!(start.elapsed().as_secs() < 2, "slow on {:?}…", &input[..10]);
        }
    }
}
