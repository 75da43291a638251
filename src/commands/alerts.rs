//! `newshound alerts`: the outbox listed per alert with each sink's delivery state, and
//! `alerts replay` to queue alerts for delivery again.

use std::io::Write;
use std::path::Path;

use chrono::Utc;
use serde::Serialize;

use super::{io, CommandError};
use crate::alert::markup::truncate_chars;
use crate::cli::StatusArg;
use crate::config;
use crate::store::{DeliveryStatus, OutboxRow, Store};

impl From<StatusArg> for DeliveryStatus {
    fn from(s: StatusArg) -> Self {
        match s {
            StatusArg::Pending => DeliveryStatus::Pending,
            StatusArg::Delivered => DeliveryStatus::Delivered,
            StatusArg::Failed => DeliveryStatus::Failed,
            StatusArg::Dead => DeliveryStatus::Dead,
            StatusArg::Muted => DeliveryStatus::Muted,
        }
    }
}

/// One alert of the listing with its deliveries (the `--json` line).
#[derive(Debug, Serialize)]
struct Listed<'a> {
    id: &'a str,
    watchlist: &'a str,
    title: &'a str,
    created_at: &'a str,
    deliveries: Vec<ListedDelivery<'a>>,
}

#[derive(Debug, Serialize)]
struct ListedDelivery<'a> {
    sink: &'a str,
    status: DeliveryStatus,
    attempts: u32,
    last_error: Option<String>,
    next_attempt_at: Option<&'a str>,
    digest_id: Option<&'a str>,
}

/// The outbox listing of `cfg`'s existing state (what `alerts` shows on a backend
/// without the desk).
pub(crate) async fn outbox_listing(
    cfg: &config::Config,
    status: Option<DeliveryStatus>,
    json: bool,
    limit: usize,
    out: &mut dyn Write,
) -> Result<(), CommandError> {
    super::existing_state(cfg)?;
    let store = Store::open_read_only(cfg).await?;
    let rows = store.outbox(status, limit).await?;
    let listed = group(&rows);
    let written = if json {
        listed
            .iter()
            .try_for_each(|l| writeln!(out, "{}", serde_json::to_string(l).unwrap_or_default()))
    } else {
        write_table(&listed, out)
    };
    written.map_err(io("writing the listing"))?;
    if !json {
        let cut = (rows.len() >= limit).then_some(rows.len());
        let summary = summary(&store, cut, limit).await?;
        write!(out, "{summary}").map_err(io("writing the listing"))?;
    }
    Ok(())
}

/// The listing's closing lines: the whole outbox by state (`N alerts, M deliveries: P
/// pending, D delivered, F failed, X dead[, K muted]`), whatever was listed — and, when
/// `--limit` cut the listing after `cut` entries, a line saying so.
pub(crate) async fn summary(
    store: &Store,
    cut: Option<usize>,
    limit: usize,
) -> Result<String, CommandError> {
    let c = store.outbox_counts().await?;
    let alerts = store.alerts_total().await?;
    let deliveries = c.pending + c.delivered + c.failed + c.dead + c.muted;
    let mut text = format!(
        "{alerts} alerts, {deliveries} deliveries: {} pending, {} delivered, {} failed, {} dead",
        c.pending, c.delivered, c.failed, c.dead
    );
    if c.muted > 0 {
        text.push_str(&format!(", {} muted", c.muted));
    }
    text.push('\n');
    if let Some(shown) = cut {
        text.push_str(&format!(
            "newest {shown} listed (--limit {limit}); the counts above are the whole outbox\n"
        ));
    }
    Ok(text)
}

/// Groups delivery rows (ordered by alert) into alerts.
fn group(rows: &[OutboxRow]) -> Vec<Listed<'_>> {
    let mut out: Vec<Listed<'_>> = Vec::new();
    for r in rows {
        let d = ListedDelivery {
            sink: &r.sink,
            status: r.status,
            attempts: r.attempts,
            // Redacted again: an outbox written by an older version may hold a webhook URL.
            last_error: r.last_error.as_deref().map(crate::redact::text),
            next_attempt_at: r.next_attempt_at.as_deref(),
            digest_id: r.digest_id.as_deref(),
        };
        match out.last_mut() {
            Some(last) if last.id == r.alert_id => last.deliveries.push(d),
            _ => out.push(Listed {
                id: &r.alert_id,
                watchlist: &r.watchlist,
                title: &r.title,
                created_at: &r.created_at,
                deliveries: vec![d],
            }),
        }
    }
    out
}

fn write_table(listed: &[Listed<'_>], out: &mut dyn Write) -> std::io::Result<()> {
    for l in listed {
        let title = truncate_chars(l.title, 70);
        writeln!(out, "{}  {}  {}  {title}", l.id, l.created_at, l.watchlist)?;
        for d in &l.deliveries {
            write_delivery(d, out)?;
        }
    }
    Ok(())
}

/// `    SINK  STATUS  N attempts  next …  digest …  last error: …`
fn write_delivery(d: &ListedDelivery<'_>, out: &mut dyn Write) -> std::io::Result<()> {
    let mut note = String::new();
    if let Some(next) = d.next_attempt_at {
        note.push_str(&format!("  next {next}"));
    }
    if let Some(digest) = d.digest_id {
        note.push_str(&format!("  digest {digest}"));
    }
    if let Some(e) = &d.last_error {
        note.push_str(&format!("  last error: {}", truncate_chars(e, 120)));
    }
    let status = d.status.as_str();
    writeln!(
        out,
        "    {:<16} {status:<10} {:>3} attempts{note}",
        d.sink, d.attempts
    )
}

/// `alerts replay`: requeues every delivery of `ids`, or (`dead`) every dead delivery.
/// An unknown id is an error and nothing is requeued.
pub async fn replay(
    path: &Path,
    ids: &[String],
    dead: bool,
    out: &mut dyn Write,
) -> Result<(), CommandError> {
    let cfg = config::load(path)?;
    super::existing_state(&cfg)?;
    let store = Store::open_command(&cfg).await?;
    let (deliveries, alerts) = if dead {
        store.replay_dead(Utc::now()).await?
    } else {
        let mut ids = ids.to_vec();
        ids.sort();
        ids.dedup();
        let mut unknown = Vec::new();
        for id in &ids {
            if !store.alert_exists(id).await? {
                unknown.push(id.clone());
            }
        }
        if !unknown.is_empty() {
            return Err(CommandError::NoAlert(unknown));
        }
        let n = ids.len();
        (store.replay_alerts(ids, Utc::now()).await?, n)
    };
    writeln!(
        out,
        "requeued {deliveries} deliveries of {alerts} alerts; `newshound once` or a running daemon (within 30 s) sends them"
    )
    .map_err(io("writing the result"))
}
