//! Reading the history for the desk: filtered pages, one alert with its deliveries,
//! feedback and copies, per-watchlist precision, and article search.

use rusqlite::{params, params_from_iter, Connection, OptionalExtension};

use crate::alert::SeenIn;
use crate::store::desk::*;
use crate::store::desk_rules::{decode_alert, feedback_of, marked_of, next_position};
use crate::store::{millis_rfc3339, rfc3339, StoreError};

/// A condition given as the set of rows it keeps: a `SELECT rowid …` and its arguments.
/// Up to [`FEW_ROWS`] rows, a page starts from the set (its index) and sorts what it
/// finds; with more, the page walks the time index newest first, looks each row up in
/// the set and stops at its end, so a common word or a big feed does not read and sort
/// every row it keeps.
struct RowSet {
    sql: &'static str,
    args: Vec<String>,
}

/// See [`RowSet`].
const FEW_ROWS: i64 = 2000;

const ALERTS_MATCHING: &str = "SELECT rowid FROM alerts_fts WHERE alerts_fts MATCH ?";
const ARTICLES_MATCHING: &str = "SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?";
/// Alerts of a feed (`alerts_feed`); an alert stored without its article's feed column
/// has it only in its body.
const ALERTS_OF_FEED: &str = "SELECT rowid FROM alerts WHERE article_feed = ?
    UNION ALL SELECT rowid FROM alerts
    WHERE article_feed = '' AND json_extract(body, '$.article.feed') = ?";

impl RowSet {
    /// Whether the set has at most [`FEW_ROWS`] rows (FTS5 and the index stop counting
    /// one past it).
    fn is_small(&self, c: &Connection) -> Result<bool, StoreError> {
        let sql = format!("SELECT count(*) FROM ({} LIMIT {})", self.sql, FEW_ROWS + 1);
        let n: i64 = c
            .prepare_cached(&sql)?
            .query_row(params_from_iter(self.args.iter()), |r| r.get(0))?;
        Ok(n <= FEW_ROWS)
    }

    /// The condition on `alias`, as an index SQLite may start from (`drive`) or only as
    /// a lookup (`+rowid` is no index constraint).
    fn condition(&self, alias: &str, drive: bool) -> String {
        let plus = if drive { "" } else { "+" };
        format!(" AND {plus}{alias}.rowid IN ({})", self.sql)
    }
}

/// The first of `sets` that is small, if any.
fn driver(c: &Connection, sets: &[RowSet]) -> Result<Option<usize>, StoreError> {
    for (i, set) in sets.iter().enumerate() {
        if set.is_small(c)? {
            return Ok(Some(i));
        }
    }
    Ok(None)
}

