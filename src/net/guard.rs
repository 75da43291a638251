//! The address guard: which hosts and addresses newshound may contact, given
//! `http.allow_private_networks` and the `http.allow_hosts` exceptions. One [`Guard`] judges
//! literal hosts (config load, first hop, every redirect) and the addresses a name
//! resolves to (see [`super::GuardedResolver`]).

use std::net::IpAddr;

use ipnet::IpNet;
use url::{Host, Url};

use super::addr::{embedded_ipv4, non_public_reason};

/// Exceptions to the guard: host names (`intranet.example`, or `*.corp.example` for every
/// name below it) and networks (`10.0.0.0/8`, `fd00::/8`, or a single address).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowList {
    hosts: Vec<String>,
    nets: Vec<IpNet>,
}

/// Why an `http.allow_hosts` entry was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{entry}' is not a host name, an address or a network (CIDR)")]
pub struct AllowEntryError {
    /// The entry as written.
    pub entry: String,
}

impl AllowList {
    /// Adds one entry: a CIDR network, a single address, or a host name pattern.
    pub fn push(&mut self, entry: &str) -> Result<(), AllowEntryError> {
        let e = entry.trim().trim_end_matches('.').to_ascii_lowercase();
        let bad = || AllowEntryError {
            entry: entry.to_string(),
        };
        if let Ok(net) = e.parse::<IpNet>() {
            self.nets.push(net.trunc());
        } else if let Ok(ip) = e.trim_matches(['[', ']']).parse::<IpAddr>() {
            self.nets.push(IpNet::from(ip));
        } else if e.contains('/') || !is_host_pattern(&e) {
            return Err(bad());
        } else {
            self.hosts.push(e);
        }
        Ok(())
    }

    /// Whether `host` (a name, lower case) is allowed by name.
    pub fn allows_name(&self, host: &str) -> bool {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        self.hosts.iter().any(|p| match p.strip_prefix("*.") {
            Some(suffix) => {
                host.ends_with(suffix) && host[..host.len() - suffix.len()].ends_with('.')
            }
            None => *p == host,
        })
    }

    /// Whether `ip` (or the IPv4 address it embeds) lies in an allowed network.
    pub fn allows_ip(&self, ip: IpAddr) -> bool {
        let embedded = match ip {
            IpAddr::V6(v6) => embedded_ipv4(v6),
            IpAddr::V4(_) => [None, None],
        };
        let mut candidates =
            std::iter::once(ip).chain(embedded.into_iter().flatten().map(IpAddr::V4));
        candidates.any(|ip| self.nets.iter().any(|n| n.contains(&ip)))
    }

    /// Whether no exception is configured.
    pub fn is_empty(&self) -> bool {
        self.hosts.is_empty() && self.nets.is_empty()
    }
}

fn is_host_pattern(e: &str) -> bool {
    let name = e.strip_prefix("*.").unwrap_or(e);
    !name.is_empty()
        && name.split('.').all(|l| {
            !l.is_empty()
                && l.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        })
}

/// The guard for one config.
#[derive(Debug, Clone, Default)]
pub struct Guard {
    /// `http.allow_private_networks`: when true, everything is allowed.
    pub allow_private: bool,
    /// `http.allow_hosts`.
    pub allow: AllowList,
}

/// The hint appended to every refusal.
pub const HINT: &str = "set http.allow_private_networks = true or list it in http.allow_hosts";

impl Guard {
    /// Judges a URL's host as written: an IP literal (in any notation the URL parser
    /// accepts) or a loopback name. Other names pass here and are judged on their DNS
    /// answers. `Err` says why, without the hint.
    pub fn check_url(&self, url: &Url) -> Result<(), String> {
        if self.allow_private {
            return Ok(());
        }
        match url.host() {
            None => Err("the URL has no host".into()),
            Some(Host::Ipv4(ip)) => self.check_ip(None, IpAddr::V4(ip)),
            Some(Host::Ipv6(ip)) => self.check_ip(None, IpAddr::V6(ip)),
            Some(Host::Domain(d)) => {
                let d = d.trim_end_matches('.').to_ascii_lowercase();
                let loopback = d == "localhost" || d.ends_with(".localhost");
                if loopback && !self.allow.allows_name(&d) {
                    Err(format!("'{d}' is a loopback name"))
                } else {
                    Ok(())
                }
            }
        }
    }

