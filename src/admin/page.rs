//! The status page: plain server-side HTML a person keeps open (it refreshes itself every
//! 30 s without JavaScript). Every string that came from a feed or the config is escaped,
//! and links are only made to http(s) addresses.

use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use html_escape::{encode_double_quoted_attribute as attr, encode_text as text};

use crate::alert::{Alert, AlertMatch};
use crate::status::{FeedStatus, StatusReport};
use crate::store::RecentAlert;

const STYLE: &str = "
:root { color-scheme: light; --muted: #5f6b7a; --line: #dde3ea; --bad: #b42318; --good: #067647; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', sans-serif;
       margin: 0; color: #1d2733; background: #f6f8fa; }
main { max-width: 1200px; margin: 0 auto; padding: 20px 28px 40px; }
h1 { font-size: 22px; margin: 0; } h1 span { color: var(--muted); font-weight: 400; font-size: 15px; }
h2 { font-size: 17px; margin: 28px 0 10px; }
.summary { font-size: 18px; margin: 6px 0 2px; }
.summary .bad { color: var(--bad); font-weight: 600; }
.meta, .url, .when, .deliveries, .error, .tags { color: var(--muted); font-size: 13px; }
table { width: 100%; border-collapse: collapse; background: #fff; border: 1px solid var(--line); }
th, td { text-align: left; padding: 7px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: #eef2f6; font-size: 13px; text-transform: uppercase; letter-spacing: .03em; color: #3b4754; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.failing td:first-child { border-left: 4px solid var(--bad); }
.url { word-break: break-all; }
.error { color: var(--bad); max-width: 460px; word-break: break-word; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 600; }
.ok { background: #dcfae6; color: var(--good); } .error-badge { background: #fee4e2; color: var(--bad); }
.quiet { background: #eaecf0; color: #344054; }
.counts { display: flex; gap: 12px; list-style: none; padding: 0; margin: 0; }
.counts li { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 8px 16px; }
.counts b { font-size: 20px; display: block; }
article { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 12px 16px; margin-bottom: 10px; }
article h3 { font-size: 16px; margin: 4px 0 6px; }
article a { color: #1849a9; }
.watchlist { font-weight: 600; } .severity { background: #fef0c7; color: #93370d; }
ul.matches { margin: 4px 0; padding-left: 18px; }
mark { background: #fde272; padding: 0 2px; }
.empty, .more { color: var(--muted); font-style: italic; }
";

/// Matches listed per alert; the rest are counted.
const MATCHES_SHOWN: usize = 4;

/// The whole page for `report`, with times shown relative to `now`.
pub fn render_page(report: &StatusReport, now: DateTime<Utc>) -> String {
    let mut out = String::with_capacity(16 * 1024);
    let line = report.summary.line();
    let _ = write!(
        out,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta http-equiv=\"refresh\" content=\"30\"><title>newshound: {}</title><style>{STYLE}</style></head>\n<body><main>\n",
        text(&line)
    );
    header(&mut out, report, now);
    outbox(&mut out, report);
    feeds(&mut out, &report.feeds, now);
    alerts(&mut out, &report.alerts, now);
    out.push_str("</main></body></html>\n");
    out
}

fn header(out: &mut String, report: &StatusReport, now: DateTime<Utc>) {
    let s = &report.summary;
    let failing = if s.failing > 0 { " class=\"bad\"" } else { "" };
    let _ = writeln!(
        out,
        "<header><h1>newshound <span>{}</span></h1>\
         <p class=\"summary\" id=\"summary\">polling {} feed{}, <span{failing}>{} failing</span>, {} alert{} pending</p>\
         <p class=\"meta\">started {} · page made {} UTC · refreshes every 30 s</p></header>",
        text(report.version),
        s.feeds,
        if s.feeds == 1 { "" } else { "s" },
        s.failing,
        s.alerts_pending,
        if s.alerts_pending == 1 { "" } else { "s" },
        text(&relative(Some(&report.started_at), now)),
        now.format("%Y-%m-%d %H:%M:%S"),
    );
}

fn feeds(out: &mut String, feeds: &[FeedStatus], now: DateTime<Utc>) {
    out.push_str(
        "<section><h2>Feeds</h2>\n<table id=\"feeds\"><thead><tr><th>Feed</th><th>Last poll</th>\
                  <th>Result</th><th>Next poll</th><th>Failures</th></tr></thead><tbody>\n",
    );
    if feeds.is_empty() {
        out.push_str("<tr><td colspan=\"5\" class=\"empty\">no feeds configured</td></tr>\n");
    }
    // Failing feeds first: with hundreds of feeds, those are the rows a person looks for.
    let (failing, fine): (Vec<&FeedStatus>, Vec<&FeedStatus>) =
        feeds.iter().partition(|f| f.consecutive_failures > 0);
    for f in failing.into_iter().chain(fine) {
        feed_row(out, f, now);
    }
    out.push_str("</tbody></table></section>\n");
}

fn feed_row(out: &mut String, f: &FeedStatus, now: DateTime<Utc>) {
    let class = if f.consecutive_failures > 0 {
        " class=\"failing\""
    } else {
        ""
    };
    let tags: Vec<String> = f.tags.iter().map(|t| format!("#{t}")).collect();
    let next = match next_poll_in(f, now) {
        _ if f.polling => "polling now".to_string(),
        Some(secs) if secs <= 0 => "due now".to_string(),
        _ => relative(f.next_poll.as_deref(), now),
    };
    let _ = writeln!(
        out,
        "<tr{class}><td><b>{}</b><div class=\"url\">{}</div><div class=\"tags\">{}</div></td>\
         <td title=\"{}\">{}</td><td>{}</td><td title=\"{}\">{}</td><td class=\"num\">{}</td></tr>",
        text(&f.name),
        text(&f.url),
        text(&tags.join(" ")),
        attr(f.last_poll.as_deref().unwrap_or("")),
        text(&relative(f.last_poll.as_deref(), now)),
        result_cell(f),
        attr(f.next_poll.as_deref().unwrap_or("")),
        text(&next),
        f.consecutive_failures,
    );
}

/// Seconds until the feed's next poll (negative when overdue).
fn next_poll_in(f: &FeedStatus, now: DateTime<Utc>) -> Option<i64> {
    let t = DateTime::parse_from_rfc3339(f.next_poll.as_deref()?).ok()?;
    Some((t.with_timezone(&Utc) - now).num_seconds())
}

fn result_cell(f: &FeedStatus) -> String {
    match f.last_result.as_deref() {
        None => "<span class=\"badge quiet\">not polled yet</span>".into(),
        Some("ok") => "<span class=\"badge ok\">ok</span>".into(),
        Some("not_modified") => "<span class=\"badge quiet\">not modified</span>".into(),
        Some(other) => format!(
            "<span class=\"badge error-badge\">{}</span><div class=\"error\">{}</div>",
            text(other),
            text(f.last_error.as_deref().unwrap_or(""))
        ),
    }
}

fn outbox(out: &mut String, report: &StatusReport) {
    let o = &report.outbox;
    let _ = writeln!(
        out,
        "<section><h2>Outbox</h2><ul class=\"counts\" id=\"outbox\">\
         <li><b>{}</b>pending</li><li><b>{}</b>delivered</li><li><b>{}</b>failed</li><li><b>{}</b>dead</li></ul></section>",
        o.pending, o.delivered, o.failed, o.dead
    );
}

fn alerts(out: &mut String, alerts: &[RecentAlert], now: DateTime<Utc>) {
    out.push_str("<section id=\"alerts\"><h2>Recent alerts</h2>\n");
    if alerts.is_empty() {
        out.push_str("<p class=\"empty\">no alerts yet</p>\n");
    }
    for a in alerts {
        alert(out, a, now);
    }
    out.push_str("</section>\n");
}

fn alert(out: &mut String, recent: &RecentAlert, now: DateTime<Utc>) {
    let a = &recent.alert;
    let detected = a.detected_at_rfc3339();
    let severity = a
        .severity
        .as_deref()
        .map(|s| format!(" <span class=\"badge severity\">{}</span>", text(s)))
        .unwrap_or_default();
    let _ = write!(
        out,
        "<article class=\"alert\"><div><span class=\"watchlist\">{}</span>{severity} \
         <span class=\"when\" title=\"{}\">{} · feed {}</span></div><h3>{}</h3>",
        text(&a.watchlist),
        attr(&detected),
        text(&relative(Some(&detected), now)),
        text(&a.article.feed),
        heading(a),
    );
    matches(out, &a.matches);
    let deliveries: Vec<String> = recent
        .deliveries
        .iter()
        .map(|d| format!("{}: {}", d.sink, d.status.as_str()))
        .collect();
    let _ = writeln!(
        out,
        "<div class=\"deliveries\">{}</div></article>",
        text(&deliveries.join(" · "))
    );
}

/// The article's title, a link when its address is http(s).
fn heading(a: &Alert) -> String {
    let title = if a.article.title.trim().is_empty() {
        "(untitled)"
    } else {
        a.article.title.as_str()
    };
    match a.article.url.as_deref().filter(|u| is_web_link(u)) {
        Some(url) => format!(
            "<a href=\"{}\" rel=\"noreferrer noopener\">{}</a>",
            attr(url),
            text(title)
        ),
        None => text(title).into_owned(),
    }
}

/// The first [`MATCHES_SHOWN`] matches with their snippets, and how many more there are.
fn matches(out: &mut String, matches: &[AlertMatch]) {
    out.push_str("<ul class=\"matches\">");
    for m in matches.iter().take(MATCHES_SHOWN) {
        let _ = write!(
            out,
            "<li>{} <b>{}</b> in {} ×{}: <q>{}</q></li>",
            text(&m.kind),
            text(&m.term),
            text(&m.field),
            m.count,
            highlight(&m.snippet, &m.matched)
        );
    }
    if matches.len() > MATCHES_SHOWN {
        let more = matches.len() - MATCHES_SHOWN;
        let _ = write!(out, "<li class=\"more\">and {more} more</li>");
    }
    out.push_str("</ul>");
}

/// The escaped snippet, its `[hit]` marked with `<mark>`.
fn highlight(snippet: &str, matched: &str) -> String {
    let escaped = text(snippet).into_owned();
    let marked = format!("[{}]", text(matched));
    match escaped.find(&marked) {
        Some(i) => format!(
            "{}<mark>{}</mark>{}",
            &escaped[..i],
            text(matched),
            &escaped[i + marked.len()..]
        ),
        None => escaped,
    }
}

fn is_web_link(u: &str) -> bool {
    url::Url::parse(u).is_ok_and(|u| matches!(u.scheme(), "http" | "https"))
}

/// `12s ago`, `in 4m 10s`, `3h 5m ago`, or `—` for no time.
pub fn relative(rfc3339: Option<&str>, now: DateTime<Utc>) -> String {
    let Some(t) = rfc3339.and_then(|s| DateTime::parse_from_rfc3339(s).ok()) else {
        return "—".into();
    };
    let secs = (t.with_timezone(&Utc) - now).num_seconds();
    if secs == 0 {
        return "just now".into();
    }
    let span = human(secs.unsigned_abs());
    if secs > 0 {
        format!("in {span}")
    } else {
        format!("{span} ago")
    }
}

fn human(secs: u64) -> String {
    match secs {
        0..60 => format!("{secs}s"),
        60..3600 => format!("{}m {}s", secs / 60, secs % 60),
        3600..86400 => format!("{}h {}m", secs / 3600, secs % 3600 / 60),
        _ => format!("{}d {}h", secs / 86400, secs % 86400 / 3600),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_are_escaped_and_the_hit_is_marked() {
        let h = highlight("<b>x</b> met [Li Shangfu] & co", "Li Shangfu");
        assert_eq!(
            h,
            "&lt;b&gt;x&lt;/b&gt; met <mark>Li Shangfu</mark> &amp; co"
        );
        let evil = highlight("[<script>]", "<script>");
        assert_eq!(evil, "<mark>&lt;script&gt;</mark>");
    }

    #[test]
    fn only_web_addresses_become_links() {
        assert!(is_web_link("https://example.org/a?b=1"));
        assert!(!is_web_link("javascript:alert(1)"));
        assert!(!is_web_link("data:text/html,x"));
    }

    #[test]
    fn times_read_relative_to_now() {
        let now = DateTime::parse_from_rfc3339("2026-01-01T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(relative(Some("2026-01-01T11:59:48Z"), now), "12s ago");
        assert_eq!(relative(Some("2026-01-01T12:04:10Z"), now), "in 4m 10s");
        assert_eq!(relative(Some("2026-01-01T08:55:00Z"), now), "3h 5m ago");
        assert_eq!(relative(None, now), "—");
    }
}
