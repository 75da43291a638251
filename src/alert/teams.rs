//! `format = "teams"`: a message for a Teams Workflows webhook ("post to a channel when a
//! webhook request is received"): `{"type":"message","attachments":[…]}` carrying one
//! Adaptive Card 1.4 (TextBlocks, a FactSet, an Action.OpenUrl). The whole message stays
//! under Teams' 28 KB limit, measured in bytes of the JSON sent (CJK text is three bytes a
//! character): detail is dropped step by step until it fits; hits keep their `[ ]` marks.

use serde_json::{json, Value};

use super::sinks::http::{fit, Unit};
use super::{Alert, Batch};

/// The attachment content type Teams expects for an Adaptive Card.
pub const CONTENT_TYPE: &str = "application/vnd.microsoft.card.adaptive";
/// The Adaptive Card schema version sent (supported by Teams).
pub const CARD_VERSION: &str = "1.4";
/// Most bytes of JSON sent: Teams refuses messages over 28 KB, and leaves some room.
pub const MAX_BYTES: usize = 27_000;

/// How much detail a card carries: alerts listed in a digest, bytes per text block,
/// matches per alert.
#[derive(Debug, Clone, Copy)]
struct Caps {
    shown: usize,
    text: usize,
    matches: usize,
}

/// From the fullest card to the barest; the first that fits is sent.
const STEPS: [Caps; 6] = [
    Caps {
        shown: 20,
        text: 1200,
        matches: 10,
    },
    Caps {
        shown: 15,
        text: 600,
        matches: 5,
    },
    Caps {
        shown: 10,
        text: 400,
        matches: 3,
    },
    Caps {
        shown: 6,
        text: 240,
        matches: 1,
    },
    Caps {
        shown: 3,
        text: 120,
        matches: 0,
    },
    Caps {
        shown: 1,
        text: 60,
        matches: 0,
    },
];

/// The message for `batch`, at most [`MAX_BYTES`] of JSON.
pub fn payload(batch: Batch<'_>) -> Value {
    let mut last = Value::Null;
    for caps in STEPS {
        last = card(batch, caps);
        if last.to_string().len() <= MAX_BYTES {
            break;
        }
    }
    last
}

fn card(batch: Batch<'_>, caps: Caps) -> Value {
    let (body, actions) = match batch {
        Batch::Single(a) => (single(a, caps), open_article(a).into_iter().collect()),
        Batch::Digest(d) | Batch::Story(d) => (digest(&d.alerts, caps), Vec::new()),
    };
    let card = json!({
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": CARD_VERSION,
        "body": body,
        "actions": actions,
    });
    json!({
        "type": "message",
        "attachments": [{"contentType": CONTENT_TYPE, "contentUrl": null, "content": card}],
    })
}

/// A wrapping TextBlock of at most `max` bytes of text.
fn text_block(text: &str, max: usize) -> Value {
    json!({"type": "TextBlock", "text": fit(text, max, Unit::Bytes), "wrap": true})
}

fn title_block(text: &str) -> Value {
    let mut b = text_block(text, 600);
    b["weight"] = json!("Bolder");
    b["size"] = json!("Medium");
    b
}

fn facts(a: &Alert) -> Value {
    let short = |s: &str| fit(s, 200, Unit::Bytes);
    let mut facts = vec![json!({"title": "Watchlist", "value": short(&a.watchlist)})];
    if let Some(s) = &a.severity {
        facts.push(json!({"title": "Severity", "value": short(s)}));
    }
    facts.push(json!({"title": "Feed", "value": short(&a.article.feed)}));
    if let Some(p) = a.article.published {
        facts.push(
            json!({"title": "Published", "value": p.format("%Y-%m-%d %H:%M UTC").to_string()}),
        );
    }
    json!({"type": "FactSet", "facts": facts})
}

fn open_article(a: &Alert) -> Option<Value> {
    let url = a.article.url.as_deref().filter(|u| u.starts_with("http"))?;
    Some(json!({"type": "Action.OpenUrl", "title": "Open article", "url": url}))
}

fn match_line(m: &super::AlertMatch) -> String {
    format!(
        "{} ({}, {}, ×{}): {}",
        m.term, m.kind, m.field, m.count, m.snippet
    )
}

fn single(a: &Alert, caps: Caps) -> Vec<Value> {
    let mut body = vec![title_block(&a.headline()), facts(a)];
    let lead = a.lead();
    if !lead.is_empty() {
        body.push(text_block(&lead, caps.text * 2));
    }
    for m in a.matches.iter().take(caps.matches) {
        body.push(text_block(&match_line(m), caps.text));
    }
    let mut id = text_block(&format!("alert id {}", a.id), 100);
    id["isSubtle"] = json!(true);
    id["size"] = json!("Small");
    body.push(id);
    body
}

fn digest(alerts: &[Alert], caps: Caps) -> Vec<Value> {
    let n = alerts.len();
    let mut body = vec![title_block(&format!("newshound digest: {n} alerts"))];
    for a in alerts.iter().take(caps.shown) {
        let mut items = vec![title_block(&a.headline()), facts(a)];
        if let Some(m) = a.matches.first().filter(|_| caps.matches > 0) {
            items.push(text_block(&match_line(m), caps.text));
        }
        let mut container = json!({"type": "Container", "separator": true, "items": items});
        if let Some(action) = open_article(a) {
            container["selectAction"] = action;
        }
        body.push(container);
    }
    if n > caps.shown {
        let more = format!("and {} more alerts", n - caps.shown);
        body.push(text_block(&more, 100));
    }
    body
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alert::{AlertArticle, AlertMatch, Digest};

    /// A story in Chinese: long title, a 500-character summary, several long snippets.
    fn chinese(i: usize) -> Alert {
        let sentence = "国防部长李尚福在新加坡香格里拉对话会上拒绝与美国防长会面，";
        Alert {
            id: format!("alert-{i}"),
            watchlist: "中美防务".into(),
            severity: Some("高".into()),
            detected_at: chrono::Utc::now(),
            article: AlertArticle {
                title: format!("{i}: {}", sentence.repeat(4)),
                url: Some(format!("https://example.cn/news/{i}")),
                feed: "新华社".into(),
                guid: None,
                published: None,
                summary: sentence.repeat(20).chars().take(500).collect(),
            },
            matches: (0..6)
                .map(|_| AlertMatch {
                    term: "李尚福".into(),
                    kind: "person".into(),
                    matched: "李尚福".into(),
                    field: "content".into(),
                    count: 3,
                    snippet: format!("……{}[李尚福]{}……", sentence.repeat(4), sentence.repeat(4)),
                })
                .collect(),
            also_seen_in: Vec::new(),
            revision_of: None,
            revision: None,
        }
    }

    #[test]
    fn a_digest_of_25_chinese_stories_stays_under_28_kb_in_bytes() {
        let d = Digest {
            id: "d".into(),
            alerts: (0..25).map(chinese).collect(),
        };
        let sent = payload(Batch::Digest(&d)).to_string();
        assert!(sent.len() <= MAX_BYTES, "{} bytes", sent.len());
        assert!(sent.contains("more alerts"), "the rest is counted");
        assert!(sent.contains("国防部长"), "CJK text is kept, only cut");
    }

    #[test]
    fn a_single_chinese_alert_fits_and_keeps_its_hits() {
        let a = chinese(1);
        let sent = payload(Batch::Single(&a)).to_string();
        assert!(sent.len() <= MAX_BYTES, "{} bytes", sent.len());
        assert!(sent.contains("[李尚福]"), "hits keep their marks");
        assert!(sent.contains("Open article"));
    }
}
