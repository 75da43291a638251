//! The alert desk at `/`: the inbox (one card per story), search, the alert page,
//! feedback, mutes and the rule tester, served as plain HTML that works without JavaScript; and the
//! operations the pages and the JSON API share.

// Handlers answer with a ready `Response` on every failure; boxing it would only add noise.
#![allow(clippy::result_large_err)]

mod forms;
mod layout;
mod pages;
pub mod rules;

use axum::http::StatusCode;
use axum::response::Response;
use chrono::Utc;
use serde::Serialize;
use utoipa::ToSchema;

use super::api::{clean_note, error};
use super::DeskState;
use crate::desk::{highlight, AlertJson, SearchQuery};
use crate::store::desk::{blank_mute_name, AlertFilter, Feedback, Mute, MuteScope, Verdict};
use crate::store::rfc3339;

pub use forms::{feedback_form, lift_form, login_form, login_page, logout_form, mute_form};
pub use pages::{alert_page, inbox, mutes_page, search_page};
pub use rules::{api_test_rule, rules_page};

/// Most search results of each kind.
const SEARCH_MAX: usize = 200;

/// One piece of highlighted text.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Piece {
    /// The text.
    pub text: String,
    /// Whether it is a hit.
    pub hit: bool,
}

/// A stored article a search found.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ArticleResult {
    /// Feed.
    pub feed: String,
    /// Article id.
    pub id: String,
    /// Link.
    pub url: Option<String>,
    /// When first seen (RFC 3339).
    pub first_seen: String,
    /// The title, hits marked.
    pub title: Vec<Piece>,
    /// Text around the first hit, hits marked.
    pub snippet: Vec<Piece>,
}

/// An alert a search found.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AlertResult {
    /// The alert.
    pub alert: AlertJson,
    /// The title, hits marked.
    pub title: Vec<Piece>,
    /// The summary around the first hit, hits marked.
    pub snippet: Vec<Piece>,
}

/// What a search found.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SearchResults {
    /// The query as folded for the index (FTS5).
    pub query: String,
    /// Alerts, newest first.
    pub alerts: Vec<AlertResult>,
    /// Stored articles: those with every term in the title first, then the others,
    /// newest first within each.
    pub articles: Vec<ArticleResult>,
}

fn pieces(m: crate::desk::Marked) -> Vec<Piece> {
    m.into_iter()
        .map(|(text, hit)| Piece { text, hit })
        .collect()
}

/// Searches alerts and articles for `q`.
pub async fn run_search(
    s: &DeskState,
    q: &str,
    limit: Option<usize>,
) -> Result<SearchResults, Response> {
    let limit = limit.unwrap_or(50);
    if limit == 0 || limit > SEARCH_MAX {
        return Err(error(
            StatusCode::BAD_REQUEST,
            format!("parameter 'limit': must be 1 to {SEARCH_MAX}"),
        ));
    }
    let query = match SearchQuery::parse(q) {
        Ok(query) => query,
        Err(crate::desk::QueryError::Empty) => {
            return Ok(SearchResults {
                query: String::new(),
                alerts: Vec::new(),
                articles: Vec::new(),
            })
        }
        Err(e) => {
            return Err(error(
                StatusCode::BAD_REQUEST,
                format!("parameter 'q': {e}"),
            ))
        }
    };
    let store = s.store();
    let page = store
        .desk()
        .list_alerts(AlertFilter {
            text: Some(query.clone()),
            limit,
            ..Default::default()
        })
        .await
        .map_err(|e| super::internal(&e))?;
    let articles = store
        .desk()
        .search_articles(&query, limit)
        .await
        .map_err(|e| super::internal(&e))?;
    Ok(SearchResults {
        alerts: page
            .alerts
            .iter()
            .map(|r| AlertResult {
                title: pieces(highlight(&r.alert.article.title, &query, false)),
                snippet: pieces(highlight(&r.alert.article.summary, &query, true)),
                alert: AlertJson::from(r),
            })
            .collect(),
        articles: articles
            .into_iter()
            .map(|a| ArticleResult {
                title: pieces(highlight(&a.title, &query, false)),
                snippet: pieces(highlight(a.text.trim(), &query, true)),
                feed: a.feed,
                id: a.id,
                url: a.url,
                first_seen: a.first_seen,
            })
            .collect(),
        query: query.fts(),
    })
}

