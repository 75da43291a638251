//! `type = "mattermost"`: a Mattermost incoming webhook (developers.mattermost.com,
//! "Integrate → Incoming webhooks": `POST` JSON `{"text": …}` in Markdown to
//! `/hooks/<key>`, answered `200 ok`). The text stays within Mattermost's post limit of
//! 16,383 characters, so the server never splits an alert over several posts.

mod config;

pub use config::MattermostConfig;

use serde_json::json;
use url::Url;

use super::http::{classify, exchange, with_json, Unit};
use super::secret::redacted_url;
use super::text::{self, Style};
use super::Net;
use crate::alert::sink::{DeliveryError, Sink};
use crate::alert::Batch;

/// Mattermost's limit on a post's message, in characters.
pub const TEXT_MAX: usize = 16_383;

/// Posts through one incoming webhook.
#[derive(Clone)]
pub struct MattermostSink {
    name: String,
    /// The credential: never printed whole.
    url: Url,
}

impl std::fmt::Debug for MattermostSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MattermostSink")
            .field("url", &redacted_url(&self.url))
            .finish()
    }
}

impl MattermostSink {
    /// One line for `check`.
    pub fn describe(&self) -> String {
        format!("mattermost {}", redacted_url(&self.url))
    }

    /// The JSON body for `batch`.
    pub fn body(batch: Batch<'_>) -> serde_json::Value {
        json!({"text": text::message(batch, Style::Markdown, TEXT_MAX, Unit::Chars)})
    }
}

impl Sink for MattermostSink {
    async fn deliver(&self, net: &Net, batch: Batch<'_>) -> Result<(), DeliveryError> {
        let req = with_json(net.client.post(self.url.clone()), &Self::body(batch));
        let what = format!("mattermost '{}'", self.name);
        let answer = exchange(&what, req).await?;
        let detail = answer
            .json()
            .and_then(|v| v["message"].as_str().map(str::to_string));
        classify(&what, &answer, detail.as_deref())
    }
}
