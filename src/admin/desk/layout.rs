//! The desk's page chrome: tabs, style sheet, escaping helpers. Every string from a feed,
//! the config or the request goes through [`esc`] or [`attr`]; links are made only to
//! http(s) addresses; user text carries `dir="auto"` so right-to-left titles read right.

use std::fmt::Write as _;

use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};

use crate::desk::Marked;

/// The desk allows no script at all, only its own inline style and forms to itself.
pub const DESK_CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const STYLE: &str = "
:root { --muted: #5f6b7a; --line: #dde3ea; --bad: #b42318; --good: #067647; --link: #1849a9; }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', 'Noto Sans CJK SC', 'DejaVu Sans', sans-serif;
       margin: 0; color: #1d2733; background: #f6f8fa; }
header { background: #1d2733; color: #fff; padding: 8px 16px; display: flex; flex-wrap: wrap; gap: 4px 16px; align-items: center; }
header b { font-size: 17px; margin-right: 8px; }
header a { color: #d0d8e2; text-decoration: none; padding: 4px 6px; border-radius: 4px; }
header a.on { background: #3b4754; color: #fff; }
header .who { margin-left: auto; font-size: 13px; }
main { max-width: 1100px; margin: 0 auto; padding: 14px 16px 40px; }
h1 { font-size: 20px; margin: 6px 0 12px; overflow-wrap: anywhere; }
h2 { font-size: 16px; margin: 22px 0 8px; }
a { color: var(--link); }
form.filters { display: flex; flex-wrap: wrap; gap: 6px; align-items: end; margin-bottom: 12px; }
form.filters label { display: flex; flex-direction: column; font-size: 12px; color: var(--muted); }
input, select, textarea, button { font: inherit; padding: 4px 6px; max-width: 100%; }
button { cursor: pointer; border: 1px solid #98a2b3; border-radius: 4px; background: #fff; }
button.bad { border-color: var(--bad); color: var(--bad); } button.good { border-color: var(--good); color: var(--good); }
.card { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; margin-bottom: 10px; }
.card h3 { font-size: 16px; margin: 2px 0 4px; overflow-wrap: anywhere; }
.meta { color: var(--muted); font-size: 13px; overflow-wrap: anywhere; }
.tag { display: inline-block; padding: 0 7px; border-radius: 9px; font-size: 12px; font-weight: 600; background: #eaecf0; margin: 1px 2px; }
.sev { background: #fef0c7; color: #93370d; } .muted { background: #e0e7ff; color: #3538cd; }
.useful { background: #dcfae6; color: var(--good); } .false-positive { background: #fee4e2; color: var(--bad); }
.failed, .dead { color: var(--bad); } .delivered { color: var(--good); }
mark { background: #fde272; padding: 0 1px; }
table { width: 100%; border-collapse: collapse; background: #fff; border: 1px solid var(--line); }
th, td { text-align: start; padding: 6px 8px; border-bottom: 1px solid var(--line); vertical-align: top; font-size: 14px; overflow-wrap: anywhere; }
th { background: #eef2f6; font-size: 12px; }
.more { margin: 14px 0; }
.notice { background: #fff; border-left: 4px solid var(--link); padding: 8px 12px; margin: 10px 0; }
.error { border-left-color: var(--bad); }
.actions { display: flex; flex-wrap: wrap; gap: 8px; align-items: end; margin: 8px 0; }
form.rules { display: flex; flex-direction: column; gap: 8px; margin-bottom: 12px; }
form.rules label { display: flex; flex-direction: column; font-size: 12px; color: var(--muted); }
form.rules .filters { margin: 0; display: flex; flex-wrap: wrap; gap: 6px; align-items: end; }
form.rules input[name=q], form.rules textarea { width: 100%; font-family: ui-monospace, monospace; }
pre.card { white-space: pre-wrap; overflow-wrap: anywhere; font-size: 13px; }
.actions form { display: flex; flex-wrap: wrap; gap: 6px; align-items: end; }
@media (max-width: 600px) { main { padding: 10px; } th, td { padding: 4px; font-size: 13px; } .hide-narrow { display: none; } }
";

/// The tabs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    /// `/`
    Inbox,
    /// `/search`
    Search,
    /// `/mutes`
    Mutes,
    /// `/rules`
    Rules,
    /// `/status`
    Status,
    /// No tab (alert page, login).
    None,
}

/// The whole page: chrome around `body`.
pub fn page(title: &str, tab: Tab, signed_in: bool, body: &str) -> Response {
    let mut out = String::with_capacity(body.len() + 4096);
    let _ = write!(
        out,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{} · newshound</title><style>{STYLE}</style></head>\n<body><header><b>newshound</b>",
        esc(title)
    );
    for (t, href, name) in [
        (Tab::Inbox, "/", "Inbox"),
        (Tab::Search, "/search", "Search"),
        (Tab::Mutes, "/mutes", "Mutes"),
        (Tab::Rules, "/rules", "Rule tester"),
        (Tab::Status, "/status", "Status"),
    ] {
        let on = if t == tab { " class=\"on\"" } else { "" };
        let _ = write!(out, "<a href=\"{href}\"{on}>{name}</a>");
    }
    if signed_in {
        out.push_str("<span class=\"who\"><form method=\"post\" action=\"/logout\" style=\"display:inline\"><button>Sign out</button></form></span>");
    } else {
        out.push_str("<a class=\"who\" href=\"/login\">Sign in to mark and mute</a>");
    }
    out.push_str("</header>\n<main>\n");
    out.push_str(body);
    out.push_str("</main></body></html>\n");
    html(out)
}

/// `body` as an HTML response with the desk's headers.
pub fn html(body: String) -> Response {
    let mut resp = ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(DESK_CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    resp
}

/// Text escaped for an element body.
pub fn esc(s: &str) -> std::borrow::Cow<'_, str> {
    html_escape::encode_text(s)
}

/// Text escaped for a double-quoted attribute.
pub fn attr(s: &str) -> std::borrow::Cow<'_, str> {
    html_escape::encode_double_quoted_attribute(s)
}

/// Text with hit pieces in `<mark>`, all escaped.
pub fn marked(m: &Marked) -> String {
    let mut out = String::new();
    for (text, hit) in m {
        if *hit {
            let _ = write!(out, "<mark>{}</mark>", esc(text));
        } else {
            out.push_str(&esc(text));
        }
    }
    out
}

/// A matcher snippet (the hit in `[ ]`) with the hit in `<mark>`, escaped.
pub fn snippet(s: &str) -> String {
    match (s.find('['), s.rfind(']')) {
        (Some(a), Some(b)) if a < b => format!(
            "{}<mark>{}</mark>{}",
            esc(&s[..a]),
            esc(&s[a + 1..b]),
            esc(&s[b + 1..])
        ),
        _ => esc(s).into_owned(),
    }
}

/// A link to `url` when it is http(s), else the text alone.
pub fn link(url: Option<&str>, text_html: &str) -> String {
    match url {
        Some(u) if u.starts_with("https://") || u.starts_with("http://") => format!(
            "<a href=\"{}\" rel=\"noopener noreferrer nofollow\" dir=\"auto\">{text_html}</a>",
            attr(u)
        ),
        _ => format!("<span dir=\"auto\">{text_html}</span>"),
    }
}

/// A URL query component, percent-encoded.
pub fn qp(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// The hidden CSRF field of a form.
pub fn csrf_field(csrf: Option<&str>) -> String {
    csrf.map(|c| {
        format!(
            "<input type=\"hidden\" name=\"csrf\" value=\"{}\">",
            attr(c)
        )
    })
    .unwrap_or_default()
}
