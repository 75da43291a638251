//! `rate_limit = "N/min"`: a sliding window over a sink's recent attempts. An attempt
//! that would exceed it waits (its delivery stays pending in the outbox) until the oldest
//! attempt in the window ages out. The window lives in memory: a restart or a reload starts
//! it empty.

use std::collections::VecDeque;

use crate::config::RateLimit;

/// The recent attempts of one sink.
#[derive(Debug)]
pub struct RateLimiter {
    limit: RateLimit,
    /// Start times (unix ms) of the attempts inside the current window, oldest first.
    recent: VecDeque<i64>,
}

impl RateLimiter {
    /// An empty window for `limit`.
    pub fn new(limit: RateLimit) -> RateLimiter {
        RateLimiter {
            limit,
            recent: VecDeque::new(),
        }
    }

    fn window_ms(&self) -> i64 {
        i64::try_from(self.limit.per.as_millis()).unwrap_or(i64::MAX)
    }

    /// `None` when an attempt may start at `now_ms`; else when (unix ms) a slot frees.
    pub fn wait_until(&mut self, now_ms: i64) -> Option<i64> {
        let window = self.window_ms();
        while self.recent.front().is_some_and(|&t| t + window <= now_ms) {
            self.recent.pop_front();
        }
        if self.recent.len() < self.limit.count as usize {
            return None;
        }
        self.recent.front().map(|&t| t + window)
    }

    /// Counts an attempt started at `now_ms`.
    pub fn record(&mut self, now_ms: i64) {
        self.recent.push_back(now_ms);
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn excess_waits_for_the_oldest_to_age_out() {
        let mut r = RateLimiter::new(RateLimit {
            count: 2,
            per: Duration::from_secs(60),
        });
        assert_eq!(r.wait_until(0), None);
        r.record(0);
        assert_eq!(r.wait_until(10), None);
        r.record(10);
        assert_eq!(r.wait_until(20), Some(60_000));
        assert_eq!(r.wait_until(59_999), Some(60_000));
        assert_eq!(r.wait_until(60_000), None);
        r.record(60_000);
        assert_eq!(r.wait_until(60_001), Some(60_010));
    }
}
