//! The desk's pages: the inbox (filters, per-watchlist precision, one card per story,
//! pages over the whole history), the alert page, search and the mutes list.

use std::fmt::Write as _;

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::Utc;

use super::layout::{attr, csrf_field, esc, link, marked, page, qp, snippet, Tab};
use super::DeskState;
use crate::desk::filter::cursor_of;
use crate::desk::{shown_error, ListParams};
use crate::store::desk::{AlertRecord, MuteScope, Precision};

/// Whether the browser is signed in, and its CSRF value for forms when it is.
fn session<'a>(s: &'a DeskState, h: &HeaderMap) -> Option<&'a str> {
    s.access
        .session_ok(h)
        .then(|| s.access.csrf_value())
        .flatten()
}

/// `GET /`: the inbox.
pub async fn inbox(
    State(s): State<DeskState>,
    headers: HeaderMap,
    Query(p): Query<ListParams>,
) -> Response {
    let csrf = session(&s, &headers);
    let mut body = String::new();
    filters_form(&p, &mut body);
    let filter = match p.filter(Utc::now()) {
        Ok(f) => f,
        Err(e) => {
            let _ = write!(
                body,
                "<p class=\"notice error\">{}</p>",
                esc(&e.to_string())
            );
            return page("Inbox", Tab::Inbox, csrf.is_some(), &body);
        }
    };
    if p.finds_nothing() {
        body.push_str(
            "<p class=\"notice\">The text filter has no words to search for: no alerts match.</p>",
        );
        return page("Inbox", Tab::Inbox, csrf.is_some(), &body);
    }
    let store = s.store();
    let (listed, precision) = match (
        store.desk().list_alerts(filter).await,
        store.desk().precision().await,
    ) {
        (Ok(l), Ok(p)) => (l, p),
        (Err(e), _) | (_, Err(e)) => return super::super::internal(&e),
    };
    precision_table(&precision, &mut body);
    if listed.alerts.is_empty() {
        body.push_str("<p class=\"notice\">No alerts match.</p>");
    }
    for story in stories(&listed.alerts) {
        story_card(story, &mut body);
    }
    if let Some(next) = &listed.next {
        let _ = write!(
            body,
            "<p class=\"more\"><a href=\"/?{}cursor={}\">Older alerts →</a></p>",
            keep_params(&p),
            qp(&cursor_of(next))
        );
    }
    page("Inbox", Tab::Inbox, csrf.is_some(), &body)
}

/// The filters of `p` as a query string prefix (ending in `&`), without the cursor.
fn keep_params(p: &ListParams) -> String {
    let mut out = String::new();
    for (k, v) in [
        ("q", &p.q),
        ("watchlist", &p.watchlist),
        ("feed", &p.feed),
        ("severity", &p.severity),
        ("since", &p.since),
        ("until", &p.until),
        ("delivery", &p.delivery),
        ("feedback", &p.feedback),
    ] {
        if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
            let _ = write!(out, "{k}={}&", qp(v));
        }
    }
    if let Some(l) = p.limit {
        let _ = write!(out, "limit={l}&");
    }
    out
}

fn filters_form(p: &ListParams, out: &mut String) {
    out.push_str("<form class=\"filters\" method=\"get\" action=\"/\">");
    for (name, label, v) in [
        ("q", "Text", &p.q),
        ("watchlist", "Watchlist", &p.watchlist),
        ("feed", "Feed", &p.feed),
        ("severity", "Severity", &p.severity),
        ("since", "Since (24h, RFC 3339)", &p.since),
        ("until", "Until", &p.until),
    ] {
        let _ = write!(
            out,
            "<label>{label}<input name=\"{name}\" value=\"{}\" size=\"12\" dir=\"auto\"></label>",
            attr(v.as_deref().unwrap_or(""))
        );
    }
    select(
        "delivery",
        "Delivery",
        &p.delivery,
        &["pending", "delivered", "failed", "dead", "muted"],
        out,
    );
    select(
        "feedback",
        "Feedback",
        &p.feedback,
        &["useful", "false-positive", "none"],
        out,
    );
    out.push_str("<button>Filter</button> <a href=\"/\">clear</a></form>\n");
}

