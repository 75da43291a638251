//! Fetching a feed's bytes: one shared HTTP client with conditional GET, size and time
//! limits enforced while streaming; `file://` feeds read from disk under the same cap.
//! Along with the body come the response's scheduling signals and its `Content-Type`
//! (whose charset the parser honours).

use std::time::{Duration, SystemTime};

use bytes::{Bytes, BytesMut};
use tokio::io::AsyncReadExt;
use url::Url;

use super::signals::HttpSignals;
use crate::config::{FeedSource, HttpConfig};
use crate::net::{http_client, Guard, HINT};
use crate::store::FeedState;

/// What a fetch brought back.
#[derive(Debug)]
pub enum Fetched {
    /// 304: nothing changed since the validators we sent.
    NotModified {
        /// What the response said about when to ask again.
        signals: HttpSignals,
    },
    /// A new body.
    Body {
        /// The body, decompressed, at most `max_body` bytes.
        bytes: Bytes,
        /// The ETag to send next time.
        etag: Option<String>,
        /// The Last-Modified to send next time.
        last_modified: Option<String>,
        /// Where the body came from after redirects, or its `Content-Location` (the base
        /// for relative links).
        final_url: Option<Url>,
        /// The `Content-Type` header (its charset wins over the XML declaration).
        content_type: Option<String>,
        /// What the response said about when to ask again.
        signals: HttpSignals,
    },
}

/// Why a fetch failed.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// The server answered with a non-success status.
    #[error("HTTP {status} from {url}{}", retry_note(*retry_after))]
    Status {
        /// The status code.
        status: u16,
        /// The URL answered.
        url: String,
        /// The server's `Retry-After`, if it sent one.
        retry_after: Option<Duration>,
    },
    /// A redirect the client did not follow (to another scheme than http or https).
    #[error("{url} redirects to '{location}', which is not followed: only http and https are")]
    Redirect {
        /// The URL that redirected.
        url: String,
        /// Where to.
        location: String,
    },
    /// No complete answer within `http.timeout` (a server that never answers, or drips).
    #[error("no complete answer from {url} within {} (http.timeout)", humantime::format_duration(*limit))]
    Timeout {
        /// The URL requested.
        url: String,
        /// The limit.
        limit: Duration,
    },
    /// The request failed (connection, redirect policy, TLS…).
    #[error("request to {url} failed: {detail}")]
    Request {
        /// The URL requested.
        url: String,
        /// The error chain, on one line.
        detail: String,
        /// The cause.
        #[source]
        source: reqwest::Error,
    },
    /// The body broke off or did not decode (a Content-Length that lies, a bad gzip…).
    #[error("reading the body of {url} failed: {detail}")]
    Body {
        /// The URL read.
        url: String,
        /// The error chain, on one line.
        detail: String,
    },
    /// The body exceeded `http.max_body`.
    #[error("body of {url} is larger than the {limit} byte limit (http.max_body)")]
    TooLarge {
        /// Where.
        url: String,
        /// The limit.
        limit: u64,
    },
    /// A file:// feed could not be read.
    #[error("reading '{path}' failed")]
    File {
        /// The file.
        path: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The address is not allowed.
    #[error("{url} refused: {reason}; {HINT}")]
    Refused {
        /// The URL.
        url: String,
        /// Why.
        reason: String,
    },
}

fn retry_note(after: Option<Duration>) -> String {
    after.map_or_else(String::new, |d| {
        format!(" (retry after {})", humantime::format_duration(d))
    })
}

impl FetchError {
    /// The server's `Retry-After`, when the failure came with one.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            FetchError::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

/// Fetches feeds with one shared client.
#[derive(Clone)]
pub struct Fetcher {
    client: reqwest::Client,
    max_body: u64,
    timeout: Duration,
    guard: Guard,
}

impl Fetcher {
    /// Builds the fetcher for `[http]`.
    pub fn new(http: &HttpConfig) -> Result<Fetcher, reqwest::Error> {
        Ok(Fetcher {
            client: http_client(http, http.max_redirects)?,
            max_body: http.max_body,
            timeout: http.timeout,
            guard: http.guard(),
        })
    }

    /// Fetches `source`, sending the validators remembered in `state`.
    pub async fn fetch(
        &self,
        source: &FeedSource,
        state: Option<&FeedState>,
    ) -> Result<Fetched, FetchError> {
        match source {
            FeedSource::File(path) => self.read_file(path).await,
            FeedSource::Http(url) => self.get(url, state).await,
        }
    }

    /// Maps a reqwest error, telling a timeout apart.
    fn request_err(&self, url: &Url, source: reqwest::Error) -> FetchError {
        if source.is_timeout() {
            return FetchError::Timeout {
                url: url.to_string(),
                limit: self.timeout,
            };
        }
        FetchError::Request {
            url: url.to_string(),
            detail: crate::net::cut::request_failure(&source),
            source,
        }
    }

