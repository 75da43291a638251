//! Opening the state database and its schema.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::Connection;

use super::bands::{self, MIGRATE_V6};
use super::batch::Db;
use super::desk::{Search, FILL_INDEXES, MIGRATE_V5, MIGRATE_V8, MIGRATE_V9};
use super::integrity::{self, StateFiles};
use super::turn::{Turn, Turns};
use crate::store::StoreError;

/// The state file inside `state_dir`.
pub const DB_FILE: &str = "newshound.db";

pub(super) const SCHEMA_VERSION: i64 = 9;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS feeds (
    name TEXT PRIMARY KEY,
    etag TEXT,
    last_modified TEXT,
    last_poll TEXT,
    last_result TEXT,
    last_error TEXT,
    consecutive_failures INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS articles (
    feed TEXT NOT NULL,
    id TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    matched_with TEXT NOT NULL DEFAULT '',
    url TEXT,
    guid TEXT,
    title TEXT NOT NULL,
    published TEXT,
    first_seen TEXT NOT NULL,
    summary TEXT NOT NULL DEFAULT '',
    content TEXT NOT NULL DEFAULT '',
    updated TEXT,
    fingerprint BLOB,
    PRIMARY KEY (feed, id)
);
CREATE INDEX IF NOT EXISTS articles_first_seen ON articles (first_seen);
CREATE TABLE IF NOT EXISTS seen (
    watchlist TEXT NOT NULL,
    story_key TEXT NOT NULL,
    alert_id TEXT NOT NULL,
    PRIMARY KEY (watchlist, story_key)
);
CREATE TABLE IF NOT EXISTS alerts (
    id TEXT PRIMARY KEY,
    watchlist TEXT NOT NULL,
    created_at TEXT NOT NULL,
    body TEXT NOT NULL,
    article_feed TEXT NOT NULL DEFAULT '',
    article_id TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS alerts_watchlist_created ON alerts (watchlist, created_at);
CREATE INDEX IF NOT EXISTS alerts_feed ON alerts (article_feed);
CREATE TABLE IF NOT EXISTS copies (
    alert_id TEXT NOT NULL REFERENCES alerts(id),
    feed TEXT NOT NULL,
    article_id TEXT NOT NULL,
    url TEXT,
    title TEXT NOT NULL,
    seen_at TEXT NOT NULL,
    PRIMARY KEY (alert_id, feed, article_id)
);
CREATE TABLE IF NOT EXISTS deliveries (
    alert_id TEXT NOT NULL REFERENCES alerts(id),
    sink TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    first_attempt_at INTEGER,
    last_error TEXT,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (alert_id, sink)
);
CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (status, next_attempt_at);
CREATE TABLE IF NOT EXISTS pages (
    feed TEXT NOT NULL,
    article_id TEXT NOT NULL,
    url TEXT NOT NULL,
    status TEXT NOT NULL,
    reason TEXT,
    text TEXT NOT NULL DEFAULT '',
    fetched_at TEXT NOT NULL,
    PRIMARY KEY (feed, article_id)
);
";

/// Version 2: delivery times in unix milliseconds (sub-second backoff), and digests: a
/// digest row owns the member deliveries it batches (`deliveries.digest_id`).
const MIGRATE_V2: &str = "
UPDATE deliveries SET next_attempt_at = next_attempt_at * 1000,
    first_attempt_at = first_attempt_at * 1000;
ALTER TABLE deliveries ADD COLUMN digest_id TEXT;
CREATE INDEX deliveries_digest ON deliveries (digest_id);
CREATE TABLE digests (
    id TEXT PRIMARY KEY,
    sink TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    first_attempt_at INTEGER,
    last_error TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX digests_due ON digests (sink, status, next_attempt_at);
";

/// Version 3: each feed's next poll (unix milliseconds), the interval that led to it and
/// why, so a restart honours the schedule and the status page can show it.
const MIGRATE_V3: &str = "
ALTER TABLE feeds ADD COLUMN next_poll INTEGER;
ALTER TABLE feeds ADD COLUMN poll_interval_ms INTEGER;
ALTER TABLE feeds ADD COLUMN poll_reason TEXT;
";

/// Version 4 (several processes on one state): each feed's claim (the instance, a token
/// per claim) and the instance that last polled it, and per-sink delivery leases.
const MIGRATE_V4: &str = "
ALTER TABLE feeds ADD COLUMN lease_owner TEXT;
ALTER TABLE feeds ADD COLUMN lease_token TEXT;
ALTER TABLE feeds ADD COLUMN polled_by TEXT NOT NULL DEFAULT '';
CREATE TABLE sink_leases (
    sink TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    until INTEGER NOT NULL
);
";

/// Version 7: claim rounds pick due feeds by their next poll.
const MIGRATE_V7: &str = "CREATE INDEX IF NOT EXISTS feeds_next_poll ON feeds (next_poll);";

/// The error of opening `path`.
fn open_error(path: &Path) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
    move |source| StoreError::Open {
        what: path.display().to_string(),
        source: Box::new(source),
    }
}

/// How long a statement waits for another process's lock before "database is locked".
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// The same for a short command beside a running daemon (`alerts replay`, feedback,
/// mutes): under a daemon writing all the time, 5 s can pass before the lock is free.
pub const COMMAND_BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// The state database. Cheap to clone; calls are short and serialised on one connection.
#[derive(Clone)]
pub struct SqliteStore {
    // Declared before `guard`: the connection closes before the guard looks at the log.
    pub(super) db: Arc<Mutex<Db>>,
    /// One call of the interfaces at a time on the blocking pool (see [`SqliteStore::run`]).
    pub(super) calls: Arc<tokio::sync::Semaphore>,
    path: Arc<PathBuf>,
    read_only: bool,
    guard: Option<Arc<integrity::OpenGuard>>,
    /// The database file's (device, inode) when opened for writing.
    identity: Option<(u64, u64)>,
    /// Whether the open ran the integrity check (not when the state was as its last clean
    /// stop left it, see [`integrity::unchanged_since_clean_stop`]).
    checked_at_open: bool,
    /// Short commands' turns, looked at before each use (the daemon's and `once`'s).
    pub(super) turns: Option<Arc<Turns>>,
    /// The turn this short command holds until the state is closed.
    turn: Option<Arc<Turn>>,
}

impl SqliteStore {
    /// Opens (creating if needed) the state in `dir`. An existing state is checked
    /// first ([`integrity`]): a damaged one is refused ([`StoreError::Damaged`]), never
    /// taken for a fresh one.
    /// This opener uses the state all the time (the daemon, `once`): before each use it
    /// lets a short command that holds the turn go first ([`turn`](super::turn)).
    pub fn open(dir: &Path) -> Result<SqliteStore, StoreError> {
        let mut store = SqliteStore::open_waiting(dir, BUSY_TIMEOUT, || None)?;
        store.turns = Turns::open(dir).map(Arc::new);
        Ok(store)
    }

    /// [`SqliteStore::open`] for a short command beside a running daemon (`alerts
    /// replay`, feedback, mutes): every statement waits up to [`COMMAND_BUSY_TIMEOUT`]
    /// for another process's write lock, and the command holds the turn from its first
    /// write (the schema check) until the state is closed, so a busy daemon lets it in.
    pub fn open_command(dir: &Path) -> Result<SqliteStore, StoreError> {
        SqliteStore::open_waiting(dir, COMMAND_BUSY_TIMEOUT, || {
            Turn::take(dir, COMMAND_BUSY_TIMEOUT).map(Arc::new)
        })
    }

    /// Opens the state in `dir`, waiting up to `busy` for another process's write lock
    /// on every statement, and holding what `turn` takes just before the first write.
    fn open_waiting(
        dir: &Path,
        busy: Duration,
        turn: impl FnOnce() -> Option<Arc<Turn>>,
    ) -> Result<SqliteStore, StoreError> {
        std::fs::create_dir_all(dir).map_err(|source| StoreError::CreateDir {
            path: dir.to_path_buf(),
            source,
        })?;
        let files = StateFiles::in_dir(dir);
        if !files.db.exists() {
            create(dir, &files.db)?;
        }
        integrity::precheck(&files)?;
        let unchanged = integrity::unchanged_since_clean_stop(&files);
        let path = files.db.clone();
        let open_err = open_error(&path);
        let mut conn = Connection::open(&path).map_err(&open_err)?;
        super::desk::register_functions(&conn).map_err(&open_err)?;
        conn.busy_timeout(busy).map_err(&open_err)?;
        if !unchanged {
            integrity::check_tables(&conn, &path)?;
        }
        configure(&conn).map_err(|e| integrity::unreadable(&path, e))?;
        let turn = turn();
        migrate(&mut conn, &path)?;
        let guard = integrity::OpenGuard::mark(&files)?;
        let mut store = SqliteStore::wrap(conn, path.clone(), false);
        store.guard = Some(Arc::new(guard));
        store.turn = turn;
        store.identity = integrity::identity(&files.db);
        store.checked_at_open = !unchanged;
        Ok(store)
    }

    /// Opens a scratch copy of the state in `dir` (for `--dry-run`): an in-memory database
    /// holding what the file knows of feeds and seen stories, so the pipeline runs exactly
    /// as it would, while the file on disk is only read, never written. Its search indexes
    /// stay empty ([`Search::Unindexed`]): nothing searches a dry run's copy.
    pub fn open_scratch(dir: &Path) -> Result<SqliteStore, StoreError> {
        let path = dir.join(DB_FILE);
        let open_err = open_error(&path);
        let conn = memory_schema().map_err(&open_err)?;
        if path.is_file() {
            let uri = format!("file:{}?mode=ro", path.display());
            conn.execute("ATTACH DATABASE ?1 AS disk", [uri])
                .map_err(&open_err)?;
            conn.execute_batch(
                "INSERT INTO main.feeds (name, etag, last_modified, last_poll, last_result,
                   last_error, consecutive_failures)
                 SELECT name, etag, last_modified, last_poll, last_result, last_error,
                   consecutive_failures FROM disk.feeds;
                 INSERT INTO main.articles SELECT * FROM disk.articles;
                 INSERT INTO main.seen SELECT * FROM disk.seen;
                 INSERT INTO main.alerts SELECT * FROM disk.alerts;
                 INSERT INTO main.copies SELECT * FROM disk.copies;",
            )
            .map_err(&open_err)?;
            copy_bands(&conn)?;
            conn.execute_batch("DETACH DATABASE disk;")
                .map_err(&open_err)?;
        }
        Ok(SqliteStore::wrap(conn, path.clone(), true))
    }

    /// An empty in-memory state (the scratch copy of a shared state).
    pub fn open_memory() -> Result<SqliteStore, StoreError> {
        let path = PathBuf::from(":memory:");
        let conn = memory_schema().map_err(open_error(&path))?;
        Ok(SqliteStore::wrap(conn, path.clone(), true))
    }

    /// Opens the existing state in `dir` for reading only (`backtest`, listings); it is an
    /// error when there is none yet.
    pub fn open_read_only(dir: &Path) -> Result<SqliteStore, StoreError> {
        let path = dir.join(DB_FILE);
        if !path.is_file() {
            return Err(open_error(&path)(rusqlite::Error::InvalidPath(
                path.clone(),
            )));
        }
        let open_err = open_error(&path);
        let flags =
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(&path, flags).map_err(&open_err)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(&open_err)?;
        Ok(SqliteStore::wrap(conn, path.clone(), true))
    }

    fn wrap(conn: Connection, path: PathBuf, read_only: bool) -> SqliteStore {
        SqliteStore {
            db: Arc::new(Mutex::new(Db::new(conn))),
            calls: Arc::new(tokio::sync::Semaphore::new(1)),
            path: Arc::new(path),
            read_only,
            guard: None,
            identity: None,
            checked_at_open: false,
            turns: None,
            turn: None,
        }
    }

    /// Whether opening this state ran the integrity check on it: false for a state the last
    /// clean stop sealed and nothing touched since, and for scratch and in-memory copies.
    pub fn checked_at_open(&self) -> bool {
        self.checked_at_open
    }

    /// Whether this is a scratch copy (dry run): nothing reaches the disk.
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    /// Whether writes keep the search indexes: not on a scratch copy ([`Search`]).
    pub(super) fn search(&self) -> Search {
        match self.read_only {
            true => Search::Unindexed,
            false => Search::Indexed,
        }
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The daemon's periodic check: the file at the state's path is still the one opened
    /// (same device and inode), and a fresh read-only connection reads the outbox from
    /// disk (a damaged page is found there, not hidden by this connection's cache).
    pub fn probe(&self) -> Result<(), StoreError> {
        let Some(opened) = self.identity else {
            return Ok(());
        };
        let replaced = |problem: String| StoreError::Replaced {
            what: self.path.display().to_string(),
            problem,
        };
        match integrity::identity(&self.path) {
            None => return Err(replaced("was removed".into())),
            Some(now) if now != opened => {
                return Err(replaced("was replaced by another file".into()))
            }
            Some(_) => {}
        }
        integrity::probe_reads(&self.path)
    }
}

/// WAL with synchronous = FULL: a commit is on disk before the call returns, so an
/// alert queued or a delivery recorded survives a power loss too, not only a crash.
fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;",
    )
}

