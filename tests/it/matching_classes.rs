//! The classes of real-world text of issue 10 end to end: one local feed per class, the
//! real binary's `once --dry-run`, and the alerts it prints (plus `check`'s warnings).

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value;

use crate::common::{fixture_bytes, newshound, text};

/// One RSS item: guid, title, description and (optional) content:encoded, all HTML.
fn item(guid: &str, title: &str, description: &str, content: &str) -> String {
    let content = match content {
        "" => String::new(),
        c => format!("<content:encoded><![CDATA[{c}]]></content:encoded>"),
    };
    format!(
        "<item><guid>{guid}</guid><link>https://example.org/{guid}</link><title>{title}</title>\
         <description><![CDATA[{description}]]></description>{content}</item>"
    )
}

fn rss(items: &[String]) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\" \
         xmlns:content=\"http://purl.org/rss/1.0/modules/content/\" \
         xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><channel><title>t</title>{}</channel></rss>",
        items.concat()
    )
}

/// Feeds (name, bytes) and watchlists (TOML) per class.
fn classes() -> Vec<(&'static str, Vec<u8>, &'static str)> {
    vec![
        (
            "class1",
            rss(&[
                item("c1-store", "Jonas Gahr Støre visits", "Talks", ""),
                item("c1-walesa", "Talks", "Lech Wałęsa and Radosław Sikorski", ""),
                item("c1-none", "Storey", "A storey building", ""),
            ])
            .into_bytes(),
            r#"[[watchlist]]
name = "class1"
feeds = ["class1"]
require = "person"
[[watchlist.person]]
name = "Jonas Gahr Store"
[[watchlist.person]]
name = "Radoslaw Sikorski"
"#,
        ),
        (
            "class2",
            rss(&[
                item("c2-emoji", "🇺🇸Austin\u{FE0F} says", "x", ""),
                item("c2-bidi", "x", "\u{200F}Aus\u{AD}tin\u{200E} said", ""),
                item("c2-none", "Austinite", "x", ""),
            ])
            .into_bytes(),
            r#"[[watchlist]]
name = "class2"
feeds = ["class2"]
keywords = ["Austin"]
"#,
        ),
        (
            "class3",
            rss(&[
                item("c3-closed", "New counterterrorism law", "x", ""),
                item("c3-hyphen", "Counter-terrorism police arrest two", "z", ""),
                item("c3-open", "Senate passes a counter terrorism bill", "y", ""),
                item("c3-none", "An encounter", "x", ""),
            ])
            .into_bytes(),
            r#"[[watchlist]]
name = "class3"
feeds = ["class3"]
keywords = ["counter-terrorism"]
"#,
        ),
        (
            "class4",
            rss(&[
                item("c4-dotted", "The U.K. said", "x", ""),
                item("c4-plain", "UK ministers", "x", ""),
                item("c4-led", "A U.K.-led force", "x", ""),
                item("c4-longer", "The U.K.L.F. said", "x", ""),
                item("c4-pronoun", "Tell us", "x", ""),
                item("c4-us", "The US said", "x", ""),
            ])
            .into_bytes(),
            r#"[[watchlist]]
name = "class4"
feeds = ["class4"]
keywords = ["U.K."]
[[watchlist]]
name = "class4-case"
feeds = ["class4"]
query = 'case:"US"'
"#,
        ),
        (
            "class5",
            rss(&[item("c5-repeat", "x", "At the Pentagon", "At the Pentagon")]).into_bytes(),
            r#"[[watchlist]]
name = "class5"
feeds = ["class5"]
query = "content:pentagon"
"#,
        ),
        (
            "class6",
            rss(&[
                item("c6-ruby", "x", "<ruby>李<rt>Austin</rt></ruby>", ""),
                item("c6-attr", "x", "<a title=\"Austin\">link</a><!-- Austin -->", ""),
                item("c6-script", "x", "<script>Austin</script><style>Austin</style>", ""),
                item("c6-entities", "x", "Caf&amp;eacute; Gen&egrave;ve &#x1F600;", ""),
            ])
            .into_bytes(),
            r#"[[watchlist]]
name = "class6"
feeds = ["class6"]
keywords = ["Austin", "café genève"]
"#,
        ),
        (
            "class7",
            fixture_bytes("charsets/gbk.xml"),
            r#"[[watchlist]]
name = "class7"
feeds = ["class7"]
[[watchlist.person]]
name = "李尚福"
"#,
        ),
        (
            "class8",
            rss(&[
                item("c8-after", "Lloyd Austin heads to Asia", "Austin is due to travel", ""),
                item("c8-texas", "Austin, Texas", "Rain in Austin", ""),
            ])
            .into_bytes(),
            r#"[[watchlist]]
name = "class8"
feeds = ["class8"]
[[watchlist.person]]
name = "Lloyd Austin"
short_forms = ["Austin"]
"#,
        ),
        (
            "class9",
            rss(&[item("c9-words", "Rock and roll", "x", "")]).into_bytes(),
            r#"[[watchlist]]
name = "class9"
feeds = ["class9"]
query = "rock and roll"
"#,
        ),
        (
            "class10",
                            "<?xml version=\"1.0\"?><rss version=\"2.0\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\">\
                 <channel><title>t</title>\
                 <item><guid>c10-regex</guid><title>F-35B deliveries</title></item>\
                 <item><guid>c10-author</guid><title>x</title><dc:creator>Jane Smith</dc:creator>\
                 <category>Defence</category><link>https://example.org/world/talks</link></item>\
                 </channel></rss>"
            .to_string()
            .into_bytes(),
            r#"[[watchlist]]
name = "class10-regex"
feeds = ["class10"]
query = '/F-?35[AB]?/'
[[watchlist]]
name = "class10-fields"
feeds = ["class10"]
query = 'author:smith AND category:defence AND url:world'
"#,
        ),
    ]
}

