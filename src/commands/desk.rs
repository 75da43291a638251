//! The desk on the command line: `alerts` (the history, newest first, `--json` lines in
//! the API's shape), `alerts show`, `alerts feedback`, `mute`, `unmute` and `search`.
//! None of them creates a state: without one they stop with "no state yet in DIR".

use std::io::Write;
use std::path::Path;

use chrono::Utc;

use super::{io, CommandError};
use crate::alert::markup::truncate_chars;
use crate::config::{self, Config};
use crate::desk::{highlight, shown_error, AlertJson, SearchQuery};
use crate::store::desk::{
    AlertFilter, AlertRecord, Feedback, MuteScope, MuteSelector, Verdict, NOTE_MAX_CHARS,
};
use crate::store::{rfc3339, DeliveryStatus, Store};

/// Opens the existing state of `cfg`, for reading or (`write`) writing; never creates one.
async fn existing(cfg: &Config, write: bool) -> Result<Store, CommandError> {
    super::existing_state(cfg)?;
    Ok(if write {
        Store::open_command(cfg).await?
    } else {
        Store::open_read_only(cfg).await?
    })
}

/// `alerts`: the newest `limit` alerts (optionally only those with a delivery in
/// `status`), as a table or JSON lines.
pub async fn list(
    path: &Path,
    status: Option<DeliveryStatus>,
    json: bool,
    limit: usize,
    out: &mut dyn Write,
) -> Result<(), CommandError> {
    let cfg = config::load(path)?;
    let store = existing(&cfg, false).await?;
    if !store.has_desk() {
        // A backend without the desk: the outbox listing, as before the desk.
        return super::alerts::outbox_listing(&cfg, status, json, limit, out).await;
    }
    let mut left = limit;
    let mut after = None;
    let mut shown = 0;
    while left > 0 {
        let page = store
            .desk()
            .list_alerts(AlertFilter {
                delivery: status,
                limit: left.min(500),
                after,
                ..Default::default()
            })
            .await?;
        for r in &page.alerts {
            let r = only_status(r, status);
            write_listed(&r, json, out).map_err(io("writing the listing"))?;
        }
        shown += page.alerts.len();
        left -= page.alerts.len();
        after = page.next;
        if after.is_none() {
            break;
        }
    }
    if !json {
        let cut = (left == 0 && after.is_some()).then_some(shown);
        let summary = super::alerts::summary(&store, cut, limit).await?;
        write!(out, "{summary}").map_err(io("writing the listing"))?;
    }
    Ok(())
}

/// With `--status`, an alert is listed with only its deliveries in that state.
fn only_status(r: &AlertRecord, status: Option<DeliveryStatus>) -> AlertRecord {
    let mut r = r.clone();
    if let Some(s) = status {
        r.deliveries.retain(|d| d.status == s.as_str());
    }
    r
}

fn write_listed(r: &AlertRecord, json: bool, out: &mut dyn Write) -> std::io::Result<()> {
    if json {
        let line = serde_json::to_string(&AlertJson::from(r)).unwrap_or_default();
        return writeln!(out, "{line}");
    }
    let a = &r.alert;
    let mut marks = String::new();
    if let Some(f) = &r.feedback {
        marks.push_str(&format!("  [{}]", f.verdict.as_str()));
    }
    if r.muted() {
        marks.push_str("  [muted]");
    }
    writeln!(
        out,
        "{}  {}  {}  {}{marks}",
        a.id,
        r.created_at,
        a.watchlist,
        truncate_chars(&a.article.title, 70)
    )?;
    writeln!(
        out,
        "    {}  {}",
        a.article.feed,
        a.article.url.as_deref().unwrap_or("(no link)")
    )?;
    for d in &r.deliveries {
        let mut note = String::new();
        if let Some(next) = &d.next_attempt_at {
            note.push_str(&format!("  next {next}"));
        }
        if let Some(digest) = &d.digest_id {
            note.push_str(&format!("  digest {digest}"));
        }
        if let Some(e) = &d.last_error {
            note.push_str(&format!(
                "  last error: {}",
                truncate_chars(&shown_error(e), 120)
            ));
        }
        writeln!(
            out,
            "    {:<16} {:<10} {:>3} attempts{note}",
            d.sink, d.status, d.attempts
        )?;
    }
    Ok(())
}

/// `alerts show ID`: everything the alert page shows.
pub async fn show(
    path: &Path,
    id: &str,
    json: bool,
    out: &mut dyn Write,
) -> Result<(), CommandError> {
    let cfg = config::load(path)?;
    let store = existing(&cfg, false).await?;
    let Some(r) = store.desk().alert_record(id).await? else {
        return Err(CommandError::UnknownAlert(id.to_string()));
    };
    let w = if json {
        writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&AlertJson::from(&r)).unwrap_or_default()
        )
    } else {
        write_record(&r, out)
    };
    w.map_err(io("writing the alert"))
}

