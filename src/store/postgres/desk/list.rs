//! Reading the history for the desk on PostgreSQL: filtered pages, one alert with its
//! deliveries, feedback and copies, per-watchlist precision, article search.

use tokio_postgres::types::ToSql;
use tokio_postgres::{GenericClient, Row};

use crate::desk::SearchQuery;
use crate::store::desk::*;
use crate::store::desk_rules::{decode_alert, feedback_of, marked_of, next_position};
use crate::store::postgres::read::copies;
use crate::store::{millis_rfc3339, StoreError};

/// The page `f` selects, newest first.
pub(super) async fn list_alerts<C: GenericClient>(
    c: &C,
    f: &AlertFilter,
) -> Result<AlertPage, StoreError> {
    let (sql, args) = page_query(f);
    let params: Vec<&(dyn ToSql + Sync)> = args.iter().map(|a| a as _).collect();
    let rows = c.query(&sql, &params).await?;
    let more = rows.len() > f.limit;
    let mut alerts = Vec::with_capacity(rows.len().min(f.limit));
    for row in rows.iter().take(f.limit) {
        alerts.push(complete(c, row).await?);
    }
    let next = next_position(more, &alerts);
    Ok(AlertPage { alerts, next })
}

/// A query under construction: SQL text and its text arguments, numbered as added.
struct Sql {
    text: String,
    args: Vec<String>,
}

impl Sql {
    /// Appends `clause`, where each `$` stands for the next argument of `values`.
    fn add(&mut self, clause: &str, values: &[&str]) {
        let mut values = values.iter();
        for (i, piece) in clause.split('$').enumerate() {
            if i > 0 {
                if let Some(v) = values.next() {
                    self.args.push(v.to_string());
                }
                self.text.push_str(&format!("${}", self.args.len()));
            }
            self.text.push_str(piece);
        }
    }
}

/// The SQL and its arguments for one page (one row more than the limit, to know
/// whether another page follows); the same conditions as SQLite's.
fn page_query(f: &AlertFilter) -> (String, Vec<String>) {
    let mut q = Sql {
        text: "SELECT a.id, a.body, a.created_at, a.article_feed, a.article_id FROM alerts a WHERE true".into(),
        args: Vec::new(),
    };
    for p in f.text.iter().flat_map(SearchQuery::like_patterns) {
        q.add(
            " AND (a.fold_title LIKE $ OR a.fold_body LIKE $)",
            &[&p, &p],
        );
    }
    if let Some(w) = &f.watchlist {
        q.add(" AND a.watchlist = $", &[w]);
    }
    if let Some(feed) = &f.feed {
        q.add(
            " AND (a.article_feed = $ OR (a.article_feed = '' AND a.body::json->'article'->>'feed' = $))",
            &[feed, feed],
        );
    }
    if let Some(s) = &f.severity {
        q.add(" AND a.body::json->>'severity' = $", &[s]);
    }
    if let Some(s) = &f.since {
        q.add(" AND a.created_at >= $", &[s]);
    }
    if let Some(u) = &f.until {
        q.add(" AND a.created_at < $", &[u]);
    }
    if let Some(d) = f.delivery {
        q.add(
            " AND EXISTS (SELECT 1 FROM deliveries d WHERE d.alert_id = a.id AND d.status = $)",
            &[d.as_str()],
        );
    }
    match f.feedback {
        Some(Some(v)) => q.add(
            " AND EXISTS (SELECT 1 FROM feedback fb WHERE fb.alert_id = a.id AND fb.verdict = $)",
            &[v.as_str()],
        ),
        Some(None) => q.add(
            " AND NOT EXISTS (SELECT 1 FROM feedback fb WHERE fb.alert_id = a.id)",
            &[],
        ),
        None => {}
    }
    if let Some(p) = &f.after {
        q.add(
            " AND (a.created_at < $ OR (a.created_at = $ AND a.id < $))",
            &[&p.created_at, &p.created_at, &p.id],
        );
    }
    q.text.push_str(&format!(
        " ORDER BY a.created_at DESC, a.id DESC LIMIT {}",
        f.limit + 1
    ));
    (q.text, q.args)
}

/// One alert, or `None`.
pub(super) async fn alert_record<C: GenericClient>(
    c: &C,
    id: &str,
) -> Result<Option<AlertRecord>, StoreError> {
    let row = c
        .query_opt(
            "SELECT id, body, created_at, article_feed, article_id FROM alerts WHERE id = $1",
            &[&id],
        )
        .await?;
    match row {
        Some(r) => Ok(Some(complete(c, &r).await?)),
        None => Ok(None),
    }
}

