//! `[http]` as written.

use std::time::Duration;

use bytesize::ByteSize;
use serde::Deserialize;

/// `[http]`: limits for every request newshound makes.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawHttp {
    /// Total time for one request, body included.
    #[serde(default, with = "humantime_serde")]
    pub timeout: Option<Duration>,
    /// Time to establish a connection.
    #[serde(default, with = "humantime_serde")]
    pub connect_timeout: Option<Duration>,
    /// Largest body accepted, after decompression.
    pub max_body: Option<ByteSize>,
    /// Redirects followed before giving up.
    pub max_redirects: Option<usize>,
    /// The User-Agent header.
    pub user_agent: Option<String>,
    /// Allow feeds and sinks on loopback or private addresses.
    pub allow_private_networks: Option<bool>,
    /// Exceptions to the private-network guard: host names and CIDR networks.
    pub allow_hosts: Option<Vec<String>>,
    /// Requests to one host at once.
    pub per_host: Option<usize>,
    /// Items kept per feed (the newest).
    pub max_items: Option<usize>,
}