fn select(name: &str, label: &str, v: &Option<String>, options: &[&str], out: &mut String) {
    let _ = write!(
        out,
        "<label>{label}<select name=\"{name}\"><option value=\"\">any</option>"
    );
    for o in options {
        let sel = if v.as_deref() == Some(o) {
            " selected"
        } else {
            ""
        };
        let _ = write!(out, "<option{sel}>{o}</option>");
    }
    out.push_str("</select></label>");
}

fn precision_table(rows: &[Precision], out: &mut String) {
    if rows.is_empty() {
        return;
    }
    out.push_str("<details><summary>Precision by watchlist (from feedback)</summary><table><tr><th>Watchlist</th><th>Useful</th><th>False positive</th><th>Precision</th></tr>");
    for r in rows {
        let total = r.useful + r.false_positive;
        let pct = (r.useful * 100).checked_div(total).unwrap_or(0);
        let _ = write!(
            out,
            "<tr><td><a href=\"/?watchlist={}\">{}</a></td><td>{}</td><td>{}</td><td>{pct}%</td></tr>",
            qp(&r.watchlist),
            esc(&r.watchlist),
            r.useful,
            r.false_positive
        );
    }
    out.push_str("</table></details>\n");
}

/// Runs of alerts about the same stored article: one card each.
fn stories(alerts: &[AlertRecord]) -> Vec<&[AlertRecord]> {
    let mut out = Vec::new();
    let mut start = 0;
    for i in 1..=alerts.len() {
        let same = i < alerts.len()
            && !alerts[i].article.0.is_empty()
            && alerts[i].article == alerts[start].article;
        if !same {
            out.push(&alerts[start..i]);
            start = i;
        }
    }
    out
}

fn story_card(story: &[AlertRecord], out: &mut String) {
    let first = &story[0];
    let a = &first.alert;
    let outlets = story.iter().map(|r| r.copies.len()).max().unwrap_or(0);
    let _ = write!(
        out,
        "<article class=\"card\"><h3><a href=\"/alerts/{}\" dir=\"auto\">{}</a></h3><div class=\"meta\">{} · {}",
        attr(&a.id),
        esc(&a.article.title),
        esc(&a.article.feed),
        esc(&first.created_at)
    );
    if outlets > 0 {
        let _ = write!(out, " · <span class=\"tag\">+{outlets} outlets</span>");
    }
    out.push_str("</div><div>");
    for r in story {
        tags(r, out);
    }
    out.push_str("</div>");
    if let Some(m) = a.matches.first() {
        let _ = write!(
            out,
            "<div class=\"meta\" dir=\"auto\">{}</div>",
            snippet(&m.snippet)
        );
    }
    out.push_str("</article>\n");
}

/// The watchlist of `r` with its severity, feedback and mute marks.
fn tags(r: &AlertRecord, out: &mut String) {
    let a = &r.alert;
    let _ = write!(
        out,
        "<a class=\"tag\" href=\"/alerts/{}\">{}</a>",
        attr(&a.id),
        esc(&a.watchlist)
    );
    if let Some(sev) = &a.severity {
        let _ = write!(out, "<span class=\"tag sev\">{}</span>", esc(sev));
    }
    if let Some(f) = &r.feedback {
        let v = f.verdict.as_str();
        let _ = write!(out, "<span class=\"tag {v}\">{v}</span>");
    }
    if r.muted() {
        out.push_str("<span class=\"tag muted\">muted</span>");
    }
}

/// `GET /alerts/{id}`: everything known about one alert.
pub async fn alert_page(
    State(s): State<DeskState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let csrf = session(&s, &headers);
    let r = match s.store().desk().alert_record(&id).await {
        Ok(Some(r)) => r,
        Ok(None) => {
            let body = format!(
                "<p class=\"notice error\">No alert with id {}.</p>",
                esc(&id)
            );
            let mut resp = page("Not found", Tab::None, csrf.is_some(), &body);
            *resp.status_mut() = axum::http::StatusCode::NOT_FOUND;
            return resp;
        }
        Err(e) => return super::super::internal(&e),
    };
    let mut body = String::new();
    alert_head(&r, &mut body);
    matches_table(&r, &mut body);
    copies_list(&r, &mut body);
    deliveries_table(&r, &mut body);
    super::forms::alert_actions(&r, csrf, &mut body);
    page(&r.alert.article.title, Tab::None, csrf.is_some(), &body)
}

