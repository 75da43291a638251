//! The webhook sink: POSTs the configured format (v1 JSON by default, or Slack, Discord,
//! Teams, a template) with Standard Webhooks headers, signed with HMAC-SHA256 when a secret
//! is set, and classifies the receiver's answer.

use std::time::{Duration, SystemTime};

use base64::Engine as _;
use hmac::{Hmac, Mac};
use reqwest::header::{HeaderMap, HeaderValue, CONTENT_TYPE, RETRY_AFTER};
use sha2::Sha256;

use super::sink::{DeliveryError, Sink};
use super::wire::{WireAlertV1, WireDigestV1};
use super::{discord, slack, teams, Batch};
use crate::config::{HttpConfig, WebhookConfig, WebhookFormat};
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

    /// The request body for `batch` in this sink's format.
    pub fn body(&self, batch: Batch<'_>) -> Result<String, DeliveryError> {
        Ok(match (&self.cfg.format, batch) {
            (WebhookFormat::Json, Batch::Single(a)) => WireAlertV1::new(a).to_json(),
            (WebhookFormat::Json, Batch::Digest(d)) => WireDigestV1::new(d).to_json(),
            (WebhookFormat::Slack, _) => slack::payload(batch).to_string(),
            (WebhookFormat::Discord, _) => discord::payload(batch).to_string(),
            (WebhookFormat::Teams, _) => teams::payload(batch).to_string(),
            (WebhookFormat::Template(t), _) => {
                t.render(batch).map_err(|e| DeliveryError::Permanent {
                    reason: format!("webhook '{}': template failed: {e}", self.name),
                })?
            }
        })
    }

    fn headers(&self, id: &str, timestamp: i64, body: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        // JSON unless the user's headers say otherwise (a template may render text).
        h.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        for (name, value) in &self.cfg.headers {
            // Configured headers often carry tokens: keep them out of any debug output.
            let mut value = value.clone();
            value.set_sensitive(true);
            h.insert(name.clone(), value);
        }
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
    async fn deliver(&self, batch: Batch<'_>) -> Result<(), DeliveryError> {
        let body = self.body(batch)?;
        let timestamp = chrono::Utc::now().timestamp();
        let headers = self.headers(batch.id(), timestamp, &body);
        let resp = self
            .client
            .post(self.cfg.url.clone())
            .headers(headers)
            .body(body)
            .send()
            .await;
        let resp = resp.map_err(|e| DeliveryError::Retryable {
            reason: format!(
                "webhook '{}' request to {} failed: {}",
                self.name,
                crate::redact::url(&self.cfg.url),
                error_chain(&e.without_url())
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
            .and_then(|v| retry_after(v, SystemTime::now()));
        return Err(DeliveryError::Retryable {
            reason,
            retry_after,
        });
    }
    if status.as_u16() == 410 {
        return Err(DeliveryError::Gone { reason });
    }
    Err(DeliveryError::Permanent { reason })
}

/// A `Retry-After` value: delay-seconds, or an HTTP-date (a date in the past means now).
pub fn retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or_default())
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
        assert!(matches!(
            classify("s", reqwest::StatusCode::GONE, &h),
            Err(DeliveryError::Gone { .. })
        ));
        for code in [400u16, 401, 404, 301] {
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

    #[test]
    fn retry_after_takes_seconds_and_http_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(retry_after(" 7 ", now), Some(Duration::from_secs(7)));
        let later = httpdate::fmt_http_date(now + Duration::from_secs(90));
        assert_eq!(retry_after(&later, now), Some(Duration::from_secs(90)));
        let past = httpdate::fmt_http_date(now - Duration::from_secs(90));
        assert_eq!(retry_after(&past, now), Some(Duration::ZERO));
        assert_eq!(retry_after("soon", now), None);
        assert_eq!(
            retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now),
            Some(Duration::ZERO)
        );
    }
}
