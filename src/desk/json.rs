//! One alert as the JSON API and `alerts --json` show it: the same shape in both, with
//! the link, the feed, every match, each delivery (errors redacted), feedback and copies.

use serde::Serialize;
use utoipa::ToSchema;

use crate::store::desk::{AlertRecord, DeliveryView, Feedback};

/// An alert of the history.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AlertJson {
    /// Stable alert id.
    pub id: String,
    /// The watchlist that fired.
    pub watchlist: String,
    /// The watchlist's severity label.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub severity: Option<String>,
    /// When newshound matched it (RFC 3339).
    pub detected_at: String,
    /// When it was stored (RFC 3339).
    pub created_at: String,
    /// The article's title.
    pub title: String,
    /// The article's link.
    pub url: Option<String>,
    /// The feed it came from.
    pub feed: String,
    /// When the article was published (RFC 3339).
    pub published: Option<String>,
    /// The article's summary (plain text).
    pub summary: String,
    /// Why it fired.
    pub matches: Vec<MatchJson>,
    /// Each sink's delivery.
    pub deliveries: Vec<DeliveryView>,
    /// Feedback, if given.
    pub feedback: Option<Feedback>,
    /// Whether a mute held its delivery back.
    pub muted: bool,
    /// Near copies seen in other feeds.
    pub copies: Vec<CopyJson>,
    /// A revision alert only: the id of the story's first alert under this watchlist.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revision_of: Option<String>,
    /// A revision alert only: the changed sentence before and after.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revision: Option<crate::alert::Revision>,
}

/// One term that hit.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MatchJson {
    /// The term as the watchlist writes it.
    pub term: String,
    /// `person` or `keyword`.
    pub kind: String,
    /// The text as it occurred.
    pub matched: String,
    /// `title`, `summary`, `content`, …
    pub field: String,
    /// Occurrences in that field.
    pub count: usize,
    /// Text around the first occurrence, the hit in `[ ]`.
    pub snippet: String,
}

/// A near copy of the story in another feed.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CopyJson {
    /// The feed.
    pub feed: String,
    /// The copy's link.
    pub url: Option<String>,
    /// The copy's title.
    pub title: String,
}

impl From<&AlertRecord> for AlertJson {
    fn from(r: &AlertRecord) -> Self {
        let a = &r.alert;
        AlertJson {
            id: a.id.clone(),
            watchlist: a.watchlist.clone(),
            severity: a.severity.clone(),
            detected_at: a.detected_at_rfc3339(),
            created_at: r.created_at.clone(),
            title: a.article.title.clone(),
            url: a.article.url.clone(),
            feed: a.article.feed.clone(),
            published: a.article.published.map(crate::store::rfc3339),
            summary: a.article.summary.clone(),
            matches: a
                .matches
                .iter()
                .map(|m| MatchJson {
                    term: m.term.clone(),
                    kind: m.kind.clone(),
                    matched: m.matched.clone(),
                    field: m.field.clone(),
                    count: m.count,
                    snippet: m.snippet.clone(),
                })
                .collect(),
            deliveries: r.deliveries.iter().map(redacted).collect(),
            feedback: r.feedback.clone(),
            muted: r.muted(),
            revision_of: a.revision_of.clone(),
            revision: a.revision.clone(),
            copies: r
                .copies
                .iter()
                .map(|c| CopyJson {
                    feed: c.feed.clone(),
                    url: c.url.clone(),
                    title: c.title.clone(),
                })
                .collect(),
        }
    }
}

/// A delivery with its last error made safe to show.
fn redacted(d: &DeliveryView) -> DeliveryView {
    DeliveryView {
        last_error: d.last_error.as_deref().map(super::shown_error),
        ..d.clone()
    }
}
