//! `newshound once`: one poll of every feed, then delivery (or, with `--dry-run`, the
//! alerts as JSON lines and nothing recorded).

use std::io::Write;
use std::path::Path;

use super::{io, CommandError};
use crate::alert::WireAlertV1;
use crate::config;
use crate::daemon::{self, OnceOptions, OnceReport};
use crate::pipeline::PollResult;

/// `once`: one poll of everything; alerts as JSON lines on `out` for a dry run, else a
/// per-feed report on `out`. The per-feed report of a dry run goes to `err`.
pub async fn once(
    path: &Path,
    dry_run: bool,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<OnceReport, CommandError> {
    let cfg = config::load(path)?;
    let started = std::time::Instant::now();
    let report = daemon::once(cfg, OnceOptions { dry_run }).await?;
    // The run's cost, for capacity planning and the memory bound the README states.
    tracing::info!(
        feeds = report.feeds.len(),
        seconds = started.elapsed().as_secs_f64(),
        peak_rss_kib = peak_rss_kib(),
        "once finished"
    );
    if dry_run {
        write_alerts(&report, out).map_err(io("writing alerts"))?;
        write_once_report(&report, dry_run, err).map_err(io("writing the report"))?;
    } else {
        write_once_report(&report, dry_run, out).map_err(io("writing the report"))?;
    }
    Ok(report)
}

/// The dry run's alerts as JSON lines, serialised straight into one buffer (stdout is
/// line-buffered: a write per alert otherwise).
fn write_alerts(report: &OnceReport, out: &mut dyn Write) -> std::io::Result<()> {
    let mut buf = std::io::BufWriter::with_capacity(64 * 1024, out);
    for alert in report.feeds.iter().flat_map(|f| &f.alerts) {
        serde_json::to_writer(&mut buf, &WireAlertV1::new(alert))?;
        buf.write_all(b"\n")?;
    }
    buf.flush()
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
        )?;
        for sink in &d.held_elsewhere {
            writeln!(
                out,
                "sink {sink}: its queue is held by another newshound (a running daemon?); \
                 its pending deliveries are left to it"
            )?;
        }
        Ok(())
    }
}

/// The process's peak resident memory in KiB (`VmHWM` in `/proc/self/status`; 0 where
/// there is no such file).
pub fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}
