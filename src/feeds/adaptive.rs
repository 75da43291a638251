//! config → feeds (**schedule**: when next) → fetch → parse: the pure decision of how long
//! to wait before a feed's next poll, from its configured bounds, its own signals
//! ([`super::signals`]), how often it publishes and how often it failed in a row.
//!
//! The rules, in order:
//! 1. A failed poll backs off: `interval × 2^failures`, at most `max_interval` — never
//!    giving up. A `Retry-After` (429, 503, …) longer than that wins, even past
//!    `max_interval`, up to [`RETRY_AFTER_CAP`].
//! 2. A successful poll paces itself on the feed's publishing: half the mean gap between
//!    its newest entries (so about two polls per new entry), else the configured
//!    `interval`; after a 304 the previous pace holds.
//! 3. The server's own word is a floor: `Cache-Control: max-age` (or `Expires`), `<ttl>`
//!    and `sy:updatePeriod` — newshound never asks again sooner than the feed said.
//! 4. The result stays within `[min_interval, max_interval]`.

use std::time::Duration;

use super::signals::{FeedSignals, HttpSignals};
use crate::config::FeedConfig;

/// The longest `Retry-After` honoured; a longer one is cut to this.
pub const RETRY_AFTER_CAP: Duration = Duration::from_secs(24 * 3600);

/// A feed's configured interval and the bounds its schedule moves within.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bounds {
    /// `interval`: the pace without signals, and the backoff's base.
    pub interval: Duration,
    /// `min_interval`.
    pub min: Duration,
    /// `max_interval`: also the backoff ceiling.
    pub max: Duration,
}

impl Bounds {
    /// The bounds configured for `feed`.
    pub fn of(feed: &FeedConfig) -> Bounds {
        Bounds {
            interval: feed.interval,
            min: feed.min_interval,
            max: feed.max_interval.max(feed.min_interval),
        }
    }
}

/// Why an interval was chosen; stored with the next poll time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// The configured interval.
    Interval,
    /// How often the feed publishes.
    Publishing,
    /// `Cache-Control: max-age`.
    Freshness,
    /// `Expires`.
    Expires,
    /// RSS `<ttl>`.
    Ttl,
    /// `sy:updatePeriod` / `sy:updateFrequency`.
    UpdatePeriod,
    /// Exponential backoff after failures.
    Backoff,
    /// The server's `Retry-After`.
    RetryAfter,
}

impl Reason {
    /// The label stored and shown (`/api/status`).
    pub fn label(self) -> &'static str {
        match self {
            Reason::Interval => "interval",
            Reason::Publishing => "publishing",
            Reason::Freshness => "cache-control",
            Reason::Expires => "expires",
            Reason::Ttl => "ttl",
            Reason::UpdatePeriod => "sy:updatePeriod",
            Reason::Backoff => "backoff",
            Reason::RetryAfter => "retry-after",
        }
    }

    /// The reason a stored label names.
    pub fn from_label(label: &str) -> Option<Reason> {
        [
            Reason::Interval,
            Reason::Publishing,
            Reason::Freshness,
            Reason::Expires,
            Reason::Ttl,
            Reason::UpdatePeriod,
            Reason::Backoff,
            Reason::RetryAfter,
        ]
        .into_iter()
        .find(|r| r.label() == label)
    }

    /// Whether the reason describes a healthy feed's pace (worth keeping after a 304).
    fn is_pace(self) -> bool {
        !matches!(self, Reason::Backoff | Reason::RetryAfter)
    }
}

/// An interval and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    /// Time until the next poll (before jitter).
    pub interval: Duration,
    /// What decided it.
    pub reason: Reason,
}

/// What the last poll told.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Inputs {
    /// Headers of the response, if there was one.
    pub http: HttpSignals,
    /// The document's signals, when a body was parsed (not on a 304 or a failure).
    pub feed: Option<FeedSignals>,
    /// Failed polls in a row, this one included (0 when it succeeded).
    pub failures: u32,
    /// The decision after the poll before, when known.
    pub previous: Option<Decision>,
}