/// Records feedback; `Ok(None)` when the alert does not exist.
pub async fn give_feedback(
    s: &DeskState,
    id: &str,
    verdict: Verdict,
    note: Option<String>,
) -> Result<Option<Feedback>, Response> {
    let note = clean_note(note).map_err(|e| error(StatusCode::BAD_REQUEST, e))?;
    let f = Feedback {
        verdict,
        note,
        at: rfc3339(Utc::now()),
    };
    match s.store().desk().set_feedback(id, f.clone()).await {
        Ok(true) => {
            tracing::info!(alert = %id, verdict = verdict.as_str(), "feedback recorded");
            Ok(Some(f))
        }
        Ok(false) => Ok(None),
        Err(e) => Err(super::internal(&e)),
    }
}

/// Longest name in a mute.
const MUTE_NAME_MAX: usize = 500;

/// Sets a mute for `duration` (`2h`, `1d`; none: until lifted).
pub async fn set_mute(
    s: &DeskState,
    scope: MuteScope,
    duration: Option<&str>,
) -> Result<Mute, Response> {
    let bad = |m: String| error(StatusCode::BAD_REQUEST, m);
    let names: Vec<&str> = match &scope {
        MuteScope::Watchlist { watchlist } => vec![watchlist],
        MuteScope::Person { watchlist, person } => vec![watchlist, person],
        MuteScope::Story { alert } => vec![alert],
    };
    if names
        .iter()
        .any(|n| blank_mute_name(n) || n.chars().count() > MUTE_NAME_MAX)
    {
        return Err(bad(
            "a mute needs a non-empty watchlist, person or story (at most 500 characters)".into(),
        ));
    }
    let now = Utc::now();
    // Exactly as the API's schema says: empty or absent is until lifted, anything else a
    // duration (a form trims what was typed before it gets here).
    let until = match duration.filter(|d| !d.is_empty()) {
        None => None,
        Some(d) => Some(until(now, d).map_err(bad)?),
    };
    match s.store().desk().add_mute(scope, until, now).await {
        Ok(Some(m)) => {
            tracing::info!(mute = m.id, "mute set");
            Ok(m)
        }
        Ok(None) => Err(error(
            StatusCode::NOT_FOUND,
            "no alert with that id: a story mute names an alert of the story",
        )),
        Err(e) => Err(super::internal(&e)),
    }
}

/// `now` plus the duration `d`.
pub fn until(now: chrono::DateTime<Utc>, d: &str) -> Result<chrono::DateTime<Utc>, String> {
    let bad =
        || format!("'for': '{d}' is not a duration like 2h or 1d (1 to 99999 s, m, h, d or w)");
    let (at, unit) = d.char_indices().last().ok_or_else(bad)?;
    let seconds: i64 = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3600,
        'd' => 86_400,
        'w' => 7 * 86_400,
        _ => return Err(bad()),
    };
    let count = &d[..at];
    if count.is_empty()
        || count.len() > 5
        || count.starts_with('0')
        || !count.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(bad());
    }
    let count: i64 = count.parse().map_err(|_| bad())?;
    now.checked_add_signed(chrono::Duration::seconds(count * seconds))
        .ok_or_else(|| format!("'for': '{d}' is too long"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mute_lasts_what_the_schema_allows_and_nothing_else() {
        let now = Utc::now();
        for (d, seconds) in [("1s", 1), ("90m", 5400), ("2h", 7200), ("1d", 86_400)] {
            assert_eq!(
                until(now, d),
                Ok(now + chrono::Duration::seconds(seconds)),
                "{d}"
            );
        }
        assert!(until(now, "99999w").is_ok());
        for d in [
            "", "\r", " 2h", "2h ", "1h 30m", "0h", "02h", "100000h", "2x", "h", "2", "2H", "é",
            "2hé", "-1h", "+1h", "2 h",
        ] {
            let e = until(now, d).expect_err(d);
            assert!(e.contains("is not a duration"), "{d:?}: {e}");
        }
    }
}
