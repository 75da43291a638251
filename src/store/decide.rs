//! The decisions every backend makes the same way, written once: whether an article is
//! unchanged since it was processed, which earlier alert a story is a near copy of, and
//! how a claim's times are computed. Backends only fetch the rows these look at.

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::NearDupCheck;
use crate::feeds::fingerprint::Fingerprint;

/// Whether an article whose stored row holds `stored` (content hash, matcher
/// fingerprint) needs no processing: same text, matched by the same watchlists.
pub fn unchanged(stored: Option<(&str, &str)>, content_hash: &str, matcher: &str) -> bool {
    stored.is_some_and(|(hash, with)| hash == content_hash && with == matcher)
}

/// The first of `earlier` (alert id, stored fingerprint bytes; oldest first) whose story
/// is a near copy of the checked one. Rows whose fingerprint does not decode are skipped.
pub fn near_copy_of<I>(earlier: I, check: &NearDupCheck) -> Option<String>
where
    I: IntoIterator<Item = (String, Vec<u8>)>,
{
    earlier.into_iter().find_map(|(id, bytes)| {
        let print = Fingerprint::from_bytes(&bytes)?;
        (print.similarity(&check.fingerprint) >= check.similarity).then_some(id)
    })
}

/// How early a claim may come: a timer may fire a little before the stored next poll
/// (clocks are read at different moments), never by more than this.
pub const CLAIM_SLACK: Duration = Duration::from_millis(500);

/// Whether a feed whose next poll is `next_poll` may be claimed at `now`.
pub fn claimable(next_poll: Option<i64>, now: DateTime<Utc>) -> bool {
    let slack = CLAIM_SLACK.as_millis() as i64;
    next_poll.is_none_or(|at| at <= now.timestamp_millis() + slack)
}

/// Unix milliseconds `d` after `now`, saturating.
pub fn after_ms(now: DateTime<Utc>, d: Duration) -> i64 {
    let d = i64::try_from(d.as_millis()).unwrap_or(i64::MAX);
    now.timestamp_millis().saturating_add(d)
}

/// A fresh lease token: unique across instances and claims.
pub fn lease_token() -> String {
    format!("{:016x}{:016x}", fastrand::u64(..), fastrand::u64(..))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_article_is_unchanged_only_with_the_same_text_and_watchlists() {
        assert!(unchanged(Some(("h", "m")), "h", "m"));
        assert!(!unchanged(Some(("h", "m")), "h2", "m"));
        assert!(!unchanged(Some(("h", "m")), "h", "m2"));
        assert!(!unchanged(None, "h", "m"));
    }

    #[test]
    fn a_feed_is_claimable_when_due_or_never_scheduled() {
        let now = Utc::now();
        let ms = now.timestamp_millis();
        assert!(claimable(None, now));
        assert!(claimable(Some(ms - 1), now));
        assert!(claimable(Some(ms + 100), now), "within the slack");
        assert!(!claimable(Some(ms + 60_000), now));
    }

    #[test]
    fn lease_tokens_differ() {
        assert_ne!(lease_token(), lease_token());
    }
}
