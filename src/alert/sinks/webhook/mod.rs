//! `type = "webhook"`: sends the configured format (v1 JSON by default, or Slack, Discord,
//! Teams, a template) with `POST` or `PUT` and Standard Webhooks headers, signed with
//! HMAC-SHA256 when a secret is set, and classifies the receiver's answer.

mod config;

pub use config::{decode_secret, Format, Method, WebhookConfig};

use reqwest::Method as HttpMethod;

use std::sync::Arc;

use base64::Engine as _;
use hmac::{Hmac, Mac};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, CONTENT_TYPE};
use sha2::Sha256;
use url::Url;

use super::http::{classify, exchange};
use super::secret::redacted_url;
use super::Net;
use crate::alert::sink::{DeliveryError, Sink};
use crate::alert::template::Template;
use crate::alert::wire::{WireAlertV1, WireDigestV1, WireStoryV2};
use crate::alert::{discord, slack, teams, Batch};

/// What a webhook's body is.
#[derive(Clone)]
pub enum Body {
    /// The versioned newshound JSON (v1; v2 for a story group).
    Json,
    /// Slack blocks.
    Slack,
    /// Discord embeds.
    Discord,
    /// A Teams Adaptive Card.
    Teams,
    /// A user's template.
    Template(Arc<Template>),
}

impl Body {
    /// The format's config name.
    pub fn name(&self) -> &'static str {
        match self {
            Body::Json => "json",
            Body::Slack => "slack",
            Body::Discord => "discord",
            Body::Teams => "teams",
            Body::Template(_) => "template",
        }
    }
}

/// Delivers alerts to one HTTP endpoint.
#[derive(Clone)]
pub struct WebhookSink {
    name: String,
    url: Url,
    /// Read from `url_file`: the whole URL is a credential, shown as its origin only.
    url_is_secret: bool,
    method: HttpMethod,
    body: Body,
    content_type: HeaderValue,
    secret: Option<Vec<u8>>,
    headers: Vec<(HeaderName, HeaderValue)>,
}

impl std::fmt::Debug for WebhookSink {
    // The URL may carry a token, the secret and headers are credentials.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookSink")
            .field("url", &self.url.origin().ascii_serialization())
            .field("method", &self.method)
            .field("format", &self.body.name())
            .field("signed", &self.secret.is_some())
            .field("headers", &self.headers.len())
            .finish()
    }
}

impl WebhookSink {
    /// One line for `check`: where it sends (redacted) and how.
    pub fn describe(&self) -> String {
        let method = match self.method {
            HttpMethod::POST => String::new(),
            ref other => format!("{other} "),
        };
        let format = match self.body.name() {
            "json" => String::new(),
            other => format!(", {other}"),
        };
        let signed = if self.secret.is_some() {
            ", signed"
        } else {
            ""
        };
        let url = if self.url_is_secret {
            format!("{}/REDACTED", self.url.origin().ascii_serialization())
        } else {
            redacted_url(&self.url)
        };
        format!("webhook {method}{url}{format}{signed}")
    }

    /// The request body for `batch` in this sink's format.
    pub fn body(&self, batch: Batch<'_>) -> Result<String, DeliveryError> {
        Ok(match (&self.body, batch) {
            (Body::Json, Batch::Single(a)) => WireAlertV1::new(a).to_json(),
            (Body::Json, Batch::Digest(d)) => WireDigestV1::new(d).to_json(),
            (Body::Json, Batch::Story(d)) => WireStoryV2::new(d).to_json(),
            (Body::Slack, _) => slack::payload(batch).to_string(),
            (Body::Discord, _) => discord::payload(batch).to_string(),
            (Body::Teams, _) => teams::payload(batch).to_string(),
            (Body::Template(t), _) => t.render(batch).map_err(|e| DeliveryError::Permanent {
                reason: format!("webhook '{}': template failed: {e}", self.name),
            })?,
        })
    }

    fn headers(&self, id: &str, timestamp: i64, body: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        // JSON unless a template says otherwise; the user's headers win.
        h.insert(CONTENT_TYPE, self.content_type.clone());
        for (name, value) in &self.headers {
            h.insert(name.clone(), value.clone());
        }
        let text = |s: String| HeaderValue::from_str(&s).unwrap_or(HeaderValue::from_static(""));
        h.insert("webhook-id", text(id.to_string()));
        h.insert("webhook-timestamp", text(timestamp.to_string()));
        if let Some(key) = &self.secret {
            h.insert(
                "webhook-signature",
                text(format!("v1,{}", sign(key, id, timestamp, body))),
            );
        }
        h
    }
}

/// The Standard Webhooks signature: base64 of HMAC-SHA256 over `{id}.{timestamp}.{body}`.
pub fn sign(key: &[u8], id: &str, timestamp: i64, body: &str) -> String {
    // HMAC accepts keys of any length; new_from_slice cannot fail for it.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    mac.update(format!("{id}.{timestamp}.").as_bytes());
    mac.update(body.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

impl Sink for WebhookSink {
    async fn deliver(&self, net: &Net, batch: Batch<'_>) -> Result<(), DeliveryError> {
        let body = self.body(batch)?;
        let timestamp = chrono::Utc::now().timestamp();
        let headers = self.headers(batch.id(), timestamp, &body);
        let req = net.client.request(self.method.clone(), self.url.clone());
        let what = format!("webhook '{}'", self.name);
        let answer = exchange(&what, req.headers(headers).body(body)).await?;
        classify(&what, &answer, None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_matches_standard_webhooks_example() {
        // The example from the Standard Webhooks specification's reference libraries.
        let key = base64::engine::general_purpose::STANDARD
            .decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
            .unwrap();
        let sig = sign(
            &key,
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            r#"{"test": 2432232314}"#,
        );
        assert_eq!(sig, "g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }
}