/// Creates the state `db` in `dir` whole or not at all: built under a name of this
/// process, then linked into place (which fails, harmlessly, when another process made
/// one first). So an empty `newshound.db` is never one newshound left behind.
fn create(dir: &Path, db: &Path) -> Result<(), StoreError> {
    let tmp = dir.join(format!("{DB_FILE}.new-{}", std::process::id()));
    let open_err = open_error(&tmp);
    let _ = std::fs::remove_file(&tmp);
    {
        let mut conn = Connection::open(&tmp).map_err(&open_err)?;
        configure(&conn).map_err(&open_err)?;
        super::desk::register_functions(&conn).map_err(&open_err)?;
        migrate(&mut conn, &tmp)?;
        conn.close().map_err(|(_, e)| open_err(e))?;
    }
    // Where hard links are not supported, a rename (which could replace a state made
    // meanwhile by another process, in the same instant) is the fallback.
    let linked = match std::fs::hard_link(&tmp, db) {
        Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => std::fs::rename(&tmp, db),
        other => other,
    };
    let _ = std::fs::remove_file(&tmp);
    match linked {
        Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => Err(StoreError::Open {
            what: db.display().to_string(),
            source: Box::new(e),
        }),
        _ => Ok(()),
    }
}

/// The near-duplicate index of the attached `disk` state into the scratch copy: copied, or
/// computed when the file predates it (version < 6).
fn copy_bands(conn: &Connection) -> Result<(), StoreError> {
    let has: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM disk.sqlite_master WHERE name = 'near_bands')",
        [],
        |r| r.get(0),
    )?;
    if has {
        conn.execute_batch("INSERT INTO main.near_bands SELECT * FROM disk.near_bands;")?;
    } else {
        bands::backfill(conn)?;
    }
    Ok(())
}

