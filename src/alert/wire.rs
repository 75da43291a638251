//! The versioned wire shape of an alert (webhook `format = "json"`, `once --dry-run`),
//! kept apart from [`Alert`] so internal changes never change what receivers see.

use chrono::SecondsFormat;
use serde::Serialize;

use super::{Alert, AlertMatch};

/// Version 1 of the JSON payload, as documented in INTERFACE.md.
#[derive(Debug, Serialize)]
pub struct WireAlertV1<'a> {
    /// Stable alert id.
    pub id: &'a str,
    /// Watchlist name.
    pub watchlist: &'a str,
    /// Severity label, `null` when unset.
    pub severity: Option<&'a str>,
    /// RFC 3339, seconds, UTC.
    pub detected_at: String,
    /// The story.
    pub article: WireArticleV1<'a>,
    /// Why it fired.
    pub matches: Vec<WireMatchV1<'a>>,
    /// Near copies of the story seen in other feeds, known when it was sent; the key is
    /// left out when there are none, so the common payload is exactly the documented one.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub also_seen_in: Vec<WireSeenInV1<'a>>,
    /// A revision alert only: the id of the story's first alert under this watchlist.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revision_of: Option<&'a str>,
    /// A revision alert only: the changed sentence before and after, and the terms new
    /// to the story.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revision: Option<&'a super::Revision>,
}

/// A near copy of the story, in a v1 payload.
#[derive(Debug, Serialize)]
pub struct WireSeenInV1<'a> {
    /// Feed name.
    pub feed: &'a str,
    /// The copy's link.
    pub url: Option<&'a str>,
}

/// The story in a v1 payload.
#[derive(Debug, Serialize)]
pub struct WireArticleV1<'a> {
    /// Title.
    pub title: &'a str,
    /// Link.
    pub url: Option<&'a str>,
    /// Feed name.
    pub feed: &'a str,
    /// GUID as published.
    pub guid: Option<&'a str>,
    /// RFC 3339, seconds, UTC.
    pub published: Option<String>,
    /// Plain text, at most 500 characters.
    pub summary: &'a str,
}

/// One match in a v1 payload.
#[derive(Debug, Serialize)]
pub struct WireMatchV1<'a> {
    /// The term as written in the watchlist.
    pub term: &'a str,
    /// `person` or `keyword`.
    pub kind: &'a str,
    /// The form that occurred in the text.
    pub matched: &'a str,
    /// `title`, `summary` or `content`.
    pub field: &'a str,
    /// Occurrences in that field.
    pub count: usize,
    /// Text around the first occurrence, the hit in `[ ]`.
    pub snippet: &'a str,
}

impl<'a> WireAlertV1<'a> {
    /// The wire form of `alert`.
    pub fn new(alert: &'a Alert) -> Self {
        let a = &alert.article;
        WireAlertV1 {
            id: &alert.id,
            watchlist: &alert.watchlist,
            severity: alert.severity.as_deref(),
            detected_at: alert.detected_at_rfc3339(),
            article: WireArticleV1 {
                title: &a.title,
                url: a.url.as_deref(),
                feed: &a.feed,
                guid: a.guid.as_deref(),
                published: a
                    .published
                    .map(|d| d.to_rfc3339_opts(SecondsFormat::Secs, true)),
                summary: &a.summary,
            },
            matches: alert.matches.iter().map(WireMatchV1::from).collect(),
            also_seen_in: alert
                .also_seen_in
                .iter()
                .map(|c| WireSeenInV1 {
                    feed: &c.feed,
                    url: c.url.as_deref(),
                })
                .collect(),
            revision_of: alert.revision_of.as_deref(),
            revision: alert.revision.as_ref(),
        }
    }

    /// Serialises to compact JSON.
    pub fn to_json(&self) -> String {
        // Serialising plain strings and numbers cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}

impl<'a> From<&'a AlertMatch> for WireMatchV1<'a> {
    fn from(m: &'a AlertMatch) -> Self {
        WireMatchV1 {
            term: &m.term,
            kind: &m.kind,
            matched: &m.matched,
            field: &m.field,
            count: m.count,
            snippet: &m.snippet,
        }
    }
}

/// Version 1 of a digest payload: the v1 alerts one window collected, under the digest's id.
#[derive(Debug, Serialize)]
pub struct WireDigestV1<'a> {
    /// Stable digest id (also the `webhook-id` header).
    pub id: &'a str,
    /// Always `"digest"`, so receivers tell it from a single alert.
    pub kind: &'static str,
    /// How many alerts follow.
    pub count: usize,
    /// The alerts, oldest first, each in the v1 shape.
    pub alerts: Vec<WireAlertV1<'a>>,
}

/// A story group (`group = "story"`, version 2): one story that fired several watchlists
/// in one poll, sent once with every alert it raised.
#[derive(Debug, Serialize)]
pub struct WireStoryV2<'a> {
    /// Always 2.
    pub version: u8,
    /// Stable id of the group (same on every retry): a hash of the member alert ids.
    pub id: &'a str,
    /// Always `"story"`.
    pub kind: &'static str,
    /// The watchlists that fired, in alert order.
    pub watchlists: Vec<&'a str>,
    /// The story (as in each alert).
    pub article: WireArticleV1<'a>,
    /// One v1 alert per watchlist.
    pub alerts: Vec<WireAlertV1<'a>>,
}

impl<'a> WireStoryV2<'a> {
    /// The wire form of a story group (its alerts share one article).
    pub fn new(group: &'a super::Digest) -> Self {
        let alerts: Vec<WireAlertV1<'a>> = group.alerts.iter().map(WireAlertV1::new).collect();
        let article = group.alerts.first().map(|a| WireAlertV1::new(a).article);
        WireStoryV2 {
            version: 2,
            id: &group.id,
            kind: "story",
            watchlists: group.alerts.iter().map(|a| a.watchlist.as_str()).collect(),
            article: article.unwrap_or(WireArticleV1 {
                title: "",
                url: None,
                feed: "",
                guid: None,
                published: None,
                summary: "",
            }),
            alerts,
        }
    }

    /// The JSON text.
    pub fn to_json(&self) -> String {
        // Serialising plain strings and numbers cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}

impl<'a> WireDigestV1<'a> {
    /// The wire form of `digest`.
    pub fn new(digest: &'a super::Digest) -> Self {
        WireDigestV1 {
            id: &digest.id,
            kind: "digest",
            count: digest.alerts.len(),
            alerts: digest.alerts.iter().map(WireAlertV1::new).collect(),
        }
    }

    /// Serialises to compact JSON.
    pub fn to_json(&self) -> String {
        // Serialising plain strings and numbers cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}
