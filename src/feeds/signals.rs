//! config → feeds (schedule ← **signals** ← fetch, parse): what a feed says about when to
//! come back — HTTP `Cache-Control: max-age`, `Expires` and `Retry-After`, RSS `<ttl>`,
//! the syndication module's `sy:updatePeriod`/`sy:updateFrequency` — and how often it
//! actually publishes. Pure parsing; [`super::adaptive`] decides what to do with them.

use std::time::{Duration, SystemTime};

use chrono::{DateTime, Utc};
use reqwest::header::{HeaderMap, CACHE_CONTROL, DATE, EXPIRES, RETRY_AFTER};

/// What an HTTP response said about when to ask again.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HttpSignals {
    /// `Cache-Control: max-age` (absent for `no-store`, `no-cache` or 0).
    pub max_age: Option<Duration>,
    /// Time left until `Expires` (counted from the response's `Date`), when in the future.
    pub expires: Option<Duration>,
    /// `Retry-After`, in seconds or as a date.
    pub retry_after: Option<Duration>,
}

impl HttpSignals {
    /// Reads the signals from response headers; `now` stands in for a missing `Date`.
    pub fn from_headers(headers: &HeaderMap, now: SystemTime) -> HttpSignals {
        let text = |name| {
            headers
                .get(name)
                .and_then(|v: &reqwest::header::HeaderValue| v.to_str().ok())
        };
        let date = text(DATE)
            .and_then(|d| httpdate::parse_http_date(d).ok())
            .unwrap_or(now);
        let max_age = text(CACHE_CONTROL).and_then(cache_control_max_age);
        HttpSignals {
            max_age,
            // Expires is ignored when Cache-Control says max-age (RFC 9111 §5.3).
            expires: text(EXPIRES)
                .filter(|_| max_age.is_none())
                .and_then(|e| httpdate::parse_http_date(e).ok())
                .and_then(|e| e.duration_since(date).ok())
                .filter(|d| !d.is_zero()),
            retry_after: text(RETRY_AFTER).and_then(|v| retry_after(v, now)),
        }
    }
}

/// `max-age` from a `Cache-Control` value; `None` when absent, zero, or when `no-store` or
/// `no-cache` say not to rely on it.
pub fn cache_control_max_age(value: &str) -> Option<Duration> {
    let mut max_age = None;
    for directive in value.split(',') {
        let d = directive.trim().to_ascii_lowercase();
        if d == "no-store" || d == "no-cache" {
            return None;
        }
        if let Some(n) = d.strip_prefix("max-age=") {
            max_age = n.trim_matches('"').parse::<u64>().ok();
        }
    }
    max_age.filter(|n| *n > 0).map(Duration::from_secs)
}

/// A `Retry-After` value: delay seconds or an HTTP date (a past date means now).
pub fn retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// What a feed document said about itself.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FeedSignals {
    /// RSS `<ttl>` (minutes in the feed).
    pub ttl: Option<Duration>,
    /// `sy:updatePeriod` divided by `sy:updateFrequency`.
    pub update_period: Option<Duration>,
    /// The mean gap between its newest entries' dates (see [`publish_gap`]).
    pub publish_gap: Option<Duration>,
}

/// `sy:updatePeriod` / `sy:updateFrequency` (RSS 1.0 syndication module), found by a byte
/// scan (feed-rs does not read the module). Periods: hourly, daily, weekly, monthly, yearly.
pub fn update_period(bytes: &[u8]) -> Option<Duration> {
    let period = element_text(bytes, b"updatePeriod>")?;
    let hours: u64 = match period.to_ascii_lowercase().as_str() {
        "hourly" => 1,
        "daily" => 24,
        "weekly" => 24 * 7,
        "monthly" => 24 * 30,
        "yearly" => 24 * 365,
        _ => return None,
    };
    let frequency = element_text(bytes, b"updateFrequency>")
        .and_then(|f| f.parse::<u32>().ok())
        .filter(|f| *f > 0)
        .unwrap_or(1);
    Some(Duration::from_secs(hours * 3600) / frequency)
}

/// The trimmed text after the first occurrence of `tag_end` (e.g. `updatePeriod>`), up to
/// the next `<`; at most 32 bytes.
fn element_text<'a>(bytes: &'a [u8], tag_end: &[u8]) -> Option<&'a str> {
    let start = memchr::memmem::find(bytes, tag_end)? + tag_end.len();
    let rest = &bytes[start..bytes.len().min(start + 64)];
    let end = memchr::memchr(b'<', rest)?;
    let text = std::str::from_utf8(&rest[..end]).ok()?.trim();
    (!text.is_empty() && text.len() <= 32).then_some(text)
}

