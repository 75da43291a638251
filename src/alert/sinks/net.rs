//! The transports sinks share, built once per dispatcher from `[http]`: one HTTP client
//! (no redirects followed, every address judged by the guard) and the guarded resolver
//! SMTP connections use.

use crate::config::HttpConfig;
use crate::net::{http_client, GuardedResolver};

/// What a sink's `deliver` sends through.
#[derive(Clone)]
pub struct Net {
    /// The HTTP client; follows no redirects.
    pub client: reqwest::Client,
    /// `[http]`: timeouts and the guard.
    pub http: HttpConfig,
    /// Resolves names for non-HTTP transports (SMTP) under the same guard.
    pub resolver: GuardedResolver,
}

impl Net {
    /// Builds the transports (the TLS roots are loaded here).
    pub fn new(http: &HttpConfig) -> Result<Net, reqwest::Error> {
        Ok(Net {
            client: http_client(http, 0)?,
            http: http.clone(),
            resolver: GuardedResolver::new(http.guard(), http.pinned_hosts.clone()),
        })
    }
}
