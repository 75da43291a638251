//! Fetching a feed's bytes: one shared HTTP client with conditional GET, size and time
//! limits enforced while streaming; `file://` feeds read from disk under the same cap.

use bytes::{Bytes, BytesMut};
use tokio::io::AsyncReadExt;
use url::Url;

use crate::config::{FeedSource, HttpConfig};
use crate::net::{check_host, error_chain, http_client, HostCheck};
use crate::store::FeedState;

/// What a fetch brought back.
#[derive(Debug)]
pub enum Fetched {
    /// 304: nothing changed since the validators we sent.
    NotModified,
    /// A new body.
    Body {
        /// The body, decompressed, at most `max_body` bytes.
        bytes: Bytes,
        /// The ETag to send next time.
        etag: Option<String>,
        /// The Last-Modified to send next time.
        last_modified: Option<String>,
        /// Where the body came from after redirects (base for relative links).
        final_url: Option<Url>,
    },
}

/// Why a fetch failed.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// The server answered with a non-success status.
    #[error("HTTP {status} from {url}")]
    Status {
        /// The status code.
        status: u16,
        /// The URL answered.
        url: String,
    },
    /// The request failed (connection, timeout, redirect policy, decoding…).
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
    #[error("{url} refused: {reason}; set http.allow_private_networks = true to allow it")]
    Refused {
        /// The URL.
        url: String,
        /// Why.
        reason: String,
    },
}

/// Fetches feeds with one shared client.
#[derive(Clone)]
pub struct Fetcher {
    client: reqwest::Client,
    max_body: u64,
    allow_private: bool,
}

impl Fetcher {
    /// Builds the fetcher for `[http]`.
    pub fn new(http: &HttpConfig) -> Result<Fetcher, reqwest::Error> {
        Ok(Fetcher {
            client: http_client(http, http.max_redirects)?,
            max_body: http.max_body,
            allow_private: http.allow_private_networks,
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

    async fn get(&self, url: &Url, state: Option<&FeedState>) -> Result<Fetched, FetchError> {
        if !self.allow_private {
            if let HostCheck::Private(reason) = check_host(url) {
                return Err(FetchError::Refused {
                    url: url.to_string(),
                    reason,
                });
            }
        }
        let request_err = |source: reqwest::Error| FetchError::Request {
            url: url.to_string(),
            detail: error_chain(&source),
            source,
        };
        let mut req = self.client.get(url.clone());
        if let Some(s) = state {
            if let Some(etag) = &s.etag {
                req = req.header(reqwest::header::IF_NONE_MATCH, etag);
            }
            if let Some(lm) = &s.last_modified {
                req = req.header(reqwest::header::IF_MODIFIED_SINCE, lm);
            }
        }
        let mut resp = req.send().await.map_err(request_err)?;
        let status = resp.status();
        if status == reqwest::StatusCode::NOT_MODIFIED {
            return Ok(Fetched::NotModified);
        }
        if !status.is_success() {
            return Err(FetchError::Status {
                status: status.as_u16(),
                url: resp.url().to_string(),
            });
        }
        let header = |name| {
            resp.headers()
                .get(name)
                .and_then(|v: &reqwest::header::HeaderValue| v.to_str().ok())
                .map(str::to_string)
        };
        let etag = header(reqwest::header::ETAG);
        let last_modified = header(reqwest::header::LAST_MODIFIED);
        let final_url = resp.url().clone();
        let too_large = || FetchError::TooLarge {
            url: final_url.to_string(),
            limit: self.max_body,
        };
        if resp.content_length().is_some_and(|n| n > self.max_body) {
            return Err(too_large());
        }
        let mut body = BytesMut::new();
        // Chunks arrive decompressed: the cap holds against compression bombs.
        while let Some(chunk) = resp.chunk().await.map_err(request_err)? {
            if body.len() as u64 + chunk.len() as u64 > self.max_body {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Fetched::Body {
            bytes: body.freeze(),
            etag,
            last_modified,
            final_url: Some(final_url),
        })
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
        let final_url = Url::from_file_path(path).ok();
        Ok(Fetched::Body {
            bytes: Bytes::from(bytes),
            etag: None,
            last_modified: None,
            final_url,
        })
    }
}
