//! `newshound check`: validate the config and print a summary.

use std::io::Write;
use std::path::Path;

use super::{io, CommandError};
use crate::config::{self, Config};

/// `check`: validates and writes a summary.
pub fn check(path: &Path, out: &mut dyn Write) -> Result<(), CommandError> {
    let cfg = config::load(path)?;
    write_summary(path, &cfg, out).map_err(io("writing the summary"))
}

fn write_summary(path: &Path, cfg: &Config, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(out, "config {} is valid", path.display())?;
    writeln!(out, "state_dir: {}", cfg.daemon.state_dir.display())?;
    writeln!(out, "feeds: {}", cfg.feeds.len())?;
    for f in cfg.feeds.iter() {
        let tags = if f.tags.is_empty() {
            String::new()
        } else {
            format!(" #{}", f.tags.join(" #"))
        };
        writeln!(
            out,
            "  {} every {}: {}{}",
            f.name,
            humantime::format_duration(f.interval),
            crate::status::display_source(&f.source),
            tags
        )?;
    }
    writeln!(
        out,
        "watchlists: {} ({} distinct patterns in one automaton)",
        cfg.watchlists.len(),
        cfg.matcher.pattern_count()
    )?;
    for w in &cfg.watchlists {
        let sinks: Vec<&str> = w
            .sinks
            .iter()
            .filter_map(|&i| cfg.sinks.get(i))
            .map(|s| s.name.as_str())
            .collect();
        let feeds = match &w.feeds {
            None => "all feeds".to_string(),
            Some(f) => f.iter().cloned().collect::<Vec<_>>().join(", "),
        };
        let sinks = if sinks.is_empty() {
            "none (alerts are recorded, not sent)".into()
        } else {
            sinks.join(", ")
        };
        writeln!(out, "  {}: feeds: {feeds}; sinks: {sinks}", w.name)?;
    }
    for warning in super::matching::warnings(cfg) {
        writeln!(out, "warning: {warning}")?;
    }
    writeln!(out, "sinks: {}", cfg.sinks.len())?;
    for s in &cfg.sinks {
        writeln!(out, "  {} ({}{})", s.name, s.sink.describe(), timing(s))?;
    }
    for h in &cfg.health {
        let sinks: Vec<&str> = h
            .sinks
            .iter()
            .filter_map(|&i| cfg.sinks.get(i))
            .map(|s| s.name.as_str())
            .collect();
        let n = h.after_failures;
        writeln!(
            out,
            "health rule {}: after {n} failed polls; sinks: {}",
            h.name,
            sinks.join(", ")
        )?;
    }
    Ok(())
}

/// The rate limit and digest window of a sink, when set.
fn timing(s: &crate::config::SinkConfig) -> String {
    let mut out = String::new();
    if let Some(r) = s.delivery.rate_limit {
        let per = humantime::format_duration(r.per);
        out.push_str(&format!(", at most {} per {per}", r.count));
    }
    if let Some(d) = s.delivery.digest {
        out.push_str(&format!(", digest every {}", humantime::format_duration(d)));
    }
    if s.delivery.group == crate::alert::sinks::Group::Story && s.delivery.digest.is_none() {
        out.push_str(", one message per story");
    }
    out
}
