//! The rule tester's config snippet: the tested rule as a `[[watchlist]]` table to paste
//! into the config, every value written by the `toml` crate so quotes, backslashes and
//! control characters in a term come out escaped.

use std::fmt::Write as _;

use super::rules::Rule;
use crate::watch::Require;

/// A TOML string.
fn s(v: &str) -> String {
    toml::Value::String(v.to_string()).to_string()
}

/// A TOML array of strings.
fn list<'a>(vs: impl IntoIterator<Item = &'a String>) -> String {
    let items: Vec<String> = vs.into_iter().map(|v| s(v)).collect();
    format!("[{}]", items.join(", "))
}

impl Rule {
    /// The rule as a `[[watchlist]]` table (with its `[[watchlist.person]]` tables), ready
    /// to paste; sinks are left to the config's default (every sink).
    pub fn config_snippet(&self) -> String {
        let spec = &self.spec;
        let mut out = String::from("[[watchlist]]\n");
        let _ = writeln!(out, "name = {}", s(&spec.name));
        if let Some(feeds) = &self.feeds {
            let _ = writeln!(out, "feeds = {}", list(feeds));
        }
        match &spec.query {
            Some(q) => {
                let _ = writeln!(out, "query = {}", s(q));
            }
            None => {
                if spec.require != Require::Any {
                    let require = toml::Value::try_from(spec.require)
                        .map(|v| v.to_string())
                        .unwrap_or_default();
                    let _ = writeln!(out, "require = {require}");
                }
                let _ = writeln!(out, "keywords = {}", list(&spec.keywords));
            }
        }
        if !spec.exclude.is_empty() {
            let _ = writeln!(out, "exclude = {}", list(&spec.exclude));
        }
        if let Some(sev) = &self.severity {
            let _ = writeln!(out, "severity = {}", s(sev));
        }
        for p in &spec.people {
            let _ = write!(out, "\n[[watchlist.person]]\nname = {}\n", s(&p.name));
            if !p.aliases.is_empty() {
                let _ = writeln!(out, "aliases = {}", list(&p.aliases));
            }
            if !p.short_forms.is_empty() {
                let _ = writeln!(out, "short_forms = {}", list(&p.short_forms));
            }
        }
        out
    }
}
