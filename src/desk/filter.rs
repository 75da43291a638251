//! Reading the listing filters (`q`, `watchlist`, `feed`, `severity`, `since`, `until`,
//! `delivery`, `feedback`, `limit`, `cursor`) from untrusted input into an
//! [`AlertFilter`], with an error naming the parameter at fault.

use chrono::{DateTime, Utc};

use super::query::{QueryError, SearchQuery};
use crate::store::desk::{AlertFilter, Position, Verdict};
use crate::store::{rfc3339, DeliveryStatus};

/// Alerts per page when no `limit` is given.
pub const DEFAULT_LIMIT: usize = 50;
/// Most alerts per page.
pub const MAX_LIMIT: usize = 500;
/// Longest accepted value of a name parameter (watchlist, feed, severity, cursor).
const MAX_VALUE: usize = 1000;

/// The listing parameters as given, all optional strings.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Full-text query over alert titles and summaries (words, "a phrase", prefix*); a
    /// query with no words finds nothing.
    #[param(max_length = 500)]
    pub q: Option<String>,
    /// Only this watchlist.
    #[param(max_length = 1000)]
    pub watchlist: Option<String>,
    /// Only alerts from this feed.
    #[param(max_length = 1000)]
    pub feed: Option<String>,
    /// Only this severity label.
    #[param(max_length = 1000)]
    pub severity: Option<String>,
    /// Created at or after: RFC 3339, or a duration back from now (`24h`, `7d`). The
    /// document's pattern names the forms every client can rely on (UTC, whole seconds);
    /// the server also takes other offsets and any duration `humantime` reads.
    #[param(
        pattern = r"^(|[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]Z|0|[1-9][0-9]{0,4}(s|m|h|d))$"
    )]
    pub since: Option<String>,
    /// Created before: RFC 3339, or a duration back from now.
    #[param(
        pattern = r"^(|[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]Z|0|[1-9][0-9]{0,4}(s|m|h|d))$"
    )]
    pub until: Option<String>,
    /// Only alerts with a delivery in this state: pending, delivered, failed, dead, muted.
    #[param(pattern = "^(|pending|delivered|failed|dead|muted)$")]
    pub delivery: Option<String>,
    /// `useful`, `false-positive` or `none` (no feedback yet).
    #[param(pattern = "^(|useful|false-positive|none)$")]
    pub feedback: Option<String>,
    /// Alerts per page (1–500, default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<usize>,
    /// The `next` cursor of the previous page.
    #[param(
        pattern = r"^(|[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]Z~[0-9a-f]{1,64})$"
    )]
    pub cursor: Option<String>,
}

/// A parameter that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("parameter '{name}': {problem}")]
pub struct FilterError {
    /// The parameter.
    pub name: &'static str,
    /// What is wrong.
    pub problem: String,
}

fn bad(name: &'static str, problem: impl Into<String>) -> FilterError {
    FilterError {
        name,
        problem: problem.into(),
    }
}

impl ListParams {
    /// Whether `q` is given but has no words: such a query finds nothing.
    pub fn finds_nothing(&self) -> bool {
        nonempty(&self.q).map(SearchQuery::parse) == Some(Err(QueryError::Empty))
    }

    /// The filter these parameters describe, at `now`.
    pub fn filter(&self, now: DateTime<Utc>) -> Result<AlertFilter, FilterError> {
        let limit = self.limit.unwrap_or(DEFAULT_LIMIT);
        if limit == 0 || limit > MAX_LIMIT {
            return Err(bad("limit", format!("must be 1 to {MAX_LIMIT}")));
        }
        Ok(AlertFilter {
            text: match nonempty(&self.q).map(SearchQuery::parse) {
                Some(Ok(q)) => Some(q),
                Some(Err(QueryError::Empty)) | None => None,
                Some(Err(e)) => return Err(bad("q", e.to_string())),
            },
            watchlist: name("watchlist", &self.watchlist)?,
            feed: name("feed", &self.feed)?,
            severity: name("severity", &self.severity)?,
            since: time("since", &self.since, now)?,
            until: time("until", &self.until, now)?,
            delivery: delivery(&self.delivery)?,
            feedback: feedback(&self.feedback)?,
            limit,
            after: nonempty(&self.cursor).map(cursor).transpose()?,
        })
    }
}

