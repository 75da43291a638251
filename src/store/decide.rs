//! The decisions every backend makes the same way, written once: whether an article is
//! unchanged since it was processed, which earlier alert a story is a near copy of, and
//! how a claim's times are computed. Backends only fetch the rows these look at.

use std::time::Duration;

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::NearDupCheck;
use crate::feeds::article::normalise_link;
use crate::feeds::fingerprint::Fingerprint;
use crate::feeds::{Article, ArticleId};

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

/// Whether two entries carrying the same GUID are one story: unless both the title and
/// the link changed (an edited headline or a moved page is still the story; a feed that
/// reuses one GUID for different items is not).
pub fn same_story(a: &Article, b: &Article) -> bool {
    let link = |x: &Article| x.url.as_deref().map(normalise_link);
    a.title.trim() == b.title.trim() || link(a) == link(b)
}

/// Splits GUIDs shared by different stories in one feed document (see [`same_story`]):
/// the first entry with a GUID keeps it; a later one that is not the same story as any
/// earlier one under that GUID loses the GUID and is keyed by its link (or its title and
/// date) instead. In document order, so every poll of the same document decides alike.
/// Returns the GUIDs found shared.
pub fn split_shared_guids(articles: &mut [Article]) -> Vec<String> {
    let mut by_guid: HashMap<String, Vec<usize>> = HashMap::new();
    let mut shared = Vec::new();
    for i in 0..articles.len() {
        let Some(guid) = articles[i].guid.clone() else {
            continue;
        };
        let earlier = by_guid.entry(guid.clone()).or_default();
        if earlier.is_empty()
            || earlier
                .iter()
                .any(|&j| same_story(&articles[j], &articles[i]))
        {
            earlier.push(i);
            continue;
        }
        let a = &mut articles[i];
        a.guid = None;
        let date = a.published.as_ref().or(a.updated.as_ref());
        a.id = ArticleId::derive(None, a.url.as_deref(), &a.title, date);
        if !shared.contains(&guid) {
            shared.push(guid);
        }
    }
    shared
}

/// How long after a claim (or its renewal) the poll's request may still be on its way to
/// the server: a claim keeps other claims off for its hold plus this, and the poll loop
/// renews a claim it has not begun fetching within half of it. So the next claim, of any
/// instance, comes at least a hold after the request reached the server, even when the
/// poll dies (a `kill -9`) or outlives its claim (a slow server) before it writes the
/// real next poll. A killed instance's feeds wait this much longer than their interval.
pub const SEND_MARGIN: Duration = Duration::from_secs(2);

/// Whether a feed whose next poll is `next_poll` may be claimed at `now`: never early,
/// since a next poll a poll wrote is a whole interval after its request and no earlier.
pub fn claimable(next_poll: Option<i64>, now: DateTime<Utc>) -> bool {
    next_poll.is_none_or(|at| at <= now.timestamp_millis())
}

/// Where a claim (or renewal) at `now` moves a feed's next poll: `hold` and
/// [`SEND_MARGIN`] ahead, in unix milliseconds.
pub fn lease_until(now: DateTime<Utc>, hold: Duration) -> i64 {
    after_ms(now, hold.saturating_add(SEND_MARGIN))
}

/// Unix milliseconds `d` after `now`, saturating.
pub fn after_ms(now: DateTime<Utc>, d: Duration) -> i64 {
    let d = i64::try_from(d.as_millis()).unwrap_or(i64::MAX);
    now.timestamp_millis().saturating_add(d)
}

/// Where a feed's next poll goes when an instance (re)starts polling it, given what the
/// state remembers (`stored` unix ms, the `reason` it was set for, whether an unfinished
/// claim's owner is gone): `None` keeps it. A remembered time ahead is honoured up to
/// `feed.cap` (a server's `Retry-After` up to a day); none, or one past, becomes `first`
/// from now (the start-up jitter, so a restart does not poll everything at once); an
/// orphaned claim is due when its hold ends (its request may have reached the server
/// just before its process died), at once if that has passed.
pub fn start_at(
    stored: Option<i64>,
    reason: Option<&str>,
    orphaned: bool,
    now: DateTime<Utc>,
    feed: &super::PlannedFeed,
) -> Option<i64> {
    let now_ms = now.timestamp_millis();
    if orphaned {
        return Some(stored.map_or(now_ms, |at| at.max(now_ms)));
    }
    let Some(at) = stored.filter(|at| *at > now_ms) else {
        return Some(after_ms(now, feed.first));
    };
    let cap = match reason.and_then(crate::feeds::adaptive::Reason::from_label) {
        Some(crate::feeds::adaptive::Reason::RetryAfter) => crate::feeds::adaptive::RETRY_AFTER_CAP,
        _ => feed.cap,
    };
    let latest = after_ms(now, cap);
    (at > latest).then_some(latest)
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
        assert!(claimable(Some(ms), now));
        assert!(!claimable(Some(ms + 1), now), "never early");
        assert!(!claimable(Some(ms + 60_000), now));
    }

    #[test]
    fn a_claim_holds_past_its_hold_by_the_send_margin() {
        let now = Utc::now();
        let until = lease_until(now, Duration::from_secs(60));
        assert_eq!(
            until - now.timestamp_millis(),
            60_000 + SEND_MARGIN.as_millis() as i64
        );
        let feed = crate::store::PlannedFeed {
            name: "f".into(),
            hold: Duration::from_secs(60),
            first: Duration::from_secs(6),
            cap: Duration::from_secs(3600),
        };
        let ms = now.timestamp_millis();
        // An orphaned claim is due when its hold ends, not at once.
        assert_eq!(start_at(Some(until), None, true, now, &feed), Some(until));
        assert_eq!(start_at(Some(ms - 5), None, true, now, &feed), Some(ms));
        assert_eq!(start_at(None, None, true, now, &feed), Some(ms));
    }

    fn item(guid: &str, title: &str, url: &str) -> Article {
        Article::new(
            "f",
            Some(guid.into()),
            Some(url.into()),
            title.into(),
            String::new(),
            String::new(),
            None,
            None,
        )
    }

    #[test]
    fn a_guid_is_one_story_unless_title_and_link_both_changed() {
        let mut items = vec![
            item("g", "Port strike", "https://x.org/a"),
            item("g", "Port strike ends", "https://x.org/a"),
            item("g", "Port strike", "https://x.org/b"),
            item("g", "Harbour fire", "https://x.org/c"),
            item("g", "Election", "https://x.org/d"),
        ];
        let shared = split_shared_guids(&mut items);
        assert_eq!(shared, vec!["g".to_string()]);
        let kept: Vec<bool> = items.iter().map(|a| a.guid.is_some()).collect();
        assert_eq!(kept, [true, true, true, false, false]);
        assert_ne!(items[3].id, items[4].id, "each new story has its own id");
        assert_ne!(items[0].id, items[3].id);
        assert_eq!(items[3].story_keys(), vec!["url:x.org/c".to_string()]);
    }

    #[test]
    fn lease_tokens_differ() {
        assert_ne!(lease_token(), lease_token());
    }
}
