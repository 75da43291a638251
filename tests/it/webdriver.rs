//! A small W3C WebDriver client over reqwest, for driving a real headless Chromium
//! through Debian's `chromedriver` on 127.0.0.1: start the driver on a free port, open a
//! session, navigate, find elements by CSS selector, click, type, read text, take
//! screenshots. Every request has a timeout; every failure names what was asked.
//!
//! Chromium and chromedriver are required: without them the tests fail with a message
//! saying what to install, they are never skipped.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{json, Value};
use tokio::process::{Child, Command};

/// The key W3C WebDriver uses for an element reference.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// How long to wait for an element or an address after a navigation.
const WAIT: Duration = Duration::from_secs(15);

/// A running chromedriver with one browser session.
pub struct Browser {
    driver: Child,
    http: reqwest::Client,
    session: String,
    base: String,
}

/// An element of the current page.
pub struct Element<'a> {
    browser: &'a Browser,
    id: String,
    what: String,
}

/// The first existing path among `$VAR` and `candidates`, or a failure naming the package.
fn required(var: &str, candidates: &[&str], package: &str) -> PathBuf {
    std::env::var(var)
        .ok()
        .into_iter()
        .chain(candidates.iter().map(|s| s.to_string()))
        .map(PathBuf::from)
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!("{package} not found (apt-get install chromium chromium-driver, or set {var}): the desk's browser test needs a real headless Chromium")
        })
}

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    l.local_addr().unwrap().port()
}