fn write_record(r: &AlertRecord, out: &mut dyn Write) -> std::io::Result<()> {
    let a = &r.alert;
    writeln!(out, "{}", a.headline())?;
    writeln!(
        out,
        "  link:      {}",
        a.article.url.as_deref().unwrap_or("(none)")
    )?;
    writeln!(out, "  feed:      {}", a.article.feed)?;
    let published = a
        .article
        .published
        .map(rfc3339)
        .unwrap_or_else(|| "unknown".into());
    writeln!(out, "  published: {published}")?;
    writeln!(out, "  detected:  {}", a.detected_at_rfc3339())?;
    if let (Some(of), Some(r)) = (&a.revision_of, &a.revision) {
        let side = |s: &Option<String>| s.as_deref().unwrap_or("(none)").to_string();
        writeln!(out, "  revision of: {of} ({})", r.field)?;
        writeln!(out, "    before:  {}", side(&r.before))?;
        writeln!(out, "    after:   {}", side(&r.after))?;
    }
    let sev = a
        .severity
        .as_deref()
        .map(|s| format!(" ({s})"))
        .unwrap_or_default();
    writeln!(out, "  watchlist: {}{sev}", a.watchlist)?;
    writeln!(
        out,
        "  id:        {}{}",
        a.id,
        if r.muted() { "  [muted]" } else { "" }
    )?;
    if let Some(f) = &r.feedback {
        let note = f
            .note
            .as_deref()
            .map(|n| format!(": {n}"))
            .unwrap_or_default();
        writeln!(out, "  feedback:  {} at {}{note}", f.verdict.as_str(), f.at)?;
    }
    writeln!(out, "matches:")?;
    for m in &a.matches {
        writeln!(
            out,
            "  {} ({}) in {} x{}: {}",
            m.term, m.kind, m.field, m.count, m.snippet
        )?;
    }
    if !r.copies.is_empty() {
        writeln!(out, "also seen in:")?;
        for c in &r.copies {
            writeln!(
                out,
                "  {}: {} {}",
                c.feed,
                c.title,
                c.url.as_deref().unwrap_or("")
            )?;
        }
    }
    writeln!(out, "deliveries:")?;
    for d in &r.deliveries {
        let next = d
            .next_attempt_at
            .as_deref()
            .map(|n| format!("  next {n}"))
            .unwrap_or_default();
        let err = d
            .last_error
            .as_deref()
            .map(|e| format!("  last error: {}", shown_error(e)))
            .unwrap_or_default();
        writeln!(
            out,
            "  {:<16} {:<10} {:>3} attempts{next}{err}",
            d.sink, d.status, d.attempts
        )?;
    }
    Ok(())
}

/// `alerts feedback ID useful|false-positive [--note TEXT]`.
pub async fn feedback(
    path: &Path,
    id: &str,
    verdict: Verdict,
    note: Option<String>,
    out: &mut dyn Write,
) -> Result<(), CommandError> {
    let note = note.map(|n| n.trim().to_string()).filter(|n| !n.is_empty());
    if note
        .as_ref()
        .is_some_and(|n| n.chars().count() > NOTE_MAX_CHARS)
    {
        return Err(CommandError::Usage(format!(
            "--note is longer than {NOTE_MAX_CHARS} characters"
        )));
    }
    let cfg = config::load(path)?;
    let store = existing(&cfg, true).await?;
    let f = Feedback {
        verdict,
        note,
        at: rfc3339(Utc::now()),
    };
    if !store.desk().set_feedback(id, f).await? {
        return Err(CommandError::UnknownAlert(id.to_string()));
    }
    writeln!(out, "alert {id} marked {}", verdict.as_str()).map_err(io("writing the result"))
}

/// What `mute` / `unmute` name.
#[derive(Debug, Clone, Default)]
pub struct MuteArgs {
    /// `--watchlist`.
    pub watchlist: Option<String>,
    /// `--person`.
    pub person: Option<String>,
    /// `--story`.
    pub story: Option<String>,
}

impl MuteArgs {
    fn scope(&self) -> Result<MuteScope, CommandError> {
        match (&self.watchlist, &self.person, &self.story) {
            (None, None, Some(s)) => Ok(MuteScope::Story { alert: s.clone() }),
            (Some(w), Some(p), None) => Ok(MuteScope::Person {
                watchlist: w.clone(),
                person: p.clone(),
            }),
            (Some(w), None, None) => Ok(MuteScope::Watchlist {
                watchlist: w.clone(),
            }),
            _ => Err(CommandError::Usage(
                "name one of --watchlist W, --person NAME --watchlist W, or --story ID".into(),
            )),
        }
    }
}