/// The value unless empty. Not trimmed: what the document allows is what is accepted.
fn nonempty(v: &Option<String>) -> Option<&str> {
    v.as_deref().filter(|s| !s.is_empty())
}

fn name(param: &'static str, v: &Option<String>) -> Result<Option<String>, FilterError> {
    match nonempty(v) {
        Some(s) if s.len() > MAX_VALUE => Err(bad(param, "too long")),
        other => Ok(other.map(str::to_string)),
    }
}

/// RFC 3339, or a duration back from `now`.
pub fn time(
    param: &'static str,
    v: &Option<String>,
    now: DateTime<Utc>,
) -> Result<Option<String>, FilterError> {
    let Some(s) = nonempty(v) else {
        return Ok(None);
    };
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(Some(rfc3339(t.with_timezone(&Utc))));
    }
    let d = humantime::parse_duration(s).map_err(|_| {
        bad(
            param,
            format!("'{s}' is neither RFC 3339 nor a duration like 24h"),
        )
    })?;
    let back = chrono::Duration::from_std(d).map_err(|_| bad(param, "too far back"))?;
    let t = now
        .checked_sub_signed(back)
        .ok_or_else(|| bad(param, "too far back"))?;
    Ok(Some(rfc3339(t)))
}

fn delivery(v: &Option<String>) -> Result<Option<DeliveryStatus>, FilterError> {
    let Some(s) = nonempty(v) else {
        return Ok(None);
    };
    let status = DeliveryStatus::parse(s);
    if status.as_str() != s {
        return Err(bad(
            "delivery",
            "must be pending, delivered, failed, dead or muted",
        ));
    }
    Ok(Some(status))
}

fn feedback(v: &Option<String>) -> Result<Option<Option<Verdict>>, FilterError> {
    match nonempty(v) {
        None => Ok(None),
        Some("none") => Ok(Some(None)),
        Some(s) => Verdict::parse(s)
            .map(|v| Some(Some(v)))
            .ok_or_else(|| bad("feedback", "must be useful, false-positive or none")),
    }
}

/// The cursor of a page position: `created_at` and id, joined by `~`.
pub fn cursor_of(p: &Position) -> String {
    format!("{}~{}", p.created_at, p.id)
}

fn cursor(s: &str) -> Result<Position, FilterError> {
    let (at, id) = s
        .split_once('~')
        .ok_or_else(|| bad("cursor", "not a cursor from a previous page"))?;
    if at.len() > 40 || id.len() > 100 || DateTime::parse_from_rfc3339(at).is_err() {
        return Err(bad("cursor", "not a cursor from a previous page"));
    }
    Ok(Position {
        created_at: at.to_string(),
        id: id.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_parameter_and_names_the_bad_one() {
        let now = DateTime::parse_from_rfc3339("2026-01-02T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let p = ListParams {
            q: Some("li*".into()),
            since: Some("24h".into()),
            feedback: Some("none".into()),
            cursor: Some("2026-01-01T10:00:00Z~abc".into()),
            ..Default::default()
        };
        let f = p.filter(now).unwrap();
        assert_eq!(f.text.map(|q| q.fts()).as_deref(), Some("\"li\"*"));
        assert_eq!(f.since.as_deref(), Some("2026-01-01T00:00:00Z"));
        assert_eq!(f.feedback, Some(None));
        assert_eq!(f.after.unwrap().id, "abc");
        let e = ListParams {
            delivery: Some("sent".into()),
            ..Default::default()
        }
        .filter(now)
        .unwrap_err();
        assert_eq!(e.name, "delivery");
        let e = ListParams {
            limit: Some(0),
            ..Default::default()
        };
        assert_eq!(e.filter(now).unwrap_err().name, "limit");
    }
}
