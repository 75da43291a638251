//! The HTTP client every request goes through, and its DNS resolver: names resolve as
//! usual, then every address the guard refuses is dropped before hyper sees the list.

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use super::guard::{Guard, HINT};
use crate::config::HttpConfig;

/// A DNS resolver for reqwest that drops every address the guard refuses, so a public
/// name pointing inside the network (or rebinding to it) is refused. reqwest calls it for
/// every connection to a name — the first hop and every redirect hop alike — and connects
/// only to the addresses it returns. IP literals never reach a resolver: the guard judges
/// them on the URL (see [`Guard::check_url`]).
#[derive(Debug, Clone, Default)]
pub struct GuardedResolver {
    guard: Arc<Guard>,
    pinned: Arc<BTreeMap<String, Vec<IpAddr>>>,
}

impl GuardedResolver {
    /// A resolver judging answers with `guard`. Names in `pinned` resolve to the listed
    /// addresses without DNS (a test hook, like curl's `--resolve`); the guard still
    /// judges them.
    pub fn new(guard: Guard, pinned: BTreeMap<String, Vec<IpAddr>>) -> GuardedResolver {
        GuardedResolver {
            guard: Arc::new(guard),
            pinned: Arc::new(pinned),
        }
    }

    /// The addresses of `host` the guard allows, or why none is: `addrs` is what DNS
    /// answered.
    pub fn filter(&self, host: &str, addrs: Vec<SocketAddr>) -> Result<Vec<SocketAddr>, String> {
        let mut refused = None;
        let allowed: Vec<SocketAddr> = addrs
            .into_iter()
            .filter(|a| match self.guard.check_ip(Some(host), a.ip()) {
                Ok(()) => true,
                Err(why) => {
                    refused.get_or_insert(why);
                    false
                }
            })
            .collect();
        match (allowed.is_empty(), refused) {
            (true, Some(why)) => Err(format!("{why}; {HINT}")),
            (true, None) => Err(format!("'{host}' has no address")),
            (false, _) => Ok(allowed),
        }
    }

    /// Resolves `host` and returns the addresses the guard allows, or why there are none
    /// (for connections made outside reqwest, such as SMTP).
    pub async fn resolve_allowed(&self, host: &str) -> Result<Vec<SocketAddr>, String> {
        let addrs = self
            .lookup(host)
            .await
            .map_err(|e| format!("resolving '{host}' failed: {e}"))?;
        self.filter(host, addrs)
    }

    async fn lookup(&self, host: &str) -> std::io::Result<Vec<SocketAddr>> {
        if let Some(ips) = self.pinned.get(&host.to_ascii_lowercase()) {
            return Ok(ips.iter().map(|ip| SocketAddr::new(*ip, 0)).collect());
        }
        Ok(tokio::net::lookup_host((host, 0)).await?.collect())
    }
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let this = self.clone();
        Box::pin(async move {
            let host = name.as_str();
            let addrs = this.lookup(host).await?;
            let allowed = this.filter(host, addrs)?;
            Ok(Box::new(allowed.into_iter()) as Addrs)
        })
    }
}

/// Builds the HTTP client used for `http`'s requests: timeouts, compression, the redirect
/// policy (`max_redirects`, http/https only, guarded hosts) and the guarded resolver.
pub fn http_client(
    http: &HttpConfig,
    max_redirects: usize,
) -> Result<reqwest::Client, reqwest::Error> {
    let guard = http.guard();
    let policy_guard = guard.clone();
    let policy = reqwest::redirect::Policy::custom(move |attempt| {
        // A client that follows none (the sinks') hands the 3xx back as the answer.
        if max_redirects == 0 {
            return attempt.stop();
        }
        if attempt.previous().len() > max_redirects {
            return attempt.error(format!("more than {max_redirects} redirects"));
        }
        let url = attempt.url();
        if !matches!(url.scheme(), "http" | "https") {
            let msg = format!("redirect to '{url}' refused: only http and https are followed");
            return attempt.error(msg);
        }
        let refused = policy_guard
            .check_url(url)
            .err()
            .map(|why| format!("redirect to '{url}' refused: {why}; {HINT}"));
        match refused {
            Some(msg) => attempt.error(msg),
            None => attempt.follow(),
        }
    });
    let resolver = GuardedResolver::new(guard, http.pinned_hosts.clone());
    reqwest::Client::builder()
        .user_agent(http.user_agent.clone())
        .timeout(http.timeout)
        .connect_timeout(http.connect_timeout)
        .redirect(policy)
        .gzip(true)
        .brotli(true)
        .deflate(true)
        .pool_idle_timeout(std::time::Duration::from_secs(60))
        .dns_resolver(Arc::new(resolver))
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::AllowList;

    fn resolver(allow: &[&str]) -> GuardedResolver {
        let mut list = AllowList::default();
        allow.iter().for_each(|e| list.push(e).unwrap());
        let guard = Guard {
            allow_private: false,
            allow: list,
        };
        let pinned = BTreeMap::from([(
            "rebind.example".to_string(),
            vec!["127.0.0.1".parse().unwrap()],
        )]);
        GuardedResolver::new(guard, pinned)
    }

    fn addrs(ips: &[&str]) -> Vec<SocketAddr> {
        ips.iter()
            .map(|ip| SocketAddr::new(ip.parse().unwrap(), 0))
            .collect()
    }

    #[test]
    fn non_public_answers_are_dropped_and_all_private_is_refused() {
        let r = resolver(&[]);
        let mixed = addrs(&["10.0.0.1", "93.184.216.34", "::ffff:127.0.0.1"]);
        assert_eq!(
            r.filter("mixed.example", mixed),
            Ok(addrs(&["93.184.216.34"]))
        );
        let err = r
            .filter("evil.example", addrs(&["169.254.169.254"]))
            .unwrap_err();
        assert!(
            err.starts_with("'evil.example' resolves to 169.254.169.254 (link-local)"),
            "{err}"
        );
        assert!(err.contains("http.allow_hosts"), "{err}");
        let open = resolver(&["evil.example"]);
        assert_eq!(
            open.filter("evil.example", addrs(&["127.0.0.1"])),
            Ok(addrs(&["127.0.0.1"]))
        );
    }

    #[tokio::test]
    async fn pinned_names_resolve_without_dns_and_are_still_judged() {
        let name = || "rebind.example".parse::<Name>().unwrap();
        let err = match resolver(&[]).resolve(name()).await {
            Ok(_) => panic!("a loopback answer must be refused"),
            Err(e) => e.to_string(),
        };
        assert!(err.contains("resolves to 127.0.0.1 (loopback)"), "{err}");
        let got: Vec<SocketAddr> = match resolver(&["127.0.0.0/8"]).resolve(name()).await {
            Ok(a) => a.collect(),
            Err(e) => panic!("allowed by CIDR: {e}"),
        };
        assert_eq!(got, addrs(&["127.0.0.1"]));
    }
}