fn alert_head(r: &AlertRecord, out: &mut String) {
    let a = &r.alert;
    let _ = write!(
        out,
        "<h1>{}</h1><p class=\"meta\">{}</p><p class=\"meta\">Feed <b>{}</b> · published {} · detected {} · watchlist <b>{}</b>",
        link(a.article.url.as_deref(), &esc(&a.article.title)),
        esc(a.article.url.as_deref().unwrap_or("(no link)")),
        esc(&a.article.feed),
        esc(&a.article.published.map(crate::store::rfc3339).unwrap_or_else(|| "unknown".into())),
        esc(&a.detected_at_rfc3339()),
        esc(&a.watchlist)
    );
    if let Some(sev) = &a.severity {
        let _ = write!(out, " · <span class=\"tag sev\">{}</span>", esc(sev));
    }
    if r.muted() {
        out.push_str(" · <span class=\"tag muted\">muted: recorded, not delivered</span>");
    }
    let _ = write!(out, " · id <code>{}</code></p>", esc(&a.id));
    if !a.article.summary.is_empty() {
        let _ = write!(out, "<p dir=\"auto\">{}</p>", esc(&a.article.summary));
    }
    if let Some(f) = &r.feedback {
        let v = f.verdict.as_str();
        let _ = write!(
            out,
            "<p class=\"notice\">Marked <span class=\"tag {v}\">{v}</span> at {}{}</p>",
            esc(&f.at),
            f.note
                .as_deref()
                .map(|n| format!(": <span dir=\"auto\">{}</span>", esc(n)))
                .unwrap_or_default()
        );
    }
}

fn matches_table(r: &AlertRecord, out: &mut String) {
    out.push_str("<h2>Matches</h2><table><tr><th>Term</th><th>Kind</th><th>Field</th><th>Count</th><th>Snippet</th></tr>");
    for m in &r.alert.matches {
        let _ = write!(
            out,
            "<tr><td dir=\"auto\">{}</td><td>{}</td><td>{}</td><td>{}</td><td dir=\"auto\">{}</td></tr>",
            esc(&m.term),
            esc(&m.kind),
            esc(&m.field),
            m.count,
            snippet(&m.snippet)
        );
    }
    out.push_str("</table>\n");
}

fn copies_list(r: &AlertRecord, out: &mut String) {
    if r.copies.is_empty() {
        return;
    }
    let _ = write!(
        out,
        "<h2>Also seen in {} other feeds</h2><ul>",
        r.copies.len()
    );
    for c in &r.copies {
        let _ = write!(
            out,
            "<li>{} — {}</li>",
            esc(&c.feed),
            link(c.url.as_deref(), &esc(&c.title))
        );
    }
    out.push_str("</ul>\n");
}

fn deliveries_table(r: &AlertRecord, out: &mut String) {
    out.push_str("<h2>Deliveries</h2>");
    if r.deliveries.is_empty() {
        out.push_str("<p class=\"meta\">No sink takes this alert.</p>");
        return;
    }
    out.push_str("<table><tr><th>Sink</th><th>State</th><th>Attempts</th><th>Next attempt</th><th>Last error</th></tr>");
    for d in &r.deliveries {
        let _ = write!(
            out,
            "<tr><td>{}</td><td class=\"{}\">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&d.sink),
            attr(&d.status),
            esc(&d.status),
            d.attempts,
            esc(d.next_attempt_at.as_deref().unwrap_or("")),
            esc(&d.last_error.as_deref().map(shown_error).unwrap_or_default())
        );
    }
    out.push_str("</table>\n");
}

/// The search form's parameters.
#[derive(Debug, serde::Deserialize)]
pub struct SearchForm {
    q: Option<String>,
}

