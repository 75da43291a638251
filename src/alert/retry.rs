//! What an attempt's outcome means for its delivery — delivered, failed, dead, retried
//! after a delay, or the sink gone — and the backoff between attempts. Pure: the
//! dispatcher records the verdict.

use std::time::Duration;

use super::sink::{DeliveryError, RetryPolicy};

/// The shortest wait before a retry, even when a receiver asks for `Retry-After: 0`.
pub const MIN_RETRY_DELAY: Duration = Duration::from_millis(100);

/// The fate of a delivery after one attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Acknowledged.
    Delivered,
    /// Refused for good.
    Failed(String),
    /// Failing for longer than `give_up_after`: kept, listed, replayable.
    Dead(String),
    /// Try again after `delay`.
    Retry {
        /// What went wrong.
        reason: String,
        /// The wait before the next attempt.
        delay: Duration,
    },
    /// The endpoint is gone: disable the sink, keep the delivery pending.
    Gone(String),
}

/// Judges an attempt: `attempts` made before it, the delivery failing for `failing`
/// since the first of them (zero for a first attempt; measured by the dispatcher's
/// steady clock, so a wall clock set forward does not count).
pub fn verdict(
    outcome: Result<(), DeliveryError>,
    attempts: u32,
    failing: Duration,
    policy: RetryPolicy,
) -> Verdict {
    match outcome {
        Ok(()) => Verdict::Delivered,
        Err(DeliveryError::Permanent { reason }) => Verdict::Failed(reason),
        Err(DeliveryError::Gone { reason }) => Verdict::Gone(reason),
        Err(DeliveryError::Retryable {
            reason,
            retry_after,
        }) => {
            if failing >= policy.give_up_after {
                return Verdict::Dead(reason);
            }
            // The receiver's Retry-After wins over our backoff, even past backoff_max: it
            // knows when it will be back; give_up_after still bounds the whole.
            let delay = match retry_after {
                Some(after) => after.min(policy.give_up_after),
                None => backoff_delay(policy, attempts),
            };
            Verdict::Retry {
                reason,
                delay: delay.max(MIN_RETRY_DELAY),
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

    fn policy() -> RetryPolicy {
        RetryPolicy {
            backoff: Duration::from_secs(5),
            backoff_max: Duration::from_secs(60),
            give_up_after: Duration::from_secs(3600),
        }
    }

    fn retryable(after: Option<u64>) -> Result<(), DeliveryError> {
        Err(DeliveryError::Retryable {
            reason: "503".into(),
            retry_after: after.map(Duration::from_secs),
        })
    }

    #[test]
    fn backoff_doubles_with_jitter_up_to_the_cap() {
        let p = policy();
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

    #[test]
    fn outcomes_map_to_verdicts() {
        let p = policy();
        assert_eq!(verdict(Ok(()), 0, Duration::ZERO, p), Verdict::Delivered);
        let gone = Err(DeliveryError::Gone {
            reason: "410".into(),
        });
        assert_eq!(
            verdict(gone, 0, Duration::ZERO, p),
            Verdict::Gone("410".into())
        );
        let bad = Err(DeliveryError::Permanent {
            reason: "400".into(),
        });
        assert_eq!(
            verdict(bad, 0, Duration::ZERO, p),
            Verdict::Failed("400".into())
        );
        // Retry-After is honoured, even beyond backoff_max.
        let v = verdict(retryable(Some(120)), 0, Duration::ZERO, p);
        assert_eq!(
            v,
            Verdict::Retry {
                reason: "503".into(),
                delay: Duration::from_secs(120)
            }
        );
        let v = verdict(retryable(Some(0)), 0, Duration::ZERO, p);
        assert_eq!(
            v,
            Verdict::Retry {
                reason: "503".into(),
                delay: MIN_RETRY_DELAY
            }
        );
        // Failing for give_up_after makes it dead.
        let v = verdict(retryable(None), 9, Duration::from_millis(3_600_000), p);
        assert_eq!(v, Verdict::Dead("503".into()));
        assert!(matches!(
            verdict(retryable(None), 9, Duration::from_millis(3_599_999), p),
            Verdict::Retry { .. }
        ));
    }
}
