//! The bodies of the CLI commands: each reads its inputs, calls into the library and
//! writes what the user sees. `main` maps their errors to exit codes.

use std::io::{IsTerminal, Read, Write};
use std::path::Path;

use crate::alert::WireAlertV1;
use crate::cli::InputKind;
use crate::config::{self, Config, ConfigError, SinkKind};
use crate::daemon::{self, DaemonError, OnceOptions, OnceReport};
use crate::feeds::html::{html_title, html_to_text};
use crate::feeds::parse::{parse_any, parse_feed, Input, ParseError};
use crate::feeds::Article;
use crate::pipeline::PollResult;
use crate::watch::{Document, Hit};

/// Largest input `match` reads.
pub const MATCH_MAX_INPUT: u64 = 64 * 1024 * 1024;

/// Why a command failed; each kind has its own exit code.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    /// The config is unreadable or invalid (exit 1).
    #[error(transparent)]
    Config(Box<ConfigError>),
    /// `match --as feed` on something that is not a feed (exit 2).
    #[error("'{path}' is not a feed")]
    NotAFeed {
        /// The input.
        path: String,
        /// Why.
        #[source]
        source: ParseError,
    },
    /// A named watchlist does not exist (exit 1).
    #[error("no watchlist named '{0}'")]
    NoWatchlist(String),
    /// Reading input or writing output failed (exit 3).
    #[error("{what} failed")]
    Io {
        /// What was being done.
        what: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The daemon could not run (exit 3).
    #[error(transparent)]
    Daemon(#[from] DaemonError),
}

impl From<ConfigError> for CommandError {
    fn from(e: ConfigError) -> Self {
        CommandError::Config(Box::new(e))
    }
}

impl CommandError {
    /// The process exit code for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            CommandError::Config(_) | CommandError::NoWatchlist(_) => 1,
            CommandError::NotAFeed { .. } => 2,
            CommandError::Io { .. } | CommandError::Daemon(_) => 3,
        }
    }
}

fn io(what: &str) -> impl FnOnce(std::io::Error) -> CommandError + '_ {
    move |source| CommandError::Io {
        what: what.to_string(),
        source,
    }
}

/// `check`: validates and writes a summary.
pub fn check(path: &Path, out: &mut dyn Write) -> Result<(), CommandError> {
    let cfg = config::load(path)?;
    write_summary(path, &cfg, out).map_err(io("writing the summary"))
}

