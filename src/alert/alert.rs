//! The alert: one per (watchlist, story), with an id that is the same on every retry,
//! after a restart and on every machine.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

use crate::feeds::article::hex_digest;
use crate::feeds::Article;
use crate::watch::{Hit, TermKind};

/// Longest summary carried in an alert, in characters.
pub const SUMMARY_MAX_CHARS: usize = 500;

/// Longest title carried in an alert (and in each near copy), in characters.
pub const TITLE_MAX_CHARS: usize = 300;

/// Longest snippet, and longest matched text, of each match, in characters.
pub const SNIPPET_MAX_CHARS: usize = 300;

/// Longest link carried in an alert, in bytes; a longer one is dropped.
pub const URL_MAX_BYTES: usize = 4096;

/// Maximum number of matches an alert lists.
pub const MATCHES_MAX: usize = 50;

/// The link as it may reach a receiver: only an absolute `http(s)` URL, as the WHATWG
/// parser reads it (which drops the tabs and newlines of obfuscations such as
/// `java\tscript:`, so they are seen for the scheme they are). Anything else —
/// `javascript:`, `data:`, `file:`, relative or unparsable, or longer than
/// [`URL_MAX_BYTES`] — is `None`: the alert goes out without a link.
pub fn safe_link(url: &str) -> Option<String> {
    let url = url.trim();
    let parsed = url::Url::parse(url).ok()?;
    let web = matches!(parsed.scheme(), "http" | "https") && parsed.host().is_some();
    // As written when the parser needed no repair; else as the parser read it.
    let plain = !url.chars().any(|c| c.is_control() || c.is_whitespace());
    let out = if plain {
        url.to_string()
    } else {
        String::from(parsed)
    };
    (web && out.len() <= URL_MAX_BYTES).then_some(out)
}

/// An alert as stored in the outbox and handed to sinks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    /// Stable id: a hash of the watchlist name and the story's first key.
    pub id: String,
    /// The watchlist that fired.
    pub watchlist: String,
    /// The watchlist's severity label.
    pub severity: Option<String>,
    /// When newshound matched it.
    pub detected_at: DateTime<Utc>,
    /// The story.
    pub article: AlertArticle,
    /// Why it fired.
    pub matches: Vec<AlertMatch>,
    /// Near copies of the story seen in other feeds (filled in when it is sent).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub also_seen_in: Vec<SeenIn>,
    /// For a revision alert (`[[watchlist]] revisions = true`): the id of the story's
    /// first alert under this watchlist.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision_of: Option<String>,
    /// For a revision alert: the changed sentence, before and after.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision: Option<super::revision::Revision>,
}

/// Another place a story was seen: a near copy recorded against an alert.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeenIn {
    /// The feed name.
    pub feed: String,
    /// The copy's link.
    pub url: Option<String>,
    /// The copy's title.
    pub title: String,
}

impl SeenIn {
    /// A near copy as an alert carries it: its title cut to [`TITLE_MAX_CHARS`], its link
    /// only when [`safe_link`] keeps it.
    pub fn bounded(feed: String, url: Option<String>, title: String) -> SeenIn {
        SeenIn {
            feed,
            url: url.as_deref().and_then(safe_link),
            title: truncate_words(&title, TITLE_MAX_CHARS),
        }
    }
}

/// The story an alert is about.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertArticle {
    /// Title, plain text.
    pub title: String,
    /// Link.
    pub url: Option<String>,
    /// Feed name.
    pub feed: String,
    /// GUID as published.
    pub guid: Option<String>,
    /// Publication date.
    pub published: Option<DateTime<Utc>>,
    /// Plain text, at most [`SUMMARY_MAX_CHARS`] characters.
    pub summary: String,
}

/// One term that hit, in one field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertMatch {
    /// The term as written in the watchlist.
    pub term: String,
    /// `person` or `keyword`.
    pub kind: String,
    /// The text as it occurred in the article.
    pub matched: String,
    /// `title`, `summary` or `content`.
    pub field: String,
    /// Occurrences in that field.
    pub count: usize,
    /// Text around the first occurrence, the hit in `[ ]`.
    pub snippet: String,
}

impl Alert {
    /// Builds the alert for `article` matched by `watchlist`.
    pub fn new(
        watchlist: &str,
        severity: Option<&str>,
        article: &Article,
        hits: &[Hit],
        now: DateTime<Utc>,
    ) -> Self {
        let key = article.story_keys().into_iter().next().unwrap_or_default();
        Alert {
            id: alert_id(watchlist, &key),
            watchlist: watchlist.to_string(),
            severity: severity.map(str::to_string),
            detected_at: now,
            article: AlertArticle {
                title: truncate_words(&article.title, TITLE_MAX_CHARS),
                url: article.url.as_deref().and_then(safe_link),
                feed: article.feed.clone(),
                guid: article.guid.clone(),
                published: article.published.or(article.updated),
                summary: summary_of(article),
            },
            matches: hits
                .iter()
                .take(MATCHES_MAX)
                .map(AlertMatch::from)
                .collect(),
            also_seen_in: Vec::new(),
            revision_of: None,
            revision: None,
        }
    }

