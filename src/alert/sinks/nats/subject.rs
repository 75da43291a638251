//! The NATS sink's subject template: parsed and checked once at load, rendered per alert
//! into a valid publish subject, and turned into the wildcard subject a stream captures.

use crate::alert::Alert;

/// The subject used when the sink sets none.
pub const DEFAULT_SUBJECT: &str = "newshound.alerts.{watchlist}";

/// The placeholders a subject may use.
pub const PLACEHOLDERS: [&str; 3] = ["watchlist", "severity", "feed"];

/// Longest template accepted, in bytes (a subject is a routing key, not a message).
const MAX_LEN: usize = 256;

/// What a placeholder becomes when the alert has no value for it (`{severity}` unset).
const NO_VALUE: &str = "none";

/// One piece of a subject token.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Text(String),
    Watchlist,
    Severity,
    Feed,
}

/// A checked subject template: dot-separated tokens of text and placeholders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubjectTemplate {
    source: String,
    tokens: Vec<Vec<Part>>,
}

impl std::fmt::Display for SubjectTemplate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.source)
    }
}

impl SubjectTemplate {
    /// Parses `text`, or says what is wrong with it: every token non-empty, no spaces,
    /// no control characters, no wildcards (`*`, `>`), only the known placeholders.
    pub fn parse(text: &str) -> Result<SubjectTemplate, String> {
        if text.is_empty() {
            return Err("must not be empty".into());
        }
        if text.len() > MAX_LEN {
            return Err(format!("longer than {MAX_LEN} bytes"));
        }
        let tokens = text
            .split('.')
            .map(parse_token)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|why| format!("'{text}': {why}"))?;
        Ok(SubjectTemplate {
            source: text.to_string(),
            tokens,
        })
    }

    /// The subject for `alert`: each placeholder replaced by the alert's value, made safe
    /// to stand as (part of) one token (see [`token_value`]).
    pub fn render(&self, alert: &Alert) -> String {
        let tokens: Vec<String> = self
            .tokens
            .iter()
            .map(|parts| {
                parts
                    .iter()
                    .map(|p| match p {
                        Part::Text(t) => t.clone(),
                        Part::Watchlist => token_value(&alert.watchlist),
                        Part::Severity => token_value(alert.severity.as_deref().unwrap_or("")),
                        Part::Feed => token_value(&alert.article.feed),
                    })
                    .collect::<String>()
            })
            .collect();
        tokens.join(".")
    }

    /// The subject a stream must capture for every rendered subject: each token with a
    /// placeholder becomes `*` (`newshound.alerts.{watchlist}` → `newshound.alerts.*`).
    pub fn wildcard(&self) -> String {
        let tokens: Vec<String> = self
            .tokens
            .iter()
            .map(|parts| match parts.as_slice() {
                [Part::Text(t)] => t.clone(),
                _ => "*".to_string(),
            })
            .collect();
        tokens.join(".")
    }
}

fn parse_token(token: &str) -> Result<Vec<Part>, String> {
    if token.is_empty() {
        return Err("empty token (leading, trailing or doubled '.')".into());
    }
    let mut parts = Vec::new();
    let mut rest = token;
    while !rest.is_empty() {
        let Some(open) = rest.find(['{', '}']) else {
            parts.push(Part::Text(literal(rest)?));
            break;
        };
        if rest[open..].starts_with('}') {
            return Err("'}' without '{'".into());
        }
        if open > 0 {
            parts.push(Part::Text(literal(&rest[..open])?));
        }
        let close = rest[open..]
            .find('}')
            .ok_or("'{' without '}'")?
            .saturating_add(open);
        parts.push(placeholder(&rest[open + 1..close])?);
        rest = &rest[close + 1..];
    }
    Ok(parts)
}

fn placeholder(name: &str) -> Result<Part, String> {
    Ok(match name {
        "watchlist" => Part::Watchlist,
        "severity" => Part::Severity,
        "feed" => Part::Feed,
        other => {
            return Err(format!(
                "unknown placeholder '{{{other}}}' (allowed: {})",
                PLACEHOLDERS.map(|p| format!("{{{p}}}")).join(", ")
            ))
        }
    })
}

fn literal(text: &str) -> Result<String, String> {
    if let Some(c) = text
        .chars()
        .find(|c| c.is_whitespace() || c.is_control() || matches!(c, '*' | '>'))
    {
        return Err(format!(
            "{c:?} is not allowed in a subject (no spaces, control characters or wildcards)"
        ));
    }
    Ok(text.to_string())
}

/// A value as it may stand in a subject token: every character that would split or
/// break a token (`.`, `*`, `>`, whitespace, control characters) becomes `_`; an empty
/// value becomes `none`.
pub fn token_value(value: &str) -> String {
    if value.is_empty() {
        return NO_VALUE.to_string();
    }
    value
        .chars()
        .map(|c| {
            if c.is_whitespace() || c.is_control() || matches!(c, '.' | '*' | '>') {
                '_'
            } else {
                c
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;
    use crate::alert::AlertArticle;

    fn alert(watchlist: &str, severity: Option<&str>, feed: &str) -> Alert {
        Alert {
            id: "a1".into(),
            watchlist: watchlist.into(),
            severity: severity.map(str::to_string),
            detected_at: chrono::Utc::now(),
            article: AlertArticle {
                title: "t".into(),
                url: None,
                feed: feed.into(),
                guid: None,
                published: None,
                summary: String::new(),
            },
            matches: Vec::new(),
            also_seen_in: Vec::new(),
            revision_of: None,
            revision: None,
        }
    }

    #[rstest]
    #[case(DEFAULT_SUBJECT, "newshound.alerts.harbour", "newshound.alerts.*")]
    #[case("desk.{severity}.{watchlist}", "desk.high.harbour", "desk.*.*")]
    #[case("a.w-{watchlist}-{feed}", "a.w-harbour-wire", "a.*")]
    #[case("plain", "plain", "plain")]
    fn renders_and_captures(#[case] template: &str, #[case] subject: &str, #[case] wild: &str) {
        let t = SubjectTemplate::parse(template).unwrap();
        assert_eq!(t.render(&alert("harbour", Some("high"), "wire")), subject);
        assert_eq!(t.wildcard(), wild);
    }

    #[rstest]
    #[case("", "empty")]
    #[case("a..b", "empty token")]
    #[case(".a", "empty token")]
    #[case("a.", "empty token")]
    #[case("a.*", "wildcards")]
    #[case("a.>", "wildcards")]
    #[case("a b", "no spaces")]
    #[case("a.{who}", "unknown placeholder '{who}'")]
    #[case("a.{watchlist", "'{' without '}'")]
    #[case("a.watchlist}", "'}' without '{'")]
    fn rejects_invalid_templates(#[case] template: &str, #[case] why: &str) {
        let err = SubjectTemplate::parse(template).unwrap_err();
        assert!(err.contains(why), "{template}: {err}");
    }

    #[test]
    fn values_never_split_or_widen_a_subject() {
        let t = SubjectTemplate::parse("n.{watchlist}.{severity}").unwrap();
        let a = alert("us.china *defence>\r\n", None, "f");
        assert_eq!(t.render(&a), "n.us_china__defence___.none");
        assert_eq!(token_value("李尚福"), "李尚福");
    }
}