/// The page `f` selects, newest first.
pub(super) fn list_alerts(c: &Connection, f: &AlertFilter) -> Result<AlertPage, StoreError> {
    let sets = row_sets(f);
    let (sql, args) = page_query(f, &sets, driver(c, &sets)?);
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

/// The conditions of `f` given as sets of rows: the text, the feed.
fn row_sets(f: &AlertFilter) -> Vec<RowSet> {
    let mut sets = Vec::new();
    if let Some(q) = &f.text {
        sets.push(RowSet {
            sql: ALERTS_MATCHING,
            args: vec![q.fts()],
        });
    }
    if let Some(feed) = &f.feed {
        sets.push(RowSet {
            sql: ALERTS_OF_FEED,
            args: vec![feed.clone(), feed.clone()],
        });
    }
    sets
}

/// The SQL and its arguments for one page (one row more than the limit, to know
/// whether another page follows); `sets` are `f`'s text and feed, `drive` the one
/// SQLite may start from.
fn page_query(f: &AlertFilter, sets: &[RowSet], drive: Option<usize>) -> (String, Vec<String>) {
    let mut sql = String::from(
        "SELECT a.id, a.body, a.created_at, a.article_feed, a.article_id FROM alerts a WHERE 1 = 1",
    );
    let mut args: Vec<String> = Vec::new();
    for (i, set) in sets.iter().enumerate() {
        sql.push_str(&set.condition("a", drive == Some(i)));
        args.extend(set.args.iter().cloned());
    }
    let mut add = |clause: &str, values: &[&str]| {
        sql.push_str(clause);
        args.extend(values.iter().map(|v| v.to_string()));
    };
    if let Some(w) = &f.watchlist {
        add(" AND a.watchlist = ?", &[w]);
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

/// Stored articles matching `fts`: those with every term in the title first, then the
/// others, newest first within each; at most `limit`. Each step stops at `limit` rows.
pub(super) fn search_articles(
    c: &Connection,
    fts: &str,
    limit: usize,
) -> Result<Vec<ArticleHit>, StoreError> {
    let mut hits = newest_articles(c, &format!("title : ({fts})"), limit)?;
    if hits.len() < limit {
        let titled: std::collections::HashSet<i64> = hits.iter().map(|(k, _)| *k).collect();
        let rest = newest_articles(c, fts, limit)?
            .into_iter()
            .filter(|(k, _)| !titled.contains(k));
        let room = limit - hits.len();
        hits.extend(rest.take(room));
    }
    Ok(hits.into_iter().map(|(_, hit)| hit).collect())
}

/// The newest `limit` stored articles matching `fts`, with their rowids.
fn newest_articles(
    c: &Connection,
    fts: &str,
    limit: usize,
) -> Result<Vec<(i64, ArticleHit)>, StoreError> {
    let set = RowSet {
        sql: ARTICLES_MATCHING,
        args: vec![fts.to_string()],
    };
    let drive = set.is_small(c)?;
    newest_articles_by(c, &set, limit, drive)
}

/// The SQL of [`newest_articles`] (the set's arguments are its arguments).
fn articles_query(set: &RowSet, drive: bool, limit: usize) -> String {
    format!(
        "SELECT ar.rowid, ar.feed, ar.id, ar.title, ar.url, ar.summary || ' ' || ar.content,
             ar.first_seen
         FROM articles ar WHERE 1 = 1{}
         ORDER BY ar.first_seen DESC, ar.rowid DESC LIMIT {limit}",
        set.condition("ar", drive)
    )
}

fn newest_articles_by(
    c: &Connection,
    set: &RowSet,
    limit: usize,
    drive: bool,
) -> Result<Vec<(i64, ArticleHit)>, StoreError> {
    let mut stmt = c.prepare_cached(&articles_query(set, drive, limit))?;
    let rows = stmt.query_map(params_from_iter(set.args.iter()), |r| {
        Ok((
            r.get(0)?,
            ArticleHit {
                feed: r.get(1)?,
                id: r.get(2)?,
                title: r.get(3)?,
                url: r.get(4)?,
                text: r.get(5)?,
                first_seen: r.get(6)?,
            },
        ))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// `now` as stored.
pub(super) fn stamp(now: chrono::DateTime<chrono::Utc>) -> String {
    rfc3339(now)
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, Utc};

    use super::super::super::SqliteStore;
    use super::*;
    use crate::alert::Alert;
    use crate::desk::SearchQuery;
    use crate::feeds::Article;
    use crate::store::NewAlert;

    /// Records an article (and an alert for it) first seen `minutes` ago.
    fn record(store: &SqliteStore, guid: &str, title: &str, summary: &str, minutes: i64) {
        let a = Article::new(
            "f",
            Some(guid.into()),
            Some(format!("https://x.org/{guid}")),
            title.into(),
            summary.into(),
            String::new(),
            None,
            None,
        );
        let at = Utc::now() - Duration::minutes(minutes);
        let alert = NewAlert {
            alert: Alert::new("w", None, &a, &[], at),
            sinks: vec!["hook".into()],
            story_keys: a.story_keys(),
        };
        store
            .record_article(&a, "m", vec![alert], None, at)
            .unwrap();
    }

    fn fts(q: &str) -> String {
        SearchQuery::parse(q).unwrap().fts()
    }

    /// The steps SQLite plans for `sql`, one line each.
    fn plan_of(c: &Connection, sql: &str, args: &[String]) -> String {
        let mut stmt = c.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
        let rows = stmt
            .query_map(params_from_iter(args.iter()), |r| r.get::<_, String>(3))
            .unwrap();
        rows.map(Result::unwrap).collect::<Vec<_>>().join("\n")
    }

    #[test]
    fn big_sets_walk_the_time_index_and_small_ones_lead() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path()).unwrap();
        let c = store.conn();
        let filter = AlertFilter {
            text: Some(SearchQuery::parse("harbour").unwrap()),
            feed: Some("f".into()),
            limit: 50,
            ..Default::default()
        };
        let sets = row_sets(&filter);
        let (sql, args) = page_query(&filter, &sets, None);
        let walk = plan_of(&c, &sql, &args);
        assert!(walk.contains("alerts_created"), "{walk}");
        assert!(!walk.contains("TEMP B-TREE"), "{walk}");
        let (sql, args) = page_query(&filter, &sets, Some(1));
        let by_feed = plan_of(&c, &sql, &args);
        assert!(by_feed.contains("alerts_feed"), "{by_feed}");
        assert!(by_feed.contains("TEMP B-TREE"), "{by_feed}");
        let set = RowSet {
            sql: ARTICLES_MATCHING,
            args: vec![fts("harbour")],
        };
        let articles = plan_of(&c, &articles_query(&set, false, 50), &set.args);
        assert!(articles.contains("articles_first_seen"), "{articles}");
        assert!(!articles.contains("TEMP B-TREE"), "{articles}");
    }

    #[test]
    fn both_plans_find_the_same_newest_first() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path()).unwrap();
        record(
            &store,
            "a",
            "old",
            "Harbour strike. Dock workers in Zürich.",
            30,
        );
        record(&store, "b", "new", "The harbour reopens.", 10);
        record(&store, "c", "mid", "Grain, nothing of ports here.", 20);
        record(&store, "d", "newest", "Harbour pilots, Zurich again.", 5);
        let c = store.conn();
        for (q, want) in [
            ("harbour", vec!["newest", "new", "old"]),
            ("zurich harb*", vec!["newest", "old"]),
            ("\"harbour reopens\"", vec!["new"]),
            ("tariff", vec![]),
        ] {
            for drive in [true, false] {
                let set = RowSet {
                    sql: ARTICLES_MATCHING,
                    args: vec![fts(q)],
                };
                let titles: Vec<String> = newest_articles_by(&c, &set, 10, drive)
                    .unwrap()
                    .into_iter()
                    .map(|(_, a)| a.title)
                    .collect();
                assert_eq!(titles, want, "articles, {q}, drive {drive}");
                for feed in [None, Some("f")] {
                    let filter = AlertFilter {
                        text: Some(SearchQuery::parse(q).unwrap()),
                        feed: feed.map(str::to_string),
                        limit: 10,
                        ..Default::default()
                    };
                    let sets = row_sets(&filter);
                    for lead in [None, Some(0), Some(sets.len() - 1)] {
                        let (sql, args) = page_query(&filter, &sets, lead.filter(|_| drive));
                        let alerts: Vec<String> = c
                            .prepare(&sql)
                            .unwrap()
                            .query_map(params_from_iter(args.iter()), row_basics)
                            .unwrap()
                            .map(|b| b.unwrap())
                            .map(|b| decode_alert(&b.id, &b.body).unwrap().article.title)
                            .collect();
                        assert_eq!(alerts, want, "alerts, {q}, {feed:?}, {lead:?}");
                    }
                }
            }
        }
        let other_feed = AlertFilter {
            feed: Some("g".into()),
            limit: 10,
            ..Default::default()
        };
        // How many alerts `filter` finds, by each plan.
        let found = |filter: &AlertFilter| -> Vec<usize> {
            let sets = row_sets(filter);
            [None, Some(0)]
                .into_iter()
                .map(|lead| {
                    let (sql, args) = page_query(filter, &sets, lead);
                    c.prepare(&sql)
                        .unwrap()
                        .query_map(params_from_iter(args.iter()), row_basics)
                        .unwrap()
                        .count()
                })
                .collect()
        };
        assert_eq!(found(&other_feed), [0, 0], "no alert of feed g");
        c.execute(
            "UPDATE alerts SET article_feed = '' WHERE created_at = (SELECT min(created_at) FROM alerts)",
            [],
        )
        .unwrap();
        let of_f = AlertFilter {
            feed: Some("f".into()),
            limit: 10,
            ..Default::default()
        };
        assert_eq!(
            found(&of_f),
            [4, 4],
            "the alert without its feed column is found by its body"
        );
    }

    #[test]
    fn articles_with_every_term_in_the_title_come_first() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path()).unwrap();
        record(&store, "a", "titled: Zürich harbour talks", "", 30);
        record(&store, "b", "half: Zürich", "harbour talks", 20);
        record(&store, "c", "body: news", "In Zürich, harbour talks.", 10);
        let c = store.conn();
        let ids = |q: &str, limit| -> Vec<String> {
            search_articles(&c, &fts(q), limit)
                .unwrap()
                .into_iter()
                .map(|a| a.title)
                .collect()
        };
        let titled = "titled: Zürich harbour talks";
        let (half, body) = ("half: Zürich", "body: news");
        assert_eq!(ids("zurich harbour", 10), [titled, body, half]);
        assert_eq!(ids("zurich harbour", 2), [titled, body]);
        assert_eq!(ids("zurich", 10), [half, titled, body]);
        assert_eq!(ids("talks", 1), [titled]);
    }
}
