//! `type = "pushover"`: Pushover's Message API (pushover.net/api, "Pushing Messages",
//! "Message Priority", "HTML Styling", "Limitations", "Being Friendly to our API"): `POST
//! {api_url}/1/messages.json` with `token`, `user`, `message` in HTML styling (at most
//! 1,024 characters), `title` (250), `url` (512) and `url_title` (100), and `priority`
//! −1…1 from the watchlist's severity (never 2, which would page until acknowledged).

mod config;

pub use config::{PushoverConfig, DEFAULT_API};

use serde_json::json;
use url::Url;

use super::http::{classify, exchange, fit, with_json, Unit};
use super::secret::{redacted_url, Secret};
use super::text::{self, Style};
use super::Net;
use crate::alert::sink::{DeliveryError, Sink};
use crate::alert::Batch;

/// Pushover's limit on `message`, in characters.
pub const MESSAGE_MAX: usize = 1024;
/// On `title`.
pub const TITLE_MAX: usize = 250;
/// On `url`.
pub const URL_MAX: usize = 512;
/// On `url_title`.
pub const URL_TITLE_MAX: usize = 100;

/// Notifies one Pushover user or group.
#[derive(Clone)]
pub struct PushoverSink {
    name: String,
    endpoint: Url,
    token: Secret,
    user: Secret,
}

impl std::fmt::Debug for PushoverSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PushoverSink")
            .field("endpoint", &redacted_url(&self.endpoint))
            .field("token", &self.token)
            .field("user", &self.user)
            .finish()
    }
}

/// Pushover's priority for a severity label: −1 quiet, 0 normal, 1 high.
pub fn priority(severity: Option<&str>) -> i8 {
    match super::ntfy::priority(severity) {
        1 | 2 => -1,
        4 | 5 => 1,
        _ => 0,
    }
}

impl PushoverSink {
    /// One line for `check`.
    pub fn describe(&self) -> String {
        format!("pushover {}", redacted_url(&self.endpoint))
    }

    /// The JSON body for `batch`, credentials included.
    fn body(&self, batch: Batch<'_>) -> serde_json::Value {
        let alerts = batch.alerts();
        let top = alerts.iter().map(|a| priority(a.severity.as_deref())).max();
        let mut body = json!({
            "token": self.token.expose().trim(),
            "user": self.user.expose().trim(),
            "title": text::title(batch, TITLE_MAX, Unit::Chars),
            "message": text::message(batch, Style::TelegramHtml, MESSAGE_MAX, Unit::Chars),
            "html": 1,
            "priority": top.unwrap_or(0),
        });
        let url = alerts[0]
            .article
            .url
            .as_deref()
            .filter(|u| u.chars().count() <= URL_MAX);
        if let (false, Some(url)) = (batch.is_digest(), url) {
            body["url"] = json!(url);
            body["url_title"] = json!(fit(&alerts[0].article.title, URL_TITLE_MAX, Unit::Chars));
        }
        body
    }
}

impl Sink for PushoverSink {
    async fn deliver(&self, net: &Net, batch: Batch<'_>) -> Result<(), DeliveryError> {
        let req = with_json(net.client.post(self.endpoint.clone()), &self.body(batch));
        let what = format!("pushover '{}'", self.name);
        let answer = exchange(&what, req).await?;
        let detail = answer.json().map(|v| {
            let errors = v["errors"].as_array().cloned().unwrap_or_default();
            let texts: Vec<&str> = errors.iter().filter_map(|e| e.as_str()).collect();
            texts.join("; ")
        });
        if answer.status.is_success() && answer.json().is_some_and(|v| v["status"] != 1) {
            let reason = format!("{what}: answered status {}", detail.unwrap_or_default());
            return Err(DeliveryError::Permanent { reason });
        }
        classify(&what, &answer, detail.as_deref())
    }
}