/// How long to wait before polling again.
pub fn next_interval(b: &Bounds, i: &Inputs) -> Decision {
    if i.failures > 0 {
        return backoff(b, i.failures, i.http.retry_after);
    }
    let pace = pace(b, i);
    let floors = [
        (i.http.max_age, Reason::Freshness),
        (i.http.expires, Reason::Expires),
        (i.feed.and_then(|f| f.ttl), Reason::Ttl),
        (i.feed.and_then(|f| f.update_period), Reason::UpdatePeriod),
    ];
    let chosen = floors
        .into_iter()
        .filter_map(|(d, r)| {
            Some(Decision {
                interval: d?,
                reason: r,
            })
        })
        .fold(
            pace,
            |best, d| if d.interval > best.interval { d } else { best },
        );
    clamp(b, chosen)
}

/// The pace of a healthy feed before the server's floors.
fn pace(b: &Bounds, i: &Inputs) -> Decision {
    if let Some(gap) = i.feed.and_then(|f| f.publish_gap) {
        return Decision {
            interval: gap / 2,
            reason: Reason::Publishing,
        };
    }
    match i.previous {
        Some(p) if i.feed.is_none() && p.reason.is_pace() => p,
        _ => Decision {
            interval: b.interval,
            reason: Reason::Interval,
        },
    }
}

fn backoff(b: &Bounds, failures: u32, retry_after: Option<Duration>) -> Decision {
    let factor = 1u32 << failures.min(20);
    let grown = b.interval.saturating_mul(factor).min(b.max).max(b.min);
    match retry_after.map(|r| r.min(RETRY_AFTER_CAP)) {
        Some(r) if r > grown => Decision {
            interval: r,
            reason: Reason::RetryAfter,
        },
        _ => Decision {
            interval: grown,
            reason: Reason::Backoff,
        },
    }
}