/// `GET /search`: alerts and stored articles for a query, hits marked.
pub async fn search_page(
    State(s): State<DeskState>,
    headers: HeaderMap,
    Query(f): Query<SearchForm>,
) -> Response {
    let signed_in = s.access.session_ok(&headers);
    let q = f.q.unwrap_or_default();
    let mut body = format!(
        "<form class=\"filters\" method=\"get\" action=\"/search\"><label>Words, \"a phrase\", prefix*<input name=\"q\" value=\"{}\" size=\"40\" dir=\"auto\" autofocus></label><button>Search</button></form>",
        attr(&q)
    );
    if q.trim().is_empty() {
        return page("Search", Tab::Search, signed_in, &body);
    }
    let results = match super::run_search(&s, &q, None).await {
        Ok(r) => r,
        Err(resp) if resp.status().is_client_error() => {
            let query = crate::desk::SearchQuery::parse(&q)
                .err()
                .map(|e| e.to_string());
            let _ = write!(
                body,
                "<p class=\"notice error\">{}</p>",
                esc(&query.unwrap_or_default())
            );
            return page("Search", Tab::Search, signed_in, &body);
        }
        Err(resp) => return resp,
    };
    let _ = write!(body, "<h2>Alerts ({})</h2>", results.alerts.len());
    for r in &results.alerts {
        let title: crate::desk::Marked = r.title.iter().map(|p| (p.text.clone(), p.hit)).collect();
        let snip: crate::desk::Marked = r.snippet.iter().map(|p| (p.text.clone(), p.hit)).collect();
        let _ = write!(
            body,
            "<article class=\"card\"><h3><a href=\"/alerts/{}\" dir=\"auto\">{}</a></h3><div class=\"meta\">{} · {} · {}</div><div dir=\"auto\">{}</div></article>",
            attr(&r.alert.id),
            marked(&title),
            esc(&r.alert.watchlist),
            esc(&r.alert.feed),
            esc(&r.alert.created_at),
            marked(&snip)
        );
    }
    let _ = write!(
        body,
        "<h2>Stored articles ({})</h2>",
        results.articles.len()
    );
    for a in &results.articles {
        let title: crate::desk::Marked = a.title.iter().map(|p| (p.text.clone(), p.hit)).collect();
        let snip: crate::desk::Marked = a.snippet.iter().map(|p| (p.text.clone(), p.hit)).collect();
        let _ = write!(
            body,
            "<article class=\"card\"><h3>{}</h3><div class=\"meta\">{} · first seen {}</div><div dir=\"auto\">{}</div></article>",
            link(a.url.as_deref(), &marked(&title)),
            esc(&a.feed),
            esc(&a.first_seen),
            marked(&snip)
        );
    }
    page("Search", Tab::Search, signed_in, &body)
}

/// `GET /mutes`: the active mutes, a form to add one, a button to lift each.
pub async fn mutes_page(State(s): State<DeskState>, headers: HeaderMap) -> Response {
    let csrf = session(&s, &headers);
    let mutes = match s.store().desk().mutes(Utc::now()).await {
        Ok(m) => m,
        Err(e) => return super::super::internal(&e),
    };
    let mut body = String::from("<h1>Mutes</h1><p class=\"meta\">Muted alerts are recorded and shown, not delivered; lifting a mute sends nothing late (<code>newshound alerts replay ID</code> does).</p>");
    if mutes.is_empty() {
        body.push_str("<p class=\"notice\">Nothing is muted.</p>");
    }
    body.push_str("<table><tr><th>#</th><th>What</th><th>Since</th><th>Until</th><th></th></tr>");
    for m in &mutes {
        let what = match &m.scope {
            MuteScope::Watchlist { watchlist } => format!("watchlist <b>{}</b>", esc(watchlist)),
            MuteScope::Person { watchlist, person } => {
                format!(
                    "<b dir=\"auto\">{}</b> in watchlist <b>{}</b>",
                    esc(person),
                    esc(watchlist)
                )
            }
            MuteScope::Story { alert } => format!(
                "story of alert <a href=\"/alerts/{}\">{}</a>",
                attr(alert),
                esc(alert)
            ),
        };
        let lift = match csrf {
            Some(_) => format!(
                "<form method=\"post\" action=\"/mutes/{}/lift\">{}<button>Lift</button></form>",
                m.id,
                csrf_field(csrf)
            ),
            None => String::new(),
        };
        let _ = write!(
            body,
            "<tr><td>{}</td><td>{what}</td><td>{}</td><td>{}</td><td>{lift}</td></tr>",
            m.id,
            esc(&m.created_at),
            esc(m.until.as_deref().unwrap_or("lifted by hand"))
        );
    }
    body.push_str("</table>");
    super::forms::mute_watchlist_form(csrf, &mut body);
    page("Mutes", Tab::Mutes, csrf.is_some(), &body)
}
