//! `type = "matrix"`: the client-server API (spec.matrix.org, Client-Server API v1.x,
//! "PUT /_matrix/client/v3/rooms/{roomId}/send/{eventType}/{txnId}", "m.room.message"
//! msgtypes, "Size limits"): one `m.room.message` event (`msgtype` `m.notice`, as for
//! bots) with a plain `body` and an HTML `formatted_body`, the alert (or digest) id as the
//! transaction id, so the homeserver recognises a retry and never posts twice.

mod config;

pub use config::MatrixConfig;

use std::time::Duration;

use serde::Deserialize;
use serde_json::json;
use url::Url;

use super::http::{classify, exchange, with_json, Unit};
use super::secret::{redacted_url, Secret};
use super::text::{self, Style};
use super::Net;
use crate::alert::sink::{DeliveryError, Sink};
use crate::alert::Batch;

/// Bytes allowed for each of `body` and `formatted_body`: together with the envelope the
/// event stays under the spec's 65,536-byte limit.
pub const PART_MAX_BYTES: usize = 28_000;

/// Posts to one Matrix room.
#[derive(Clone)]
pub struct MatrixSink {
    name: String,
    homeserver: Url,
    room_id: String,
    token: Secret,
}

impl std::fmt::Debug for MatrixSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MatrixSink")
            .field("homeserver", &redacted_url(&self.homeserver))
            .field("room_id", &self.room_id)
            .field("token", &self.token)
            .finish()
    }
}

impl MatrixSink {
    /// One line for `check`.
    pub fn describe(&self) -> String {
        let hs = redacted_url(&self.homeserver);
        format!("matrix room {} on {hs}", self.room_id)
    }

    /// The URL for sending `txn_id`: room and transaction id percent-encoded.
    pub fn send_url(&self, txn_id: &str) -> Url {
        let mut url = self.homeserver.clone();
        if let Ok(mut p) = url.path_segments_mut() {
            p.pop_if_empty();
            p.extend(["_matrix", "client", "v3", "rooms", &self.room_id]);
            p.extend(["send", "m.room.message", txn_id]);
        }
        url
    }

    /// The event content for `batch`.
    pub fn content(batch: Batch<'_>) -> serde_json::Value {
        json!({
            "msgtype": "m.notice",
            "body": text::message(batch, Style::Plain, PART_MAX_BYTES, Unit::Bytes),
            "format": "org.matrix.custom.html",
            "formatted_body": text::message(batch, Style::Html, PART_MAX_BYTES, Unit::Bytes),
        })
    }
}

impl Sink for MatrixSink {
    async fn deliver(&self, net: &Net, batch: Batch<'_>) -> Result<(), DeliveryError> {
        let req = net
            .client
            .put(self.send_url(batch.id()))
            .bearer_auth(self.token.expose());
        let req = with_json(req, &Self::content(batch));
        let what = format!("matrix '{}'", self.name);
        let answer = exchange(&what, req).await?;
        let error: Option<MatrixError> = serde_json::from_str(&answer.body).ok();
        let detail = error
            .as_ref()
            .map(|e| format!("{} {}", e.errcode, e.error.as_deref().unwrap_or("")));
        match classify(&what, &answer, detail.as_deref()) {
            Err(DeliveryError::Retryable {
                reason,
                retry_after,
            }) => {
                let told = error
                    .and_then(|e| e.retry_after_ms)
                    .map(Duration::from_millis);
                Err(DeliveryError::Retryable {
                    reason,
                    retry_after: retry_after.or(told),
                })
            }
            other => other,
        }
    }
}

/// The standard error body.
#[derive(Debug, Deserialize)]
struct MatrixError {
    errcode: String,
    error: Option<String>,
    retry_after_ms: Option<u64>,
}
