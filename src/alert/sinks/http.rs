//! HTTP exchange helpers every HTTP sink kind uses: send a request and read a bounded
//! answer, map statuses to delivery outcomes, read `Retry-After`, and cut text to a
//! service's limit in the unit it counts. Errors never carry the request URL, which for
//! chat services holds the credential.

use std::time::{Duration, SystemTime};

use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::StatusCode;

use crate::alert::sink::DeliveryError;
use crate::net::cut::{body_cut, request_failure};

/// Most bytes of a receiver's answer read (error descriptions, ids).
pub const ANSWER_MAX: usize = 64 * 1024;

/// A receiver's answer, its body bounded by [`ANSWER_MAX`].
#[derive(Debug)]
pub struct Answer {
    /// The status.
    pub status: StatusCode,
    /// The headers.
    pub headers: HeaderMap,
    /// The body (lossy UTF-8, cut at [`ANSWER_MAX`]).
    pub body: String,
    /// How the body broke off, when the receiver closed the connection (or failed)
    /// before it ended: `connection closed after 120 of 400 body bytes`.
    pub cut: Option<String>,
}

impl Answer {
    /// The body as JSON, when it is.
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_str(&self.body).ok()
    }

    /// The `Retry-After` header, when present and readable.
    pub fn retry_after(&self) -> Option<Duration> {
        let value = self.headers.get(RETRY_AFTER)?.to_str().ok()?;
        retry_after(value, SystemTime::now())
    }
}

/// Sends `req`; a transport failure (refused, reset, timeout, TLS, no answer at all:
/// `empty reply`) is retryable and is described without the URL. `what` names the sink
/// in messages, e.g. `ntfy 'phones'`.
pub async fn exchange(what: &str, req: reqwest::RequestBuilder) -> Result<Answer, DeliveryError> {
    let resp = req.send().await.map_err(|e| DeliveryError::Retryable {
        reason: format!(
            "{what} request failed: {}",
            request_failure(&e.without_url())
        ),
        retry_after: None,
    })?;
    let status = resp.status();
    let headers = resp.headers().clone();
    let (body, cut) = read_bounded(resp).await;
    if let Some(cut) = cut.as_deref().filter(|_| status.is_success()) {
        // The status line is the acknowledgement: a 2xx whose body breaks off is still one.
        tracing::warn!(
            sink = what,
            status = status.as_u16(),
            problem = cut,
            "the receiver's answer broke off"
        );
    }
    Ok(Answer {
        status,
        headers,
        body,
        cut,
    })
}

/// The body up to [`ANSWER_MAX`] bytes, and how it broke off if it did (a body that
/// fails half-way is kept as far as it came: only its text is used).
async fn read_bounded(mut resp: reqwest::Response) -> (String, Option<String>) {
    let expected = resp.content_length();
    let mut buf = Vec::new();
    let mut read = 0u64;
    let mut cut = None;
    loop {
        match resp.chunk().await {
            Ok(Some(chunk)) => {
                read += chunk.len() as u64;
                let room = ANSWER_MAX - buf.len();
                buf.extend_from_slice(&chunk[..chunk.len().min(room)]);
                if buf.len() >= ANSWER_MAX {
                    break;
                }
            }
            Ok(None) => break,
            Err(e) => {
                cut = Some(body_cut(&e.without_url(), read, expected));
                break;
            }
        }
    }
    (String::from_utf8_lossy(&buf).into_owned(), cut)
}

/// `req` with `value` as its JSON body.
pub fn with_json(
    req: reqwest::RequestBuilder,
    value: &serde_json::Value,
) -> reqwest::RequestBuilder {
    req.header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(value.to_string())
}

/// The usual mapping of a status: 2xx delivered; 5xx, 408 and 429 retryable (with the
/// answer's `Retry-After`); 410 gone; any other status permanent. `detail` is what the
/// service said, added to the reason.
pub fn classify(what: &str, answer: &Answer, detail: Option<&str>) -> Result<(), DeliveryError> {
    let status = answer.status;
    if status.is_success() {
        return Ok(());
    }
    let mut reason = format!("{what} answered HTTP {}", status.as_u16());
    if let Some(d) = detail.filter(|d| !d.is_empty()) {
        reason.push_str(&format!(": {}", crate::alert::truncate_words(d, 300)));
    }
    if let Some(cut) = &answer.cut {
        reason.push_str(&format!(" ({cut})"));
    }
    let code = status.as_u16();
    if status.is_server_error() || code == 408 || code == 429 {
        return Err(DeliveryError::Retryable {
            reason,
            retry_after: answer.retry_after(),
        });
    }
    if code == 410 {
        return Err(DeliveryError::Gone { reason });
    }
    if status.is_redirection() {
        // Following it would resend the alert to an address nobody configured.
        reason.push_str(" (a redirect, not followed: set the sink's URL to its target)");
    }
    Err(DeliveryError::Permanent { reason })
}

