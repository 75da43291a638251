//! `newshound match`: a local feed, HTML page or text file against the watchlists, every
//! hit printed with its snippet; nothing delivered or recorded.

use std::io::{IsTerminal, Read, Write};
use std::path::Path;

use super::{io, CommandError};
use crate::cli::InputKind;
use crate::config::{self, Config};
use crate::feeds::html::{html_title, html_to_text};
use crate::feeds::parse::{parse_any, parse_feed, Input};
use crate::feeds::Article;
use crate::watch::Hit;

/// Largest input `match` reads.
pub const MATCH_MAX_INPUT: u64 = 64 * 1024 * 1024;

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
    for warning in warnings(&cfg) {
        eprintln!("newshound: warning: {warning}");
    }
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

/// The matcher's warnings as lines naming the watchlist and its key, e.g.
/// `watchlist[0].query ("defence"): lower-case 'and' at column 12 …`.
pub fn warnings(cfg: &Config) -> Vec<String> {
    cfg.matcher
        .warnings()
        .iter()
        .map(|w| {
            let name = cfg
                .watchlists
                .get(w.watchlist)
                .map_or("", |l| l.name.as_str());
            format!(
                "watchlist[{}].{} (\"{name}\"): {}",
                w.watchlist, w.key, w.message
            )
        })
        .collect()
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
        InputKind::Html => vec![saved_page(bytes, label)],
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

/// A saved article page read as the page stage reads a fetched one (`full_text`): its
/// readable text, extracted the same way, is the `article` field. A page the extraction
/// refuses is said so on stderr (the daemon would record that reason and match the
/// feed's text alone) and its whole text is matched as `content` instead.
fn saved_page(bytes: &[u8], label: &str) -> Article {
    let html = String::from_utf8_lossy(bytes);
    let title = html_title(&html).unwrap_or_default();
    let mut article = Article::new(
        label,
        None,
        None,
        title,
        String::new(),
        String::new(),
        None,
        None,
    );
    match crate::feeds::page::extract_page(bytes, Some("text/html"), None) {
        Ok(page) => {
            if article.title.is_empty() {
                article.title = page.title;
            }
            article.article = page.text;
        }
        Err(e) => {
            eprintln!("newshound: warning: {label}: the page stage would not use this page: {e}; matching its whole text as content");
            article.content = html_to_text(&html);
        }
    }
    article
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
        let doc = a.document();
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
    let field = h.field.as_str();
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
