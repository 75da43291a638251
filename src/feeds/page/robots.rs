//! `robots.txt` for article pages: the group for our product token (else `*`), its
//! `Allow`/`Disallow` rules, the longest matching rule wins and `Allow` wins a tie;
//! `*` and a final `$` in a rule are honoured. A feed's own URL never asks robots.txt.

/// The rules that apply to us on one host.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Robots {
    /// `(allow, pattern)` in file order.
    rules: Vec<(bool, String)>,
}

/// Most bytes of a robots.txt read (the rest is ignored, as the RFC allows).
pub const MAX_ROBOTS: usize = 512 * 1024;

impl Robots {
    /// Everything allowed (no robots.txt, or it could not be read as a 4xx).
    pub fn allow_all() -> Robots {
        Robots::default()
    }

    /// Parses `text` for the product token `agent` (e.g. `newshound`, matched
    /// case-insensitively as a prefix of a `User-agent` line's value).
    pub fn parse(text: &str, agent: &str) -> Robots {
        let agent = agent.to_ascii_lowercase();
        let (mut ours, mut star) = (Vec::new(), Vec::new());
        let (mut for_us, mut for_star, mut in_agents) = (false, false, false);
        for line in text.lines().take(10_000) {
            let line = line.split('#').next().unwrap_or("").trim();
            let Some((key, value)) = line.split_once(':') else {
                continue;
            };
            let (key, value) = (key.trim().to_ascii_lowercase(), value.trim());
            match key.as_str() {
                "user-agent" => {
                    if !in_agents {
                        (for_us, for_star) = (false, false);
                    }
                    in_agents = true;
                    let v = value.to_ascii_lowercase();
                    for_us |= !v.is_empty() && v != "*" && agent.starts_with(&v);
                    for_star |= v == "*";
                }
                "allow" | "disallow" => {
                    in_agents = false;
                    if value.is_empty() {
                        continue;
                    }
                    let rule = (key == "allow", value.to_string());
                    if for_us {
                        ours.push(rule.clone());
                    }
                    if for_star {
                        star.push(rule);
                    }
                }
                _ => in_agents = false,
            }
        }
        Robots {
            rules: if ours.is_empty() { star } else { ours },
        }
    }

    /// Whether `path` (path and query of the URL) may be fetched.
    pub fn allows(&self, path: &str) -> bool {
        let mut best: Option<(usize, bool)> = None;
        for (allow, pattern) in &self.rules {
            if !matches(pattern, path) {
                continue;
            }
            let len = pattern.len();
            best = match best {
                Some((l, a)) if l > len || (l == len && a) => Some((l, a)),
                _ => Some((len, *allow)),
            };
        }
        best.is_none_or(|(_, allow)| allow)
    }
}

/// Whether a robots pattern (`*` any run, trailing `$` end) matches the start of `path`.
fn matches(pattern: &str, path: &str) -> bool {
    let (pattern, anchored) = match pattern.strip_suffix('$') {
        Some(p) => (p, true),
        None => (pattern, false),
    };
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or("");
    let Some(mut rest) = path.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    for (i, part) in parts.iter().enumerate() {
        let last = i + 1 == parts.len();
        let found = match last && anchored {
            true => rest.ends_with(part).then(|| rest.len() - part.len()),
            false => rest.find(part),
        };
        match found {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    !anchored || rest.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "User-agent: *\nDisallow: /private/\nAllow: /private/ok\n\n\
                        User-agent: OtherBot\nDisallow: /\n\n\
                        User-agent: newshound\nUser-agent: x\nDisallow: /news/paid*\nDisallow: /*.pdf$\n";

    #[test]
    fn our_group_wins_over_star() {
        let r = Robots::parse(FILE, "newshound/0.1");
        assert!(r.allows("/private/x"), "our group has no /private rule");
        assert!(!r.allows("/news/paid-story"));
        assert!(!r.allows("/files/a.pdf"));
        assert!(r.allows("/files/a.pdf?x=1"));
        assert!(r.allows("/news/free"));
    }

    #[test]
    fn star_group_longest_rule_wins() {
        let r = Robots::parse(FILE, "somebot");
        assert!(!r.allows("/private/x"));
        assert!(r.allows("/private/ok/1"));
        assert!(r.allows("/"));
        assert!(Robots::allow_all().allows("/anything"));
        assert!(!Robots::parse("User-agent: *\nDisallow: /\n", "newshound").allows("/a"));
    }
}
