//! `[daemon] max_age` end to end (issue 10, class 11): a new feed does not fire on its
//! archive, a changed watchlist does not re-fire on stored old items, an item that appears
//! after the first poll alerts whatever its date, and `backtest` still sees everything.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use chrono::{Duration, Utc};
use serde_json::Value;

use crate::common::{newshound, text};

fn item(guid: &str, title: &str, age: Duration) -> String {
    let date = (Utc::now() - age).format("%a, %d %b %Y %H:%M:%S +0000");
    format!(
        "<item><guid>{guid}</guid><link>https://example.org/{guid}</link><title>{title}</title>\
         <pubDate>{date}</pubDate></item>"
    )
}

fn write_feed(dir: &Path, items: &[String]) -> PathBuf {
    let path = dir.join("feed.xml");
    let body = format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>t</title>{}</channel></rss>",
        items.concat()
    );
    std::fs::write(&path, body).unwrap();
    path
}

fn write_config(dir: &Path, feed: &Path, keywords: &str, max_age: Option<&str>) -> PathBuf {
    let max_age = max_age
        .map(|m| format!("max_age = \"{m}\"\n"))
        .unwrap_or_default();
    let config = format!(
        "[daemon]\nstate_dir = \"{}\"\n{max_age}\n[[feed]]\nname = \"f\"\nurl = \"file://{}\"\n\n\
         [[watchlist]]\nname = \"w\"\nkeywords = [{keywords}]\n\n[[sink]]\nname = \"log\"\ntype = \"log\"\n",
        dir.join("state").display(),
        feed.display()
    );
    let path = dir.join("config.toml");
    std::fs::write(&path, config).unwrap();
    path
}

/// The guids `once --dry-run` alerts on.
async fn dry_run(config: &Path) -> BTreeSet<String> {
    let out = newshound(&["once", "--dry-run", "-c", config.to_str().unwrap()]).await;
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "stdout: {stdout}\nstderr: {stderr}");
    stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter_map(|v| v["article"]["guid"].as_str().map(str::to_string))
        .collect()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn class11_no_backlog_floods_but_new_items_alert_whatever_their_date() {
    let dir = tempfile::tempdir().unwrap();
    let old = item("old-1", "Pentagon talks resume", Duration::days(400));
    let fresh = item("fresh-1", "Pentagon briefing today", Duration::hours(1));
    let feed = write_feed(dir.path(), &[old.clone(), fresh.clone()]);
    let config = write_config(dir.path(), &feed, "\"pentagon\"", None);

    // First poll: the archive is a baseline, the fresh item alerts.
    assert_eq!(dry_run(&config).await, set(&["fresh-1"]));
    let out = newshound(&["once", "-c", config.to_str().unwrap()]).await;
    assert!(out.status.success(), "{:?}", text(&out));

    // An old-dated item that appears after the first poll is news: it alerts.
    let late = item("late-old", "Pentagon archive story", Duration::days(900));
    write_feed(dir.path(), &[old.clone(), fresh.clone(), late]);
    assert_eq!(dry_run(&config).await, set(&["late-old"]));

    // A changed watchlist re-matches stored articles: the old one stays quiet.
    write_feed(dir.path(), &[old, fresh]);
    let changed = write_config(dir.path(), &feed, "\"talks\"", None);
    assert!(dry_run(&changed).await.is_empty());

    // backtest still sees every stored article.
    let out = newshound(&["backtest", "-c", changed.to_str().unwrap()]).await;
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "stdout: {stdout}\nstderr: {stderr}");
    assert!(stdout.contains("Pentagon talks resume"), "stdout: {stdout}");

    // max_age = "0s" turns the rule off.
    let off = write_config(dir.path(), &feed, "\"talks\"", Some("0s"));
    assert_eq!(dry_run(&off).await, set(&["old-1"]));
}
