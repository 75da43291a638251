//! `format = "slack"`: a Slack incoming-webhook message — a `text` fallback for
//! notifications plus `blocks` (mrkdwn sections, a context line), hits in bold, `&<>`
//! escaped as Slack asks, every limit respected (50 blocks, 3000 characters per section).

use serde_json::{json, Value};

use super::markup::{fit, mark_hit};
use super::{Alert, Batch};

/// Most blocks Slack accepts in one message.
pub const MAX_BLOCKS: usize = 50;
/// Most characters in a section's text.
pub const MAX_SECTION: usize = 3000;
/// Most characters in the `text` fallback we send (Slack truncates at 40,000).
pub const MAX_TEXT: usize = 3000;
/// Matches shown per alert; more are summed up in one line.
const MATCHES_SHOWN: usize = 10;

/// Escapes the three characters Slack's mrkdwn reserves.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A link `<url|label>`; the URL loses the characters that would end it early.
fn link(url: Option<&str>, label: &str) -> String {
    match url {
        // A URL this long would not fit a section; the label alone still reads.
        Some(u) if u.len() <= 1500 => {
            let u = escape(u).replace('|', "%7C");
            format!("<{u}|{label}>")
        }
        _ => label.to_string(),
    }
}

fn section(text: String) -> Value {
    json!({"type": "section", "text": {"type": "mrkdwn", "text": text}})
}

fn context(text: String) -> Value {
    json!({"type": "context", "elements": [{"type": "mrkdwn", "text": text}]})
}

/// The message for `batch`.
pub fn payload(batch: Batch<'_>) -> Value {
    match batch {
        Batch::Single(alert) => single(alert),
        Batch::Digest(d) | Batch::Story(d) => digest(&d.alerts),
    }
}

fn single(a: &Alert) -> Value {
    let text = fit(
        &format!("newshound: {}: {}", a.watchlist, a.headline()),
        MAX_TEXT,
        escape,
    );
    let mut blocks = vec![section(headline(a)), context(facts(a))];
    let lead = a.lead();
    if !lead.is_empty() {
        blocks.push(section(fit(&lead, MAX_SECTION, escape)));
    }
    for m in a.matches.iter().take(MATCHES_SHOWN) {
        let head = escape(&format!(
            "{} ({}, {}, ×{})",
            m.term, m.kind, m.field, m.count
        ));
        let snippet = mark_hit(&m.snippet, &m.matched, escape, "*", "*");
        blocks.push(section(fit_marked(&format!("*{head}*\n>{snippet}"))));
    }
    if a.matches.len() > MATCHES_SHOWN {
        let more = a.matches.len() - MATCHES_SHOWN;
        blocks.push(context(format!("and {more} more matches")));
    }
    blocks.push(context(format!("alert id {}", escape(&a.id))));
    json!({"text": text, "blocks": blocks})
}

fn headline(a: &Alert) -> String {
    let title = fit(&a.headline(), 1000, escape);
    format!("*{}*", link(a.article.url.as_deref(), &title))
}

fn facts(a: &Alert) -> String {
    let mut parts = vec![format!("watchlist *{}*", escape(&a.watchlist))];
    if let Some(s) = &a.severity {
        parts.push(format!("severity *{}*", escape(s)));
    }
    parts.push(format!("feed {}", escape(&a.article.feed)));
    if let Some(p) = a.article.published {
        parts.push(format!("published {}", p.format("%Y-%m-%d %H:%M UTC")));
    }
    fit(&parts.join(" · "), MAX_SECTION, |s| s.to_string())
}

/// Cuts already-escaped mrkdwn to a section's limit without splitting an entity.
fn fit_marked(text: &str) -> String {
    if text.chars().count() <= MAX_SECTION {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(MAX_SECTION - 1).collect();
    if let Some(amp) = cut.rfind('&') {
        if !cut[amp..].contains(';') {
            cut.truncate(amp);
        }
    }
    cut.push('…');
    cut
}

fn digest(alerts: &[Alert]) -> Value {
    let n = alerts.len();
    let text = format!(
        "newshound digest: {n} alert{}",
        if n == 1 { "" } else { "s" }
    );
    let mut blocks = vec![section(format!("*{}*", escape(&text)))];
    // Two blocks per alert (section, divider) and room for the closing context line.
    let shown = n.min((MAX_BLOCKS - 2) / 2);
    for a in &alerts[..shown] {
        let mut line = format!("{}\n{}", headline(a), facts(a));
        if let Some(m) = a.matches.first() {
            let snippet = mark_hit(&m.snippet, &m.matched, escape, "*", "*");
            line.push_str(&format!("\n>{snippet}"));
        }
        blocks.push(section(fit_marked(&line)));
        blocks.push(json!({"type": "divider"}));
    }
    if shown < n {
        blocks.push(context(format!("and {} more alerts", n - shown)));
    }
    json!({"text": text, "blocks": blocks})
}
