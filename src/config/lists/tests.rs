//! Feed lists through the whole config load: OPML folders as tags, CSV columns, every
//! problem named by file and line, duplicates across lists and inline feeds, hostile input.

use std::path::Path;

use crate::config::{load_with, Config, ConfigError, Context, FeedSource};

const HEAD: &str = "[daemon]\nstate_dir = \"state\"\npoll_interval = \"10m\"\n";

fn load(dir: &Path, config: &str) -> Result<Config, ConfigError> {
    let path = dir.join("newshound.toml");
    // A top-level key (`feed_lists`) comes before the first table.
    std::fs::write(&path, format!("{config}\n{HEAD}")).unwrap();
    let ctx = Context {
        base_dir: dir.to_path_buf(),
        ..Context::default()
    };
    load_with(&path, std::iter::empty(), ctx)
}

fn problems(dir: &Path, config: &str) -> Vec<String> {
    match load(dir, config) {
        Ok(_) => panic!("the config loaded"),
        Err(e) => e.issues().iter().map(ToString::to_string).collect(),
    }
}

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

const WORLD: &str = r#"<?xml version="1.0"?>
<opml version="2.0"><head><title>desk</title></head><body>
  <outline text="News">
    <outline title="World">
      <outline title="Wire" xmlUrl="https://wire.example/rss" htmlUrl="https://wire.example/"/>
      <outline title="Wire" xmlUrl="https://wire.example/asia"/>
    </outline>
    <outline text="" xmlUrl="https://plain.example/feed"/>
  </outline>
  <outline title="Tech"><outline xmlUrl="https://wire.example/rss"/></outline>
  <outline title="Top" xmlUrl="https://top.example/rss"/>
</body></opml>
"#;

#[test]
fn opml_feeds_are_named_by_title_and_tagged_by_every_enclosing_folder() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "feeds/world.opml", WORLD);
    let cfg = load(dir.path(), "feed_lists = [\"feeds/*.opml\"]\n").unwrap();
    let got: Vec<(String, String, Vec<String>)> = cfg
        .feeds
        .iter()
        .map(|f| (f.name.clone(), f.source.to_string(), f.tags.clone()))
        .collect();
    let tags = |t: &[&str]| t.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(
        got,
        vec![
            (
                "Wire".into(),
                "https://wire.example/rss".into(),
                tags(&["news", "world", "tech"])
            ),
            (
                "Wire (2)".into(),
                "https://wire.example/asia".into(),
                tags(&["news", "world"])
            ),
            (
                "https://plain.example/feed".into(),
                "https://plain.example/feed".into(),
                tags(&["news"])
            ),
            ("Top".into(), "https://top.example/rss".into(), vec![]),
        ]
    );
    assert!(cfg.feeds.iter().all(|f| f.interval.as_secs() == 600));
}

#[test]
fn csv_columns_come_in_any_order_with_quotes_comments_and_defaults() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "more.csv",
        "# the desk's extra feeds\nname,url,interval,tags\n\
         \"Wire, Asia\",https://wire.example/asia,30m,world asia\n\
         ,https://plain.example/feed,,\n\
         \"Quoted \"\"name\"\"\",\"https://q.example/rss\", 1h ,\n",
    );
    let cfg = load(dir.path(), "feed_lists = [\"more.csv\"]\n").unwrap();
    let f = &cfg.feeds;
    assert_eq!(f.len(), 3);
    assert_eq!(f[0].name, "Wire, Asia");
    assert_eq!(f[0].interval.as_secs(), 1800);
    assert_eq!(f[0].tags, vec!["world".to_string(), "asia".into()]);
    assert_eq!(f[1].name, "https://plain.example/feed");
    assert_eq!(f[1].interval.as_secs(), 600);
    assert_eq!(f[2].name, "Quoted \"name\"");
    assert_eq!(f[2].source.to_string(), "https://q.example/rss");
}

#[test]
fn relative_file_urls_in_a_list_resolve_against_the_list_file() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "lists/local.xml", "<rss/>");
    write(dir.path(), "lists/local.csv", "url\nfile://local.xml\n");
    let cfg = load(dir.path(), "feed_lists = [\"lists/*.csv\"]\n").unwrap();
    let want = FeedSource::File(dir.path().join("lists/local.xml"));
    assert_eq!(cfg.feeds[0].source.to_string(), want.to_string());
}

#[test]
fn every_problem_names_the_file_and_the_line() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "feeds/bad.opml",
        "<opml><body>\n<outline title=\"Gopher\" xmlUrl=\"gopher://old.example/\"/>\n\
         <outline title=\"Tagless\" xmlUrl=\"https://ok.example/rss\"/>\n</body></opml>\n",
    );
    write(
        dir.path(),
        "bad.csv",
        "url,name,interval\nhttps://a.example/rss,A,soon\n,NoUrl,\nhttps://b.example/rss,B,0s\n",
    );
    let got = problems(dir.path(), "feed_lists = [\"feeds/*.opml\", \"bad.csv\"]\n");
    let want = [
        "feeds/bad.opml, line 2 (outline 'Gopher'): feed_lists[0].url: 'gopher://old.example/': scheme 'gopher' is not supported",
        "bad.csv, line 2: feed_lists[1].interval: 'soon' is not a duration",
        "bad.csv, line 3: feed_lists[1].url: missing",
        "bad.csv, line 4: feed_lists[1].interval: 0s is too short",
    ];
    assert_eq!(got.len(), want.len(), "{got:#?}");
    for (g, w) in got.iter().zip(want) {
        assert!(g.starts_with(w), "{g}\n  should start with\n{w}");
    }
}

