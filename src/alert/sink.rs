//! The sink contract, and the closed set of sink kinds behind it.

use std::future::Future;
use std::time::Duration;

use super::log::LogSink;
use super::webhook::WebhookSink;
use super::Alert;
use crate::config::{HttpConfig, SinkConfig, SinkKind};

/// Why a delivery did not succeed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeliveryError {
    /// Worth trying again later (5xx, 408, 429, timeouts, refused connections).
    #[error("{reason}")]
    Retryable {
        /// What happened.
        reason: String,
        /// The receiver's `Retry-After`, when it sent one.
        retry_after: Option<Duration>,
    },
    /// Trying again will not help (e.g. a 4xx other than 408/429).
    #[error("{reason}")]
    Permanent {
        /// What happened.
        reason: String,
    },
}

/// A destination for alerts.
///
/// Contract: `deliver` is called by the dispatcher once per attempt for one (alert, sink)
/// delivery, after the alert is committed to the outbox. `Ok` means the receiver
/// acknowledged it and it will not be sent again. `Err(Retryable)` means the dispatcher
/// owns the retry: it schedules another attempt with backoff until the sink's
/// `give_up_after`. `Err(Permanent)` marks the delivery failed; it is kept and listed, and
/// never retried automatically. A sink never retries internally and never panics on a
/// receiver's answer.
pub trait Sink: Send + Sync {
    /// Delivers one alert.
    fn deliver(&self, alert: &Alert) -> impl Future<Output = Result<(), DeliveryError>> + Send;
}

/// Retry timing of a sink.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// First retry delay.
    pub backoff: Duration,
    /// Largest retry delay.
    pub backoff_max: Duration,
    /// A delivery failing longer than this is dead.
    pub give_up_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            backoff: Duration::from_secs(5),
            backoff_max: Duration::from_secs(3600),
            give_up_after: Duration::from_secs(72 * 3600),
        }
    }
}

/// One configured sink, ready to deliver.
pub enum AnySink {
    /// HTTP POST.
    Webhook(WebhookSink),
    /// Tracing event.
    Log(LogSink),
}

impl AnySink {
    /// Builds the sink described by `cfg`.
    pub fn build(cfg: &SinkConfig, http: &HttpConfig) -> Result<AnySink, reqwest::Error> {
        Ok(match &cfg.kind {
            SinkKind::Webhook(w) => AnySink::Webhook(WebhookSink::new(&cfg.name, w, http)?),
            SinkKind::Log => AnySink::Log(LogSink::new(&cfg.name)),
        })
    }

    /// The sink's retry timing.
    pub fn retry_policy(&self) -> RetryPolicy {
        match self {
            AnySink::Webhook(w) => w.retry_policy(),
            AnySink::Log(_) => RetryPolicy::default(),
        }
    }
}

impl Sink for AnySink {
    async fn deliver(&self, alert: &Alert) -> Result<(), DeliveryError> {
        match self {
            AnySink::Webhook(w) => w.deliver(alert).await,
            AnySink::Log(l) => l.deliver(alert).await,
        }
    }
}
