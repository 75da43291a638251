//! Revision alerts end to end: a feed on 127.0.0.1 whose item's text changes between
//! runs of the real binary's `once` (each a fresh process, so every run is also a
//! restart), delivered to a webhook receiver in the JSON and the Slack formats.

use serde_json::Value;

use crate::revision_site::{config, once, Site};

/// The item as first alerted.
pub const FIRST: &str = "Talks resumed. Jane Doe said the port would reopen on Monday. More later.";
/// The item with its matched sentence rewritten.
pub const REVISED: &str = "Talks resumed. Jane Doe said the port would stay closed. More later.";

#[tokio::test(flavor = "multi_thread")]
async fn a_changed_matched_sentence_sends_exactly_one_revision_alert() {
    let site = Site::start().await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), &site, true, "");
    site.set_item(FIRST);
    once(&cfg).await;
    let first = site.received("/hook").await;
    assert_eq!(first.len(), 1, "{first:?}");
    assert!(first[0].get("revision_of").is_none(), "{}", first[0]);

    // Text changed elsewhere than the matched sentence: no revision.
    site.set_item(&FIRST.replace("More later.", "Updated at noon."));
    once(&cfg).await;
    assert_eq!(site.received("/hook").await.len(), 1);

    site.set_item(REVISED);
    once(&cfg).await;
    // The same changed item again, in a new process: nothing new.
    once(&cfg).await;
    let got = site.received("/hook").await;
    assert_eq!(got.len(), 2, "exactly one revision alert: {got:?}");
    let rev = &got[1];
    assert_eq!(rev["revision_of"], first[0]["id"], "{rev}");
    assert_ne!(rev["id"], first[0]["id"]);
    assert_eq!(rev["revision"]["field"], "summary");
    assert_eq!(
        rev["revision"]["before"],
        "Jane Doe said the port would reopen on Monday."
    );
    assert_eq!(
        rev["revision"]["after"],
        "Jane Doe said the port would stay closed."
    );
    assert_eq!(rev["revision"]["new_terms"], serde_json::json!([]));
    assert_eq!(rev["matches"][0]["term"], "Jane Doe");

    let id = rev["id"].as_str().unwrap();
    let out = crate::common::newshound(&["alerts", "show", id, "-c", cfg.to_str().unwrap()]).await;
    let (shown, stderr) = crate::common::text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(shown.starts_with("Revised: Port talks"), "{shown}");
    let of = first[0]["id"].as_str().unwrap();
    assert!(
        shown.contains(&format!("revision of: {of} (summary)")),
        "{shown}"
    );
    assert!(
        shown.contains("after:   Jane Doe said the port would stay closed."),
        "{shown}"
    );

    let chat = site.received("/chat").await;
    assert_eq!(chat.len(), 2, "{chat:?}");
    let said = chat[1]["text"].as_str().unwrap();
    assert!(said.contains("Revised: Port talks"), "{said}");
    assert!(
        chat[1].to_string().contains("would stay closed"),
        "{}",
        chat[1]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_new_watched_term_is_a_revision_naming_it() {
    let site = Site::start().await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), &site, true, "");
    site.set_item(FIRST);
    once(&cfg).await;
    site.set_item(&format!("{FIRST} Li Shangfu declined to comment."));
    once(&cfg).await;
    once(&cfg).await;
    let got = site.received("/hook").await;
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!(got[1]["revision_of"], got[0]["id"]);
    assert_eq!(
        got[1]["revision"]["new_terms"],
        serde_json::json!(["Li Shangfu"])
    );
    assert_eq!(
        got[1]["revision"]["after"],
        "Li Shangfu declined to comment."
    );
    assert_eq!(got[1]["revision"]["before"], Value::Null);
}

#[tokio::test(flavor = "multi_thread")]
async fn no_revision_alert_when_the_watchlist_has_revisions_off() {
    let site = Site::start().await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), &site, false, "");
    site.set_item(FIRST);
    once(&cfg).await;
    site.set_item(REVISED);
    once(&cfg).await;
    let got = site.received("/hook").await;
    assert_eq!(got.len(), 1, "{got:?}");
}