impl Browser {
    /// Starts chromedriver and a headless Chromium session with a `width`×`height` window.
    pub async fn start(width: u32, height: u32) -> Browser {
        let chromium = required(
            "CHROMIUM",
            &["/usr/bin/chromium", "/usr/bin/chromium-browser"],
            "chromium",
        );
        let chromedriver = required(
            "CHROMEDRIVER",
            &["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"],
            "chromedriver",
        );
        let port = free_port();
        let driver = Command::new(&chromedriver)
            .args([format!("--port={port}"), "--allowed-ips=127.0.0.1".into()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("start {}: {e}", chromedriver.display()));
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .unwrap();
        let base = format!("http://127.0.0.1:{port}");
        wait_ready(&http, &base).await;
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium.to_str().unwrap(),
                "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--no-first-run", "--disable-background-networking",
                         "--disable-component-update", "--disable-sync", "--hide-scrollbars",
                         format!("--window-size={width},{height}")],
            }
        }}});
        let mut b = Browser {
            driver,
            http,
            session: String::new(),
            base,
        };
        let v = b.call(reqwest::Method::POST, "/session", Some(caps)).await;
        b.session = v["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session id in {v}"))
            .to_string();
        b
    }

    /// One WebDriver command; its `value`, or a failure naming the command and the error.
    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        self.try_call(method, path, body)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// One WebDriver command; its `value`, or the error the driver answered (e.g. an
    /// element that went stale while the page navigated).
    async fn try_call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value, String> {
        let url = format!("{}{path}", self.base);
        let mut req = self.http.request(method.clone(), &url);
        if let Some(b) = &body {
            req = req
                .header("content-type", "application/json")
                .body(b.to_string());
        }
        let resp = req
            .send()
            .await
            .unwrap_or_else(|e| panic!("webdriver {method} {path}: {e}"));
        let status = resp.status();
        let text = resp
            .text()
            .await
            .unwrap_or_else(|e| panic!("webdriver {method} {path}: {e}"));
        let v: Value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("webdriver {method} {path}: not JSON ({e}): {text}"));
        if !status.is_success() {
            return Err(format!("webdriver {method} {path} {body:?}: {status} {v}"));
        }
        Ok(v["value"].clone())
    }

    fn at(&self, rest: &str) -> String {
        format!("/session/{}{rest}", self.session)
    }

    /// Opens `url`.
    pub async fn goto(&self, url: &str) {
        let p = self.at("/url");
        self.call(reqwest::Method::POST, &p, Some(json!({ "url": url })))
            .await;
    }

    /// The current address.
    pub async fn url(&self) -> String {
        let v = self
            .call(reqwest::Method::GET, &self.at("/url"), None)
            .await;
        v.as_str().unwrap_or_default().to_string()
    }

    /// The page's HTML as the browser holds it now.
    pub async fn source(&self) -> String {
        let v = self
            .call(reqwest::Method::GET, &self.at("/source"), None)
            .await;
        v.as_str().unwrap_or_default().to_string()
    }

    /// The page title.
    pub async fn title(&self) -> String {
        let v = self
            .call(reqwest::Method::GET, &self.at("/title"), None)
            .await;
        v.as_str().unwrap_or_default().to_string()
    }

    /// Every element matching the CSS `selector`.
    pub async fn all(&self, selector: &str) -> Vec<Element<'_>> {
        let body = json!({"using": "css selector", "value": selector});
        let v = self
            .call(reqwest::Method::POST, &self.at("/elements"), Some(body))
            .await;
        v.as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .map(|e| Element {
                browser: self,
                id: e[ELEMENT_KEY].as_str().expect("an element id").to_string(),
                what: selector.to_string(),
            })
            .collect()
    }

    /// The first element matching `selector`, waiting up to [`WAIT`] for it (a page may
    /// still be loading after a click); fails naming the page when there is none.
    pub async fn find(&self, selector: &str) -> Element<'_> {
        self.find_text(selector, "").await
    }

    /// The first element matching `selector` whose text contains `text`, waiting up to
    /// [`WAIT`] for it.
    pub async fn find_text(&self, selector: &str, text: &str) -> Element<'_> {
        let deadline = Instant::now() + WAIT;
        loop {
            for e in self.all(selector).await {
                // An element may go stale while a page is still loading: look again.
                if text.is_empty() || e.try_text().await.is_some_and(|t| t.contains(text)) {
                    return e;
                }
            }
            if Instant::now() > deadline {
                panic!(
                    "no {selector} with text {text:?} on {} within {WAIT:?}: {}",
                    self.url().await,
                    self.source().await
                )
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits up to [`WAIT`] until the address is `url` (a form's redirect may still be
    /// under way after the click).
    pub async fn wait_url(&self, url: &str) {
        let deadline = Instant::now() + WAIT;
        while self.url().await != url {
            assert!(
                Instant::now() < deadline,
                "still at {} after {WAIT:?}, expected {url}",
                self.url().await
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// A PNG of the window, written to `path`.
    pub async fn screenshot(&self, path: &std::path::Path) {
        let v = self
            .call(reqwest::Method::GET, &self.at("/screenshot"), None)
            .await;
        let png = base64::engine::general_purpose::STANDARD
            .decode(v.as_str().expect("base64 screenshot"))
            .expect("screenshot decodes");
        assert!(png.starts_with(b"\x89PNG"), "a PNG screenshot");
        std::fs::write(path, png).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    }

    /// Resizes the window.
    pub async fn resize(&self, width: u32, height: u32) {
        let body = json!({"width": width, "height": height});
        self.call(reqwest::Method::POST, &self.at("/window/rect"), Some(body))
            .await;
    }

    /// Ends the session and the driver.
    pub async fn quit(mut self) {
        let p = self.at("");
        self.call(reqwest::Method::DELETE, &p, None).await;
        let _ = self.driver.kill().await;
    }
}

impl Element<'_> {
    /// Clicks it.
    pub async fn click(&self) {
        let p = self.browser.at(&format!("/element/{}/click", self.id));
        self.browser
            .call(reqwest::Method::POST, &p, Some(json!({})))
            .await;
    }

    /// Types `text` into it.
    pub async fn type_text(&self, text: &str) {
        let p = self.browser.at(&format!("/element/{}/value", self.id));
        self.browser
            .call(reqwest::Method::POST, &p, Some(json!({ "text": text })))
            .await;
    }

    /// Its rendered text.
    pub async fn text(&self) -> String {
        let p = self.browser.at(&format!("/element/{}/text", self.id));
        let v = self.browser.call(reqwest::Method::GET, &p, None).await;
        v.as_str()
            .unwrap_or_else(|| panic!("text of {}: {v}", self.what))
            .to_string()
    }

    /// Its rendered text, or `None` when the driver cannot give it (a stale element).
    pub async fn try_text(&self) -> Option<String> {
        let p = self.browser.at(&format!("/element/{}/text", self.id));
        let v = self
            .browser
            .try_call(reqwest::Method::GET, &p, None)
            .await
            .ok()?;
        v.as_str().map(str::to_string)
    }

    /// An attribute, if set.
    pub async fn attr(&self, name: &str) -> Option<String> {
        let p = self
            .browser
            .at(&format!("/element/{}/attribute/{name}", self.id));
        let v = self.browser.call(reqwest::Method::GET, &p, None).await;
        v.as_str().map(str::to_string)
    }
}

/// Waits (at most 30 s) until chromedriver answers `/status` with ready.
async fn wait_ready(http: &reqwest::Client, base: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(r) = http.get(format!("{base}/status")).send().await {
            let v = r.text().await.ok();
            if let Some(v) = v.and_then(|t| serde_json::from_str::<Value>(&t).ok()) {
                if v["value"]["ready"] == true {
                    return;
                }
            }
        }
        assert!(
            Instant::now() < deadline,
            "chromedriver did not answer on {base} within 30 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
