//! The network guard shared by feeds and sinks: which addresses newshound may contact.
//! Literal hosts are checked on every URL (first hop and each redirect); names are checked
//! on the addresses DNS actually returns, through [`GuardedResolver`].

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use url::{Host, Url};

/// The verdict on a URL's host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostCheck {
    /// A public address, or a name to be checked when resolved.
    Public,
    /// A loopback, private or otherwise internal host, with the reason.
    Private(String),
}

/// Checks a URL's literal host (IP literal or `localhost`) without resolving names.
pub fn check_host(url: &Url) -> HostCheck {
    match url.host() {
        None => HostCheck::Private("the URL has no host".into()),
        Some(Host::Ipv4(ip)) => verdict(IpAddr::V4(ip)),
        Some(Host::Ipv6(ip)) => verdict(IpAddr::V6(ip)),
        Some(Host::Domain(d)) => {
            let d = d.trim_end_matches('.').to_ascii_lowercase();
            if d == "localhost" || d.ends_with(".localhost") {
                HostCheck::Private(format!("'{d}' is a loopback name"))
            } else {
                HostCheck::Public
            }
        }
    }
}

fn verdict(ip: IpAddr) -> HostCheck {
    match non_public_reason(ip) {
        Some(why) => HostCheck::Private(format!("{ip} is a {why} address")),
        None => HostCheck::Public,
    }
}

/// Why `ip` is not a public unicast address, or `None` when it is.
pub fn non_public_reason(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => v4_reason(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4_reason(v4),
            None => v6_reason(v6),
        },
    }
}

fn v4_reason(ip: Ipv4Addr) -> Option<&'static str> {
    let o = ip.octets();
    if ip.is_loopback() {
        Some("loopback")
    } else if ip.is_private() {
        Some("private")
    } else if ip.is_link_local() {
        Some("link-local")
    } else if o[0] == 100 && (64..128).contains(&o[1]) {
        Some("carrier-grade NAT")
    } else if ip.is_multicast() || ip.is_broadcast() || o[0] >= 240 {
        Some("multicast or reserved")
    } else if ip.is_unspecified() || o[0] == 0 {
        Some("unspecified")
    } else {
        None
    }
}

fn v6_reason(ip: Ipv6Addr) -> Option<&'static str> {
    let s = ip.segments();
    if ip.is_loopback() {
        Some("loopback")
    } else if ip.is_unspecified() {
        Some("unspecified")
    } else if ip.is_multicast() {
        Some("multicast")
    } else if (s[0] & 0xffc0) == 0xfe80 {
        Some("link-local")
    } else if (s[0] & 0xfe00) == 0xfc00 {
        Some("private (unique local)")
    } else if s[0] == 0 && s[1] == 0 && s[2] == 0 && s[3] == 0 && s[4] == 0 && s[5] == 0 {
        // IPv4-compatible (deprecated) addresses embed an IPv4 address.
        v4_reason(Ipv4Addr::new(
            (s[6] >> 8) as u8,
            s[6] as u8,
            (s[7] >> 8) as u8,
            s[7] as u8,
        ))
    } else {
        None
    }
}

/// A DNS resolver for reqwest that drops every non-public address a name resolves to,
/// so a public name pointing inside the network (or rebinding to it) is refused.
#[derive(Debug, Clone, Default)]
pub struct GuardedResolver;

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_string();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let public: Vec<SocketAddr> = addrs
                .iter()
                .copied()
                .filter(|a| non_public_reason(a.ip()).is_none())
                .collect();
            if public.is_empty() && !addrs.is_empty() {
                let why = non_public_reason(addrs[0].ip()).unwrap_or("non-public");
                let msg = format!(
                    "'{host}' resolves to {} ({why}); set http.allow_private_networks = true to allow it",
                    addrs[0].ip()
                );
                return Err(msg.into());
            }
            Ok(Box::new(public.into_iter()) as Addrs)
        })
    }
}

/// Builds the HTTP client used for `http`'s requests: timeouts, compression, the redirect
/// policy (`max_redirects`, http/https only, guarded hosts) and the guarded resolver.
pub fn http_client(
    http: &crate::config::HttpConfig,
    max_redirects: usize,
) -> Result<reqwest::Client, reqwest::Error> {
    let allow_private = http.allow_private_networks;
    let policy = reqwest::redirect::Policy::custom(move |attempt| {
        if attempt.previous().len() > max_redirects {
            return attempt.error(format!("more than {max_redirects} redirects"));
        }
        let url = attempt.url();
        if !matches!(url.scheme(), "http" | "https") {
            let msg = format!("redirect to '{url}' refused: only http and https are followed");
            return attempt.error(msg);
        }
        let refused = match check_host(url) {
            HostCheck::Private(why) if !allow_private => {
                Some(format!("redirect to '{url}' refused: {why}"))
            }
            _ => None,
        };
        match refused {
            Some(msg) => attempt.error(msg),
            None => attempt.follow(),
        }
    });
    let mut builder = reqwest::Client::builder()
        .user_agent(http.user_agent.clone())
        .timeout(http.timeout)
        .connect_timeout(http.connect_timeout)
        .redirect(policy)
        .gzip(true)
        .brotli(true)
        .deflate(true)
        .pool_idle_timeout(std::time::Duration::from_secs(60));
    if !allow_private {
        builder = builder.dns_resolver(std::sync::Arc::new(GuardedResolver));
    }
    builder.build()
}

/// Renders an error and its causes on one line: `outer: cause: root cause`.
pub fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut out = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_hosts() {
        for u in [
            "http://127.0.0.1/",
            "http://2130706433/",
            "http://0x7f.1/",
            "http://10.1.2.3/",
            "http://192.168.0.1/",
            "http://169.254.169.254/",
            "http://100.64.0.1/",
            "http://0.0.0.0/",
            "http://[::1]/",
            "http://[::ffff:127.0.0.1]/",
            "http://[fd00::1]/",
            "http://[fe80::1]/",
            "http://localhost:8080/",
        ] {
            let url = Url::parse(u).unwrap();
            assert!(
                matches!(check_host(&url), HostCheck::Private(_)),
                "{u} should be refused"
            );
        }
        for u in [
            "http://93.184.216.34/",
            "https://example.org/rss",
            "http://[2606:4700::1]/",
        ] {
            assert_eq!(
                check_host(&Url::parse(u).unwrap()),
                HostCheck::Public,
                "{u}"
            );
        }
    }
}