/// A `Retry-After` value: delay-seconds, or an HTTP-date (a date in the past means now).
pub fn retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or_default())
}

/// How a service measures a text's length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// UTF-8 bytes.
    Bytes,
    /// Unicode scalar values.
    Chars,
    /// UTF-16 code units (what Telegram counts).
    Utf16,
}

impl Unit {
    /// The length of `s` in this unit.
    pub fn len(self, s: &str) -> usize {
        match self {
            Unit::Bytes => s.len(),
            Unit::Chars => s.chars().count(),
            Unit::Utf16 => s.encode_utf16().count(),
        }
    }

    fn of(self, c: char) -> usize {
        match self {
            Unit::Bytes => c.len_utf8(),
            Unit::Chars => 1,
            Unit::Utf16 => c.len_utf16(),
        }
    }
}

/// `s` cut to at most `max` in `unit`, ending in `…` when cut (the ellipsis counted).
pub fn fit(s: &str, max: usize, unit: Unit) -> String {
    if unit.len(s) <= max {
        return s.to_string();
    }
    let budget = max.saturating_sub(unit.of('…'));
    let mut used = 0;
    let mut out = String::new();
    for c in s.chars() {
        if used + unit.of(c) > budget {
            break;
        }
        used += unit.of(c);
        out.push(c);
    }
    if max >= unit.of('…') {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(code: u16, headers: &[(&'static str, &'static str)]) -> Answer {
        let mut h = HeaderMap::new();
        for (k, v) in headers {
            h.insert(*k, v.parse().unwrap());
        }
        Answer {
            status: StatusCode::from_u16(code).unwrap(),
            headers: h,
            body: String::new(),
            cut: None,
        }
    }

    #[test]
    fn statuses_classify() {
        assert!(classify("s", &answer(200, &[]), None).is_ok());
        for code in [500u16, 502, 503, 408, 429] {
            let r = classify("s", &answer(code, &[]), None);
            assert!(matches!(r, Err(DeliveryError::Retryable { .. })), "{code}");
        }
        let gone = classify("s", &answer(410, &[]), None);
        assert!(matches!(gone, Err(DeliveryError::Gone { .. })));
        for code in [400u16, 401, 404, 301] {
            let r = classify("s", &answer(code, &[]), None);
            assert!(matches!(r, Err(DeliveryError::Permanent { .. })), "{code}");
        }
        assert_eq!(
            classify(
                "webhook 's'",
                &answer(429, &[("retry-after", "7")]),
                Some("slow")
            ),
            Err(DeliveryError::Retryable {
                reason: "webhook 's' answered HTTP 429: slow".into(),
                retry_after: Some(Duration::from_secs(7))
            })
        );
    }

    #[test]
    fn retry_after_takes_seconds_and_http_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(retry_after(" 7 ", now), Some(Duration::from_secs(7)));
        let later = httpdate::fmt_http_date(now + Duration::from_secs(90));
        assert_eq!(retry_after(&later, now), Some(Duration::from_secs(90)));
        let past = httpdate::fmt_http_date(now - Duration::from_secs(90));
        assert_eq!(retry_after(&past, now), Some(Duration::ZERO));
        assert_eq!(retry_after("soon", now), None);
    }

    #[test]
    fn fit_counts_in_the_service_unit() {
        let cjk = "国防部长".repeat(10); // 40 chars, 120 bytes, 40 UTF-16 units
        assert_eq!(Unit::Bytes.len(&fit(&cjk, 50, Unit::Bytes)), 48);
        assert_eq!(Unit::Chars.len(&fit(&cjk, 20, Unit::Chars)), 20);
        let emoji = "📰".repeat(10); // 2 UTF-16 units each
        let cut = fit(&emoji, 9, Unit::Utf16);
        assert!(Unit::Utf16.len(&cut) <= 9 && cut.ends_with('…'), "{cut}");
        assert_eq!(fit("short", 10, Unit::Bytes), "short");
    }
}
