//! The JSON API under `/api/v1/`: the alert history (list, get), search, feedback and
//! mutes, described by the OpenAPI 3 document at `/api/v1/openapi.json`, generated from
//! these handlers. Writes need `Authorization: Bearer <token>`; without it, 401.

// Handlers answer with a ready `Response` on every failure; boxing it would only add noise.
#![allow(clippy::result_large_err)]

use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::Utc;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

use super::desk::{self, SearchResults};
use super::DeskState;
use crate::desk::filter::cursor_of;
use crate::desk::{AlertJson, ListParams};
use crate::store::desk::{Feedback, Mute, MuteScope, MuteSelector, Verdict, NOTE_MAX_CHARS};

/// Largest JSON body a write accepts.
const BODY_MAX_BYTES: usize = 16 * 1024;

/// The OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    info(title = "newshound admin API", version = "1", description = "The alert desk: history, search, feedback, mutes and the rule tester."),
    paths(list_alerts, get_alert, post_feedback, search, list_mutes, post_mute, delete_mute, desk::rules::api_test_rule),
    components(schemas(AlertList, AlertJson, ApiError, FeedbackBody, Feedback, Verdict, Mute, MuteScope, MuteBody, Lifted, SearchResults, desk::rules::RuleTestResult)),
    modifiers(&BearerScheme)
)]
pub struct ApiDoc;

struct BearerScheme;

impl utoipa::Modify for BearerScheme {
    fn modify(&self, api: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = api.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// An error: what went wrong, naming the parameter or field at fault.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiError {
    /// The message.
    pub error: String,
}

/// `status` with an [`ApiError`] body.
pub fn error(status: StatusCode, message: impl Into<String>) -> Response {
    (
        status,
        Json(ApiError {
            error: message.into(),
        }),
    )
        .into_response()
}

fn unauthorized() -> Response {
    let mut r = error(
        StatusCode::UNAUTHORIZED,
        "this write needs the admin token: Authorization: Bearer <token> (daemon.admin_token_file)",
    );
    r.headers_mut().insert(
        axum::http::header::WWW_AUTHENTICATE,
        axum::http::HeaderValue::from_static("Bearer realm=\"newshound\""),
    );
    r
}

/// One page of alerts.
#[derive(Debug, Serialize, ToSchema)]
pub struct AlertList {
    /// Newest first.
    pub alerts: Vec<AlertJson>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next: Option<String>,
}

/// The alert history, newest first, filtered.
#[utoipa::path(get, path = "/api/v1/alerts", params(ListParams),
    responses((status = 200, body = AlertList), (status = 400, body = ApiError)))]
pub async fn list_alerts(
    State(s): State<DeskState>,
    p: Result<Query<ListParams>, QueryRejection>,
) -> Response {
    let Query(p) = match p {
        Ok(p) => p,
        Err(e) => return error(StatusCode::BAD_REQUEST, e.body_text()),
    };
    let filter = match p.filter(Utc::now()) {
        Ok(f) => f,
        Err(e) => return error(StatusCode::BAD_REQUEST, e.to_string()),
    };
    if p.finds_nothing() {
        let none = AlertList {
            alerts: Vec::new(),
            next: None,
        };
        return Json(none).into_response();
    }
    match s.store().desk().list_alerts(filter).await {
        Ok(page) => Json(AlertList {
            alerts: page.alerts.iter().map(AlertJson::from).collect(),
            next: page.next.as_ref().map(cursor_of),
        })
        .into_response(),
        Err(e) => super::internal(&e),
    }
}

/// One alert with its matches, deliveries, feedback and copies.
#[utoipa::path(get, path = "/api/v1/alerts/{id}", params(("id" = String, Path, description = "Alert id")),
    responses((status = 200, body = AlertJson), (status = 404, body = ApiError)))]
pub async fn get_alert(State(s): State<DeskState>, Path(id): Path<String>) -> Response {
    match s.store().desk().alert_record(&id).await {
        Ok(Some(r)) => Json(AlertJson::from(&r)).into_response(),
        Ok(None) => error(StatusCode::NOT_FOUND, format!("no alert with id '{id}'")),
        Err(e) => super::internal(&e),
    }
}

