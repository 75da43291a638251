//! `format = "discord"`: a Discord webhook message — `content` plus `embeds` — within
//! Discord's documented limits (content 2000, 10 embeds, title 256, description 4096,
//! 25 fields of name 256 / value 1024, footer 2048, 6000 characters over all embeds), cut on
//! character boundaries, markdown escaped, hits in bold, and no mentions pinged.

use serde_json::{json, Value};

use super::markup::{fit, mark_hit, truncate_chars};
use super::{Alert, Batch};

/// Discord's limits.
pub mod limits {
    /// `content`.
    pub const CONTENT: usize = 2000;
    /// Embeds per message.
    pub const EMBEDS: usize = 10;
    /// Embed title.
    pub const TITLE: usize = 256;
    /// Embed description.
    pub const DESCRIPTION: usize = 4096;
    /// Fields per embed.
    pub const FIELDS: usize = 25;
    /// Field name.
    pub const FIELD_NAME: usize = 256;
    /// Field value.
    pub const FIELD_VALUE: usize = 1024;
    /// Footer text.
    pub const FOOTER: usize = 2048;
    /// Title, description, field names and values, footer: summed over every embed.
    pub const TOTAL: usize = 6000;
}

/// Orange for alerts with a severity, blue otherwise.
const COLOR_SEVERE: u32 = 0xE67E22;
const COLOR_PLAIN: u32 = 0x3498DB;

/// Escapes Discord markdown so article text renders literally.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(
            c,
            '\\' | '*' | '_' | '~' | '`' | '|' | '[' | ']' | '<' | '>' | '#'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The message for `batch`.
pub fn payload(batch: Batch<'_>) -> Value {
    let alerts = batch.alerts();
    let content = match batch {
        Batch::Single(a) => format!("**{}**: {}", escape(&a.watchlist), escape(&a.headline())),
        Batch::Digest(_) if alerts.len() > limits::EMBEDS => format!(
            "**newshound digest**: {} alerts (the first {} shown)",
            alerts.len(),
            limits::EMBEDS
        ),
        Batch::Digest(_) => format!("**newshound digest**: {} alerts", alerts.len()),
        Batch::Story(d) => {
            let lists: Vec<String> = d.alerts.iter().map(|a| escape(&a.watchlist)).collect();
            let title = d
                .alerts
                .first()
                .map_or(String::new(), |a| escape(&a.headline()));
            format!("**{}**: {title}", lists.join(", "))
        }
    };
    let detailed = !batch.is_digest();
    let mut embeds: Vec<Value> = alerts
        .iter()
        .take(limits::EMBEDS)
        .map(|a| embed(a, detailed))
        .collect();
    shrink_to_total(&mut embeds);
    json!({
        "content": cut_escaped(&content, limits::CONTENT),
        "embeds": embeds,
        "allowed_mentions": {"parse": []},
    })
}

fn embed(a: &Alert, detailed: bool) -> Value {
    let mut e = json!({
        "title": fit(&a.headline(), limits::TITLE, escape),
        "description": fit(&a.lead(), limits::DESCRIPTION, escape),
        "color": if a.severity.is_some() { COLOR_SEVERE } else { COLOR_PLAIN },
        "timestamp": a.detected_at_rfc3339(),
        "fields": fields(a, if detailed { limits::FIELDS } else { 1 }),
        "footer": {"text": fit(&footer(a), limits::FOOTER, |s| s.to_string())},
    });
    if let Some(url) = a.article.url.as_deref().filter(|u| u.starts_with("http")) {
        e["url"] = json!(url);
    }
    e
}

fn footer(a: &Alert) -> String {
    let severity = a
        .severity
        .as_deref()
        .map(|s| format!(" · {s}"))
        .unwrap_or_default();
    format!(
        "{}{severity} · {} · id {}",
        a.watchlist, a.article.feed, a.id
    )
}

fn fields(a: &Alert, max: usize) -> Vec<Value> {
    a.matches
        .iter()
        .take(max)
        .map(|m| {
            let name = format!("{} ({}, {}, ×{})", m.term, m.kind, m.field, m.count);
            let snippet = truncate_chars(&m.snippet, 900);
            json!({
                "name": fit(&name, limits::FIELD_NAME, escape),
                "value": cut_escaped(&mark_hit(&snippet, &m.matched, escape, "**", "**"), limits::FIELD_VALUE),
                "inline": false,
            })
        })
        .collect()
}