    /// The headline messages show: the story's title, `Revised: ` before it for a
    /// revision alert.
    pub fn headline(&self) -> String {
        match self.revision_of {
            Some(_) => format!("Revised: {}", self.article.title),
            None => self.article.title.clone(),
        }
    }

    /// The text messages show under the headline: the summary, or for a revision alert
    /// the changed sentence as `Before: … / Now: …`.
    pub fn lead(&self) -> String {
        let Some(r) = &self.revision else {
            return self.article.summary.clone();
        };
        let side = |s: &Option<String>| {
            s.as_deref()
                .map_or("(none)".to_string(), |s| format!("“{s}”"))
        };
        format!("Before: {}\nNow: {}", side(&r.before), side(&r.after))
    }

    /// `detected_at` in RFC 3339, seconds, `Z`.
    pub fn detected_at_rfc3339(&self) -> String {
        self.detected_at.to_rfc3339_opts(SecondsFormat::Secs, true)
    }
}

impl From<&Hit> for AlertMatch {
    fn from(h: &Hit) -> Self {
        AlertMatch {
            term: truncate_words(&h.term, SNIPPET_MAX_CHARS),
            kind: match h.kind {
                TermKind::Person => "person",
                TermKind::Keyword => "keyword",
            }
            .into(),
            matched: truncate_words(&h.matched, SNIPPET_MAX_CHARS),
            field: h.field.as_str().into(),
            count: h.count,
            snippet: truncate_words(&h.snippet, SNIPPET_MAX_CHARS),
        }
    }
}

/// The alert id for a story key under a watchlist.
pub fn alert_id(watchlist: &str, story_key: &str) -> String {
    hex_digest(format!("{watchlist}\u{1f}{story_key}").as_bytes(), 16)
}

/// The article's summary (else the start of its content), cut to the limit on a word boundary.
fn summary_of(article: &Article) -> String {
    let text = if article.summary.trim().is_empty() {
        &article.content
    } else {
        &article.summary
    };
    truncate_words(
        &collapsed_prefix(text, SUMMARY_MAX_CHARS),
        SUMMARY_MAX_CHARS,
    )
}

/// `text`'s words joined by single spaces, up to the first word that takes it past `max`
/// characters: all [`truncate_words`] reads of the whole joined text, without joining a
/// long body only to cut it.
fn collapsed_prefix(text: &str, max: usize) -> String {
    let mut out = String::with_capacity(text.len().min(4 * max));
    let mut chars = 0;
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
            chars += 1;
        }
        out.push_str(word);
        chars += word.chars().count();
        if chars > max {
            break;
        }
    }
    out
}

/// Cuts `text` to at most `max` characters, on a word boundary, ending with `…` when cut.
pub fn truncate_words(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut: String = text.chars().take(max.saturating_sub(1)).collect();
    let cut = match cut.rfind(' ') {
        Some(i) if i > cut.len() / 2 => &cut[..i],
        _ => cut.as_str(),
    };
    format!("{}…", cut.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_summary_is_the_whole_collapsed_text_cut_the_same_way() {
        let words = ["a", "bb", "ccc", "Ω", "déjà", "\u{1F600}", "x\u{301}"];
        for n in [0usize, 1, 5, 60, 99, 100, 101, 150, 400, 2_000] {
            let text: String = (0..n)
                .map(|i| format!("{}{}", words[i % words.len()], ["  ", "\n\t", " "][i % 3]))
                .collect();
            for max in [1usize, 2, 10, 99, 500] {
                let whole = text.split_whitespace().collect::<Vec<_>>().join(" ");
                assert_eq!(
                    truncate_words(&collapsed_prefix(&text, max), max),
                    truncate_words(&whole, max),
                    "{n} words, max {max}"
                );
            }
        }
    }

    #[test]
    fn only_web_links_pass() {
        assert_eq!(
            safe_link(" https://x.org/a?b=1 ").as_deref(),
            Some("https://x.org/a?b=1")
        );
        assert_eq!(safe_link("http://x.org").as_deref(), Some("http://x.org"));
        for bad in [
            "javascript:alert(1)",
            "JaVaScRiPt:alert(1)",
            "java\tscript:alert(1)",
            "java\nscript:alert(1)",
            "\u{1}javascript:alert(1)",
            "data:text/html,<script>x</script>",
            "file:///etc/passwd",
            "/relative/path",
            "vbscript:msgbox",
        ] {
            assert_eq!(safe_link(bad), None, "{bad:?}");
        }
        assert_eq!(
            safe_link(&format!("https://x.org/{}", "a".repeat(URL_MAX_BYTES))),
            None
        );
    }

    #[test]
    fn truncation_keeps_limit_and_words() {
        let text = "word ".repeat(200);
        let t = truncate_words(text.trim(), 500);
        assert!(t.chars().count() <= 500);
        assert!(t.ends_with("word…"));
        let cjk = "李尚福".repeat(300);
        assert!(truncate_words(&cjk, 500).chars().count() <= 500);
        assert_eq!(truncate_words("short", 500), "short");
    }

    #[test]
    fn id_is_stable_per_watchlist_and_story() {
        assert_eq!(alert_id("w", "guid:1"), alert_id("w", "guid:1"));
        assert_ne!(alert_id("w", "guid:1"), alert_id("v", "guid:1"));
        assert_eq!(alert_id("w", "guid:1").len(), 32);
    }
}