    /// Judges one address that `name` (when it came from DNS) resolved to.
    pub fn check_ip(&self, name: Option<&str>, ip: IpAddr) -> Result<(), String> {
        if self.allow_private
            || name.is_some_and(|n| self.allow.allows_name(n))
            || self.allow.allows_ip(ip)
        {
            return Ok(());
        }
        match non_public_reason(ip) {
            None => Ok(()),
            Some(why) => Err(match name {
                Some(n) => format!("'{n}' resolves to {ip} ({why})"),
                None => format!("{ip} is a {why} address"),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guard(entries: &[&str]) -> Guard {
        let mut allow = AllowList::default();
        for e in entries {
            allow.push(e).unwrap();
        }
        Guard {
            allow_private: false,
            allow,
        }
    }

    fn check(g: &Guard, u: &str) -> Result<(), String> {
        g.check_url(&Url::parse(u).unwrap())
    }

    #[test]
    fn every_notation_of_loopback_is_refused() {
        let g = guard(&[]);
        for u in [
            "http://127.0.0.1/",
            "http://2130706433/",
            "http://0x7f.1/",
            "http://0x7f000001/",
            "http://0177.0.0.1/",
            "http://127.1/",
            "http://017700000001/",
            "http://[::1]/",
            "http://[::ffff:127.0.0.1]/",
            "http://[::ffff:7f00:1]/",
            "http://[64:ff9b::7f00:1]/",
            "http://[2002:7f00:1::]/",
            "http://localhost:8080/",
            "http://LOCALHOST./",
            "http://api.localhost/",
            "http://10.1.2.3/",
            "http://169.254.169.254/latest/meta-data/",
            "http://100.64.0.1/",
            "http://0.0.0.0/",
            "http://[fd00::1]/",
        ] {
            let err = check(&g, u).expect_err(u);
            assert!(!err.is_empty(), "{u}");
        }
        assert_eq!(
            check(&g, "http://0x7f.1/").unwrap_err(),
            "127.0.0.1 is a loopback address"
        );
        for u in [
            "https://example.org/rss",
            "http://93.184.216.34/",
            "http://[2606:4700::1]/",
        ] {
            assert_eq!(check(&g, u), Ok(()), "{u}");
        }
    }

    #[test]
    fn the_switch_and_the_allowlist_open_exceptions() {
        let open = Guard {
            allow_private: true,
            allow: AllowList::default(),
        };
        assert_eq!(check(&open, "http://127.0.0.1/"), Ok(()));
        let g = guard(&[
            "10.0.0.0/8",
            "127.0.0.1",
            "intranet.example",
            "*.corp.example",
            "fd00::/8",
        ]);
        assert_eq!(check(&g, "http://10.9.8.7/"), Ok(()));
        assert_eq!(check(&g, "http://[::ffff:10.9.8.7]/"), Ok(()));
        assert_eq!(check(&g, "http://2130706433/"), Ok(()));
        assert_eq!(check(&g, "http://[fd12::1]/"), Ok(()));
        assert!(check(&g, "http://127.0.0.2/").is_err());
        assert!(check(&g, "http://192.168.0.1/").is_err());
        let lo: IpAddr = "127.0.0.5".parse().unwrap();
        assert_eq!(g.check_ip(Some("intranet.example"), lo), Ok(()));
        assert_eq!(g.check_ip(Some("a.b.corp.example"), lo), Ok(()));
        assert_eq!(
            g.check_ip(Some("corp.example"), lo),
            Err("'corp.example' resolves to 127.0.0.5 (loopback)".into())
        );
        assert!(g.check_ip(Some("evilcorp.example"), lo).is_err());
    }

    #[test]
    fn bad_allowlist_entries_are_errors() {
        let mut a = AllowList::default();
        for bad in ["10.0.0.0/33", "", "http://x/", "a b", "*.", "1.2.3.4/x"] {
            assert!(a.push(bad).is_err(), "{bad:?}");
        }
        assert!(a.is_empty());
        for good in ["Intranet.Example.", "[::1]", "192.168.0.0/16", "*.lan"] {
            a.push(good).unwrap();
        }
        assert!(a.allows_name("intranet.example"));
        assert!(a.allows_ip("::1".parse().unwrap()));
    }
}