/// Characters Discord counts towards the 6000 total of one embed.
pub fn embed_chars(e: &Value) -> usize {
    let len = |v: &Value| v.as_str().map_or(0, |s| s.chars().count());
    let fields: usize = e["fields"]
        .as_array()
        .map(|f| f.iter().map(|f| len(&f["name"]) + len(&f["value"])).sum())
        .unwrap_or(0);
    len(&e["title"])
        + len(&e["description"])
        + len(&e["footer"]["text"])
        + fields
        + len(&e["author"]["name"])
}

/// Drops extra fields, then shortens descriptions, then drops the last field, biggest
/// embed first, until every embed together fits the total.
fn shrink_to_total(embeds: &mut [Value]) {
    loop {
        let total: usize = embeds.iter().map(embed_chars).sum();
        let cuttable = |e: &Value| {
            e["fields"].as_array().is_some_and(|f| !f.is_empty())
                || e["description"].as_str().is_some_and(|d| !d.is_empty())
        };
        let big = (0..embeds.len())
            .filter(|&i| cuttable(&embeds[i]))
            .max_by_key(|&i| embed_chars(&embeds[i]));
        let (true, Some(big)) = (total > limits::TOTAL, big) else {
            return;
        };
        let e = &mut embeds[big];
        let desc = e["description"].as_str().unwrap_or("").to_string();
        let fields = e["fields"].as_array_mut();
        match fields {
            Some(f) if f.len() > 1 || (desc.is_empty() && !f.is_empty()) => {
                f.pop();
            }
            _ => {
                let keep = desc
                    .chars()
                    .count()
                    .saturating_sub(total - limits::TOTAL + 1);
                e["description"] = json!(cut_escaped(&desc, keep));
            }
        }
    }
}

/// Cuts text built from escaped parts to `max` characters without leaving a lone
/// backslash that would escape the ellipsis.
fn cut_escaped(text: &str, max: usize) -> String {
    let mut cut = truncate_chars(text, max);
    if cut.ends_with('…') && cut.chars().count() < text.chars().count() {
        cut.pop();
        let trailing = cut.chars().rev().take_while(|c| *c == '\\').count();
        if trailing % 2 == 1 {
            cut.pop();
        }
        cut.push('…');
    }
    cut
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alert::{AlertArticle, AlertMatch, Digest};

    fn huge_alert(i: usize) -> Alert {
        let cjk = "灯塔*_".repeat(2000);
        Alert {
            id: format!("id{i}"),
            watchlist: "w".repeat(300),
            severity: Some("high".into()),
            detected_at: chrono::DateTime::UNIX_EPOCH,
            article: AlertArticle {
                title: cjk.clone(),
                url: Some("https://example.org/x".into()),
                feed: "f".into(),
                guid: None,
                published: None,
                summary: cjk.clone(),
            },
            matches: (0..40)
                .map(|m| AlertMatch {
                    term: format!("{m}{cjk}"),
                    kind: "keyword".into(),
                    matched: "灯塔".into(),
                    field: "content".into(),
                    count: 1,
                    snippet: format!("before [灯塔] {cjk}"),
                })
                .collect(),
            also_seen_in: Vec::new(),
            revision_of: None,
            revision: None,
        }
    }

    #[test]
    fn huge_alerts_fit_every_limit() {
        let one = huge_alert(0);
        let digest = Digest {
            id: "d".into(),
            alerts: (0..12).map(huge_alert).collect(),
        };
        for body in [
            payload(Batch::Single(&one)),
            payload(Batch::Digest(&digest)),
        ] {
            let len = |v: &Value| v.as_str().map_or(0, |s| s.chars().count());
            assert!(len(&body["content"]) <= limits::CONTENT);
            let embeds = body["embeds"].as_array().unwrap();
            assert!(embeds.len() <= limits::EMBEDS);
            for e in embeds {
                assert!(len(&e["title"]) <= limits::TITLE);
                assert!(len(&e["description"]) <= limits::DESCRIPTION);
                for f in e["fields"].as_array().unwrap() {
                    assert!(len(&f["name"]) <= limits::FIELD_NAME);
                    assert!(len(&f["value"]) <= limits::FIELD_VALUE);
                }
            }
            assert!(embeds.iter().map(embed_chars).sum::<usize>() <= limits::TOTAL);
        }
    }
}