fn clamp(b: &Bounds, d: Decision) -> Decision {
    Decision {
        interval: d.interval.clamp(b.min, b.max),
        ..d
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    const M: u64 = 60;
    const H: u64 = 3600;

    fn bounds(interval: u64, min: u64, max: u64) -> Bounds {
        let s = Duration::from_secs;
        Bounds {
            interval: s(interval),
            min: s(min),
            max: s(max),
        }
    }

    fn secs(n: u64) -> Option<Duration> {
        Some(Duration::from_secs(n))
    }

    fn feed(
        ttl: Option<Duration>,
        period: Option<Duration>,
        gap: Option<Duration>,
    ) -> Option<FeedSignals> {
        Some(FeedSignals {
            ttl,
            update_period: period,
            publish_gap: gap,
        })
    }

    fn http(max_age: Option<Duration>, retry_after: Option<Duration>) -> HttpSignals {
        HttpSignals {
            max_age,
            expires: None,
            retry_after,
        }
    }

    fn prev(secs: u64, reason: Reason) -> Option<Decision> {
        Some(Decision {
            interval: Duration::from_secs(secs),
            reason,
        })
    }

    #[rstest]
    // No signal: the configured interval.
    #[case(bounds(5 * M, 5 * M, 4 * H), Inputs::default(), 5 * M, Reason::Interval)]
    // Server floors lengthen the interval; the longest wins.
    #[case(bounds(5 * M, 5 * M, 4 * H), Inputs { http: http(secs(H), None), ..Default::default() }, H, Reason::Freshness)]
    #[case(bounds(5 * M, 5 * M, 4 * H), Inputs { feed: feed(secs(30 * M), None, None), ..Default::default() }, 30 * M, Reason::Ttl)]
    #[case(bounds(5 * M, 5 * M, 4 * H), Inputs { http: http(secs(10 * M), None), feed: feed(secs(30 * M), secs(2 * H), None), ..Default::default() }, 2 * H, Reason::UpdatePeriod)]
    // …but never past max_interval, and a short max-age never speeds polling up.
    #[case(bounds(5 * M, 5 * M, 4 * H), Inputs { feed: feed(secs(24 * H), None, None), ..Default::default() }, 4 * H, Reason::Ttl)]
    #[case(bounds(5 * M, 5 * M, 4 * H), Inputs { http: http(secs(60), None), ..Default::default() }, 5 * M, Reason::Interval)]
    // Publishing pace: half the gap, within the bounds.
    #[case(bounds(10 * M, M, 4 * H), Inputs { feed: feed(None, None, secs(30 * M)), ..Default::default() }, 15 * M, Reason::Publishing)]
    #[case(bounds(10 * M, M, 4 * H), Inputs { feed: feed(None, None, secs(60)), ..Default::default() }, M, Reason::Publishing)]
    #[case(bounds(10 * M, 10 * M, 4 * H), Inputs { feed: feed(None, None, secs(7 * 24 * H)), ..Default::default() }, 4 * H, Reason::Publishing)]
    #[case(bounds(10 * M, M, 4 * H), Inputs { feed: feed(secs(H), None, secs(60)), ..Default::default() }, H, Reason::Ttl)]
    // A 304 keeps the previous pace, but not a previous backoff.
    #[case(bounds(5 * M, 5 * M, 4 * H), Inputs { previous: prev(2 * H, Reason::Publishing), ..Default::default() }, 2 * H, Reason::Publishing)]
    #[case(bounds(5 * M, 5 * M, 4 * H), Inputs { previous: prev(2 * H, Reason::Backoff), ..Default::default() }, 5 * M, Reason::Interval)]
    // Failures back off exponentially up to the ceiling, and never give up.
    #[case(bounds(5 * M, 5 * M, 4 * H), Inputs { failures: 1, ..Default::default() }, 10 * M, Reason::Backoff)]
    #[case(bounds(5 * M, 5 * M, 4 * H), Inputs { failures: 3, ..Default::default() }, 40 * M, Reason::Backoff)]
    #[case(bounds(5 * M, 5 * M, 4 * H), Inputs { failures: 6, ..Default::default() }, 4 * H, Reason::Backoff)]
    #[case(bounds(5 * M, 5 * M, 4 * H), Inputs { failures: 10_000, ..Default::default() }, 4 * H, Reason::Backoff)]
    // Retry-After wins when longer, even past max_interval, up to a day.
    #[case(bounds(5 * M, 5 * M, 4 * H), Inputs { failures: 1, http: http(None, secs(H)), ..Default::default() }, H, Reason::RetryAfter)]
    #[case(bounds(5 * M, 5 * M, 4 * H), Inputs { failures: 1, http: http(None, secs(60)), ..Default::default() }, 10 * M, Reason::Backoff)]
    #[case(bounds(5 * M, 5 * M, 4 * H), Inputs { failures: 2, http: http(None, secs(10 * H)), ..Default::default() }, 10 * H, Reason::RetryAfter)]
    #[case(bounds(5 * M, 5 * M, 4 * H), Inputs { failures: 2, http: http(None, secs(9 * 24 * H)), ..Default::default() }, 24 * H, Reason::RetryAfter)]
    fn decisions(#[case] b: Bounds, #[case] i: Inputs, #[case] want: u64, #[case] reason: Reason) {
        assert_eq!(
            next_interval(&b, &i),
            Decision {
                interval: Duration::from_secs(want),
                reason
            }
        );
    }

    #[test]
    fn labels_round_trip() {
        for r in [
            Reason::Interval,
            Reason::Backoff,
            Reason::UpdatePeriod,
            Reason::RetryAfter,
        ] {
            assert_eq!(Reason::from_label(r.label()), Some(r));
        }
        assert_eq!(Reason::from_label("nope"), None);
    }
}
