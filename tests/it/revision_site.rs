//! A feed on 127.0.0.1 whose one item the test rewrites, with a JSON webhook receiver
//! (`/hook`) and a Slack-format one (`/chat`), for the revision-alert tests of both the
//! embedded and the shared state.

use std::sync::{Arc, Mutex};

use serde_json::Value;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use crate::common::{newshound, text};

/// A feed whose one item's description the test rewrites, and the receivers.
pub struct Site {
    pub server: MockServer,
    feed: Arc<Mutex<String>>,
}

impl Site {
    pub async fn start() -> Site {
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

    pub fn set_item(&self, description: &str) {
        *self.feed.lock().unwrap() = format!(
            "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>t</title>\
             <item><guid>port-1</guid><link>{}/port</link><title>Port talks</title>\
             <description>{description}</description></item></channel></rss>",
            self.server.uri()
        );
    }

    /// The bodies the receiver at `at` got, in order.
    pub async fn received(&self, at: &str) -> Vec<Value> {
        let got = self.server.received_requests().await.unwrap_or_default();
        got.iter()
            .filter(|r| r.url.path() == at)
            .map(|r| serde_json::from_slice(&r.body).unwrap())
            .collect()
    }
}

/// The config: one feed, one watchlist (`revisions` as given) sending to both receivers,
/// and `extra` TOML appended (a `[store]` section).
pub fn config(
    dir: &std::path::Path,
    site: &Site,
    revisions: bool,
    extra: &str,
) -> std::path::PathBuf {
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
         backoff = \"1s\"\n{extra}",
        state = dir.join("state").display(),
        base = site.server.uri(),
    );
    let path = dir.join("config.toml");
    std::fs::write(&path, toml).unwrap();
    path
}

/// Runs `once` and checks it succeeded.
pub async fn once(cfg: &std::path::Path) {
    let out = newshound(&["once", "-c", cfg.to_str().unwrap()]).await;
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}\n{stderr}");
}
