//! The sink contract: what a delivery attempt is, what its outcome means, and who retries.
//! It knows no concrete sink; the kinds live in `sinks/<kind>/`.

use std::future::Future;
use std::time::Duration;

use super::sinks::{DeliveryConfig, Net};
use super::Batch;

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
    /// Trying again will not help (e.g. a 4xx other than 408/410/429, a template error).
    #[error("{reason}")]
    Permanent {
        /// What happened.
        reason: String,
    },
    /// The receiver says the endpoint is gone for good (HTTP 410): the sink is disabled
    /// until a reload or restart, and its deliveries stay pending.
    #[error("{reason}")]
    Gone {
        /// What happened.
        reason: String,
    },
}

/// A destination for alerts.
///
/// Contract: `deliver` is called by the dispatcher once per attempt for one delivery (an
/// alert, or a digest of alerts, to this sink), after it is committed to the outbox. `Ok`
/// means the receiver acknowledged it and it will not be sent again. `Err(Retryable)` means
/// the dispatcher owns the retry: it schedules another attempt with backoff until the
/// sink's `give_up_after`, then marks it dead. `Err(Permanent)` marks the delivery failed;
/// it is kept and listed, and never retried automatically. `Err(Gone)` disables the sink
/// (until reload or restart) and keeps its deliveries pending. A sink never retries
/// internally, never panics on a receiver's answer, and may be called concurrently. It
/// sends through `net` (the dispatcher's shared client and resolver), and its errors never
/// contain a secret (token, password, credential-bearing URL).
pub trait Sink: Send + Sync {
    /// Delivers one alert or digest.
    fn deliver(
        &self,
        net: &Net,
        batch: Batch<'_>,
    ) -> impl Future<Output = Result<(), DeliveryError>> + Send;
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
        RetryPolicy::from(&DeliveryConfig::default())
    }
}

impl From<&DeliveryConfig> for RetryPolicy {
    fn from(d: &DeliveryConfig) -> Self {
        RetryPolicy {
            backoff: d.backoff,
            backoff_max: d.backoff_max,
            give_up_after: d.give_up_after,
        }
    }
}

/// Why the sinks' transports could not be built at start-up.
#[derive(Debug, thiserror::Error)]
pub enum SinkBuildError {
    /// The HTTP client could not be built (TLS set-up).
    #[error("building the HTTP client of the sinks failed")]
    Http(#[source] reqwest::Error),
}