#[test]
fn a_url_in_a_list_and_inline_or_in_two_lists_is_reported_with_both_places() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "a.csv",
        "url,name\nhttps://wire.example/rss,Listed\n",
    );
    write(dir.path(), "b.csv", "url\n\nhttps://wire.example/rss\n");
    let inline = "feed_lists = [\"a.csv\", \"b.csv\"]\n\n[[feed]]\nname = \"Wire\"\nurl = \"https://wire.example/rss\"\n";
    let got = problems(dir.path(), inline);
    assert_eq!(got.len(), 2, "{got:#?}");
    assert_eq!(
        got[0],
        "a.csv, line 2: feed_lists[0].url: 'https://wire.example/rss' is also the URL of the feed at feed[0]"
    );
    assert_eq!(
        got[1],
        "b.csv, line 3: feed_lists[1].url: 'https://wire.example/rss' is also the URL of the feed at feed[0]"
    );
    let names = "feed_lists = [\"a.csv\"]\n\n[[feed]]\nname = \"Listed\"\nurl = \"https://other.example/rss\"\n";
    assert_eq!(
        problems(dir.path(), names),
        vec!["a.csv, line 2: feed_lists[0].name: duplicate feed name 'Listed' (also feed[0])"]
    );
}

#[rstest::rstest]
#[case::no_match("nothing/*.opml", "'nothing/*.opml' matches no file")]
#[case::missing("gone.csv", "'gone.csv' does not exist or is not a file")]
#[case::bad_pattern("feeds/[.opml", "is not a valid pattern")]
#[case::empty("", "must not be empty")]
fn patterns_that_name_no_file_are_errors(#[case] pattern: &str, #[case] want: &str) {
    let dir = tempfile::tempdir().unwrap();
    let got = problems(dir.path(), &format!("feed_lists = [\"{pattern}\"]\n"));
    assert_eq!(got.len(), 1, "{got:#?}");
    assert!(
        got[0].contains("feed_lists[0]: ") && got[0].contains(want),
        "{got:#?}"
    );
}

#[rstest::rstest]
#[case::not_a_list(
    "feeds.txt",
    "url\n",
    "feeds.txt, line 1: feed_lists[0]: not a feed list"
)]
#[case::no_header(
    "h.csv",
    "https://a.example/rss\n",
    "h.csv, line 1: feed_lists[0]: the first row must name the columns"
)]
#[case::no_url("h.csv", "name\nA\n", "the header row has no 'url' column")]
#[case::unknown_column(
    "u.csv",
    "url,intervall\n",
    "unknown column 'intervall' (did you mean 'interval'?)"
)]
#[case::ragged(
    "r.csv",
    "url,name\nhttps://a.example/,A\nhttps://b.example/\n",
    "r.csv, line 3: feed_lists[0]: not CSV: this row has 1 fields, the header 2"
)]
#[case::rss(
    "rss.xml",
    "<rss><channel/></rss>",
    "not a usable OPML file: the root element is <rss>"
)]
#[case::broken(
    "x.opml",
    "<opml><body>\n<outline title=\"A></body></opml>",
    "not a usable OPML file: not XML"
)]
fn unusable_files_are_reported(#[case] name: &str, #[case] text: &str, #[case] want: &str) {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), name, text);
    let got = problems(dir.path(), &format!("feed_lists = [\"{name}\"]\n"));
    assert!(got.iter().any(|g| g.contains(want)), "{got:#?}");
}

#[test]
fn a_csv_list_that_is_not_utf8_is_reported_at_its_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("n.csv"),
        b"url\n# note\n\nhttps://a.example/\xff\n",
    )
    .unwrap();
    let got = problems(dir.path(), "feed_lists = [\"n.csv\"]\n");
    assert_eq!(got.len(), 1, "{got:#?}");
    assert!(
        got[0].starts_with("n.csv, line 4: feed_lists[0]: not CSV: not UTF-8"),
        "{got:#?}"
    );
}

#[test]
fn hostile_xml_is_refused_or_read_without_expanding_anything() {
    let dir = tempfile::tempdir().unwrap();
    let laughs = "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">\
        <!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\
        <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">]>\
        <opml><body><outline title=\"&lol3;\" xmlUrl=\"https://a.example/rss\"/></body></opml>";
    write(dir.path(), "laughs.opml", laughs);
    let cfg = load(dir.path(), "feed_lists = [\"laughs.opml\"]\n").unwrap();
    assert_eq!(cfg.feeds[0].name, "&lol3;");
    let deep = format!(
        "<opml><body>{}<outline xmlUrl=\"https://a.example/\"/>{}</body></opml>",
        "<outline text=\"f\">".repeat(100_000),
        "</outline>".repeat(100_000)
    );
    write(dir.path(), "deep.opml", &deep);
    let got = problems(dir.path(), "feed_lists = [\"deep.opml\"]\n");
    assert!(
        got[0].contains("nested deeper than 64 levels at line 1"),
        "{got:#?}"
    );
}

#[test]
fn a_list_larger_than_the_cap_is_refused_unread() {
    let dir = tempfile::tempdir().unwrap();
    let file = std::fs::File::create(dir.path().join("huge.csv")).unwrap();
    file.set_len(super::LIST_MAX_BYTES + 1).unwrap();
    let got = problems(dir.path(), "feed_lists = [\"huge.csv\"]\n");
    assert_eq!(
        got,
        vec![format!(
            "huge.csv, line 1: feed_lists[0]: cannot read: larger than {} bytes",
            super::LIST_MAX_BYTES
        )]
    );
}