/// A fresh in-memory database with the whole schema.
fn memory_schema() -> rusqlite::Result<Connection> {
    let conn = Connection::open_in_memory()?;
    super::desk::register_functions(&conn)?;
    for step in [
        SCHEMA, MIGRATE_V2, MIGRATE_V3, MIGRATE_V4, MIGRATE_V5, MIGRATE_V6, MIGRATE_V7, MIGRATE_V8,
        MIGRATE_V9,
    ] {
        conn.execute_batch(step)?;
    }
    Ok(conn)
}

/// Brings the file to [`SCHEMA_VERSION`] in one transaction.
fn migrate(conn: &mut Connection, path: &Path) -> Result<(), StoreError> {
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version > SCHEMA_VERSION {
        return Err(StoreError::TooNew {
            what: path.display().to_string(),
            found: version,
            supported: SCHEMA_VERSION,
        });
    }
    // IMMEDIATE: wait (busy_timeout) for a running daemon's write to finish rather than
    // read first and find the snapshot stale when upgrading to write (SQLITE_BUSY at once).
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    tx.execute_batch(SCHEMA)?;
    if version < 2 {
        tx.execute_batch(MIGRATE_V2)?;
    }
    if version < 3 {
        tx.execute_batch(MIGRATE_V3)?;
    }
    if version < 4 {
        tx.execute_batch(MIGRATE_V4)?;
    }
    if version < 5 {
        tx.execute_batch(MIGRATE_V5)?;
        tx.execute_batch(FILL_INDEXES)?;
    }
    if version < 6 {
        tx.execute_batch(MIGRATE_V6)?;
        let alerts = bands::backfill(&tx)?;
        if version > 0 {
            tracing::info!(
                alerts,
                "near-duplicate index built from the stored fingerprints"
            );
        }
    }
    if version < 7 {
        tx.execute_batch(MIGRATE_V7)?;
    }
    if version < 8 {
        tx.execute_batch(MIGRATE_V8)?;
    }
    if version < 9 {
        tx.execute_batch(MIGRATE_V9)?;
    }
    tx.execute_batch(&format!("PRAGMA user_version = {SCHEMA_VERSION}"))?;
    tx.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use rusqlite::params;

    use super::*;
    use crate::alert::Alert;
    use crate::desk::SearchQuery;
    use crate::feeds::Article;
    use crate::store::desk::{AlertFilter, DeskStore};
    use crate::store::NewAlert;

    fn article(guid: &str, title: &str, content: &str) -> Article {
        Article::new(
            "f",
            Some(guid.into()),
            Some(format!("https://x.org/{guid}")),
            title.into(),
            String::new(),
            content.into(),
            None,
            None,
        )
    }

    fn alert_for(a: &Article) -> NewAlert {
        NewAlert {
            alert: Alert::new("w", None, a, &[], Utc::now()),
            sinks: vec!["hook".into()],
            story_keys: a.story_keys(),
        }
    }

    /// The rowids of `table` (`articles_fts` or `alerts_fts`) whose index has `word`: the
    /// index itself, not a join with the rows it indexes (which would hide stale entries).
    fn indexed(store: &SqliteStore, table: &str, word: &str) -> Vec<i64> {
        let conn = store.conn();
        let mut stmt = conn
            .prepare(&format!(
                "SELECT rowid FROM {table} WHERE {table} MATCH ?1 ORDER BY rowid"
            ))
            .unwrap();
        let rows = stmt.query_map([word], |r| r.get(0)).unwrap();
        rows.collect::<Result<_, _>>().unwrap()
    }

    async fn found_articles(store: &SqliteStore, q: &str) -> Vec<String> {
        let q = SearchQuery::parse(q).unwrap();
        let hits = store.search_articles(&q, 10).await.unwrap();
        hits.into_iter().map(|h| h.id).collect()
    }

    async fn found_alerts(store: &SqliteStore, q: &str) -> Vec<String> {
        let filter = AlertFilter {
            text: Some(SearchQuery::parse(q).unwrap()),
            limit: 10,
            ..AlertFilter::default()
        };
        let page = store.list_alerts(filter).await.unwrap();
        page.alerts.into_iter().map(|r| r.alert.id).collect()
    }

    /// A state as `version` (1–7) made it: the schema up to it and one article and its
    /// alert written by plain SQL (from version 5 on, its index triggers indexed them);
    /// returns the alert's id.
    fn state_at(dir: &Path, version: usize, old: &Article) -> String {
        let conn = Connection::open(dir.join(DB_FILE)).unwrap();
        configure(&conn).unwrap();
        super::super::desk::register_functions(&conn).unwrap();
        let steps = [
            SCHEMA, MIGRATE_V2, MIGRATE_V3, MIGRATE_V4, MIGRATE_V5, MIGRATE_V6, MIGRATE_V7,
        ];
        for step in &steps[..version] {
            conn.execute_batch(step).unwrap();
        }
        conn.execute_batch(&format!("PRAGMA user_version = {version}"))
            .unwrap();
        conn.execute(
            "INSERT INTO articles (feed, id, content_hash, title, first_seen, summary, content)
             VALUES (?1, ?2, ?3, ?4, '2020-01-01T00:00:00Z', ?5, ?6)",
            params![
                old.feed,
                old.id.as_str(),
                old.content_hash(),
                old.title,
                old.summary,
                old.content
            ],
        )
        .unwrap();
        let alert = alert_for(old).alert;
        conn.execute(
            "INSERT INTO alerts (id, watchlist, created_at, body, article_feed, article_id)
             VALUES (?1, 'w', '2020-01-01T00:00:00Z', ?2, ?3, ?4)",
            params![
                alert.id,
                serde_json::to_string(&alert).unwrap(),
                old.feed,
                old.id.as_str()
            ],
        )
        .unwrap();
        alert.id
    }

    /// The number of triggers in the state at `dir`.
    fn triggers(dir: &Path) -> i64 {
        Connection::open(dir.join(DB_FILE))
            .unwrap()
            .query_row(
                "SELECT count(*) FROM sqlite_schema WHERE type = 'trigger'",
                [],
                |r| r.get(0),
            )
            .unwrap()
    }

    #[tokio::test]
    async fn a_state_from_before_the_search_indexes_has_its_stored_rows_indexed() {
        let dir = tempfile::tempdir().unwrap();
        let old = article(
            "old",
            "Zeppelin over the harbour",
            "An airship drifted east.",
        );
        let old_alert = state_at(dir.path(), 4, &old);
        let store = SqliteStore::open(dir.path()).unwrap();
        assert_eq!(triggers(dir.path()), 0);
        assert_eq!(found_articles(&store, "airship").await, [old.id.as_str()]);
        assert_eq!(found_alerts(&store, "zeppelin").await, [old_alert.as_str()]);
        assert_eq!(indexed(&store, "articles_fts", "zeppelin").len(), 1);
    }

    #[tokio::test]
    async fn a_state_indexed_by_triggers_is_migrated_and_old_new_changed_and_pruned_rows_stay_right(
    ) {
        let dir = tempfile::tempdir().unwrap();
        let old = article(
            "old",
            "Zeppelin over the harbour",
            "An airship drifted east.",
        );
        let old_alert = state_at(dir.path(), 7, &old);
        assert_eq!(triggers(dir.path()), 5, "version 7 indexed by triggers");
        let new = article("new", "Quokka census", "Rottnest counts its marsupials.");

        let store = SqliteStore::open(dir.path()).unwrap();
        {
            let conn = store.conn();
            let (version, triggers): (i64, i64) = conn
                .query_row(
                    "SELECT (SELECT user_version FROM pragma_user_version),
                            (SELECT count(*) FROM sqlite_schema WHERE type = 'trigger')",
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .unwrap();
            assert_eq!((version, triggers), (SCHEMA_VERSION, 0));
            for index in ["articles_fts", "alerts_fts"] {
                let automerge: i64 = conn
                    .query_row(
                        &format!("SELECT v FROM {index}_config WHERE k = 'automerge'"),
                        [],
                        |r| r.get(0),
                    )
                    .unwrap();
                assert_eq!(automerge, 16, "{index} merges 16 segments at a time");
            }
        }
        // What the triggers indexed is still found.
        let (old_id, new_id) = (old.id.as_str().to_string(), new.id.as_str().to_string());
        assert_eq!(found_articles(&store, "zeppelin").await, [old_id.as_str()]);
        assert_eq!(found_articles(&store, "airship").await, [old_id.as_str()]);
        assert_eq!(found_alerts(&store, "zeppelin").await, [old_alert.as_str()]);

        // A new article and its alert are indexed by the recording code.
        let queued = store
            .record_article(&new, "m", vec![alert_for(&new)], None, Utc::now())
            .unwrap()
            .queued;
        assert_eq!(queued.len(), 1);
        assert_eq!(found_articles(&store, "quokka").await, [new_id.as_str()]);
        assert_eq!(
            found_articles(&store, "marsupials").await,
            [new_id.as_str()]
        );
        assert_eq!(
            found_alerts(&store, "quokka").await,
            [queued[0].id.as_str()]
        );
        // Recording it again unchanged adds nothing to the index.
        store
            .record_article(&new, "m", Vec::new(), None, Utc::now())
            .unwrap();
        assert_eq!(indexed(&store, "articles_fts", "quokka").len(), 1);

        // The old article, changed: its old words leave the index, its new ones enter it.
        let changed = article("old", "Dirigible over the harbour", "It moored at noon.");
        store
            .record_article(&changed, "m", Vec::new(), None, Utc::now())
            .unwrap();
        assert!(indexed(&store, "articles_fts", "zeppelin").is_empty());
        assert!(indexed(&store, "articles_fts", "airship").is_empty());
        assert_eq!(found_articles(&store, "dirigible").await, [old_id.as_str()]);
        assert_eq!(found_articles(&store, "moored").await, [old_id.as_str()]);

        // Pruning (the old article was first seen in 2020) takes its index rows too.
        let cut = Utc.with_ymd_and_hms(2021, 1, 1, 0, 0, 0).unwrap();
        assert_eq!(store.prune_articles(cut).unwrap(), 1);
        assert!(indexed(&store, "articles_fts", "dirigible").is_empty());
        assert!(indexed(&store, "articles_fts", "moored").is_empty());
        assert!(found_articles(&store, "dirigible").await.is_empty());
        assert_eq!(found_articles(&store, "quokka").await, [new_id.as_str()]);
        // Alerts are kept, and so is their index.
        assert_eq!(found_alerts(&store, "zeppelin").await, [old_alert.as_str()]);

        // The dry run's scratch copy copies the rows, not the indexes, and indexes nothing
        // it records: nothing searches it.
        drop(store);
        let scratch = SqliteStore::open_scratch(dir.path()).unwrap();
        assert!(scratch
            .stored_article(&new.feed, &new_id)
            .unwrap()
            .is_some());
        assert!(found_articles(&scratch, "marsupials").await.is_empty());
        assert!(found_alerts(&scratch, "quokka").await.is_empty());
        let wombat = article("wombat", "Wombat census", "Burrows counted.");
        let queued = scratch
            .record_article(&wombat, "m", vec![alert_for(&wombat)], None, Utc::now())
            .unwrap()
            .queued;
        assert_eq!(queued.len(), 1);
        assert!(found_articles(&scratch, "wombat").await.is_empty());
        assert!(found_alerts(&scratch, "wombat").await.is_empty());
    }

    /// Overwrites the root page of `table` in the state in `dir` (closed) with garbage.
    fn corrupt_root_of(dir: &Path, table: &str) {
        let db = dir.join(DB_FILE);
        let root: i64 = {
            let conn = Connection::open(&db).unwrap();
            conn.query_row(
                "SELECT rootpage FROM sqlite_schema WHERE name = ?1",
                [table],
                |r| r.get(0),
            )
            .unwrap()
        };
        let mut bytes = std::fs::read(&db).unwrap();
        let page = usize::from(u16::from_be_bytes([bytes[16], bytes[17]]));
        let at = (root as usize - 1) * page;
        assert!(
            bytes.len() >= at + page,
            "page {root} of {table} is in the file"
        );
        bytes[at..at + page].fill(0x5a);
        std::fs::write(&db, bytes).unwrap();
    }

    #[test]
    fn a_clean_stop_seals_the_state_and_only_an_untouched_state_skips_the_check() {
        let dir = tempfile::tempdir().unwrap();
        let files = integrity::StateFiles::in_dir(dir.path());
        let first = SqliteStore::open(dir.path()).unwrap();
        assert!(first.checked_at_open());
        let a = article("a", "Quokka census", "Rottnest counts its marsupials.");
        first
            .record_article(&a, "m", vec![alert_for(&a)], None, Utc::now())
            .unwrap();
        drop(first);
        assert!(files.seal.exists(), "a clean stop leaves its seal");
        let second = SqliteStore::open(dir.path()).unwrap();
        assert!(
            !second.checked_at_open(),
            "an untouched state is not checked again"
        );
        assert!(!files.seal.exists(), "the open removes the seal");
        // Another process beside it finds the state open: checked.
        let beside = SqliteStore::open(dir.path()).unwrap();
        assert!(beside.checked_at_open());
        drop(beside);
        drop(second);
        // Written after the clean stop, even with the same bytes: checked.
        assert!(files.seal.exists());
        let bytes = std::fs::read(&files.db).unwrap();
        std::fs::write(&files.db, &bytes).unwrap();
        assert!(SqliteStore::open(dir.path()).unwrap().checked_at_open());
        // A seal that does not read: checked.
        std::fs::write(&files.seal, "0 0 0 0.0 0.0 extra\n").unwrap();
        assert!(SqliteStore::open(dir.path()).unwrap().checked_at_open());
        // Replaced by a copy of itself (a restore): a new inode, checked.
        assert!(files.seal.exists());
        let copy = dir.path().join("copy.db");
        std::fs::copy(&files.db, &copy).unwrap();
        std::fs::rename(&copy, &files.db).unwrap();
        assert!(SqliteStore::open(dir.path()).unwrap().checked_at_open());
    }

    #[test]
    fn a_corrupted_page_of_any_table_is_refused_at_open_fts_shadow_tables_included() {
        for table in ["articles_fts_data", "alerts_fts_idx", "feeds", "near_bands"] {
            let dir = tempfile::tempdir().unwrap();
            {
                let store = SqliteStore::open(dir.path()).unwrap();
                let a = article("a", "Quokka census", "Rottnest counts its marsupials.");
                store
                    .record_article(&a, "m", vec![alert_for(&a)], None, Utc::now())
                    .unwrap();
            }
            // Opens fine before.
            drop(SqliteStore::open(dir.path()).unwrap());
            corrupt_root_of(dir.path(), table);
            match SqliteStore::open(dir.path()) {
                Err(StoreError::Damaged { problem, .. }) => {
                    assert!(
                        problem.contains(&format!("quick_check found: {table}")),
                        "{table}: {problem}"
                    );
                }
                Err(other) => panic!("{table}: not refused as damaged: {other}"),
                Ok(_) => panic!("{table}: a corrupted page was not found"),
            }
        }
    }
}
