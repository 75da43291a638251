//! `[[watchlist]]` and `[[watchlist.person]]` as written.

use serde::Deserialize;

use crate::watch::Require;

/// One `[[watchlist]]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWatchlist {
    /// Unique name.
    pub name: Option<String>,
    /// Sink names; default every sink.
    pub sinks: Option<Vec<String>>,
    /// Feed names or `#tags`; default every feed.
    pub feeds: Option<Vec<String>>,
    /// What fires an alert when no query is set.
    #[serde(default)]
    pub require: Require,
    /// Words or phrases; a trailing `*` is a prefix.
    #[serde(default)]
    pub keywords: Vec<String>,
    /// Terms that veto a match.
    #[serde(default)]
    pub exclude: Vec<String>,
    /// A query; replaces require/keywords when set.
    pub query: Option<String>,
    /// Free label passed to sinks.
    pub severity: Option<String>,
    /// Revision alerts for stories already alerted whose matched text changes (off by
    /// default).
    pub revisions: Option<bool>,
    /// `[[watchlist.person]]`
    #[serde(default)]
    pub person: Vec<RawPerson>,
}

/// One `[[watchlist.person]]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPerson {
    /// Canonical name.
    pub name: Option<String>,
    /// Other names, titles, other scripts.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Shorter names that count only after the name or an alias occurred.
    #[serde(default)]
    pub short_forms: Vec<String>,
}
