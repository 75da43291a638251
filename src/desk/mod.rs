//! The alert desk's shared logic, used by the admin pages, the JSON API and the CLI:
//! search queries folded like the matcher folds text ([`query`]), hits marked in the
//! original text ([`highlight`]), listing filters read from user input ([`filter`]) and
//! the JSON shape of an alert ([`json`]) and the rule tester ([`rules`]).

pub mod filter;
pub mod highlight;
pub mod json;
pub mod query;
mod rule_config;
pub mod rules;

pub use filter::{ListParams, DEFAULT_LIMIT, MAX_LIMIT};
pub use highlight::{highlight, Marked};
pub use json::AlertJson;
pub use query::{fold_for_index, QueryError, SearchQuery, QUERY_MAX_CHARS};

/// A stored error (a delivery's last error) made safe to show: secrets in URLs and
/// messages removed.
pub fn shown_error(e: &str) -> String {
    crate::redact::text(e)
}
