//! `[http]`: request limits, the User-Agent and the private-network guard's exceptions.

use std::time::Duration;

use super::issues::Issues;
use crate::config::raw::{RawConfig, RawHttp};
use crate::config::HttpConfig;
use crate::net::AllowList;

/// Requests to one host at once unless configured.
pub const DEFAULT_PER_HOST: usize = 2;
/// Items kept per feed unless configured.
pub const DEFAULT_MAX_ITEMS: usize = 1000;

pub(super) fn http(raw: &RawConfig, issues: &mut Issues) -> HttpConfig {
    let h = &raw.http;
    let timeout = h.timeout.unwrap_or(Duration::from_secs(30));
    if timeout.is_zero() {
        issues.push("http.timeout", "must be more than 0s");
    }
    let max_body = h.max_body.map(|b| b.as_u64()).unwrap_or(8 * 1024 * 1024);
    if max_body == 0 {
        issues.push("http.max_body", "must be more than 0 bytes");
    }
    let (allow_hosts, per_host, max_items) = http_limits(h, issues);
    let max_redirects = h.max_redirects.unwrap_or(5);
    if max_redirects > 20 {
        issues.push(
            "http.max_redirects",
            format!("{max_redirects} is more than 20"),
        );
    }
    HttpConfig {
        timeout,
        connect_timeout: h
            .connect_timeout
            .unwrap_or(Duration::from_secs(10))
            .min(timeout),
        max_body,
        max_redirects,
        user_agent: h
            .user_agent
            .clone()
            .unwrap_or_else(|| format!("newshound/{}", env!("CARGO_PKG_VERSION"))),
        allow_private_networks: h.allow_private_networks.unwrap_or(false),
        allow_hosts,
        per_host,
        max_items,
        pinned_hosts: Default::default(),
    }
}

/// `[http]`'s `allow_hosts`, `per_host` and `max_items`.
pub(super) fn http_limits(h: &RawHttp, issues: &mut Issues) -> (AllowList, usize, usize) {
    let mut allow = AllowList::default();
    for (i, entry) in h.allow_hosts.iter().flatten().enumerate() {
        if let Err(e) = allow.push(entry) {
            issues.push(format!("http.allow_hosts[{i}]"), e.to_string());
        }
    }
    let per_host = h.per_host.unwrap_or(DEFAULT_PER_HOST);
    if per_host == 0 {
        issues.push("http.per_host", "must be at least 1");
    }
    let max_items = h.max_items.unwrap_or(DEFAULT_MAX_ITEMS);
    if max_items == 0 {
        issues.push("http.max_items", "must be at least 1");
    }
    (allow, per_host, max_items)
}
