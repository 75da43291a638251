//! `type = "ntfy"`: publishes each alert or digest to an ntfy topic as JSON (ntfy docs,
//! "Publishing" → "Publish as JSON"): `POST` to the server root with `topic`, `title`,
//! `message` (plain text within ntfy's 4,096-byte message limit), `priority` from the
//! watchlist's severity, `tags` and `click` = the article's URL.

mod config;

pub use config::NtfyConfig;

use serde_json::json;
use url::Url;

use super::http::{classify, exchange, with_json, Unit};
use super::secret::{redacted_url, Secret};
use super::text::{self, Style};
use super::Net;
use crate::alert::sink::{DeliveryError, Sink};
use crate::alert::Batch;

/// ntfy's default message size limit, in bytes; longer messages become attachments.
pub const MESSAGE_MAX_BYTES: usize = 4096;
/// The longest title sent, in bytes.
pub const TITLE_MAX_BYTES: usize = 250;

/// Publishes to one ntfy topic.
#[derive(Clone)]
pub struct NtfySink {
    name: String,
    server: Url,
    topic: String,
    token: Option<Secret>,
}

impl std::fmt::Debug for NtfySink {
    // The topic is as good as a password on a public server.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NtfySink")
            .field("server", &redacted_url(&self.server))
            .field("token", &self.token)
            .finish()
    }
}

/// ntfy's priority (1 min … 5 max) for a severity label; unknown labels get 3 (default).
pub fn priority(severity: Option<&str>) -> u8 {
    match severity.map(str::to_ascii_lowercase).as_deref() {
        Some("min" | "minimal" | "debug") => 1,
        Some("low" | "info") => 2,
        Some("high" | "warning" | "warn") => 4,
        Some("max" | "urgent" | "critical" | "emergency") => 5,
        _ => 3,
    }
}

impl NtfySink {
    /// One line for `check`.
    pub fn describe(&self) -> String {
        let auth = if self.token.is_some() { ", token" } else { "" };
        format!("ntfy {}{auth}", redacted_url(&self.server))
    }

    /// The JSON body for `batch`.
    pub fn body(&self, batch: Batch<'_>) -> serde_json::Value {
        let alerts = batch.alerts();
        let top = alerts
            .iter()
            .map(|a| priority(a.severity.as_deref()))
            .max()
            .unwrap_or(3);
        let mut tags = vec!["newspaper".to_string()];
        for a in alerts {
            if !tags.contains(&a.watchlist) {
                tags.push(a.watchlist.clone());
            }
        }
        tags.truncate(10);
        let mut body = json!({
            "topic": self.topic,
            "title": text::title(batch, TITLE_MAX_BYTES, Unit::Bytes),
            "message": text::message(batch, Style::Plain, MESSAGE_MAX_BYTES, Unit::Bytes),
            "priority": top,
            "tags": tags,
        });
        if let (false, Some(url)) = (batch.is_digest(), alerts[0].article.url.as_deref()) {
            body["click"] = json!(url);
        }
        body
    }
}

impl Sink for NtfySink {
    async fn deliver(&self, net: &Net, batch: Batch<'_>) -> Result<(), DeliveryError> {
        let mut req = with_json(net.client.post(self.server.clone()), &self.body(batch));
        if let Some(t) = &self.token {
            req = req.bearer_auth(t.expose());
        }
        let what = format!("ntfy '{}'", self.name);
        let answer = exchange(&what, req).await?;
        let detail = answer
            .json()
            .and_then(|v| v["error"].as_str().map(str::to_string));
        classify(&what, &answer, detail.as_deref())
    }
}
