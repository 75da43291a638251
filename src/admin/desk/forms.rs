//! The desk's forms: signing in and out, feedback, setting and lifting mutes. Every
//! write needs the session cookie and the form's CSRF value; without them, 401. After a
//! write the browser is sent back (303) to the page it came from.

use std::fmt::Write as _;

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;

use super::layout::{attr, csrf_field, esc, page, Tab};
use super::DeskState;
use crate::admin::auth::SESSION_COOKIE;
use crate::store::desk::{AlertRecord, MuteScope, MuteSelector, Verdict};

/// The actions of the alert page: feedback and mutes when signed in, a hint otherwise.
pub(super) fn alert_actions(r: &AlertRecord, csrf: Option<&str>, out: &mut String) {
    out.push_str("<h2>Judge and mute</h2>");
    let Some(_) = csrf else {
        out.push_str("<p class=\"notice\"><a href=\"/login\">Sign in</a> with the admin token to mark this alert or mute it.</p>");
        return;
    };
    let id = attr(&r.alert.id);
    let c = csrf_field(csrf);
    let _ = write!(
        out,
        "<div class=\"actions\"><form method=\"post\" action=\"/alerts/{id}/feedback\">{c}\
         <label>Note <input name=\"note\" size=\"24\" maxlength=\"2000\" dir=\"auto\"></label>\
         <button name=\"verdict\" value=\"useful\" class=\"good\">Useful</button>\
         <button name=\"verdict\" value=\"false-positive\" class=\"bad\">False positive</button></form></div>"
    );
    let wl = attr(&r.alert.watchlist);
    let _ = write!(
        out,
        "<div class=\"actions\"><form method=\"post\" action=\"/mutes\">{c}<input type=\"hidden\" name=\"kind\" value=\"watchlist\">\
         <input type=\"hidden\" name=\"watchlist\" value=\"{wl}\"><input type=\"hidden\" name=\"back\" value=\"/alerts/{id}\">\
         {}<button>Mute watchlist {}</button></form>\
         <form method=\"post\" action=\"/mutes\">{c}<input type=\"hidden\" name=\"kind\" value=\"story\">\
         <input type=\"hidden\" name=\"alert\" value=\"{id}\"><input type=\"hidden\" name=\"back\" value=\"/alerts/{id}\">\
         {}<button>Mute this story</button></form>",
        duration_select(),
        esc(&r.alert.watchlist),
        duration_select()
    );
    let mut people: Vec<&str> = r
        .alert
        .matches
        .iter()
        .filter(|m| m.kind == "person")
        .map(|m| m.term.as_str())
        .collect();
    people.dedup();
    for p in people {
        let _ = write!(
            out,
            "<form method=\"post\" action=\"/mutes\">{c}<input type=\"hidden\" name=\"kind\" value=\"person\">\
             <input type=\"hidden\" name=\"watchlist\" value=\"{wl}\"><input type=\"hidden\" name=\"person\" value=\"{}\">\
             <input type=\"hidden\" name=\"back\" value=\"/alerts/{id}\">{}<button>Mute {}</button></form>",
            attr(p),
            duration_select(),
            esc(p)
        );
    }
    out.push_str("</div>");
}

fn duration_select() -> &'static str {
    "<select name=\"for\" aria-label=\"for how long\"><option value=\"2h\">for 2h</option><option value=\"1d\">for 1d</option><option value=\"7d\">for 7d</option><option value=\"\">until lifted</option></select>"
}

/// The mutes page's form to mute a watchlist or a person.
pub(super) fn mute_watchlist_form(csrf: Option<&str>, out: &mut String) {
    if csrf.is_none() {
        out.push_str(
            "<p class=\"notice\"><a href=\"/login\">Sign in</a> to set or lift mutes.</p>",
        );
        return;
    }
    let _ = write!(
        out,
        "<h2>Mute</h2><form class=\"filters\" method=\"post\" action=\"/mutes\">{}\
         <input type=\"hidden\" name=\"kind\" value=\"watchlist\"><input type=\"hidden\" name=\"back\" value=\"/mutes\">\
         <label>Watchlist<input name=\"watchlist\" required></label>\
         <label>Person (optional)<input name=\"person\" dir=\"auto\"></label>{}<button>Mute</button></form>",
        csrf_field(csrf),
        duration_select()
    );
}

fn refused() -> Response {
    let body = "<p class=\"notice error\">This needs the admin token: <a href=\"/login\">sign in</a> first (your session may have ended, or the form is stale).</p>";
    let mut r = page("Sign in needed", Tab::None, false, body);
    *r.status_mut() = StatusCode::UNAUTHORIZED;
    r
}

fn failed(resp: Response) -> Response {
    resp
}

/// Whether this form write may go ahead.
fn allowed(s: &DeskState, h: &HeaderMap, csrf: &str) -> bool {
    s.access.session_ok(h) && s.access.csrf_ok(csrf)
}

/// The feedback form.
#[derive(Debug, Deserialize)]
pub struct FeedbackForm {
    csrf: String,
    verdict: String,
    #[serde(default)]
    note: Option<String>,
}

