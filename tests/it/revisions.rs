//! Revision alerts end to end: a feed on 127.0.0.1 whose item's text changes between
//! runs of the real binary's `once` (each a fresh process, so every run is also a
//! restart), delivered to a webhook receiver in the JSON and the Slack formats.

use std::sync::{Arc, Mutex};

use serde_json::Value;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use crate::common::{newshound, text};

/// A feed whose one item's description the test rewrites, and the receivers.
struct Site {
    server: MockServer,
    feed: Arc<Mutex<String>>,
}

impl Site {
    async fn start() -> Site {
        let server = MockServer::builder().start().await;
        let feed: Arc<Mutex<String>> = Arc::default();
        let serving = feed.clone();
        Mock::given(method("GET"))
            .and(path("/feed.rss"))
            .respond_with(move |_: &Request| {
                let body = serving.lock().unwrap().clone();
                ResponseTemplate::new(200).set_body_raw(body, "application/rss+xml")
            })
            .mount(&server)
            .await;
        for hook in ["/hook", "/chat"] {
            Mock::given(method("POST"))
                .and(path(hook))
                .respond_with(ResponseTemplate::new(200))
                .mount(&server)
                .await;
        }
        Site { server, feed }
    }

    fn set_item(&self, description: &str) {
        *self.feed.lock().unwrap() = format!(
            "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>t</title>\
             <item><guid>port-1</guid><link>{}/port</link><title>Port talks</title>\
             <description>{description}</description></item></channel></rss>",
            self.server.uri()
        );
    }

    /// The bodies the receiver at `at` got, in order.
    async fn received(&self, at: &str) -> Vec<Value> {
        let got = self.server.received_requests().await.unwrap_or_default();
        got.iter()
            .filter(|r| r.url.path() == at)
            .map(|r| serde_json::from_slice(&r.body).unwrap())
            .collect()
    }
}

fn config(dir: &std::path::Path, site: &Site, revisions: bool) -> std::path::PathBuf {
    let toml = format!(
        "[daemon]\nstate_dir = \"{state}\"\nmax_age = \"0s\"\n\n\
         [http]\ntimeout = \"5s\"\nallow_private_networks = true\n\n\
         [[feed]]\nname = \"port\"\nurl = \"{base}/feed.rss\"\n\n\
         [[watchlist]]\nname = \"port-people\"\nrequire = \"person\"\nsinks = [\"hook\", \"chat\"]\n\
         revisions = {revisions}\n\n\
         [[watchlist.person]]\nname = \"Jane Doe\"\n\n\
         [[watchlist.person]]\nname = \"Li Shangfu\"\n\n\
         [[sink]]\nname = \"hook\"\ntype = \"webhook\"\nurl = \"{base}/hook\"\nbackoff = \"1s\"\n\n\
         [[sink]]\nname = \"chat\"\ntype = \"webhook\"\nformat = \"slack\"\nurl = \"{base}/chat\"\n\
         backoff = \"1s\"\n",
        state = dir.join("state").display(),
        base = site.server.uri(),
    );
    let path = dir.join("config.toml");
    std::fs::write(&path, toml).unwrap();
    path
}

async fn once(cfg: &std::path::Path) {
    let out = newshound(&["once", "-c", cfg.to_str().unwrap()]).await;
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}\n{stderr}");
}

const FIRST: &str = "Talks resumed. Jane Doe said the port would reopen on Monday. More later.";
const REVISED: &str = "Talks resumed. Jane Doe said the port would stay closed. More later.";

#[tokio::test(flavor = "multi_thread")]
async fn a_changed_matched_sentence_sends_exactly_one_revision_alert() {
    let site = Site::start().await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), &site, true);
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
    let cfg = config(dir.path(), &site, true);
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
    let cfg = config(dir.path(), &site, false);
    site.set_item(FIRST);
    once(&cfg).await;
    site.set_item(REVISED);
    once(&cfg).await;
    let got = site.received("/hook").await;
    assert_eq!(got.len(), 1, "{got:?}");
}
