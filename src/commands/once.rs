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