/// `POST /alerts/{id}/feedback`.
pub async fn feedback_form(
    State(s): State<DeskState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(f): Form<FeedbackForm>,
) -> Response {
    if !allowed(&s, &headers, &f.csrf) {
        return refused();
    }
    let Some(verdict) = Verdict::parse(&f.verdict) else {
        return (
            StatusCode::BAD_REQUEST,
            "verdict must be useful or false-positive\n",
        )
            .into_response();
    };
    match super::give_feedback(&s, &id, verdict, f.note).await {
        Ok(Some(_)) => Redirect::to(&format!("/alerts/{}", super::layout::qp(&id))).into_response(),
        Ok(None) => (StatusCode::NOT_FOUND, "no such alert\n").into_response(),
        Err(r) => failed(r),
    }
}

/// The mute form.
#[derive(Debug, Deserialize)]
pub struct MuteForm {
    csrf: String,
    kind: String,
    #[serde(default)]
    watchlist: String,
    #[serde(default)]
    person: String,
    #[serde(default)]
    alert: String,
    #[serde(default, rename = "for")]
    duration: String,
    #[serde(default)]
    back: String,
}

/// `POST /mutes`.
pub async fn mute_form(
    State(s): State<DeskState>,
    headers: HeaderMap,
    Form(f): Form<MuteForm>,
) -> Response {
    if !allowed(&s, &headers, &f.csrf) {
        return refused();
    }
    let scope = match f.kind.as_str() {
        "watchlist" if !f.person.trim().is_empty() => MuteScope::Person {
            watchlist: f.watchlist.trim().into(),
            person: f.person.trim().into(),
        },
        "watchlist" => MuteScope::Watchlist {
            watchlist: f.watchlist.trim().into(),
        },
        "person" => MuteScope::Person {
            watchlist: f.watchlist.trim().into(),
            person: f.person.trim().into(),
        },
        "story" => MuteScope::Story {
            alert: f.alert.trim().into(),
        },
        _ => {
            return (
                StatusCode::BAD_REQUEST,
                "kind must be watchlist, person or story\n",
            )
                .into_response()
        }
    };
    match super::set_mute(&s, scope, Some(f.duration.trim())).await {
        Ok(_) => Redirect::to(back(&f.back)).into_response(),
        Err(r) => failed(r),
    }
}

/// Where to go after a form: a local path only, else the mutes page.
fn back(to: &str) -> &str {
    let local = to.starts_with('/') && !to.starts_with("//") && !to.contains('\\');
    if local {
        to
    } else {
        "/mutes"
    }
}

/// The lift form.
#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    csrf: String,
}

/// `POST /mutes/{id}/lift`.
pub async fn lift_form(
    State(s): State<DeskState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(f): Form<CsrfForm>,
) -> Response {
    if !allowed(&s, &headers, &f.csrf) {
        return refused();
    }
    match s
        .store()
        .desk()
        .lift_mutes(MuteSelector::Id(id), chrono::Utc::now())
        .await
    {
        Ok(_) => Redirect::to("/mutes").into_response(),
        Err(e) => crate::admin::internal(&e),
    }
}

/// `GET /login`.
pub async fn login_page(State(s): State<DeskState>) -> Response {
    let body = if s.access.has_token() {
        "<h1>Sign in</h1><form method=\"post\" action=\"/login\"><label>Admin token \
         <input type=\"password\" name=\"token\" autocomplete=\"current-password\" required></label> \
         <button>Sign in</button></form><p class=\"meta\">The token is the content of <code>[daemon] admin_token_file</code>. \
         Reading needs no sign-in on this machine; marking and muting do.</p>"
    } else {
        "<h1>Sign in</h1><p class=\"notice error\">No admin token is configured: set <code>[daemon] admin_token_file</code> to enable feedback and mutes.</p>"
    };
    page("Sign in", Tab::None, false, body)
}

/// The login form.
#[derive(Debug, Deserialize)]
pub struct LoginForm {
    token: String,
}

/// `POST /login`: a valid token sets the session cookie.
pub async fn login_form(State(s): State<DeskState>, Form(f): Form<LoginForm>) -> Response {
    if !s.access.token_ok(&f.token) {
        tracing::warn!("admin sign-in refused: wrong token");
        let body = "<h1>Sign in</h1><p class=\"notice error\">That is not the admin token.</p><p><a href=\"/login\">Try again</a></p>";
        let mut r = page("Sign in", Tab::None, false, body);
        *r.status_mut() = StatusCode::UNAUTHORIZED;
        return r;
    }
    let value = s.access.session_value().unwrap_or_default();
    let cookie =
        format!("{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=2592000");
    let mut r = Redirect::to("/").into_response();
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    r
}

/// `POST /logout`: forgets the session cookie.
pub async fn logout_form() -> Response {
    let mut r = Redirect::to("/").into_response();
    r.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static(
            "newshound_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0",
        ),
    );
    r
}

#[cfg(test)]
mod tests {
    #[test]
    fn back_goes_only_to_local_paths() {
        assert_eq!(super::back("/alerts/x"), "/alerts/x");
        assert_eq!(super::back("//evil.example/"), "/mutes");
        assert_eq!(super::back("https://evil.example/"), "/mutes");
    }
}
