//! `feed_lists` through the real binary: `check` and `once --dry-run` read feeds from OPML
//! and CSV files (tags from OPML folders select feeds for watchlists), a broken list row is
//! reported with its file and line, and a reload reads the lists again.

use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;

use serde_json::Value;

use crate::common::{fixture, newshound, text};
use crate::daemon::{get, Daemon};

const OPML: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0">
  <head><title>desk</title></head>
  <body>
    <outline text="Asia">
      <outline text="Wire services">
        <outline type="rss" title="Wire Asia" xmlUrl="file://../feeds/wire-asia.xml" htmlUrl="https://wire.example/"/>
      </outline>
    </outline>
  </body>
</opml>
"#;

const CSV: &str = "url,name,tags\n\
    file://../feeds/defence-news.atom,Defence News,defence\n\
    \"file://../feeds/world.json\",\"World, in Chinese\",asia\n";

const CONFIG: &str = r##"feed_lists = ["lists/*.opml", "lists/more.csv"]

[daemon]
state_dir = "STATE"
poll_interval = "1m"
max_age = "0s"
near_duplicate_window = "0s"

[[watchlist]]
name = "asia-desk"
feeds = ["#asia"]
require = "person"

[[watchlist.person]]
name = "Li Shangfu"
aliases = ["李尚福"]

[[watchlist]]
name = "wire-only"
feeds = ["#wire-services"]
keywords = ["Shangri-La"]

[[sink]]
name = "log"
type = "log"
"##;

/// A config folder: the bundled demo feeds, the two lists, the config.
fn desk(dir: &Path) -> std::path::PathBuf {
    std::fs::create_dir_all(dir.join("feeds")).unwrap();
    std::fs::create_dir_all(dir.join("lists")).unwrap();
    for f in ["wire-asia.xml", "defence-news.atom", "world.json"] {
        let from = fixture("../../feeds").join(f);
        std::fs::copy(from, dir.join("feeds").join(f)).unwrap();
    }
    std::fs::write(dir.join("lists/desk.opml"), OPML).unwrap();
    std::fs::write(dir.join("lists/more.csv"), CSV).unwrap();
    let config = dir.join("newshound.toml");
    let state = dir.join("state");
    std::fs::write(&config, CONFIG.replace("STATE", state.to_str().unwrap())).unwrap();
    config
}

#[tokio::test(flavor = "multi_thread")]
async fn check_and_once_read_feeds_from_opml_and_csv_lists() {
    let dir = tempfile::tempdir().unwrap();
    let config = desk(dir.path());
    let cfg = config.to_str().unwrap();
    let out = newshound(&["check", "-c", cfg]).await;
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "stdout: {stdout}\nstderr: {stderr}");
    assert!(stdout.contains("feeds: 3\n"), "{stdout}");
    let wire = dir.path().join("lists/../feeds/wire-asia.xml");
    let want = format!(
        "  Wire Asia every 1m: file://{} #asia #wire-services\n",
        wire.display()
    );
    assert!(stdout.contains(&want), "{stdout}");
    assert!(
        stdout.contains("  World, in Chinese every 1m: "),
        "{stdout}"
    );

    let out = newshound(&["once", "--dry-run", "-c", cfg]).await;
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "stdout: {stdout}\nstderr: {stderr}");
    let fired: BTreeSet<(String, String)> = stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .map(|v| {
            let w = v["watchlist"].as_str().unwrap_or_default().to_string();
            (
                w,
                v["article"]["feed"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
            )
        })
        .collect();
    let feeds_of = |w: &str| -> BTreeSet<&str> {
        fired
            .iter()
            .filter(|(x, _)| x == w)
            .map(|(_, f)| f.as_str())
            .collect()
    };
    // `#asia` comes from an OPML folder for one feed and from the CSV for the other; the
    // nested folder's own tag selects only the wire.
    assert_eq!(
        feeds_of("asia-desk"),
        BTreeSet::from(["Wire Asia", "World, in Chinese"]),
        "{stdout}"
    );
    assert_eq!(
        feeds_of("wire-only"),
        BTreeSet::from(["Wire Asia"]),
        "{stdout}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_broken_list_row_is_reported_with_its_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let config = desk(dir.path());
    let csv = format!("{CSV}ftp://old.example/feed,Old,\nfile://../feeds/world.json,Again,\n");
    std::fs::write(dir.path().join("lists/more.csv"), csv).unwrap();
    let out = newshound(&["check", "-c", config.to_str().unwrap()]).await;
    let (stdout, stderr) = text(&out);
    assert_eq!(
        out.status.code(),
        Some(1),
        "stdout: {stdout}\nstderr: {stderr}"
    );
    assert!(
        stderr.contains("lists/more.csv, line 4: feed_lists[1].url: 'ftp://old.example/feed': scheme 'ftp' is not supported"),
        "{stderr}"
    );
    assert!(
        stderr.contains("lists/more.csv, line 5: feed_lists[1].url: ")
            && stderr.contains("is also the URL of the feed at lists/more.csv, line 3"),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reload_reads_the_lists_again() {
    let dir = tempfile::tempdir().unwrap();
    let config = desk(dir.path());
    std::fs::write(dir.path().join("lists/more.csv"), "url,name\n").unwrap();
    let daemon = Daemon::start(
        &config,
        &[("NEWSHOUND__DAEMON__ADMIN_LISTEN", "127.0.0.1:0")],
    );
    let base = daemon.admin_url().await;
    let (_, _, status) = get(&format!("{base}/api/status")).await;
    assert!(status.contains("\"name\":\"Wire Asia\""), "{status}");
    assert!(!status.contains("Defence News"), "{status}");

    std::fs::write(dir.path().join("lists/more.csv"), CSV).unwrap();
    daemon.signal("HUP");
    let mut seen = false;
    for _ in 0..100 {
        let (_, _, status) = get(&format!("{base}/api/status")).await;
        if status.contains("\"name\":\"Defence News\"") {
            seen = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(
        seen,
        "the reloaded list's feed is in the status\n{}",
        daemon.log()
    );
    daemon.stop().await;
}