/// Feedback on an alert.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeedbackBody {
    /// `useful` or `false-positive`.
    pub verdict: Verdict,
    /// An optional note (at most 2000 characters).
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub note: Option<String>,
}

/// Marks an alert useful or a false positive (replacing earlier feedback).
#[utoipa::path(post, path = "/api/v1/alerts/{id}/feedback", params(("id" = String, Path, description = "Alert id")),
    request_body = FeedbackBody, security(("token" = [])),
    responses((status = 200, body = Feedback), (status = 400, body = ApiError),
        (status = 401, body = ApiError), (status = 404, body = ApiError)))]
pub async fn post_feedback(
    State(s): State<DeskState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !s.access.bearer_ok(&headers) {
        return unauthorized();
    }
    let body: FeedbackBody = match parse(&body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    match desk::give_feedback(&s, &id, body.verdict, body.note).await {
        Ok(Some(f)) => Json(f).into_response(),
        Ok(None) => error(StatusCode::NOT_FOUND, format!("no alert with id '{id}'")),
        Err(r) => r,
    }
}

/// Reads a JSON body, bounded; a 400 naming the problem otherwise.
fn parse<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, Response> {
    if body.len() > BODY_MAX_BYTES {
        return Err(error(StatusCode::BAD_REQUEST, "body larger than 16 KiB"));
    }
    serde_json::from_slice(body).map_err(|e| error(StatusCode::BAD_REQUEST, format!("body: {e}")))
}

/// Search parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// The query: words, "a phrase", prefix*; a query with no words finds nothing.
    #[param(max_length = 500)]
    pub q: String,
    /// Most results of each kind (1–200, default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<usize>,
}

/// Full-text search over stored articles and alerts, with the hits marked.
#[utoipa::path(get, path = "/api/v1/search", params(SearchParams),
    responses((status = 200, body = SearchResults), (status = 400, body = ApiError)))]
pub async fn search(
    State(s): State<DeskState>,
    p: Result<Query<SearchParams>, QueryRejection>,
) -> Response {
    let Query(p) = match p {
        Ok(p) => p,
        Err(e) => return error(StatusCode::BAD_REQUEST, e.body_text()),
    };
    match desk::run_search(&s, &p.q, p.limit).await {
        Ok(r) => Json(r).into_response(),
        Err(r) => r,
    }
}

/// The active mutes.
#[utoipa::path(get, path = "/api/v1/mutes", responses((status = 200, body = Vec<Mute>)))]
pub async fn list_mutes(State(s): State<DeskState>) -> Response {
    match s.store().desk().mutes(Utc::now()).await {
        Ok(m) => Json(m).into_response(),
        Err(e) => super::internal(&e),
    }
}

/// A mute to set.
#[derive(Debug, Deserialize, ToSchema)]
pub struct MuteBody {
    /// What it silences.
    #[serde(flatten)]
    pub scope: MuteScope,
    /// How long (`2h`, `1d`); absent, null or empty: until lifted.
    #[serde(default, rename = "for")]
    #[schema(pattern = "^(|[1-9][0-9]{0,4}(s|m|h|d|w))$")]
    pub duration: Option<String>,
}

/// Mutes a watchlist, a person of a watchlist, or a story.
#[utoipa::path(post, path = "/api/v1/mutes", request_body = MuteBody, security(("token" = [])),
    responses((status = 201, body = Mute), (status = 400, body = ApiError),
        (status = 401, body = ApiError), (status = 404, body = ApiError)))]
pub async fn post_mute(State(s): State<DeskState>, headers: HeaderMap, body: Bytes) -> Response {
    if !s.access.bearer_ok(&headers) {
        return unauthorized();
    }
    let body: serde_json::Value = match parse(&body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    // serde would take a variant's number for the tag; the document says a name.
    if !body.get("kind").is_some_and(serde_json::Value::is_string) {
        return error(
            StatusCode::BAD_REQUEST,
            "body: 'kind' must be \"watchlist\", \"person\" or \"story\"",
        );
    }
    let body: MuteBody = match serde_json::from_value(body) {
        Ok(b) => b,
        Err(e) => return error(StatusCode::BAD_REQUEST, format!("body: {e}")),
    };
    match desk::set_mute(&s, body.scope, body.duration.as_deref()).await {
        Ok(m) => (StatusCode::CREATED, Json(m)).into_response(),
        Err(r) => r,
    }
}

/// Which mute to lift.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LiftParams {
    /// The mute's id.
    pub id: i64,
}

