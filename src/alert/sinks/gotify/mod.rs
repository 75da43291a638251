//! `type = "gotify"`: Gotify's REST API (gotify.net/api-docs, "POST /message"; "Message
//! Extras" for `client::display` and `client::notification`): `POST {url}/message` with the
//! application token in `X-Gotify-Key`, JSON `title`, `message` (Markdown), `priority`
//! (0–10, from the watchlist's severity) and the article URL as the click target.

mod config;

pub use config::GotifyConfig;

use serde_json::json;
use url::Url;

use super::http::{classify, exchange, with_json, Unit};
use super::secret::{redacted_url, Secret};
use super::text::{self, Style};
use super::Net;
use crate::alert::sink::{DeliveryError, Sink};
use crate::alert::Batch;

/// Gotify documents no limit; newshound keeps a message within this many bytes so a
/// digest stays readable on a phone.
pub const MESSAGE_MAX_BYTES: usize = 32 * 1024;
/// The longest title sent, in characters.
pub const TITLE_MAX_CHARS: usize = 250;

/// Posts to one Gotify application.
#[derive(Clone)]
pub struct GotifySink {
    name: String,
    endpoint: Url,
    token: Secret,
}

impl std::fmt::Debug for GotifySink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GotifySink")
            .field("endpoint", &redacted_url(&self.endpoint))
            .field("token", &self.token)
            .finish()
    }
}

/// Gotify's priority (0 … 10; Android shows ≥ 8 as a pop-up) for a severity label.
pub fn priority(severity: Option<&str>) -> u8 {
    match super::ntfy::priority(severity) {
        1 => 1,
        2 => 3,
        4 => 8,
        5 => 10,
        _ => 5,
    }
}

impl GotifySink {
    /// One line for `check`.
    pub fn describe(&self) -> String {
        format!("gotify {}", redacted_url(&self.endpoint))
    }

    /// The JSON body for `batch`.
    pub fn body(batch: Batch<'_>) -> serde_json::Value {
        let alerts = batch.alerts();
        let top = alerts.iter().map(|a| priority(a.severity.as_deref())).max();
        let mut extras = json!({"client::display": {"contentType": "text/markdown"}});
        if let (false, Some(url)) = (batch.is_digest(), alerts[0].article.url.as_deref()) {
            extras["client::notification"] = json!({"click": {"url": url}});
        }
        json!({
            "title": text::title(batch, TITLE_MAX_CHARS, Unit::Chars),
            "message": text::message(batch, Style::Markdown, MESSAGE_MAX_BYTES, Unit::Bytes),
            "priority": top.unwrap_or(5),
            "extras": extras,
        })
    }
}

impl Sink for GotifySink {
    async fn deliver(&self, net: &Net, batch: Batch<'_>) -> Result<(), DeliveryError> {
        let mut key =
            reqwest::header::HeaderValue::from_str(self.token.expose().trim()).map_err(|_| {
                DeliveryError::Permanent {
                    reason: format!(
                        "gotify '{}': the token is not a valid header value",
                        self.name
                    ),
                }
            })?;
        key.set_sensitive(true);
        let req = net
            .client
            .post(self.endpoint.clone())
            .header("X-Gotify-Key", key);
        let req = with_json(req, &Self::body(batch));
        let what = format!("gotify '{}'", self.name);
        let answer = exchange(&what, req).await?;
        let detail = answer.json().and_then(|v| {
            let d = v["errorDescription"].as_str().or(v["error"].as_str());
            d.map(str::to_string)
        });
        classify(&what, &answer, detail.as_deref())
    }
}
