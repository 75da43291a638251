//! Our own article type: what every stage after parsing sees (never feed-rs types).

use chrono::{DateTime, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::watch::Document;

/// A stable identifier for a story, derived from its GUID, else its link, else a hash of
/// its title and date. feed-rs invents random ids for entries without one; this does not.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct ArticleId(pub String);

impl ArticleId {
    /// Derives the id from the same inputs [`Article::story_keys`] uses, the first present.
    pub fn derive(
        guid: Option<&str>,
        url: Option<&str>,
        title: &str,
        date: Option<&DateTime<Utc>>,
    ) -> Self {
        let key = match (guid, url) {
            (Some(g), _) => format!("guid:{g}"),
            (None, Some(u)) => format!("url:{u}"),
            (None, None) => {
                let date = date.map(|d| d.to_rfc3339()).unwrap_or_default();
                format!("hash:{title}\u{1f}{date}")
            }
        };
        ArticleId(hex_digest(key.as_bytes(), 16))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for ArticleId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// One story from a feed (or a local page), reduced to plain text.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Article {
    /// Stable id (see [`ArticleId::derive`]).
    pub id: ArticleId,
    /// The configured feed name it came from.
    pub feed: String,
    /// The entry's GUID / Atom id / JSON Feed id as published, when the entry has one.
    pub guid: Option<String>,
    /// The entry's link (absolute when the feed gave a base), when it has one.
    pub url: Option<String>,
    /// Title, plain text.
    pub title: String,
    /// Summary / description, plain text.
    pub summary: String,
    /// Full content, plain text (empty when the feed carries only a summary).
    pub content: String,
    /// Publication date, when given.
    pub published: Option<DateTime<Utc>>,
    /// Last update date, when given.
    pub updated: Option<DateTime<Utc>>,
    /// The authors' names as the feed gives them, joined by `, ` (empty when none).
    pub author: String,
    /// The categories (tags) as the feed gives them, joined by `; ` (empty when none).
    pub category: String,
    /// The readable text of the page at `url`, fetched for `full_text` feeds (empty when
    /// not fetched, or when the fetch failed).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub article: String,
}

impl Article {
    /// Builds an article, deriving its id.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        feed: &str,
        guid: Option<String>,
        url: Option<String>,
        title: String,
        summary: String,
        content: String,
        published: Option<DateTime<Utc>>,
        updated: Option<DateTime<Utc>>,
    ) -> Self {
        // Control characters never reach logs, chat formats or the state.
        let clean = super::sanitize::strip_owned;
        let (title, summary, content) = (clean(title), clean(summary), clean(content));
        let guid = guid.map(clean).filter(|g| !g.trim().is_empty());
        let url = url.map(clean).filter(|u| !u.trim().is_empty());
        let date = published.as_ref().or(updated.as_ref());
        let id = ArticleId::derive(guid.as_deref(), url.as_deref(), &title, date);
        Article {
            id,
            feed: feed.to_string(),
            guid,
            url,
            title,
            summary,
            content,
            published,
            updated,
            author: String::new(),
            category: String::new(),
            article: String::new(),
        }
    }

    /// Sets the authors and categories (control characters removed, blanks dropped).
    pub fn with_people_and_tags<A, C>(mut self, authors: A, categories: C) -> Self
    where
        A: IntoIterator<Item = String>,
        C: IntoIterator<Item = String>,
    {
        let join = |items: Vec<String>, sep: &str| items.join(sep);
        let clean = |s: String| super::sanitize::strip_owned(s).trim().to_string();
        let keep = |s: &String| !s.is_empty();
        let authors: Vec<String> = authors.into_iter().map(clean).filter(keep).collect();
        let categories: Vec<String> = categories.into_iter().map(clean).filter(keep).collect();
        self.author = join(dedup(authors), ", ");
        self.category = join(dedup(categories), "; ");
        self
    }

    /// The fields the matcher looks at.
    pub fn document(&self) -> Document<'_> {
        Document {
            title: &self.title,
            summary: &self.summary,
            content: &self.content,
            article: &self.article,
            author: &self.author,
            category: &self.category,
            url: self.url.as_deref().unwrap_or(""),
        }
    }

    /// The keys under which this story is remembered for dedup: its GUID and its link,
    /// so the same story arriving through another feed is recognised by either.
    /// An entry with neither is keyed by its id (a hash of title and date).
    pub fn story_keys(&self) -> Vec<String> {
        let mut keys = Vec::with_capacity(2);
        if let Some(g) = &self.guid {
            keys.push(format!("guid:{}", g.trim()));
        }
        if let Some(u) = &self.url {
            keys.push(format!("url:{}", normalise_link(u)));
        }
        if keys.is_empty() {
            keys.push(format!("id:{}", self.id));
        }
        keys
    }

    /// Characters of the feed's own text (summary and content), for `full_text = "auto"`.
    pub fn feed_text_chars(&self) -> usize {
        self.summary.chars().count() + self.content.chars().count()
    }

    /// A hash of the feed's matchable text, to notice an entry edited after it was first
    /// seen (the fetched page is not part of it: a page is fetched once per story).
    pub fn content_hash(&self) -> String {
        let mut h = Sha256::new();
        for part in [&self.title, &self.summary, &self.content] {
            h.update(part.as_bytes());
            h.update([0x1f]);
        }
        hex(&h.finalize()[..16])
    }
}

/// `items` without repeats, first occurrence kept.
fn dedup(items: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(items.len());
    for item in items {
        if !out.contains(&item) {
            out.push(item);
        }
    }
    out
}

/// Normalises a link for dedup: trims, drops the fragment and a trailing slash, and
/// treats http and https as the same story.
pub(crate) fn normalise_link(u: &str) -> String {
    let u = u.trim();
    let u = u.split('#').next().unwrap_or(u);
    let u = u
        .strip_prefix("https://")
        .or_else(|| u.strip_prefix("http://"))
        .unwrap_or(u);
    u.trim_end_matches('/').to_string()
}

/// Lowercase hex of the first `n` bytes of SHA-256 over `data`.
pub fn hex_digest(data: &[u8], n: usize) -> String {
    hex(&Sha256::digest(data)[..n])
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_prefers_guid_then_link_then_hash() {
        let a = ArticleId::derive(Some("g1"), Some("http://x/1"), "t", None);
        let b = ArticleId::derive(Some("g1"), Some("http://x/2"), "other", None);
        assert_eq!(a, b);
        let c = ArticleId::derive(None, Some("http://x/1"), "t", None);
        assert_ne!(a, c);
        let d = ArticleId::derive(None, None, "t", None);
        let e = ArticleId::derive(None, None, "t", None);
        assert_eq!(d, e);
        assert_ne!(d, ArticleId::derive(None, None, "u", None));
    }

    #[test]
    fn story_keys_cover_guid_and_link() {
        let a = Article::new(
            "f",
            Some("g".into()),
            Some("https://x.org/a/#top".into()),
            "t".into(),
            String::new(),
            String::new(),
            None,
            None,
        );
        assert_eq!(
            a.story_keys(),
            vec!["guid:g".to_string(), "url:x.org/a".to_string()]
        );
        let b = Article::new(
            "f",
            None,
            None,
            "t".into(),
            String::new(),
            String::new(),
            None,
            None,
        );
        assert_eq!(b.story_keys(), vec![format!("id:{}", b.id)]);
    }
}