/// How many mutes were lifted.
#[derive(Debug, Serialize, ToSchema)]
pub struct Lifted {
    /// Mutes lifted.
    pub lifted: usize,
}

/// Lifts a mute. Alerts it held back stay undelivered (`alerts replay` sends them).
#[utoipa::path(delete, path = "/api/v1/mutes", params(LiftParams), security(("token" = [])),
    responses((status = 200, body = Lifted), (status = 400, body = ApiError),
        (status = 401, body = ApiError), (status = 404, body = ApiError)))]
pub async fn delete_mute(
    State(s): State<DeskState>,
    headers: HeaderMap,
    p: Result<Query<LiftParams>, QueryRejection>,
) -> Response {
    if !s.access.bearer_ok(&headers) {
        return unauthorized();
    }
    let Query(p) = match p {
        Ok(p) => p,
        Err(e) => return error(StatusCode::BAD_REQUEST, e.body_text()),
    };
    match s
        .store()
        .desk()
        .lift_mutes(MuteSelector::Id(p.id), Utc::now())
        .await
    {
        Ok(0) => error(StatusCode::NOT_FOUND, format!("no active mute {}", p.id)),
        Ok(n) => Json(Lifted { lifted: n }).into_response(),
        Err(e) => super::internal(&e),
    }
}

/// `/api/v1/openapi.json`.
pub async fn openapi() -> Response {
    Json(ApiDoc::openapi()).into_response()
}

/// The note as stored: bounded as sent (the document's `maxLength`), then trimmed; empty
/// is none.
pub fn clean_note(note: Option<String>) -> Result<Option<String>, String> {
    if note
        .as_ref()
        .is_some_and(|n| n.chars().count() > NOTE_MAX_CHARS)
    {
        return Err(format!("note longer than {NOTE_MAX_CHARS} characters"));
    }
    Ok(note.map(|n| n.trim().to_string()).filter(|n| !n.is_empty()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_note_is_bounded_as_sent_then_trimmed() {
        let long = format!("x{}", "\u{85}".repeat(NOTE_MAX_CHARS));
        assert!(
            clean_note(Some(long)).is_err(),
            "over maxLength before trimming"
        );
        let fits = format!("  ok{}", " ".repeat(NOTE_MAX_CHARS - 4));
        assert_eq!(clean_note(Some(fits)).unwrap().as_deref(), Some("ok"));
        assert_eq!(clean_note(Some(" \n ".into())).unwrap(), None);
        assert_eq!(clean_note(None).unwrap(), None);
    }

    /// Every `pattern` the document gives a mute name, as a regex.
    fn mute_name_patterns() -> Vec<regex::Regex> {
        let doc = serde_json::to_value(ApiDoc::openapi()).unwrap();
        let scope = &doc["components"]["schemas"]["MuteScope"]["oneOf"];
        let mut out = Vec::new();
        for variant in scope.as_array().expect("MuteScope is a oneOf") {
            for (_, field) in variant["properties"].as_object().unwrap() {
                if let Some(p) = field["pattern"].as_str() {
                    out.push(regex::Regex::new(p).unwrap());
                }
            }
        }
        out
    }

    #[test]
    fn the_documented_mute_name_pattern_and_the_server_agree_on_every_character() {
        let patterns = mute_name_patterns();
        assert_eq!(patterns.len(), 4, "watchlist, person, watchlist, alert");
        for c in (0..=0x10ffff_u32).filter_map(char::from_u32) {
            let name = c.to_string();
            for p in &patterns {
                assert_eq!(
                    p.is_match(&name),
                    !crate::store::desk::blank_mute_name(&name),
                    "U+{:04X}",
                    c as u32
                );
            }
        }
        assert!(crate::store::desk::blank_mute_name(""));
        assert!(!crate::store::desk::blank_mute_name(" \u{85}a\u{3000}"));
    }
}
