//! The alert desk in a real headless Chromium, driven over WebDriver (Debian's
//! `chromium` and `chromium-driver`) against the real daemon: the inbox, a search, the
//! alert page, signing in with the token, marking a false positive, muting the story and
//! testing a rule, with a screenshot of every step.
//!
//! The screenshots go to `target/debug/test-artifacts/desk/`, or to the folder named by
//! `$NEWSHOUND_SCREENSHOTS`; the README's `docs/screenshots/` are made with
//! `NEWSHOUND_SCREENSHOTS=$PWD/docs/screenshots cargo test --test it desk_browser`.

use std::path::PathBuf;

use serde_json::Value;

use crate::daemon::get;
use crate::desk::{desk_daemon, TOKEN};
use crate::webdriver::Browser;

/// Where the screenshots go.
fn shots_dir() -> PathBuf {
    let dir = match std::env::var_os("NEWSHOUND_SCREENSHOTS") {
        Some(d) => PathBuf::from(d),
        None => {
            let bin = std::path::Path::new(env!("CARGO_BIN_EXE_newshound"));
            bin.parent()
                .expect("target profile folder")
                .join("test-artifacts/desk")
        }
    };
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    dir
}

async fn api(url: &str) -> Value {
    let (status, _, body) = get(url).await;
    assert_eq!(status, 200, "{url}: {body}");
    serde_json::from_str(&body).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn desk_click_through_in_headless_chromium() {
    let dir = tempfile::tempdir().unwrap();
    let (daemon, base, _server, _config) = desk_daemon(dir.path()).await;
    let shots = shots_dir();
    let b = Browser::start(1280, 900).await;

    // The inbox: story cards, the status tab reachable.
    b.goto(&format!("{base}/")).await;
    assert!(b.title().await.contains("newshound"), "{}", b.title().await);
    b.find_text("article.card h3 a", "国防部回应美方会晤邀请")
        .await;
    b.find_text("header a", "Status").await;
    b.screenshot(&shots.join("inbox.png")).await;
    b.resize(390, 844).await;
    b.screenshot(&shots.join("inbox-phone.png")).await;
    b.resize(1280, 900).await;

    // Search through the tab and the form: the CJK name marked in the results.
    b.find_text("header a", "Search").await.click().await;
    b.find("input[name=q]").await.type_text("李尚福").await;
    b.find_text("form button", "Search").await.click().await;
    b.find_text("article.card mark", "李尚福").await;
    assert!(b.url().await.contains("/search?q="), "{}", b.url().await);
    b.screenshot(&shots.join("search.png")).await;

    // The alert page from the first alert found; signed out, it offers sign-in only.
    let first = b.find("article.card h3 a").await;
    let href = first.attr("href").await.expect("an alert link");
    first.click().await;
    let alert_url = format!("{base}{href}");
    b.wait_url(&alert_url).await;
    let id = href.trim_start_matches("/alerts/").to_string();
    b.find_text("h2", "Matches").await;
    b.find_text("h2", "Deliveries").await;
    assert!(b.all("button.bad").await.is_empty(), "no forms signed out");
    b.screenshot(&shots.join("alert.png")).await;

    // A wrong token is refused; the right one signs in.
    b.find_text("a", "Sign in").await.click().await;
    b.find("input[name=token]").await.type_text("wrong").await;
    b.find_text("button", "Sign in").await.click().await;
    b.find_text("p.error", "not the admin token").await;
    b.goto(&format!("{base}/login")).await;
    b.find("input[name=token]").await.type_text(TOKEN).await;
    b.find_text("button", "Sign in").await.click().await;
    b.find_text("header", "Sign out").await;

    // Mark a false positive with a note.
    b.goto(&alert_url).await;
    b.find("input[name=note]")
        .await
        .type_text("another Li")
        .await;
    b.find_text("button.bad", "False positive")
        .await
        .click()
        .await;
    assert_eq!(b.url().await, alert_url);
    let marked = b.find_text("p.notice", "Marked").await.text().await;
    assert!(
        marked.contains("false-positive") && marked.contains("another Li"),
        "{marked}"
    );
    b.screenshot(&shots.join("alert-marked.png")).await;

    // Mute the story (the default duration, 2h), then see it on the mutes tab.
    b.find_text("button", "Mute this story").await.click().await;
    b.wait_url(&alert_url).await;
    b.find_text("header a", "Mutes").await.click().await;
    let row = b.find_text("table tr", &id).await.text().await;
    assert!(row.contains("story of alert"), "{row}");
    b.screenshot(&shots.join("mutes.png")).await;

    // The rule tester: a query over the stored articles, the hits marked, the config shown.
    b.find_text("header a", "Rule tester").await.click().await;
    b.find("input[name=q]")
        .await
        .type_text("\"Shangri-La\" OR 李尚福")
        .await;
    b.find_text("form button", "Test").await.click().await;
    b.find_text("#rule-count", "would match").await;
    b.find("article.rule-hit mark").await;
    let snippet = b.find("#rule-config").await.text().await;
    assert!(snippet.contains("[[watchlist]]"), "{snippet}");
    assert!(b.url().await.contains("/rules?q="), "{}", b.url().await);
    b.screenshot(&shots.join("rules.png")).await;
    b.quit().await;

    // What the browser did is in the state, as the API shows it.
    let one = api(&format!("{base}/api/v1/alerts/{id}")).await;
    assert_eq!(one["feedback"]["verdict"], "false-positive", "{one}");
    assert_eq!(one["feedback"]["note"], "another Li", "{one}");
    let mutes = api(&format!("{base}/api/v1/mutes")).await;
    assert_eq!(mutes.as_array().map(Vec::len), Some(1), "{mutes}");
    assert!(!daemon.log().contains(TOKEN), "the token is never logged");
    for name in [
        "inbox",
        "inbox-phone",
        "search",
        "alert",
        "alert-marked",
        "mutes",
        "rules",
    ] {
        let png = std::fs::read(shots.join(format!("{name}.png"))).unwrap();
        assert!(png.len() > 10_000, "{name}.png is a real screenshot");
    }
    daemon.stop().await;
}
