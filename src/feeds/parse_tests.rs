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
    let xml =
        rss("<item><title>linked</title><link>/a/b</link></item><item><title>bare</title></item>");
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
fn media_description_stands_in_for_a_missing_summary_and_content_is_kept_as_given() {
    let items = r#"<item><guid>m</guid><media:content url="https://v.example/1.mp4"/><media:description>video &lt;b&gt;about&lt;/b&gt; it</media:description></item>
        <item><guid>d</guid><description>same</description><content:encoded>same</content:encoded></item>"#;
    let got = parse(&rss(items));
    assert_eq!(got[0].summary, "video about it");
    assert_eq!(
        (got[1].summary.as_str(), got[1].content.as_str()),
        ("same", "same")
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
    match run_feed_rs(twice.as_bytes(), "f", None) {
        Err(ParseError::Panicked { message, .. }) => assert!(!message.is_empty()),
        other => panic!("expected a caught panic, got {other:?}"),
    }
    // The prolog repair drops the repeated declaration before feed-rs sees it.
    let twice = twice.replace("</channel>", "<item><title>x</title></item></channel>");
    assert_eq!(parse(&twice)[0].title, "x");
}

#[tokio::test]
async fn blocking_parse_survives_deep_nesting() {
    let deep = format!(
        r#"<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>d</id><content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">{}{}</div></content></entry></feed>"#,
        "<div>".repeat(60_000),
        "</div>".repeat(60_000)
    );
    let got = parse_feed_blocking(deep.into(), "f".into(), ParseOptions::default())
        .await
        .unwrap();
    assert_eq!(got.articles[0].guid.as_deref(), Some("d"));
    let nope = bytes::Bytes::from_static(b"nope");
    let bad = parse_feed_blocking(nope, "f".into(), ParseOptions::default()).await;
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
            ("", "Li Shangfu ÿ declined")
        ),
        other => panic!("not text: {other:?}"),
    }
}
