//! Delivery from the outbox: each sink's due deliveries are attempted in order, outcomes
//! recorded, failures rescheduled with exponential backoff and jitter. Sinks run side by
//! side, so a slow or failing sink never delays another.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures_util::future::join_all;
use tokio_util::sync::CancellationToken;

use super::sink::{AnySink, DeliveryError, RetryPolicy, Sink};
use crate::metrics::metrics;
use crate::store::{Delivery, DeliveryStatus, Store, StoreError};

/// How many deliveries are loaded from the outbox at a time per sink.
const BATCH: usize = 64;

/// Counts of one dispatch round.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DispatchReport {
    /// Acknowledged by the receiver.
    pub delivered: usize,
    /// Failed, to be retried.
    pub retrying: usize,
    /// Failed permanently, or given up (dead).
    pub failed: usize,
}

impl std::ops::AddAssign for DispatchReport {
    fn add_assign(&mut self, o: Self) {
        self.delivered += o.delivered;
        self.retrying += o.retrying;
        self.failed += o.failed;
    }
}

/// The configured sinks and the outbox they deliver from.
pub struct Dispatcher {
    store: Store,
    sinks: Vec<(String, Arc<AnySink>)>,
}

impl Dispatcher {
    /// A dispatcher over `sinks` (name, sink).
    pub fn new(store: Store, sinks: Vec<(String, Arc<AnySink>)>) -> Dispatcher {
        Dispatcher { store, sinks }
    }

    /// The state the outbox lives in.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The sink names.
    pub fn sink_names(&self) -> Vec<String> {
        self.sinks.iter().map(|(n, _)| n.clone()).collect()
    }

    /// Attempts every delivery due now, once each; stops early when `cancel` fires
    /// (what is left stays pending).
    pub async fn deliver_due(
        &self,
        cancel: &CancellationToken,
    ) -> Result<DispatchReport, StoreError> {
        let rounds = self
            .sinks
            .iter()
            .map(|(name, sink)| self.drain_sink(name, sink, cancel));
        let mut total = DispatchReport::default();
        for r in join_all(rounds).await {
            total += r?;
        }
        Ok(total)
    }

    async fn drain_sink(
        &self,
        name: &str,
        sink: &AnySink,
        cancel: &CancellationToken,
    ) -> Result<DispatchReport, StoreError> {
        let started = Utc::now();
        let mut report = DispatchReport::default();
        loop {
            // Only deliveries due when this round started: a retry scheduled now waits.
            let due = self.store.due_deliveries(name, started, BATCH)?;
            if due.is_empty() {
                return Ok(report);
            }
            for d in due {
                if cancel.is_cancelled() {
                    return Ok(report);
                }
                let outcome = sink.deliver(&d.alert).await;
                report += self.record(&d, outcome, sink.retry_policy())?;
            }
        }
    }

    fn record(
        &self,
        d: &Delivery,
        outcome: Result<(), DeliveryError>,
        policy: RetryPolicy,
    ) -> Result<DispatchReport, StoreError> {
        let now = Utc::now();
        let (id, sink) = (d.alert.id.as_str(), d.sink.as_str());
        match outcome {
            Ok(()) => {
                metrics().record_delivery(sink, "delivered");
                tracing::debug!(alert_id = id, sink, "delivered");
                self.store
                    .record_attempt(id, sink, DeliveryStatus::Delivered, None, now, now)?;
                Ok(DispatchReport {
                    delivered: 1,
                    ..Default::default()
                })
            }
            Err(DeliveryError::Permanent { reason }) => {
                metrics().record_delivery(sink, "failed");
                tracing::error!(alert_id = id, sink, error = %reason, "delivery failed permanently");
                self.store.record_attempt(
                    id,
                    sink,
                    DeliveryStatus::Failed,
                    Some(&reason),
                    now,
                    now,
                )?;
                Ok(DispatchReport {
                    failed: 1,
                    ..Default::default()
                })
            }
            Err(DeliveryError::Retryable {
                reason,
                retry_after,
            }) => {
                let first = d
                    .first_attempt_at
                    .and_then(|t| DateTime::from_timestamp(t, 0))
                    .unwrap_or(now);
                let failing_for = (now - first).to_std().unwrap_or_default();
                if failing_for >= policy.give_up_after {
                    metrics().record_delivery(sink, "dead");
                    tracing::error!(alert_id = id, sink, error = %reason, attempts = d.attempts + 1, "delivery gave up: dead");
                    self.store.record_attempt(
                        id,
                        sink,
                        DeliveryStatus::Dead,
                        Some(&reason),
                        now,
                        now,
                    )?;
                    return Ok(DispatchReport {
                        failed: 1,
                        ..Default::default()
                    });
                }
                let delay = retry_after
                    .unwrap_or_else(|| backoff_delay(policy, d.attempts))
                    .min(policy.backoff_max.max(policy.backoff));
                let next = now + chrono::Duration::from_std(delay).unwrap_or_default();
                metrics().record_delivery(sink, "retry");
                tracing::warn!(alert_id = id, sink, error = %reason, attempts = d.attempts + 1, retry_in = %humantime::format_duration(delay), "delivery failed, will retry");
                self.store.record_attempt(
                    id,
                    sink,
                    DeliveryStatus::Pending,
                    Some(&reason),
                    next,
                    now,
                )?;
                Ok(DispatchReport {
                    retrying: 1,
                    ..Default::default()
                })
            }
        }
    }
}

/// The delay before retry number `attempts + 1`: `backoff * 2^attempts`, capped at
/// `backoff_max`, with ±20% jitter so many failing deliveries do not retry in lockstep.
pub fn backoff_delay(policy: RetryPolicy, attempts: u32) -> Duration {
    let base = policy
        .backoff
        .saturating_mul(1u32 << attempts.min(20))
        .min(policy.backoff_max);
    let jitter = 0.8 + fastrand::f64() * 0.4;
    base.mul_f64(jitter).min(policy.backoff_max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_up_to_the_cap() {
        let p = RetryPolicy {
            backoff: Duration::from_secs(5),
            backoff_max: Duration::from_secs(60),
            give_up_after: Duration::from_secs(3600),
        };
        for attempts in 0..10u32 {
            let d = backoff_delay(p, attempts);
            let base = (5u64 << attempts).min(60) as f64;
            assert!(d.as_secs_f64() >= base * 0.8 - 1e-9, "{attempts}: {d:?}");
            assert!(
                d.as_secs_f64() <= (base * 1.2).min(60.0) + 1e-9,
                "{attempts}: {d:?}"
            );
        }
    }
}
