//! Reading the history for the desk: filtered pages, one alert with its deliveries,
//! feedback and copies, per-watchlist precision, and article search.

use rusqlite::{params, params_from_iter, Connection, OptionalExtension};

use crate::alert::SeenIn;
use crate::store::desk::*;
use crate::store::desk_rules::{decode_alert, feedback_of, marked_of, next_position};
use crate::store::{millis_rfc3339, rfc3339, StoreError};

/// The page `f` selects, newest first.
pub(super) fn list_alerts(c: &Connection, f: &AlertFilter) -> Result<AlertPage, StoreError> {
    let (sql, args) = page_query(f);
    let mut stmt = c.prepare(&sql)?;
    let rows = stmt
        .query_map(params_from_iter(args.iter()), row_basics)?
        .collect::<Result<Vec<_>, _>>()?;
    let more = rows.len() > f.limit;
    let mut alerts = Vec::with_capacity(rows.len().min(f.limit));
    for basics in rows.into_iter().take(f.limit) {
        alerts.push(complete(c, basics)?);
    }
    let next = next_position(more, &alerts);
    Ok(AlertPage { alerts, next })
}

/// The SQL and its arguments for one page (one row more than the limit, to know
/// whether another page follows).
fn page_query(f: &AlertFilter) -> (String, Vec<String>) {
    let mut sql = String::from(
        "SELECT a.id, a.body, a.created_at, a.article_feed, a.article_id FROM alerts a WHERE 1 = 1",
    );
    let mut args: Vec<String> = Vec::new();
    let mut add = |clause: &str, values: &[&str]| {
        sql.push_str(clause);
        args.extend(values.iter().map(|v| v.to_string()));
    };
    if let Some(q) = &f.text {
        add(
            " AND a.rowid IN (SELECT rowid FROM alerts_fts WHERE alerts_fts MATCH ?)",
            &[&q.fts()],
        );
    }
    if let Some(w) = &f.watchlist {
        add(" AND a.watchlist = ?", &[w]);
    }
    if let Some(feed) = &f.feed {
        add(
            " AND (a.article_feed = ? OR (a.article_feed = '' AND json_extract(a.body, '$.article.feed') = ?))",
            &[feed, feed],
        );
    }
    if let Some(s) = &f.severity {
        add(" AND json_extract(a.body, '$.severity') = ?", &[s]);
    }
    if let Some(s) = &f.since {
        add(" AND a.created_at >= ?", &[s]);
    }
    if let Some(u) = &f.until {
        add(" AND a.created_at < ?", &[u]);
    }
    if let Some(d) = f.delivery {
        add(
            " AND EXISTS (SELECT 1 FROM deliveries d WHERE d.alert_id = a.id AND d.status = ?)",
            &[d.as_str()],
        );
    }
    match f.feedback {
        Some(Some(v)) => add(
            " AND EXISTS (SELECT 1 FROM feedback fb WHERE fb.alert_id = a.id AND fb.verdict = ?)",
            &[v.as_str()],
        ),
        Some(None) => add(
            " AND NOT EXISTS (SELECT 1 FROM feedback fb WHERE fb.alert_id = a.id)",
            &[],
        ),
        None => {}
    }
    if let Some(p) = &f.after {
        add(
            " AND (a.created_at < ? OR (a.created_at = ? AND a.id < ?))",
            &[&p.created_at, &p.created_at, &p.id],
        );
    }
    sql.push_str(&format!(
        " ORDER BY a.created_at DESC, a.id DESC LIMIT {}",
        f.limit + 1
    ));
    (sql, args)
}

/// An alert row before its deliveries, feedback and copies are read.
struct Basics {
    id: String,
    body: String,
    created_at: String,
    article: (String, String),
}

fn row_basics(r: &rusqlite::Row<'_>) -> rusqlite::Result<Basics> {
    Ok(Basics {
        id: r.get(0)?,
        body: r.get(1)?,
        created_at: r.get(2)?,
        article: (r.get(3)?, r.get(4)?),
    })
}

/// One alert, or `None`.
pub(super) fn alert_record(c: &Connection, id: &str) -> Result<Option<AlertRecord>, StoreError> {
    let basics = c
        .prepare_cached(
            "SELECT id, body, created_at, article_feed, article_id FROM alerts WHERE id = ?1",
        )?
        .query_row([id], row_basics)
        .optional()?;
    basics.map(|b| complete(c, b)).transpose()
}

/// Decodes the alert and reads its deliveries, feedback and copies.
fn complete(c: &Connection, b: Basics) -> Result<AlertRecord, StoreError> {
    Ok(AlertRecord {
        alert: decode_alert(&b.id, &b.body)?,
        deliveries: deliveries(c, &b.id)?,
        feedback: feedback(c, &b.id)?,
        copies: copies(c, &b.id)?,
        created_at: b.created_at,
        article: b.article,
    })
}

