//! `newshound import-opml` on every OPML file of the awesome-rss-feeds list: one
//! `[[feed]]` per outline with an `xmlUrl`, and the output is a valid config.

use std::path::{Path, PathBuf};

use crate::common::{fixture, newshound, text};

/// Every `.opml` file under `dir`, sorted.
fn opml_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(opml_files(&path));
        } else if path.extension().is_some_and(|e| e == "opml") {
            out.push(path);
        }
    }
    out.sort();
    out
}

/// The `xmlUrl` of every `<outline>`, found without an XML parser: the text from one
/// `<outline` to the next outline tag (opening or closing) holds that outline's attributes,
/// whatever stray quotes or markup its values contain.
fn outline_urls(text: &str) -> Vec<String> {
    let marker = " xmlUrl=\"";
    text.split("<outline")
        .skip(1)
        .filter_map(|chunk| {
            let own = &chunk[..chunk.find("</outline").unwrap_or(chunk.len())];
            let value = &own[own.find(marker)? + marker.len()..];
            Some(value[..value.find('"').unwrap_or(value.len())].to_string())
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn every_awesome_rss_feeds_file_imports_to_a_valid_config() {
    let files = opml_files(&fixture("awesome-rss-feeds"));
    assert_eq!(files.len(), 118, "the whole list is in the repository");
    let dir = tempfile::tempdir().unwrap();
    let mut total = 0;
    for file in &files {
        let source = std::fs::read_to_string(file).unwrap();
        let urls = outline_urls(&source);
        assert!(!urls.is_empty(), "{}", file.display());
        // Every URL in this list is http(s) and none repeats within a file, so nothing is
        // skipped: one table per outline.
        assert!(urls
            .iter()
            .all(|u| u.starts_with("http://") || u.starts_with("https://")));
        let out = newshound(&["import-opml", file.to_str().unwrap()]).await;
        let (stdout, stderr) = text(&out);
        assert!(out.status.success(), "{}: {stderr}", file.display());
        assert!(
            !stderr.contains("skipped"),
            "nothing skipped in {}: {stderr}",
            file.display()
        );
        // Startups.opml has `"` inside a description (both variants): read after the repair.
        let repaired = stderr.contains("held unescaped quotes");
        assert_eq!(
            repaired,
            file.ends_with("Startups.opml"),
            "{}: {stderr}",
            file.display()
        );
        let tables = stdout.matches("\n[[feed]]\n").count();
        assert_eq!(tables, urls.len(), "{}", file.display());
        for url in &urls {
            assert!(
                stdout.contains(&format!("url = \"{}\"", url.replace("&amp;", "&"))),
                "{url} in {}",
                file.display()
            );
        }
        check_as_config(dir.path(), file, &stdout, tables).await;
        total += tables;
    }
    assert!(total > 700, "{total} feeds imported");
}

/// Wraps the imported tables in a minimal config and runs `newshound check` on it.
async fn check_as_config(dir: &Path, file: &Path, feeds: &str, count: usize) {
    let tag = feeds
        .lines()
        .find_map(|l| l.strip_prefix("tags = [\""))
        .and_then(|t| t.split('"').next());
    let filter = tag
        .map(|t| format!("feeds = [\"#{t}\"]\n"))
        .unwrap_or_default();
    let config = format!(
        "[daemon]\nstate_dir = \"{}\"\n\n[http]\nallow_private_networks = false\n\n{feeds}\n\
         [[watchlist]]\nname = \"all\"\n{filter}keywords = [\"news\"]\n\n[[sink]]\nname = \"log\"\ntype = \"log\"\n",
        dir.join("state").display()
    );
    let path = dir.join("imported.toml");
    std::fs::write(&path, config).unwrap();
    let out = newshound(&["check", "-c", path.to_str().unwrap()]).await;
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{}: {stderr}", file.display());
    assert!(stdout.contains(&format!("feeds: {count}\n")), "{stdout}");
}

#[tokio::test(flavor = "multi_thread")]
async fn folders_become_tags_and_bad_outlines_are_skipped_with_a_note() {
    let file = fixture("opml/mixed.opml");
    let out = newshound(&["import-opml", file.to_str().unwrap()]).await;
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    let source = std::fs::read_to_string(&file).unwrap();
    let outlines = outline_urls(&source).len();
    let skipped = stderr
        .lines()
        .filter(|l| l.starts_with("newshound: skipped outline"))
        .count();
    assert_eq!(skipped, 3, "{stderr}");
    assert_eq!(
        stdout.matches("\n[[feed]]\n").count(),
        outlines - skipped,
        "{stdout}"
    );
    assert!(
        stderr.contains(
            "'Gopher hole' (gopher://gopher.example/feed): 'gopher' URLs are not imported"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("'Relative' (/feed.xml): not a URL"),
        "{stderr}"
    );
    assert!(
        stderr.contains("same URL as feed 'Tech \"Daily\" \\ News'"),
        "{stderr}"
    );
    assert!(stdout.contains("name = \"Tech \\\"Daily\\\" \\\\ News\"\nurl = \"https://tech.example/rss?a=1&b=2\"\ntags = [\"science-tech\", \"daily\", \"world-news\"]\n"), "{stdout}");
    assert!(stdout.contains("name = \"World (2)\""), "{stdout}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_file_that_is_not_opml_exits_1() {
    let out = newshound(&["import-opml", fixture("it/wire.rss").to_str().unwrap()]).await;
    assert_eq!(out.status.code(), Some(1));
    let (stdout, stderr) = text(&out);
    assert_eq!(stdout, "");
    assert!(
        stderr.contains("is not an OPML file: the root element is <rss>, not <opml>"),
        "{stderr}"
    );
    let out = newshound(&["import-opml", "/nonexistent/subscriptions.opml"]).await;
    assert_eq!(out.status.code(), Some(3), "{:?}", text(&out));
}
