//! The admin endpoint on `daemon.admin_listen`: the alert desk at `/` ([`desk`]), the
//! JSON API under `/api/v1/` ([`api`]), `/status` (the HTML status page), `/api/status`,
//! `GET /healthz` and `/metrics` (Prometheus text). No JavaScript; writes need the admin
//! token ([`auth`]). It is bound before the daemon reports ready and stops with it.

pub mod api;
pub mod auth;
mod desk;
mod page;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, FromRef, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::status::Monitor;

pub use auth::Access;
pub use page::render_page;

/// What every handler of the endpoint reads: the daemon's monitor (and through it the
/// state) and the access rules.
#[derive(Clone)]
pub struct DeskState {
    /// The daemon's view of itself.
    pub monitor: Arc<Monitor>,
    /// The admin token, if configured.
    pub access: Arc<Access>,
}

impl DeskState {
    /// The state.
    pub fn store(&self) -> &crate::store::Store {
        self.monitor.store()
    }
}

impl FromRef<DeskState> for Arc<Monitor> {
    fn from_ref(s: &DeskState) -> Arc<Monitor> {
        s.monitor.clone()
    }
}

/// The content type of the Prometheus text format.
pub const METRICS_CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// The page allows no script at all, only its own inline style: should a feed ever slip
/// markup past the escaping, the browser would still not run it.
const PAGE_CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// Why the admin endpoint could not start.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// The address is taken, not local, or not allowed.
    #[error("admin endpoint cannot listen on {addr} (daemon.admin_listen)")]
    Bind {
        /// The configured address.
        addr: SocketAddr,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}

/// Binds `addr`; failing here fails the daemon's start.
pub async fn bind(addr: SocketAddr) -> Result<TcpListener, AdminError> {
    TcpListener::bind(addr)
        .await
        .map_err(|source| AdminError::Bind { addr, source })
}

/// Serves the endpoint on `listener` until `cancel` fires.
pub async fn serve(
    listener: TcpListener,
    monitor: Arc<Monitor>,
    access: Access,
    cancel: CancellationToken,
) {
    if let Ok(addr) = listener.local_addr() {
        tracing::info!(%addr, token = access.has_token(), "admin endpoint listening");
    }
    let app = router(monitor, access).into_make_service_with_connect_info::<SocketAddr>();
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(async move { cancel.cancelled().await })
        .await;
    if let Err(e) = served {
        tracing::error!(error = %e, "admin endpoint failed");
    }
}

/// The routes, over `monitor`, with `access`.
pub fn router(monitor: Arc<Monitor>, access: Access) -> Router {
    let state = DeskState {
        monitor,
        access: Arc::new(access),
    };
    Router::new()
        .route("/", get(desk::inbox))
        .route("/search", get(desk::search_page))
        .route("/rules", get(desk::rules_page))
        .route("/alerts/{id}", get(desk::alert_page))
        .route("/alerts/{id}/feedback", post(desk::feedback_form))
        .route("/mutes", get(desk::mutes_page).post(desk::mute_form))
        .route("/mutes/{id}/lift", post(desk::lift_form))
        .route("/login", get(desk::login_page).post(desk::login_form))
        .route("/logout", post(desk::logout_form))
        .route("/status", get(page))
        .route("/api/status", get(status))
        .route("/api/v1/alerts", get(api::list_alerts))
        .route("/api/v1/alerts/{id}", get(api::get_alert))
        .route("/api/v1/alerts/{id}/feedback", post(api::post_feedback))
        .route("/api/v1/search", get(api::search))
        .route("/api/v1/rules/test", get(desk::api_test_rule))
        .route(
            "/api/v1/mutes",
            get(api::list_mutes)
                .post(api::post_mute)
                .delete(api::delete_mute),
        )
        .route("/api/v1/openapi.json", get(api::openapi))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            read_access,
        ))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .layer(axum::extract::DefaultBodyLimit::max(64 * 1024))
        .with_state(state)
}

/// Refuses (401) a client that is not on loopback and shows no token; `/healthz` and
/// `/metrics` stay open for probes and scrapers.
async fn read_access(State(s): State<DeskState>, req: Request, next: Next) -> Response {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    let sign_in = matches!(req.uri().path(), "/login");
    if sign_in || s.access.may_read(peer, req.headers()) {
        return next.run(req).await;
    }
    api::error(
        StatusCode::UNAUTHORIZED,
        "reading from another host needs the admin token (Authorization: Bearer, or sign in at /login)",
    )
}

/// 200 `ok` while every poll loop moves and the state reads; 503 naming the stuck loop
/// or the state's failure otherwise.
async fn healthz(State(monitor): State<Arc<Monitor>>) -> Response {
    if let Some(why) = monitor.board().state_failure() {
        let body = format!("state failing: {why}\n");
        return (StatusCode::SERVICE_UNAVAILABLE, body).into_response();
    }
    match monitor.board().stall(tokio::time::Instant::now()) {
        None => (StatusCode::OK, "ok\n").into_response(),
        Some(s) => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("stuck: feed '{}': {}\n", s.feed, s.reason),
        )
            .into_response(),
    }
}

async fn metrics(State(monitor): State<Arc<Monitor>>) -> Response {
    match monitor.metrics_text().await {
        Ok(text) => ([(header::CONTENT_TYPE, METRICS_CONTENT_TYPE)], text).into_response(),
        Err(e) => internal(&e),
    }
}

async fn status(State(monitor): State<Arc<Monitor>>) -> Response {
    match monitor.report().await {
        Ok(report) => Json(report).into_response(),
        Err(e) => internal(&e),
    }
}

async fn page(State(monitor): State<Arc<Monitor>>) -> Response {
    let report = match monitor.report().await {
        Ok(r) => r,
        Err(e) => return internal(&e),
    };
    let mut resp = (
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        render_page(&report, chrono::Utc::now()),
    )
        .into_response();
    let headers = resp.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(PAGE_CSP),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

/// A 500 for a failed state read or write, logged.
pub(crate) fn internal(e: &crate::store::StoreError) -> Response {
    let chain = crate::net::error_chain(e);
    tracing::error!(error = %chain, "admin endpoint: reading the state failed");
    (StatusCode::INTERNAL_SERVER_ERROR, format!("{chain}\n")).into_response()
}
