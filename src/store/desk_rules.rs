//! The desk's decisions every backend shares, so the SQL is the only thing they differ in:
//! what a mute covers ([`StoredMute::covers`]), how a mute's scope is stored in columns,
//! where the next page of the history starts, how stored rows decode, and the folded form
//! text is searched in.

use super::desk::{AlertRecord, Feedback, MarkedAlert, Mute, MuteScope, Position, Verdict};
use super::StoreError;
use crate::alert::Alert;

/// An active mute as stored: the scope and, for a story, the story's keys when it was set.
#[derive(Debug, Clone)]
pub struct StoredMute {
    /// The mute.
    pub mute: Mute,
    /// A story mute's keys (empty for the other kinds).
    pub story_keys: Vec<String>,
}

impl StoredMute {
    /// Whether the mute covers `alert`, whose story keys are `keys`: a watchlist mute every
    /// alert of it; a person mute the watchlist's alerts matching that person (names
    /// compared in the matcher's folding); a story mute the alert named, its revisions,
    /// and any alert sharing a story key with it.
    pub fn covers(&self, alert: &Alert, keys: &[String]) -> bool {
        match &self.mute.scope {
            MuteScope::Watchlist { watchlist } => &alert.watchlist == watchlist,
            MuteScope::Person { watchlist, person } => {
                let person = crate::watch::normalise(person);
                &alert.watchlist == watchlist
                    && alert
                        .matches
                        .iter()
                        .any(|m| m.kind == "person" && crate::watch::normalise(&m.term) == person)
            }
            MuteScope::Story { alert: id } => {
                &alert.id == id
                    || alert.revision_of.as_ref() == Some(id)
                    || keys.iter().any(|k| self.story_keys.contains(k))
            }
        }
    }
}

/// `(kind, watchlist, person, alert)` as stored for `scope`.
pub fn scope_columns(scope: &MuteScope) -> (&'static str, &str, &str, &str) {
    match scope {
        MuteScope::Watchlist { watchlist } => ("watchlist", watchlist, "", ""),
        MuteScope::Person { watchlist, person } => ("person", watchlist, person, ""),
        MuteScope::Story { alert } => ("story", "", "", alert),
    }
}

/// The scope stored as `(kind, watchlist, person, alert)`.
pub fn scope_of(kind: &str, watchlist: String, person: String, alert: String) -> MuteScope {
    match kind {
        "person" => MuteScope::Person { watchlist, person },
        "story" => MuteScope::Story { alert },
        _ => MuteScope::Watchlist { watchlist },
    }
}

/// A story mute's keys as stored (a JSON list).
pub fn keys_json(keys: &[String]) -> String {
    serde_json::to_string(keys).unwrap_or_else(|_| "[]".into())
}

/// A story mute's keys read back (none when unreadable).
pub fn keys_of_json(json: &str) -> Vec<String> {
    serde_json::from_str(json).unwrap_or_default()
}

/// Where the page after `alerts` starts, when `more` rows matched than the page holds.
pub fn next_position(more: bool, alerts: &[AlertRecord]) -> Option<Position> {
    match (more, alerts.last()) {
        (true, Some(last)) => Some(Position {
            created_at: last.created_at.clone(),
            id: last.alert.id.clone(),
        }),
        _ => None,
    }
}

/// A stored alert body decoded; a body that does not decode names the alert.
pub fn decode_alert(id: &str, body: &str) -> Result<Alert, StoreError> {
    serde_json::from_str(body).map_err(|source| StoreError::Corrupt {
        id: id.to_string(),
        source,
    })
}

/// Stored feedback read back; a verdict this build does not know is no feedback.
pub fn feedback_of(verdict: &str, note: Option<String>, at: String) -> Option<Feedback> {
    Verdict::parse(verdict).map(|verdict| Feedback { verdict, note, at })
}

/// A marked alert read back; `None` for a verdict this build does not know.
pub fn marked_of(
    id: String,
    watchlist: String,
    article_feed: String,
    article_id: String,
    verdict: &str,
) -> Option<MarkedAlert> {
    Some(MarkedAlert {
        verdict: Verdict::parse(verdict)?,
        id,
        watchlist,
        article_feed,
        article_id,
    })
}

/// Text in the form a backend without FTS5 searches it: the matcher's folding, words
/// joined by single spaces, with a space at each end, so a term is found with
/// `LIKE '% word word %'` (a prefix: `'% word wor%'`), see
/// [`crate::desk::SearchQuery::like_patterns`].
pub fn folded_for_like(text: &str) -> String {
    let folded = crate::desk::fold_for_index(text);
    let words: Vec<&str> = folded.split(' ').filter(|w| !w.is_empty()).collect();
    format!(" {} ", words.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::desk::SearchQuery;

    fn like(pattern: &str, text: &str) -> bool {
        // LIKE with '\' as the escape, '%' any run: enough of it to check the patterns.
        let re = regex::escape(pattern)
            .replace("\\\\%", "\u{1}")
            .replace("\\\\_", "\u{2}")
            .replace('%', ".*")
            .replace('_', ".")
            .replace('\u{1}', "%")
            .replace('\u{2}', "_");
        regex::Regex::new(&format!("^(?s){re}$"))
            .unwrap()
            .is_match(text)
    }

    fn finds(q: &str, text: &str) -> bool {
        let folded = folded_for_like(text);
        SearchQuery::parse(q)
            .unwrap()
            .like_patterns()
            .iter()
            .all(|p| like(p, &folded))
    }

    #[test]
    fn like_patterns_find_words_phrases_prefixes_and_other_scripts() {
        assert!(finds("zurich", "Talks in Zürich today"));
        assert!(
            !finds("zuri", "Talks in Zürich today"),
            "a word, not a part"
        );
        assert!(finds("zuri*", "Talks in Zürich today"));
        assert!(finds("\"li shangfu\"", "General Li Shangfu, minister"));
        assert!(!finds("\"shangfu li\"", "General Li Shangfu, minister"));
        assert!(finds("李尚福", "国防部长李尚福被免职"));
        assert!(finds("גלנט", "שר הביטחון יואב גלנט"));
        assert!(finds("100%", "a 100% rise"));
        assert!(
            !finds("100%", "a 1000 rise"),
            "LIKE syntax in a query is text"
        );
    }
}