/// The expected (watchlist, guid) alerts.
fn expected() -> BTreeSet<(String, String)> {
    [
        ("class1", "c1-store"),
        ("class1", "c1-walesa"),
        ("class2", "c2-emoji"),
        ("class2", "c2-bidi"),
        ("class3", "c3-closed"),
        ("class3", "c3-hyphen"),
        ("class3", "c3-open"),
        ("class4", "c4-dotted"),
        ("class4", "c4-plain"),
        ("class4", "c4-led"),
        ("class4-case", "c4-us"),
        ("class5", "c5-repeat"),
        ("class6", "c6-entities"),
        ("class7", "gbk-1"),
        ("class8", "c8-after"),
        ("class9", "c9-words"),
        ("class10-regex", "c10-regex"),
        ("class10-fields", "c10-author"),
    ]
    .into_iter()
    .map(|(w, g)| (w.to_string(), g.to_string()))
    .collect()
}

fn write_setup(dir: &Path) -> std::path::PathBuf {
    let mut config = format!(
        "[daemon]\nstate_dir = \"{}\"\n\n",
        dir.join("state").display()
    );
    let mut lists = String::new();
    for (name, bytes, watchlists) in classes() {
        let path = dir.join(format!("{name}.xml"));
        std::fs::write(&path, bytes).unwrap();
        config.push_str(&format!(
            "[[feed]]\nname = \"{name}\"\nurl = \"file://{}\"\n\n",
            path.display()
        ));
        lists.push_str(watchlists);
        lists.push('\n');
    }
    config.push_str(&lists);
    config.push_str("[[sink]]\nname = \"log\"\ntype = \"log\"\n");
    let path = dir.join("config.toml");
    std::fs::write(&path, config).unwrap();
    path
}

#[tokio::test(flavor = "multi_thread")]
async fn once_dry_run_fires_on_every_class_of_real_world_text() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_setup(dir.path());
    let out = newshound(&["once", "--dry-run", "-c", config.to_str().unwrap()]).await;
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "stdout: {stdout}\nstderr: {stderr}");
    let alerts: Vec<Value> = stdout
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .filter(|v: &Value| v.get("watchlist").is_some())
        .collect();
    let got: BTreeSet<(String, String)> = alerts
        .iter()
        .map(|a| {
            let w = a["watchlist"].as_str().unwrap().to_string();
            (w, a["article"]["guid"].as_str().unwrap_or("").to_string())
        })
        .collect();
    assert_eq!(got, expected(), "stdout: {stdout}\nstderr: {stderr}");

    let by = |w: &str, g: &str| {
        alerts
            .iter()
            .find(|a| a["watchlist"] == w && a["article"]["guid"] == g)
            .unwrap()
            .clone()
    };
    // Class 5: the content scope saw the content, and the alert reports that field.
    let c5 = by("class5", "c5-repeat");
    assert_eq!(c5["matches"][0]["field"], "content", "{c5}");
    // Class 8: the short form counts in the summary after the title's full name.
    let c8 = by("class8", "c8-after");
    let content = c8["matches"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["field"] == "summary")
        .unwrap_or_else(|| panic!("{c8}"))
        .clone();
    assert!(
        content["snippet"]
            .as_str()
            .unwrap()
            .contains("[Austin] is due"),
        "{c8}"
    );
    // Class 7: the GBK text came through readable.
    let c7 = by("class7", "gbk-1");
    assert!(
        c7["article"]["summary"]
            .as_str()
            .unwrap()
            .contains("国防部长"),
        "{c7}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn check_and_match_warn_about_lower_case_operators() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_setup(dir.path());
    let out = newshound(&["check", "-c", config.to_str().unwrap()]).await;
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "stdout: {stdout}\nstderr: {stderr}");
    let warning = stdout
        .lines()
        .find(|l| l.starts_with("warning: "))
        .unwrap_or_else(|| panic!("no warning in {stdout}"));
    assert!(
        warning.contains("watchlist[9].query (\"class9\")"),
        "{warning}"
    );
    assert!(warning.contains("'and' at column 6"), "{warning}");
    assert!(warning.contains("write AND"), "{warning}");

    let feed = dir.path().join("class9.xml");
    let out = newshound(&[
        "match",
        "-c",
        config.to_str().unwrap(),
        "-w",
        "class9",
        feed.to_str().unwrap(),
    ])
    .await;
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "stdout: {stdout}\nstderr: {stderr}");
    assert!(stderr.contains("'and' at column 6"), "{stderr}");
    assert!(stdout.contains("Rock and roll"), "{stdout}");
}
