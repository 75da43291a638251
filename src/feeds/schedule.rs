//! When each feed is polled: soon after start, spread by a jitter of at most 10% of its
//! interval, then once per interval.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Notify, Semaphore};
use tokio_util::sync::CancellationToken;

use crate::config::FeedConfig;
use crate::health::Board;
use crate::pipeline::{Pipeline, PollResult};

/// The delay before a feed's first poll: uniformly random in `[0, interval / 10]`.
pub fn initial_delay(interval: Duration) -> Duration {
    interval.mul_f64(fastrand::f64() * 0.1)
}

/// Polls `feed` on its interval until `cancel` fires; wakes the delivery loop when a poll
/// queued alerts. At most `permits` polls run at once across all feeds. Each step is
/// marked on `board`, the heartbeat the watchdog reads.
pub async fn poll_loop(
    pipeline: Pipeline,
    feed: FeedConfig,
    permits: Arc<Semaphore>,
    wake: Arc<Notify>,
    board: Arc<Board>,
    cancel: CancellationToken,
) {
    let mut delay = initial_delay(feed.interval);
    loop {
        board.sleeping(&feed.name, delay);
        tokio::select! {
            _ = cancel.cancelled() => return,
            _ = tokio::time::sleep(delay) => {}
        }
        board.waiting(&feed.name);
        let poll = async {
            let _permit = permits.acquire().await;
            board.polling(&feed.name);
            pipeline.poll(&feed).await
        };
        let outcome = tokio::select! {
            _ = cancel.cancelled() => return,
            outcome = poll => outcome,
        };
        match outcome {
            Ok(o) => {
                if !o.alerts.is_empty() {
                    wake.notify_one();
                }
                if let PollResult::Ok { articles, new } = o.result {
                    tracing::info!(feed = %feed.name, articles, new, alerts = o.alerts.len(), "polled");
                }
            }
            Err(e) => {
                tracing::error!(feed = %feed.name, error = %crate::net::error_chain(&e), "state error while polling")
            }
        }
        delay = feed.interval;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initial_delay_is_within_ten_percent() {
        let interval = Duration::from_secs(600);
        for _ in 0..1000 {
            assert!(initial_delay(interval) <= Duration::from_secs(60));
        }
    }
}
