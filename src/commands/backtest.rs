//! `newshound backtest`: the current watchlists over the stored articles.

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use std::collections::HashSet;

use chrono::SecondsFormat;

use super::{io, CommandError};
use crate::backtest::{backtest as run_backtest, BacktestReport, Finding};
use crate::config;
use crate::store::desk::{AlertFilter, Verdict};
use crate::store::{ago, Store};

/// Runs the backtest and writes its report.
pub async fn backtest(
    path: &Path,
    only: &[String],
    since: Option<Duration>,
    out: &mut dyn Write,
) -> Result<(), CommandError> {
    let cfg = config::load(path)?;
    for name in only {
        if !cfg.watchlists.iter().any(|w| &w.name == name) {
            return Err(CommandError::NoWatchlist(name.clone()));
        }
    }
    super::existing_state(&cfg)?;
    let store = Store::open_read_only(&cfg).await?;
    let window = since.unwrap_or(cfg.daemon.retention);
    let since = ago(window);
    let report = run_backtest(&cfg, &store, only, since).await?;
    let when = since.to_rfc3339_opts(SecondsFormat::Secs, true);
    write_report(&report, &when, out).map_err(io("writing the report"))?;
    // A backend without the desk has no feedback to weigh the change against.
    if !store.has_desk() {
        return Ok(());
    }
    let marked = marked_alerts(&store).await?;
    write_feedback(&report, &marked, out).map_err(io("writing the report"))
}

/// Every alert marked so far: its id and verdict, with its watchlist and title.
async fn marked_alerts(store: &Store) -> Result<Vec<(String, Verdict)>, CommandError> {
    let mut marked = Vec::new();
    for verdict in [Verdict::Useful, Verdict::FalsePositive] {
        let mut after = None;
        loop {
            let page = store
                .desk()
                .list_alerts(AlertFilter {
                    feedback: Some(Some(verdict)),
                    limit: 500,
                    after,
                    ..Default::default()
                })
                .await?;
            marked.extend(page.alerts.iter().map(|r| (r.alert.id.clone(), verdict)));
            match page.next {
                Some(p) => after = Some(p),
                None => break,
            }
        }
    }
    Ok(marked)
}

/// How the rule change treats the alerts marked so far: false positives dropped or
/// still firing, useful alerts kept or lost.
fn write_feedback(
    r: &BacktestReport,
    marked: &[(String, Verdict)],
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let kept: HashSet<&str> = r
        .still_fires
        .iter()
        .filter_map(|f| f.alert_id.as_deref())
        .collect();
    let lost: HashSet<&str> = r.no_longer.iter().map(|l| l.alert.id.as_str()).collect();
    let count = |v: Verdict, set: &HashSet<&str>| {
        marked
            .iter()
            .filter(|(id, m)| *m == v && set.contains(id.as_str()))
            .count()
    };
    let judged = |v: Verdict| count(v, &kept) + count(v, &lost);
    writeln!(
        out,
        "
feedback so far: {} false positives dropped of {} marked in the window, {} useful kept of {}",
        count(Verdict::FalsePositive, &lost),
        judged(Verdict::FalsePositive),
        count(Verdict::Useful, &kept),
        judged(Verdict::Useful)
    )?;
    for (id, v) in marked {
        let what = match (*v, kept.contains(id.as_str()), lost.contains(id.as_str())) {
            (Verdict::FalsePositive, true, _) => "false positive, still fires",
            (Verdict::Useful, _, true) => "useful, would no longer fire",
            _ => continue,
        };
        writeln!(out, "  {what}: alert {id}")?;
    }
    Ok(())
}

fn write_report(r: &BacktestReport, since: &str, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(
        out,
        "backtest over {} stored articles first seen since {since}",
        r.articles
    )?;
    writeln!(
        out,
        "\nwould alert (not sent before): {}",
        r.would_alert.len()
    )?;
    for f in &r.would_alert {
        write_finding(f, out)?;
    }
    writeln!(
        out,
        "\nalready sent and still fire: {}",
        r.still_fires.len()
    )?;
    for f in &r.still_fires {
        write_finding(f, out)?;
    }
    writeln!(
        out,
        "\nsent before, would no longer fire: {}",
        r.no_longer.len()
    )?;
    for l in &r.no_longer {
        let title = l.article.as_ref().map(|a| a.title.as_str()).unwrap_or("?");
        let url = l
            .article
            .as_ref()
            .and_then(|a| a.url.as_deref())
            .unwrap_or("");
        writeln!(
            out,
            "  {}  {}  \"{title}\"  {url}  ({}; alert {})",
            l.alert.watchlist, l.alert.article_feed, l.reason, l.alert.id
        )?;
    }
    writeln!(
        out,
        "\n{} would alert, {} already sent still fire, {} sent would no longer fire",
        r.would_alert.len(),
        r.still_fires.len(),
        r.no_longer.len()
    )
}

fn write_finding(f: &Finding, out: &mut dyn Write) -> std::io::Result<()> {
    let a = &f.article;
    let date = a
        .published
        .or(a.updated)
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default();
    let terms: Vec<String> = f
        .hits
        .iter()
        .map(|h| format!("{} in {}", h.term, h.field.as_str()))
        .collect();
    writeln!(
        out,
        "  {}  {date}  {}  \"{}\"  {}",
        f.watchlist,
        a.feed,
        a.title,
        a.url.as_deref().unwrap_or("")
    )?;
    writeln!(out, "      hits: {}", terms.join(", "))
}