    async fn get(&self, url: &Url, state: Option<&FeedState>) -> Result<Fetched, FetchError> {
        if let Err(reason) = self.guard.check_url(url) {
            return Err(FetchError::Refused {
                url: url.to_string(),
                reason,
            });
        }
        let mut req = self.client.get(url.clone());
        if let Some(s) = state {
            if let Some(etag) = &s.etag {
                req = req.header(reqwest::header::IF_NONE_MATCH, etag);
            }
            if let Some(lm) = &s.last_modified {
                req = req.header(reqwest::header::IF_MODIFIED_SINCE, lm);
            }
        }
        let resp = req.send().await.map_err(|e| self.request_err(url, e))?;
        let signals = HttpSignals::from_headers(resp.headers(), SystemTime::now());
        let status = resp.status();
        if status == reqwest::StatusCode::NOT_MODIFIED {
            return Ok(Fetched::NotModified { signals });
        }
        if status.is_redirection() {
            if let Some(location) = resp.headers().get(reqwest::header::LOCATION) {
                return Err(FetchError::Redirect {
                    url: resp.url().to_string(),
                    location: String::from_utf8_lossy(location.as_bytes()).into_owned(),
                });
            }
        }
        if !status.is_success() {
            return Err(FetchError::Status {
                status: status.as_u16(),
                url: resp.url().to_string(),
                retry_after: signals.retry_after,
            });
        }
        self.read_body(resp, signals).await
    }

    /// Streams the body under the size cap (chunks arrive decompressed, so the cap holds
    /// against compression bombs) and the client's total timeout.
    async fn read_body(
        &self,
        resp: reqwest::Response,
        signals: HttpSignals,
    ) -> Result<Fetched, FetchError> {
        let header = |name| {
            resp.headers()
                .get(name)
                .and_then(|v: &reqwest::header::HeaderValue| v.to_str().ok())
                .map(str::to_string)
        };
        let etag = header(reqwest::header::ETAG);
        let last_modified = header(reqwest::header::LAST_MODIFIED);
        let content_type = header(reqwest::header::CONTENT_TYPE);
        // Relative links resolve against Content-Location when the server names one.
        let final_url = header(reqwest::header::CONTENT_LOCATION)
            .and_then(|loc| resp.url().join(&loc).ok())
            .filter(|u| matches!(u.scheme(), "http" | "https"))
            .unwrap_or_else(|| resp.url().clone());
        let body = self.read_capped(resp, &final_url).await?;
        Ok(Fetched::Body {
            bytes: body,
            etag,
            last_modified,
            final_url: Some(final_url),
            content_type,
            signals,
        })
    }

    /// The body, at most `max_body` bytes after decompression, whatever Content-Length says.
    async fn read_capped(
        &self,
        mut resp: reqwest::Response,
        url: &Url,
    ) -> Result<Bytes, FetchError> {
        let too_large = || FetchError::TooLarge {
            url: url.to_string(),
            limit: self.max_body,
        };
        if resp.content_length().is_some_and(|n| n > self.max_body) {
            return Err(too_large());
        }
        let expected = resp.content_length();
        let mut body = BytesMut::with_capacity(expected.unwrap_or(0) as usize);
        loop {
            let chunk = match resp.chunk().await {
                Ok(Some(chunk)) => chunk,
                Ok(None) => break,
                Err(e) => return Err(self.body_err(url, e, body.len() as u64, expected)),
            };
            let needed = body.len() as u64 + chunk.len() as u64;
            if needed > self.max_body {
                return Err(too_large());
            }
            // Grow by doubling, but never past the cap: an 8 MiB body holds 8 MiB, not 16.
            if needed as usize > body.capacity() {
                let target = (body.capacity() as u64 * 2).clamp(needed, self.max_body);
                body.reserve(target as usize - body.len());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body.freeze())
    }

    /// The body broke off after `read` of `expected` bytes (or timed out).
    fn body_err(
        &self,
        url: &Url,
        source: reqwest::Error,
        read: u64,
        expected: Option<u64>,
    ) -> FetchError {
        if source.is_timeout() {
            return self.request_err(url, source);
        }
        FetchError::Body {
            url: url.to_string(),
            detail: crate::net::cut::body_cut(&source, read, expected),
        }
    }

    async fn read_file(&self, path: &std::path::Path) -> Result<Fetched, FetchError> {
        let file_err = |source| FetchError::File {
            path: path.display().to_string(),
            source,
        };
        let file = tokio::fs::File::open(path).await.map_err(file_err)?;
        let mut bytes = Vec::new();
        file.take(self.max_body + 1)
            .read_to_end(&mut bytes)
            .await
            .map_err(file_err)?;
        if bytes.len() as u64 > self.max_body {
            return Err(FetchError::TooLarge {
                url: format!("file://{}", path.display()),
                limit: self.max_body,
            });
        }
        Ok(Fetched::Body {
            bytes: Bytes::from(bytes),
            etag: None,
            last_modified: None,
            final_url: Url::from_file_path(path).ok(),
            content_type: None,
            signals: HttpSignals::default(),
        })
    }
}
