//! Composing the email for an alert or digest: subject, plain text and HTML (every piece
//! of article text escaped; hits in `<strong>`; only http(s) links), and the headers.

use std::fmt::Write as _;

use html_escape::{encode_double_quoted_attribute as attr, encode_text as text};
use lettre::message::MultiPart;
use lettre::Message;

use super::EmailSettings;
use crate::alert::markup::{mark_hit, truncate_chars};
use crate::alert::{Alert, Batch};

/// The subject line.
pub fn subject(batch: Batch<'_>) -> String {
    match batch {
        Batch::Single(a) => truncate_chars(
            &format!("[newshound] {}: {}", a.watchlist, a.headline()),
            200,
        ),
        Batch::Digest(d) => format!("[newshound] digest: {} alerts", d.alerts.len()),
        Batch::Story(d) => {
            let lists: Vec<&str> = d.alerts.iter().map(|a| a.watchlist.as_str()).collect();
            let title = d.alerts.first().map_or("", |a| a.article.title.as_str());
            format!("[newshound] {}: {title}", lists.join(", "))
        }
    }
}

/// The whole message for `batch`, from and to the configured mailboxes.
pub fn compose(cfg: &EmailSettings, batch: Batch<'_>) -> Result<Message, lettre::error::Error> {
    let mut builder = Message::builder()
        .from(cfg.from.clone())
        .subject(subject(batch))
        .message_id(Some(format!("<{}@newshound>", batch.id())))
        .user_agent(format!("newshound/{}", env!("CARGO_PKG_VERSION")));
    for to in &cfg.to {
        builder = builder.to(to.clone());
    }
    builder.multipart(MultiPart::alternative_plain_html(
        plain_body(batch),
        html_body(batch),
    ))
}

/// The plain-text part; hits keep their `[ ]` marks.
pub fn plain_body(batch: Batch<'_>) -> String {
    let mut out = String::new();
    if let Batch::Digest(d) | Batch::Story(d) = batch {
        let _ = writeln!(out, "newshound digest: {} alerts\n", d.alerts.len());
    }
    for (i, a) in batch.alerts().iter().enumerate() {
        if i > 0 {
            out.push_str("\n----\n\n");
        }
        plain_alert(&mut out, a);
    }
    out
}

fn plain_alert(out: &mut String, a: &Alert) {
    let _ = writeln!(out, "{}", a.headline());
    if let Some(url) = &a.article.url {
        let _ = writeln!(out, "{url}");
    }
    let severity = a
        .severity
        .as_deref()
        .map(|s| format!(" (severity {s})"))
        .unwrap_or_default();
    let _ = writeln!(out, "\nWatchlist: {}{severity}", a.watchlist);
    let _ = writeln!(out, "Feed: {}", a.article.feed);
    if let Some(p) = a.article.published {
        let _ = writeln!(out, "Published: {}", p.format("%Y-%m-%d %H:%M UTC"));
    }
    let lead = a.lead();
    if !lead.is_empty() {
        let _ = writeln!(out, "\n{lead}");
    }
    if !a.matches.is_empty() {
        out.push_str("\nMatches:\n");
    }
    for m in &a.matches {
        let _ = writeln!(
            out,
            "- {} ({}, {}, x{}): {}",
            m.term, m.kind, m.field, m.count, m.snippet
        );
    }
    let _ = writeln!(out, "\nAlert id: {}", a.id);
}

/// The HTML part: every piece of text escaped, hits in `<strong>`.
pub fn html_body(batch: Batch<'_>) -> String {
    let mut out = String::from("<!DOCTYPE html>\n<html><body>\n");
    if let Batch::Digest(d) | Batch::Story(d) = batch {
        let _ = writeln!(out, "<h2>newshound digest: {} alerts</h2>", d.alerts.len());
    }
    for (i, a) in batch.alerts().iter().enumerate() {
        if i > 0 {
            out.push_str("<hr>\n");
        }
        html_alert(&mut out, a);
    }
    out.push_str("</body></html>\n");
    out
}

fn html_alert(out: &mut String, a: &Alert) {
    html_heading(out, a);
    let lead = a.lead();
    if !lead.is_empty() {
        let _ = writeln!(out, "<p>{}</p>", text(&lead));
    }
    out.push_str("<ul>\n");
    for m in &a.matches {
        let esc = |s: &str| text(s).into_owned();
        let snippet = mark_hit(&m.snippet, &m.matched, esc, "<strong>", "</strong>");
        let head = esc(&format!(
            "{} ({}, {}, ×{})",
            m.term, m.kind, m.field, m.count
        ));
        let _ = writeln!(out, "<li>{head}: {snippet}</li>");
    }
    out.push_str("</ul>\n");
    let _ = writeln!(out, "<p><small>alert id {}</small></p>", text(&a.id));
}

/// The title (a link only for http and https URLs) and the watchlist line.
fn html_heading(out: &mut String, a: &Alert) {
    let headline = a.headline();
    let title = text(&headline);
    let url = a.article.url.as_deref();
    match url.filter(|u| u.starts_with("http://") || u.starts_with("https://")) {
        Some(url) => {
            let _ = writeln!(out, "<h3><a href=\"{}\">{title}</a></h3>", attr(url));
        }
        None => {
            let _ = writeln!(out, "<h3>{title}</h3>");
        }
    }
    let severity = a
        .severity
        .as_deref()
        .map(|s| format!(" (severity {})", text(s)))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "<p>Watchlist <b>{}</b>{severity} &middot; feed {}</p>",
        text(&a.watchlist),
        text(&a.article.feed)
    );
}