/// How often a feed publishes: the mean gap between its newest (at most 20) distinct
/// entry dates not in the future; `None` with fewer than three.
pub fn publish_gap(
    dates: impl IntoIterator<Item = DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Option<Duration> {
    let mut dates: Vec<DateTime<Utc>> = dates.into_iter().filter(|d| *d <= now).collect();
    dates.sort_unstable_by(|a, b| b.cmp(a));
    dates.dedup();
    dates.truncate(20);
    let (newest, oldest) = (dates.first()?, dates.last()?);
    if dates.len() < 3 {
        return None;
    }
    let span = (*newest - *oldest).to_std().ok()?;
    Some(span / (dates.len() as u32 - 1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;
    use rstest::rstest;

    #[rstest]
    #[case("max-age=600", Some(600))]
    #[case("public, max-age=3600, must-revalidate", Some(3600))]
    #[case("max-age=\"120\"", Some(120))]
    #[case("MAX-AGE=60", Some(60))]
    #[case("max-age=0", None)]
    #[case("no-cache, max-age=600", None)]
    #[case("no-store", None)]
    #[case("private", None)]
    #[case("max-age=soon", None)]
    fn cache_control(#[case] value: &str, #[case] secs: Option<u64>) {
        assert_eq!(cache_control_max_age(value), secs.map(Duration::from_secs));
    }

    #[test]
    fn headers_give_max_age_expires_and_retry_after() {
        let now = httpdate::parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT").unwrap();
        let mut h = HeaderMap::new();
        h.insert(
            DATE,
            HeaderValue::from_static("Sun, 06 Nov 1994 08:49:37 GMT"),
        );
        h.insert(
            EXPIRES,
            HeaderValue::from_static("Sun, 06 Nov 1994 09:49:37 GMT"),
        );
        h.insert(
            RETRY_AFTER,
            HeaderValue::from_static("Sun, 06 Nov 1994 08:51:37 GMT"),
        );
        let s = HttpSignals::from_headers(&h, now);
        assert_eq!(s.expires, Some(Duration::from_secs(3600)));
        assert_eq!(s.retry_after, Some(Duration::from_secs(120)));
        h.insert(CACHE_CONTROL, HeaderValue::from_static("max-age=300"));
        let s = HttpSignals::from_headers(&h, now);
        assert_eq!(
            (s.max_age, s.expires),
            (Some(Duration::from_secs(300)), None)
        );
        h.insert(RETRY_AFTER, HeaderValue::from_static(" 90 "));
        assert_eq!(
            HttpSignals::from_headers(&h, now).retry_after,
            Some(Duration::from_secs(90))
        );
        h.insert(
            RETRY_AFTER,
            HeaderValue::from_static("Sat, 05 Nov 1994 08:49:37 GMT"),
        );
        assert_eq!(
            HttpSignals::from_headers(&h, now).retry_after,
            Some(Duration::ZERO)
        );
        assert_eq!(
            HttpSignals::from_headers(&HeaderMap::new(), now),
            HttpSignals::default()
        );
    }

    #[rstest]
    #[case("<sy:updatePeriod>hourly</sy:updatePeriod>", Some(3600))]
    #[case("<sy:updatePeriod> daily </sy:updatePeriod><sy:updateFrequency>4</sy:updateFrequency>", Some(6 * 3600))]
    #[case("<sy:updateFrequency>2</sy:updateFrequency><sy:updatePeriod>weekly</sy:updatePeriod>", Some(84 * 3600))]
    #[case("<sy:updatePeriod>daily</sy:updatePeriod><sy:updateFrequency>0</sy:updateFrequency>", Some(24 * 3600))]
    #[case("<sy:updatePeriod>fortnightly</sy:updatePeriod>", None)]
    #[case("<ttl>60</ttl>", None)]
    fn syndication_module(#[case] xml: &str, #[case] secs: Option<u64>) {
        assert_eq!(update_period(xml.as_bytes()), secs.map(Duration::from_secs));
    }

    #[test]
    fn publish_gap_is_the_mean_gap_of_the_newest_dates() {
        let now: DateTime<Utc> = "2024-01-10T00:00:00Z".parse().unwrap();
        let hours = |hs: &[i64]| -> Vec<DateTime<Utc>> {
            hs.iter()
                .map(|h| now - chrono::Duration::hours(*h))
                .collect()
        };
        assert_eq!(
            publish_gap(hours(&[0, 2, 4, 6]), now),
            Some(Duration::from_secs(7200))
        );
        assert_eq!(
            publish_gap(hours(&[6, 0, 4, 2, 2]), now),
            Some(Duration::from_secs(7200))
        );
        assert_eq!(publish_gap(hours(&[0, 1]), now), None, "too few");
        assert_eq!(
            publish_gap(hours(&[-50, -40, 1]), now),
            None,
            "future dates ignored"
        );
        let many: Vec<i64> = (0..100).collect();
        assert_eq!(
            publish_gap(hours(&many), now),
            Some(Duration::from_secs(3600))
        );
    }
}
