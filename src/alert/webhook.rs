//! The webhook sink: POSTs the v1 JSON payload with Standard Webhooks headers, signed with
//! HMAC-SHA256 when a secret is set.

use std::time::Duration;

use base64::Engine as _;
use hmac::{Hmac, Mac};
use reqwest::header::{HeaderMap, HeaderValue, CONTENT_TYPE, RETRY_AFTER};
use sha2::Sha256;

use super::sink::{DeliveryError, RetryPolicy, Sink};
use super::wire::WireAlertV1;
use super::Alert;
use crate::config::{HttpConfig, WebhookConfig};
use crate::net::{error_chain, http_client};

/// Delivers alerts to one HTTP endpoint.
pub struct WebhookSink {
    name: String,
    cfg: WebhookConfig,
    client: reqwest::Client,
}

impl WebhookSink {
    /// A webhook sink; its client follows no redirects.
    pub fn new(
        name: &str,
        cfg: &WebhookConfig,
        http: &HttpConfig,
    ) -> Result<WebhookSink, reqwest::Error> {
        Ok(WebhookSink {
            name: name.to_string(),
            cfg: cfg.clone(),
            client: http_client(http, 0)?,
        })
    }

    /// This sink's retry timing.
    pub fn retry_policy(&self) -> RetryPolicy {
        RetryPolicy {
            backoff: self.cfg.backoff,
            backoff_max: self.cfg.backoff_max,
            give_up_after: self.cfg.give_up_after,
        }
    }

    fn headers(&self, id: &str, timestamp: i64, body: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (name, value) in &self.cfg.headers {
            // Configured headers often carry tokens: keep them out of any debug output.
            let mut value = value.clone();
            value.set_sensitive(true);
            h.insert(name.clone(), value);
        }
        h.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        let text = |s: String| HeaderValue::from_str(&s).unwrap_or(HeaderValue::from_static(""));
        h.insert("webhook-id", text(id.to_string()));
        h.insert("webhook-timestamp", text(timestamp.to_string()));
        if let Some(key) = &self.cfg.secret {
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
    async fn deliver(&self, alert: &Alert) -> Result<(), DeliveryError> {
        let body = WireAlertV1::new(alert).to_json();
        let timestamp = chrono::Utc::now().timestamp();
        let headers = self.headers(&alert.id, timestamp, &body);
        let resp = self
            .client
            .post(self.cfg.url.clone())
            .headers(headers)
            .body(body)
            .send()
            .await;
        let resp = resp.map_err(|e| DeliveryError::Retryable {
            reason: format!(
                "webhook '{}' request failed: {}",
                self.name,
                error_chain(&e)
            ),
            retry_after: None,
        })?;
        classify(&self.name, resp.status(), resp.headers())
    }
}

/// Maps a receiver's status to the delivery outcome.
fn classify(
    name: &str,
    status: reqwest::StatusCode,
    headers: &HeaderMap,
) -> Result<(), DeliveryError> {
    if status.is_success() {
        return Ok(());
    }
    let reason = format!("webhook '{name}' answered HTTP {}", status.as_u16());
    if status.is_server_error() || status.as_u16() == 408 || status.as_u16() == 429 {
        let retry_after = headers
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        return Err(DeliveryError::Retryable {
            reason,
            retry_after,
        });
    }
    Err(DeliveryError::Permanent { reason })
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

    #[test]
    fn statuses_classify() {
        let h = HeaderMap::new();
        assert!(classify("s", reqwest::StatusCode::OK, &h).is_ok());
        for code in [500u16, 502, 503, 408, 429] {
            let s = reqwest::StatusCode::from_u16(code).unwrap();
            assert!(
                matches!(classify("s", s, &h), Err(DeliveryError::Retryable { .. })),
                "{code}"
            );
        }
        for code in [400u16, 401, 404, 410, 301] {
            let s = reqwest::StatusCode::from_u16(code).unwrap();
            assert!(
                matches!(classify("s", s, &h), Err(DeliveryError::Permanent { .. })),
                "{code}"
            );
        }
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, HeaderValue::from_static("7"));
        let s = reqwest::StatusCode::TOO_MANY_REQUESTS;
        assert_eq!(
            classify("s", s, &h),
            Err(DeliveryError::Retryable {
                reason: "webhook 's' answered HTTP 429".into(),
                retry_after: Some(Duration::from_secs(7))
            })
        );
    }
}