fn write_summary(path: &Path, cfg: &Config, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(out, "config {} is valid", path.display())?;
    writeln!(out, "state_dir: {}", cfg.daemon.state_dir.display())?;
    writeln!(out, "feeds: {}", cfg.feeds.len())?;
    for f in &cfg.feeds {
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
            f.source,
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
    writeln!(out, "sinks: {}", cfg.sinks.len())?;
    for s in &cfg.sinks {
        match &s.kind {
            SinkKind::Log => writeln!(out, "  {} (log)", s.name)?,
            SinkKind::Webhook(w) => {
                let signed = if w.secret.is_some() { ", signed" } else { "" };
                writeln!(out, "  {} (webhook {}{signed})", s.name, w.url)?
            }
        }
    }
    Ok(())
}

/// `once`: one poll of everything; alerts as JSON lines on `out` for a dry run, else a
/// per-feed report on `out`. The per-feed report of a dry run goes to `err`.
pub async fn once(
    path: &Path,
    dry_run: bool,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<OnceReport, CommandError> {
    let cfg = config::load(path)?;
    let report = daemon::once(cfg, OnceOptions { dry_run }).await?;
    if dry_run {
        for outcome in &report.feeds {
            for alert in &outcome.alerts {
                writeln!(out, "{}", WireAlertV1::new(alert).to_json())
                    .map_err(io("writing alerts"))?;
            }
        }
        write_once_report(&report, dry_run, err).map_err(io("writing the report"))?;
    } else {
        write_once_report(&report, dry_run, out).map_err(io("writing the report"))?;
    }
    Ok(report)
}

fn write_once_report(
    report: &OnceReport,
    dry_run: bool,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let mut failed = 0;
    let mut alerts = 0;
    for f in &report.feeds {
        alerts += f.alerts.len();
        match &f.result {
            PollResult::Ok { articles, new } => writeln!(
                out,
                "feed {}: ok, {articles} articles, {new} new, {} alerts",
                f.feed,
                f.alerts.len()
            )?,
            PollResult::NotModified => writeln!(out, "feed {}: not modified", f.feed)?,
            PollResult::Failed(e) => {
                failed += 1;
                writeln!(out, "feed {}: FAILED: {e}", f.feed)?
            }
        }
    }
    let d = &report.delivery;
    write!(
        out,
        "{} feeds polled, {failed} failed; {alerts} new alerts",
        report.feeds.len()
    )?;
    if dry_run {
        writeln!(out, " (dry run: nothing delivered or recorded)")
    } else {
        writeln!(
            out,
            "; deliveries: {} delivered, {} to retry, {} failed",
            d.delivered, d.retrying, d.failed
        )
    }
}

/// `match`: matches a local file against the watchlists and writes every hit.
pub fn match_file(
    path: &Path,
    kind: InputKind,
    only: &[String],
    config_path: &Path,
    out: &mut dyn Write,
) -> Result<(), CommandError> {
    let cfg = config::load(config_path)?;
    let selected = select_watchlists(&cfg, only)?;
    let label = if path == Path::new("-") {
        "<stdin>".to_string()
    } else {
        path.display().to_string()
    };
    let bytes = read_input(path)?;
    let articles = read_articles(&bytes, &label, kind)?;
    let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    write_matches(&cfg, &selected, &articles, &label, color, out).map_err(io("writing hits"))
}

fn select_watchlists(cfg: &Config, only: &[String]) -> Result<Vec<bool>, CommandError> {
    for name in only {
        if !cfg.watchlists.iter().any(|w| &w.name == name) {
            return Err(CommandError::NoWatchlist(name.clone()));
        }
    }
    Ok(cfg
        .watchlists
        .iter()
        .map(|w| only.is_empty() || only.contains(&w.name))
        .collect())
}

fn read_input(path: &Path) -> Result<Vec<u8>, CommandError> {
    let mut bytes = Vec::new();
    let what = format!("reading '{}'", path.display());
    let reader: Box<dyn Read> = if path == Path::new("-") {
        Box::new(std::io::stdin())
    } else {
        Box::new(
            std::fs::File::open(path).map_err(|source| CommandError::Io {
                what: what.clone(),
                source,
            })?,
        )
    };
    reader
        .take(MATCH_MAX_INPUT + 1)
        .read_to_end(&mut bytes)
        .map_err(|source| CommandError::Io {
            what: what.clone(),
            source,
        })?;
    if bytes.len() as u64 > MATCH_MAX_INPUT {
        let source = std::io::Error::other(format!("larger than {MATCH_MAX_INPUT} bytes"));
        return Err(CommandError::Io { what, source });
    }
    Ok(bytes)
}

fn read_articles(bytes: &[u8], label: &str, kind: InputKind) -> Result<Vec<Article>, CommandError> {
    Ok(match kind {
        InputKind::Auto => match parse_any(bytes, label) {
            Input::Feed(a) => a,
            Input::Page(a) | Input::Text(a) => vec![a],
        },
        InputKind::Feed => {
            parse_feed(bytes, label, None).map_err(|source| CommandError::NotAFeed {
                path: label.to_string(),
                source,
            })?
        }
        InputKind::Html => {
            let text = String::from_utf8_lossy(bytes);
            let title = html_title(&text).unwrap_or_default();
            vec![Article::new(
                label,
                None,
                None,
                title,
                String::new(),
                html_to_text(&text),
                None,
                None,
            )]
        }
        InputKind::Text => {
            let text = String::from_utf8_lossy(bytes).into_owned();
            vec![Article::new(
                label,
                None,
                None,
                String::new(),
                String::new(),
                text,
                None,
                None,
            )]
        }
    })
}

fn write_matches(
    cfg: &Config,
    selected: &[bool],
    articles: &[Article],
    label: &str,
    color: bool,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let enabled = |i: usize| selected.get(i).copied().unwrap_or(false);
    let mut hit_articles = 0;
    for a in articles {
        let doc = Document {
            title: &a.title,
            summary: &a.summary,
            content: &a.content,
        };
        let matches = cfg.matcher.match_document(&doc, &enabled);
        if matches.is_empty() {
            continue;
        }
        hit_articles += 1;
        let title = if a.title.is_empty() {
            "(untitled)"
        } else {
            a.title.as_str()
        };
        writeln!(out, "{}", bold(&format!("== {title}"), color))?;
        if let Some(url) = &a.url {
            writeln!(out, "   {url}")?;
        }
        for m in matches {
            let w = &cfg.watchlists[m.watchlist];
            let sev = w
                .severity
                .as_deref()
                .map(|s| format!(" [{s}]"))
                .unwrap_or_default();
            writeln!(out, "   watchlist {}{sev}", w.name)?;
            for h in &m.hits {
                write_hit(h, color, out)?;
            }
        }
    }
    writeln!(
        out,
        "{label}: {} of {} articles matched",
        hit_articles,
        articles.len()
    )
}

fn write_hit(h: &Hit, color: bool, out: &mut dyn Write) -> std::io::Result<()> {
    let kind = match h.kind {
        crate::watch::TermKind::Person => "person",
        crate::watch::TermKind::Keyword => "keyword",
    };
    let field = serde_json::to_value(h.field)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    let form = if h.matched != h.term {
        format!(" as \"{}\"", h.matched)
    } else {
        String::new()
    };
    writeln!(
        out,
        "     {kind} \"{}\"{form} in {field} ×{}",
        h.term, h.count
    )?;
    let snippet = if color {
        let marked = format!("[{}]", h.matched);
        h.snippet
            .replacen(&marked, &format!("\x1b[1;33m{}\x1b[0m", h.matched), 1)
    } else {
        h.snippet.clone()
    };
    writeln!(out, "       {snippet}")
}

fn bold(s: &str, color: bool) -> String {
    if color {
        format!("\x1b[1m{s}\x1b[0m")
    } else {
        s.to_string()
    }
}
