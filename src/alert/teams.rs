//! `format = "teams"`: a message for a Teams Workflows webhook ("post to a channel when a
//! webhook request is received"): `{"type":"message","attachments":[…]}` carrying one
//! Adaptive Card 1.4 (TextBlocks, a FactSet, an Action.OpenUrl). Text is capped so the
//! card stays well under Teams' 28 KB message limit; hits keep their `[ ]` marks.

use serde_json::{json, Value};

use super::markup::truncate_chars;
use super::{Alert, Batch};

/// The attachment content type Teams expects for an Adaptive Card.
pub const CONTENT_TYPE: &str = "application/vnd.microsoft.card.adaptive";
/// The Adaptive Card schema version sent (supported by Teams).
pub const CARD_VERSION: &str = "1.4";
/// Alerts listed in a digest card; more are counted in a closing line.
const DIGEST_SHOWN: usize = 20;
/// Matches shown per alert.
const MATCHES_SHOWN: usize = 10;

/// The message for `batch`.
pub fn payload(batch: Batch<'_>) -> Value {
    let (body, actions) = match batch {
        Batch::Single(a) => (single(a), open_article(a).into_iter().collect()),
        Batch::Digest(d) => (digest(&d.alerts), Vec::new()),
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

fn text_block(text: &str, max: usize) -> Value {
    json!({"type": "TextBlock", "text": truncate_chars(text, max), "wrap": true})
}

fn title_block(text: &str) -> Value {
    let mut b = text_block(text, 300);
    b["weight"] = json!("Bolder");
    b["size"] = json!("Medium");
    b
}

fn facts(a: &Alert) -> Value {
    let mut facts = vec![json!({"title": "Watchlist", "value": truncate_chars(&a.watchlist, 200)})];
    if let Some(s) = &a.severity {
        facts.push(json!({"title": "Severity", "value": truncate_chars(s, 200)}));
    }
    facts.push(json!({"title": "Feed", "value": truncate_chars(&a.article.feed, 200)}));
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

fn single(a: &Alert) -> Vec<Value> {
    let mut body = vec![title_block(&a.article.title), facts(a)];
    if !a.article.summary.is_empty() {
        body.push(text_block(&a.article.summary, 600));
    }
    for m in a.matches.iter().take(MATCHES_SHOWN) {
        body.push(text_block(&match_line(m), 600));
    }
    let mut id = text_block(&format!("alert id {}", a.id), 100);
    id["isSubtle"] = json!(true);
    id["size"] = json!("Small");
    body.push(id);
    body
}

fn digest(alerts: &[Alert]) -> Vec<Value> {
    let n = alerts.len();
    let mut body = vec![title_block(&format!("newshound digest: {n} alerts"))];
    for a in alerts.iter().take(DIGEST_SHOWN) {
        let mut items = vec![title_block(&a.article.title), facts(a)];
        if let Some(m) = a.matches.first() {
            items.push(text_block(&match_line(m), 400));
        }
        let mut container = json!({"type": "Container", "separator": true, "items": items});
        if let Some(action) = open_article(a) {
            container["selectAction"] = action;
        }
        body.push(container);
    }
    if n > DIGEST_SHOWN {
        body.push(text_block(
            &format!("and {} more alerts", n - DIGEST_SHOWN),
            100,
        ));
    }
    body
}
