//! Which IP addresses are public. Everything the guard refuses is decided here, in one
//! pure function over [`IpAddr`], so every notation (decimal, hex, octal, IPv6-mapped…)
//! is judged after the URL parser has reduced it to an address.
//!
//! IPv6 transition ranges that carry an IPv4 address are judged by that IPv4 address:
//! IPv4-mapped `::ffff:0:0/96`, IPv4-compatible `::/96`, IPv4-translated `::ffff:0:0:0/96`,
//! NAT64 `64:ff9b::/96` (RFC 6052), 6to4 `2002::/16` (RFC 3056) and Teredo `2001::/32`
//! (its server and its de-obfuscated client address). The local-use NAT64 prefix
//! `64:ff9b:1::/48` (RFC 8215) is private outright: what it maps to is up to the network.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Why `ip` is not a public unicast address, or `None` when it is.
pub fn non_public_reason(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => v4_reason(v4),
        IpAddr::V6(v6) => {
            v6_reason(v6).or_else(|| embedded_ipv4(v6).into_iter().flatten().find_map(v4_reason))
        }
    }
}

/// The IPv4 addresses an IPv6 address of a transition range carries (at most two: a
/// Teredo address names a server and a client).
pub fn embedded_ipv4(ip: Ipv6Addr) -> [Option<Ipv4Addr>; 2] {
    let s = ip.segments();
    let v4 = |hi: u16, lo: u16| Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo));
    let last = v4(s[6], s[7]);
    match s {
        // ::ffff:a.b.c.d (mapped) and ::a.b.c.d (compatible, deprecated).
        [0, 0, 0, 0, 0, 0xffff, _, _] | [0, 0, 0, 0, 0, 0, _, _] => [Some(last), None],
        // ::ffff:0:a.b.c.d (SIIT, RFC 2765).
        [0, 0, 0, 0, 0xffff, 0, _, _] => [Some(last), None],
        // 64:ff9b::a.b.c.d (NAT64 well-known prefix).
        [0x64, 0xff9b, 0, 0, 0, 0, _, _] => [Some(last), None],
        // 2002:AABB:CCDD::/48 (6to4).
        [0x2002, hi, lo, ..] => [Some(v4(hi, lo)), None],
        // 2001:0:SSSS:SSSS:flags:port:CCCC:CCCC (Teredo; the client is stored inverted).
        [0x2001, 0, hi, lo, _, _, c_hi, c_lo] => [Some(v4(hi, lo)), Some(v4(!c_hi, !c_lo))],
        _ => [None, None],
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
    } else if matches!(o, [192, 0, 0, _] | [198, 18 | 19, _, _]) {
        Some("reserved (IETF or benchmarking)")
    } else if matches!(o, [192, 0, 2, _] | [198, 51, 100, _] | [203, 0, 113, _]) {
        Some("documentation")
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
    } else if (s[0] & 0xffc0) == 0xfec0 {
        Some("site-local")
    } else if (s[0] & 0xfe00) == 0xfc00 {
        Some("private (unique local)")
    } else if s[0] == 0x64 && s[1] == 0xff9b && s[2] == 1 {
        Some("private (local-use NAT64)")
    } else if s[0] == 0x2001 && s[1] == 0xdb8 {
        Some("documentation")
    } else if s[..4] == [0x100, 0, 0, 0] {
        Some("reserved (discard)")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(s: &str) -> Option<&'static str> {
        non_public_reason(s.parse().unwrap())
    }

    #[test]
    fn ipv4_ranges() {
        for (ip, why) in [
            ("127.0.0.1", "loopback"),
            ("127.255.255.254", "loopback"),
            ("10.1.2.3", "private"),
            ("172.16.0.1", "private"),
            ("192.168.1.1", "private"),
            ("169.254.169.254", "link-local"),
            ("100.64.0.1", "carrier-grade NAT"),
            ("224.0.0.1", "multicast or reserved"),
            ("255.255.255.255", "multicast or reserved"),
            ("240.0.0.1", "multicast or reserved"),
            ("0.0.0.0", "unspecified"),
            ("0.1.2.3", "unspecified"),
            ("198.18.0.1", "reserved (IETF or benchmarking)"),
            ("192.0.2.1", "documentation"),
        ] {
            assert_eq!(reason(ip), Some(why), "{ip}");
        }
        for ip in [
            "93.184.216.34",
            "8.8.8.8",
            "100.128.0.1",
            "172.32.0.1",
            "1.1.1.1",
        ] {
            assert_eq!(reason(ip), None, "{ip}");
        }
    }

    #[test]
    fn ipv6_ranges_and_embedded_ipv4() {
        for (ip, why) in [
            ("::1", "loopback"),
            ("::", "unspecified"),
            ("fe80::1", "link-local"),
            ("fec0::1", "site-local"),
            ("fd00::1", "private (unique local)"),
            ("ff02::1", "multicast"),
            ("::ffff:127.0.0.1", "loopback"),
            ("::ffff:7f00:1", "loopback"),
            ("::127.0.0.1", "loopback"),
            ("::ffff:0:a00:1", "private"),
            ("64:ff9b::7f00:1", "loopback"),
            ("64:ff9b::a9fe:a9fe", "link-local"),
            ("64:ff9b:1::1", "private (local-use NAT64)"),
            ("2002:7f00:1::", "loopback"),
            ("2002:c0a8:101::1", "private"),
            // Teredo: server 65.54.227.120, client 127.0.0.1 stored inverted.
            ("2001:0:4136:e378:8000:63bf:80ff:fffe", "loopback"),
            ("2001:db8::1", "documentation"),
        ] {
            assert_eq!(reason(ip), Some(why), "{ip}");
        }
        for ip in [
            "2606:4700::1111",
            "2a00:1450:4001::200e",
            "::ffff:93.184.216.34",
            "64:ff9b::808:808",
            "2002:808:808::1",
        ] {
            assert_eq!(reason(ip), None, "{ip}");
        }
    }
}