fn deliveries(c: &Connection, id: &str) -> Result<Vec<DeliveryView>, StoreError> {
    let mut stmt = c.prepare_cached(
        "SELECT sink, status, attempts, next_attempt_at, last_error, digest_id FROM deliveries
         WHERE alert_id = ?1 ORDER BY sink",
    )?;
    let rows = stmt.query_map([id], |r| {
        let status: String = r.get(1)?;
        let next: i64 = r.get(3)?;
        Ok(DeliveryView {
            next_attempt_at: (status == "pending").then(|| millis_rfc3339(next)),
            sink: r.get(0)?,
            status,
            attempts: r.get(2)?,
            last_error: r.get(4)?,
            digest_id: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn feedback(c: &Connection, id: &str) -> Result<Option<Feedback>, StoreError> {
    let row = c
        .prepare_cached("SELECT verdict, note, at FROM feedback WHERE alert_id = ?1")?
        .query_row([id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Option<String>>(1)?,
                r.get(2)?,
            ))
        })
        .optional()?;
    Ok(row.and_then(|(v, note, at)| feedback_of(&v, note, at)))
}

fn copies(c: &Connection, id: &str) -> Result<Vec<SeenIn>, StoreError> {
    let mut stmt = c.prepare_cached(
        "SELECT feed, url, title FROM copies WHERE alert_id = ?1 ORDER BY seen_at, feed",
    )?;
    let rows = stmt.query_map([id], |r| {
        Ok(SeenIn {
            feed: r.get(0)?,
            url: r.get(1)?,
            title: r.get(2)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Records feedback; `false` when the alert does not exist.
pub(super) fn set_feedback(c: &Connection, id: &str, f: &Feedback) -> Result<bool, StoreError> {
    let n = c.execute(
        "INSERT INTO feedback (alert_id, verdict, note, at)
         SELECT id, ?2, ?3, ?4 FROM alerts WHERE id = ?1
         ON CONFLICT(alert_id) DO UPDATE SET verdict = ?2, note = ?3, at = ?4",
        params![id, f.verdict.as_str(), f.note, f.at],
    )?;
    Ok(n > 0)
}

/// Feedback counts per watchlist.
/// `CROSS JOIN` keeps SQLite's loop order as written: over the feedback (a few rows),
/// looking each alert up by id. Left to the planner without statistics, it scanned all
/// alerts instead (160–200 ms at 100,000 alerts, on every inbox page).
pub(super) fn precision(c: &Connection) -> Result<Vec<Precision>, StoreError> {
    let mut stmt = c.prepare_cached(
        "SELECT a.watchlist, SUM(f.verdict = 'useful'), SUM(f.verdict = 'false-positive')
         FROM feedback f CROSS JOIN alerts a ON a.id = f.alert_id
         GROUP BY a.watchlist ORDER BY a.watchlist",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(Precision {
            watchlist: r.get(0)?,
            useful: r.get(1)?,
            false_positive: r.get(2)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Every alert with feedback, oldest first.
pub(super) fn marked_alerts(c: &Connection) -> Result<Vec<MarkedAlert>, StoreError> {
    let mut stmt = c.prepare_cached(
        "SELECT a.id, a.watchlist, a.article_feed, a.article_id, f.verdict
         FROM feedback f CROSS JOIN alerts a ON a.id = f.alert_id ORDER BY a.created_at, a.id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get(0)?,
            r.get(1)?,
            r.get(2)?,
            r.get(3)?,
            r.get::<_, String>(4)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, watchlist, feed, article, v) = row?;
        out.extend(marked_of(id, watchlist, feed, article, &v));
    }
    Ok(out)
}

/// Stored articles matching `fts`, best first.
pub(super) fn search_articles(
    c: &Connection,
    fts: &str,
    limit: usize,
) -> Result<Vec<ArticleHit>, StoreError> {
    let mut stmt = c.prepare_cached(
        "SELECT ar.feed, ar.id, ar.title, ar.url, ar.summary || ' ' || ar.content, ar.first_seen
         FROM articles_fts JOIN articles ar ON ar.rowid = articles_fts.rowid
         WHERE articles_fts MATCH ?1 ORDER BY bm25(articles_fts, 4.0, 1.0), ar.first_seen DESC LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![fts, limit as i64], |r| {
        Ok(ArticleHit {
            feed: r.get(0)?,
            id: r.get(1)?,
            title: r.get(2)?,
            url: r.get(3)?,
            text: r.get(4)?,
            first_seen: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// `now` as stored.
pub(super) fn stamp(now: chrono::DateTime<chrono::Utc>) -> String {
    rfc3339(now)
}
