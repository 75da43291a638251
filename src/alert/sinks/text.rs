//! The message text chat and push kinds send, in three styles (plain, HTML, Markdown), made
//! to fit a service's limit in the unit it counts: a single alert loses detail (matches,
//! then the summary) before anything is cut; a digest or story group lists as many alerts
//! as fit and counts the rest.

use super::http::Unit;
use crate::alert::markup::{mark_hit, truncate_chars};
use crate::alert::{Alert, Batch};

/// How text is marked up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// No markup.
    Plain,
    /// HTML with `\n` line breaks (Telegram's `parse_mode = HTML`).
    TelegramHtml,
    /// HTML with `<br>` line breaks (Matrix `formatted_body`).
    Html,
    /// Markdown (Mattermost, Gotify, Pushover's plain with links).
    Markdown,
}

impl Style {
    /// `text` escaped for this style.
    pub fn escape(self, text: &str) -> String {
        match self {
            Style::Plain => text.to_string(),
            Style::TelegramHtml | Style::Html => html_escape(text),
            Style::Markdown => md_escape(text),
        }
    }

    fn bold(self, inner: &str) -> String {
        match self {
            Style::Plain => inner.to_string(),
            Style::TelegramHtml | Style::Html => format!("<b>{inner}</b>"),
            Style::Markdown => format!("**{inner}**"),
        }
    }

    fn link(self, label: &str, url: Option<&str>) -> String {
        let Some(url) = url.filter(|u| u.len() <= 2000) else {
            return label.to_string();
        };
        match self {
            Style::Plain => format!("{label}\n{url}"),
            Style::TelegramHtml | Style::Html => {
                format!("<a href=\"{}\">{label}</a>", html_escape(url))
            }
            Style::Markdown => {
                let url = url
                    .replace('(', "%28")
                    .replace(')', "%29")
                    .replace(' ', "%20");
                format!("[{label}]({url})")
            }
        }
    }

    fn newline(self) -> &'static str {
        match self {
            Style::Html => "<br>\n",
            _ => "\n",
        }
    }
}

/// Escapes `&`, `<`, `>` and `"` (what Telegram's HTML mode and Matrix HTML need).
pub fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn md_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if "\\`*_[]()#>~|<".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// How much of an alert is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Detail {
    /// Summary and up to this many matches.
    Full(usize),
    /// Headline, facts and link only.
    Brief,
}

const DETAILS: [Detail; 4] = [
    Detail::Full(10),
    Detail::Full(3),
    Detail::Full(0),
    Detail::Brief,
];

/// The title line for a notification: `[watchlist] title` (plain, cut to `max` in `unit`).
pub fn title(batch: Batch<'_>, max: usize, unit: Unit) -> String {
    let text = match batch.alerts() {
        [a] => format!("[{}] {}", a.watchlist, a.headline()),
        many if batch.is_digest() => format!("newshound digest: {} alerts", many.len()),
        many => format!("[{}] {}", watchlists(many), many[0].headline()),
    };
    super::http::fit(&text, max, unit)
}

fn watchlists(alerts: &[Alert]) -> String {
    let mut names: Vec<&str> = alerts.iter().map(|a| a.watchlist.as_str()).collect();
    names.dedup();
    names.join(", ")
}

/// The whole message for `batch` in `style`, at most `max` in `unit`.
pub fn message(batch: Batch<'_>, style: Style, max: usize, unit: Unit) -> String {
    match batch.alerts() {
        [a] if !batch.is_digest() => single(a, style, max, unit),
        alerts if batch.is_story() => story(alerts, style, max, unit),
        alerts => list(alerts, style, max, unit),
    }
}

fn single(a: &Alert, style: Style, max: usize, unit: Unit) -> String {
    for detail in DETAILS {
        let text = block(a, style, detail);
        if unit.len(&text) <= max {
            return text;
        }
    }
    // Even the brief form is too long (a huge title): plain words, cut.
    super::http::fit(&style.escape(&a.headline()), max, unit)
}

/// One story in several watchlists: the story once (from its first alert), then each
/// other watchlist with the terms that hit there.
fn story(alerts: &[Alert], style: Style, max: usize, unit: Unit) -> String {
    let nl = style.newline();
    let others: Vec<String> = alerts[1..]
        .iter()
        .map(|a| {
            let severity = a
                .severity
                .as_deref()
                .map(|s| format!(" ({s})"))
                .unwrap_or_default();
            let terms: Vec<&str> = a.matches.iter().map(|m| m.term.as_str()).collect();
            let line = format!("also {}{severity}: {}", a.watchlist, terms.join(", "));
            format!("• {}", style.escape(&truncate_chars(&line, 300)))
        })
        .collect();
    let tail = others.join(nl);
    let room = max.saturating_sub(unit.len(&tail) + unit.len(nl));
    let head = single(&alerts[0], style, room, unit);
    super::http::fit(&format!("{head}{nl}{tail}"), max, unit)
}

