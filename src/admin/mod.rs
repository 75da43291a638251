//! The admin endpoint on `daemon.admin_listen`: `GET /healthz`, `/metrics` (Prometheus
//! text), `/api/status` (JSON) and `/` (the HTML status page). Read-only, no JavaScript;
//! it is bound before the daemon reports ready and stops when the daemon stops.

mod page;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::status::Monitor;

pub use page::render_page;

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
pub async fn serve(listener: TcpListener, monitor: Arc<Monitor>, cancel: CancellationToken) {
    if let Ok(addr) = listener.local_addr() {
        tracing::info!(%addr, "admin endpoint listening");
    }
    let served = axum::serve(listener, router(monitor))
        .with_graceful_shutdown(async move { cancel.cancelled().await })
        .await;
    if let Err(e) = served {
        tracing::error!(error = %e, "admin endpoint failed");
    }
}

/// The routes, over `monitor`.
pub fn router(monitor: Arc<Monitor>) -> Router {
    Router::new()
        .route("/", get(page))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .route("/api/status", get(status))
        .with_state(monitor)
}

/// 200 `ok` while every poll loop moves; 503 naming the stuck one otherwise.
async fn healthz(State(monitor): State<Arc<Monitor>>) -> Response {
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

fn internal(e: &crate::store::StoreError) -> Response {
    let chain = crate::net::error_chain(e);
    tracing::error!(error = %chain, "admin endpoint: reading the state failed");
    (StatusCode::INTERNAL_SERVER_ERROR, format!("{chain}\n")).into_response()
}
