//! Unit tests of OPML import: folders, names, skips, repairs, TOML output.

use super::*;

const NESTED: &str = r#"<?xml version="1.0"?>
<opml version="2.0"><head><title>x</title></head><body>
  <outline text="News &amp; Politics" title="News & Politics">
<outline text="World" title="World">
  <outline title="Wire &#8211; Asia" xmlUrl="https://wire.example/asia.rss" description="a <br> b"/>
  <outline title="Wire &#8211; Asia" xmlUrl="https://wire.example/asia2.rss"/>
</outline>
<outline text="only text" xmlurl="http://text.example/feed"/>
  </outline>
  <outline text="Tech" title="Tech">
<outline title="Again" xmlUrl="https://wire.example/asia.rss"/>
<outline title="Gopher" xmlUrl="gopher://old.example/feed"/>
<outline title="" xmlUrl="https://untitled.example/rss"/>
  </outline>
  <outline title="Top level" xmlUrl="https://top.example/rss"/>
</body></opml>"#;

#[test]
fn feeds_get_unique_names_and_folder_tags() {
    let import = parse(NESTED.as_bytes()).unwrap();
    let got: Vec<(&str, &str, Vec<&str>)> = import
        .feeds
        .iter()
        .map(|f| {
            (
                f.name.as_str(),
                f.url.as_str(),
                f.tags.iter().map(String::as_str).collect(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (
                "Wire – Asia",
                "https://wire.example/asia.rss",
                vec!["news-politics", "world", "tech"]
            ),
            (
                "Wire – Asia (2)",
                "https://wire.example/asia2.rss",
                vec!["news-politics", "world"]
            ),
            (
                "only text",
                "http://text.example/feed",
                vec!["news-politics"]
            ),
            (
                "untitled.example",
                "https://untitled.example/rss",
                vec!["tech"]
            ),
            ("Top level", "https://top.example/rss", vec![]),
        ]
    );
    let skipped: Vec<&str> = import.skipped.iter().map(|s| s.title.as_str()).collect();
    assert_eq!(skipped, vec!["Again", "Gopher"]);
    assert!(import.skipped[1]
        .reason
        .contains("'gopher' URLs are not imported"));
}

#[test]
fn anything_but_opml_is_refused() {
    let rss = b"<?xml version=\"1.0\"?><rss version=\"2.0\"><channel/></rss>";
    assert!(matches!(parse(rss), Err(OpmlError::NotOpml(root)) if root == "rss"));
    assert!(matches!(parse(b"just text"), Err(OpmlError::Empty)));
    assert!(matches!(
        parse(b"<opml><head/></opml>"),
        Err(OpmlError::NoBody)
    ));
    assert!(matches!(
        parse(b"<opml><body><outline></body></opml>"),
        Err(OpmlError::Xml(_))
    ));
}

#[test]
fn the_output_is_toml_safe() {
    assert_eq!(toml_string(r#"a "b" \ c"#), r#""a \"b\" \\ c""#);
    assert_eq!(toml_string("x\u{7}y"), "\"x\\u0007y\"");
    let import = Import {
        feeds: vec![OpmlFeed {
            name: "Q \"x\"".into(),
            url: "https://e.example/".into(),
            tags: vec!["a-b".into()],
        }],
        ..Import::default()
    };
    let text = to_toml(&import, "in.opml");
    assert!(text.starts_with("# 1 feed imported from in.opml"));
    assert!(
        text.contains(
            "[[feed]]\nname = \"Q \\\"x\\\"\"\nurl = \"https://e.example/\"\ntags = [\"a-b\"]\n"
        ),
        "{text}"
    );
}

#[test]
fn a_document_broken_by_stray_quotes_is_read_after_the_repair() {
    let broken = r#"<opml><body><outline title="A" description="him "the world's best"" xmlUrl="https://a.example/rss"/><outline title="B" xmlUrl="https://b.example/rss"/></body></opml>"#;
    let import = parse(broken.as_bytes()).unwrap();
    assert_eq!(import.feeds.len(), 2);
    assert_eq!(import.repaired, 1);
    let hopeless = "<opml><body><outline title=\"A></body></opml>";
    assert!(matches!(parse(hopeless.as_bytes()), Err(OpmlError::Xml(_))));
}

#[test]
fn slugs_are_one_word() {
    assert_eq!(slug("Business & Economy"), "business-economy");
    assert_eq!(slug("  Hong Kong SAR China "), "hong-kong-sar-china");
    assert_eq!(slug("Myanmar (Burma)"), "myanmar-burma");
    assert_eq!(slug("#!?"), "");
    assert_eq!(slug("Новости"), "новости");
}