fn list(alerts: &[Alert], style: Style, max: usize, unit: Unit) -> String {
    let nl = style.newline();
    let head = style.bold(&style.escape(&format!("newshound: {} alerts", alerts.len())));
    let mut out = head;
    for (i, a) in alerts.iter().enumerate() {
        let entry = format!("{nl}{nl}{}", block(a, style, Detail::Brief));
        let rest = alerts.len() - i - 1;
        let tail = format!("{nl}{nl}… and {} more", rest + 1);
        if unit.len(&out) + unit.len(&entry) + unit.len(&tail) > max {
            out.push_str(&tail);
            return super::http::fit(&out, max, unit);
        }
        out.push_str(&entry);
    }
    out
}

fn block(a: &Alert, style: Style, detail: Detail) -> String {
    let nl = style.newline();
    let e = |s: &str| style.escape(s);
    let mut lines = Vec::new();
    let severity = a
        .severity
        .as_deref()
        .map(|s| format!(" ({s})"))
        .unwrap_or_default();
    lines.push(style.bold(&e(&format!("{}{severity}", a.watchlist))));
    let headline = style.bold(&e(&truncate_chars(&a.headline(), 300)));
    lines.push(style.link(&headline, a.article.url.as_deref()));
    let mut facts = a.article.feed.clone();
    if let Some(p) = a.article.published {
        facts.push_str(&format!(" · {}", p.format("%Y-%m-%d %H:%M UTC")));
    }
    lines.push(e(&facts));
    if let Detail::Full(n) = detail {
        let lead = a.lead();
        if !lead.is_empty() {
            lines.push(e(&lead));
        }
        for m in a.matches.iter().take(n) {
            let open = if style == Style::Plain { "[" } else { "" };
            let close = if style == Style::Plain { "]" } else { "" };
            let snippet = truncate_chars(&m.snippet, 300);
            let marked = match style {
                Style::Plain => mark_hit(&snippet, &m.matched, |s| s.to_string(), open, close),
                Style::TelegramHtml | Style::Html => {
                    mark_hit(&snippet, &m.matched, html_escape, "<b>", "</b>")
                }
                Style::Markdown => mark_hit(&snippet, &m.matched, md_escape, "**", "**"),
            };
            lines.push(format!("• {} ({}): {marked}", e(&m.term), e(&m.field)));
        }
        let more = a.matches.len().saturating_sub(n);
        if more > 0 && n > 0 {
            lines.push(e(&format!("… {more} more matches")));
        }
    }
    lines.join(nl)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alert::{AlertArticle, AlertMatch, Digest};

    fn alert(title: &str, summary: &str) -> Alert {
        Alert {
            id: "a1".into(),
            watchlist: "defence".into(),
            severity: Some("high".into()),
            detected_at: chrono::Utc::now(),
            article: AlertArticle {
                title: title.into(),
                url: Some("https://example.org/a?x=1&y=2".into()),
                feed: "wire".into(),
                guid: None,
                published: None,
                summary: summary.into(),
            },
            matches: vec![AlertMatch {
                term: "Li Shangfu".into(),
                kind: "person".into(),
                matched: "Li Shangfu".into(),
                field: "content".into(),
                count: 1,
                snippet: "to meet <Minister> [Li Shangfu] in Singapore".into(),
            }],
            also_seen_in: Vec::new(),
            revision_of: None,
            revision: None,
        }
    }

    #[test]
    fn html_escapes_article_text_and_marks_the_hit() {
        let a = alert("A & B <script>", "x");
        let text = message(Batch::Single(&a), Style::TelegramHtml, 4096, Unit::Utf16);
        assert!(text.contains("A &amp; B &lt;script&gt;"), "{text}");
        assert!(
            text.contains("&lt;Minister&gt; <b>Li Shangfu</b>"),
            "{text}"
        );
        assert!(
            text.contains("href=\"https://example.org/a?x=1&amp;y=2\""),
            "{text}"
        );
    }

    #[test]
    fn a_long_alert_loses_detail_before_it_is_cut() {
        let a = alert("国防部长", &"长".repeat(500));
        let text = message(Batch::Single(&a), Style::Markdown, 600, Unit::Bytes);
        assert!(text.len() <= 600 && text.contains("国防部长"), "{text}");
        assert!(!text.contains("长长长"), "the summary went first");
    }

    #[test]
    fn a_digest_lists_what_fits_and_counts_the_rest() {
        let alerts: Vec<Alert> = (0..50).map(|i| alert(&format!("故事 {i}"), "")).collect();
        let d = Digest {
            id: "d".into(),
            alerts,
        };
        let text = message(Batch::Digest(&d), Style::Plain, 1024, Unit::Chars);
        assert!(text.chars().count() <= 1024, "{}", text.chars().count());
        assert!(text.contains("more"), "{text}");
        assert!(text.starts_with("newshound: 50 alerts"));
    }
}