/// `mute`: sets a mute for `duration` (`2h`, `1d`) or until lifted.
pub async fn mute(
    path: &Path,
    args: &MuteArgs,
    duration: Option<std::time::Duration>,
    out: &mut dyn Write,
) -> Result<(), CommandError> {
    let scope = args.scope()?;
    let cfg = config::load(path)?;
    if let MuteScope::Watchlist { watchlist } | MuteScope::Person { watchlist, .. } = &scope {
        if !cfg.watchlists.iter().any(|w| &w.name == watchlist) {
            return Err(CommandError::NoWatchlist(watchlist.clone()));
        }
    }
    let store = existing(&cfg, true).await?;
    let now = Utc::now();
    let until = duration
        .and_then(|d| chrono::Duration::from_std(d).ok())
        .and_then(|d| now.checked_add_signed(d));
    let Some(m) = store.desk().add_mute(scope, until, now).await? else {
        return Err(CommandError::UnknownAlert(
            args.story.clone().unwrap_or_default(),
        ));
    };
    let until = m
        .until
        .as_deref()
        .map(|u| format!("until {u}"))
        .unwrap_or_else(|| "until lifted (`newshound unmute`)".into());
    writeln!(
        out,
        "mute {} set, {until}; muted alerts are recorded, not delivered",
        m.id
    )
    .map_err(io("writing the result"))
}

/// `unmute`: lifts the active mutes of exactly this scope, or the mute `--id`.
pub async fn unmute(
    path: &Path,
    args: &MuteArgs,
    id: Option<i64>,
    out: &mut dyn Write,
) -> Result<(), CommandError> {
    let which = match id {
        Some(id) => MuteSelector::Id(id),
        None => MuteSelector::Scope(args.scope()?),
    };
    let cfg = config::load(path)?;
    let store = existing(&cfg, true).await?;
    let n = store.desk().lift_mutes(which, Utc::now()).await?;
    if n == 0 {
        return Err(CommandError::Usage(
            "no active mute matches (see `newshound mute --list`)".into(),
        ));
    }
    writeln!(out, "lifted {n} mute(s); alerts muted meanwhile stay undelivered (`newshound alerts replay ID` sends one)")
        .map_err(io("writing the result"))
}

/// `mute --list`: the active mutes.
pub async fn list_mutes(path: &Path, out: &mut dyn Write) -> Result<(), CommandError> {
    let cfg = config::load(path)?;
    let store = existing(&cfg, false).await?;
    let mutes = store.desk().mutes(Utc::now()).await?;
    let w = (|| {
        for m in &mutes {
            let what = match &m.scope {
                MuteScope::Watchlist { watchlist } => format!("watchlist {watchlist}"),
                MuteScope::Person { watchlist, person } => {
                    format!("person \"{person}\" in {watchlist}")
                }
                MuteScope::Story { alert } => format!("story of alert {alert}"),
            };
            let until = m.until.as_deref().unwrap_or("lifted by hand");
            writeln!(
                out,
                "{:>4}  {what}  since {}  until {until}",
                m.id, m.created_at
            )?;
        }
        writeln!(out, "{} active mutes", mutes.len())
    })();
    w.map_err(io("writing the mutes"))
}

/// `search QUERY`: alerts and stored articles, hits in `[ ]` (or JSON).
pub async fn search(
    path: &Path,
    query: &str,
    limit: usize,
    out: &mut dyn Write,
) -> Result<(), CommandError> {
    let q = SearchQuery::parse(query).map_err(|e| CommandError::Usage(format!("search: {e}")))?;
    let cfg = config::load(path)?;
    let store = existing(&cfg, false).await?;
    let page = store
        .desk()
        .list_alerts(AlertFilter {
            text: Some(q.clone()),
            limit: limit.clamp(1, 500),
            ..Default::default()
        })
        .await?;
    let articles = store
        .desk()
        .search_articles(&q, limit.clamp(1, 500))
        .await?;
    let bracket = |m: crate::desk::Marked| -> String {
        m.into_iter()
            .map(|(t, hit)| if hit { format!("[{t}]") } else { t })
            .collect()
    };
    let w = (|| {
        writeln!(out, "alerts ({}):", page.alerts.len())?;
        for r in &page.alerts {
            let a = &r.alert;
            writeln!(
                out,
                "  {}  {}  {}  {}",
                a.id,
                r.created_at,
                a.watchlist,
                bracket(highlight(&a.article.title, &q, false))
            )?;
        }
        writeln!(out, "stored articles ({}):", articles.len())?;
        for a in &articles {
            writeln!(
                out,
                "  {}  {}  {}",
                a.feed,
                a.first_seen,
                bracket(highlight(&a.title, &q, false))
            )?;
            writeln!(out, "      {}", bracket(highlight(a.text.trim(), &q, true)))?;
        }
        Ok::<_, std::io::Error>(())
    })();
    w.map_err(io("writing the results"))
}