/// Decodes an alert row and reads its deliveries, feedback and copies.
async fn complete<C: GenericClient>(c: &C, r: &Row) -> Result<AlertRecord, StoreError> {
    let id: String = r.get(0);
    Ok(AlertRecord {
        alert: decode_alert(&id, r.get(1))?,
        deliveries: deliveries(c, &id).await?,
        feedback: feedback(c, &id).await?,
        copies: copies(c, &id).await?,
        created_at: r.get(2),
        article: (r.get(3), r.get(4)),
    })
}

async fn deliveries<C: GenericClient>(c: &C, id: &str) -> Result<Vec<DeliveryView>, StoreError> {
    let rows = c
        .query(
            "SELECT sink, status, attempts, next_attempt_at, last_error, digest_id FROM deliveries
             WHERE alert_id = $1 ORDER BY sink",
            &[&id],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| {
            let status: String = r.get(1);
            DeliveryView {
                next_attempt_at: (status == "pending").then(|| millis_rfc3339(r.get(3))),
                sink: r.get(0),
                status,
                attempts: u32::try_from(r.get::<_, i32>(2)).unwrap_or(0),
                last_error: r.get(4),
                digest_id: r.get(5),
            }
        })
        .collect())
}

async fn feedback<C: GenericClient>(c: &C, id: &str) -> Result<Option<Feedback>, StoreError> {
    let row = c
        .query_opt(
            "SELECT verdict, note, at FROM feedback WHERE alert_id = $1",
            &[&id],
        )
        .await?;
    Ok(row.and_then(|r| feedback_of(r.get(0), r.get(1), r.get(2))))
}

/// Records feedback; `false` when the alert does not exist.
pub(super) async fn set_feedback<C: GenericClient>(
    c: &C,
    id: &str,
    f: &Feedback,
) -> Result<bool, StoreError> {
    let n = c
        .execute(
            "INSERT INTO feedback (alert_id, verdict, note, at)
             SELECT id, $2, $3, $4 FROM alerts WHERE id = $1
             ON CONFLICT (alert_id) DO UPDATE SET verdict = $2, note = $3, at = $4",
            &[&id, &f.verdict.as_str(), &f.note, &f.at],
        )
        .await?;
    Ok(n > 0)
}

/// Feedback counts per watchlist.
pub(super) async fn precision<C: GenericClient>(c: &C) -> Result<Vec<Precision>, StoreError> {
    let rows = c
        .query(
            "SELECT a.watchlist, SUM((f.verdict = 'useful')::int)::bigint,
               SUM((f.verdict = 'false-positive')::int)::bigint
             FROM feedback f JOIN alerts a ON a.id = f.alert_id
             GROUP BY a.watchlist ORDER BY a.watchlist",
            &[],
        )
        .await?;
    let count = |r: &Row, i: usize| u64::try_from(r.get::<_, i64>(i)).unwrap_or(0);
    Ok(rows
        .iter()
        .map(|r| Precision {
            watchlist: r.get(0),
            useful: count(r, 1),
            false_positive: count(r, 2),
        })
        .collect())
}

/// Every alert with feedback, oldest first.
pub(super) async fn marked_alerts<C: GenericClient>(c: &C) -> Result<Vec<MarkedAlert>, StoreError> {
    let rows = c
        .query(
            "SELECT a.id, a.watchlist, a.article_feed, a.article_id, f.verdict
             FROM feedback f JOIN alerts a ON a.id = f.alert_id ORDER BY a.created_at, a.id",
            &[],
        )
        .await?;
    Ok(rows
        .iter()
        .filter_map(|r| marked_of(r.get(0), r.get(1), r.get(2), r.get(3), r.get(4)))
        .collect())
}

/// Stored articles matching `query`, those with every term in the title first, then the
/// others, newest first within each.
pub(super) async fn search_articles<C: GenericClient>(
    c: &C,
    query: &SearchQuery,
    limit: usize,
) -> Result<Vec<ArticleHit>, StoreError> {
    let patterns = query.like_patterns();
    if patterns.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = Sql {
        text: String::new(),
        args: Vec::new(),
    };
    q.add("SELECT feed, id, title, url, summary || ' ' || content, first_seen FROM articles WHERE true", &[]);
    for p in &patterns {
        q.add(" AND (fold_title LIKE $ OR fold_body LIKE $)", &[p, p]);
    }
    for (i, p) in patterns.iter().enumerate() {
        let join = if i == 0 { " ORDER BY (" } else { " AND " };
        q.add(&format!("{join}fold_title LIKE $"), &[p]);
    }
    q.text
        .push_str(&format!(") DESC, first_seen DESC LIMIT {}", limit));
    let params: Vec<&(dyn ToSql + Sync)> = q.args.iter().map(|a| a as _).collect();
    let rows = c.query(&q.text, &params).await?;
    Ok(rows
        .iter()
        .map(|r| ArticleHit {
            feed: r.get(0),
            id: r.get(1),
            title: r.get(2),
            url: r.get(3),
            text: r.get(4),
            first_seen: r.get(5),
        })
        .collect())
}
