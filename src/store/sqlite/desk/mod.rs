//! The desk's tables in the embedded backend: feedback, mutes, and two FTS5 indexes
//! (stored articles, alerts) over text folded by the matcher's folding. The code that
//! stores, changes or prunes an article or an alert writes its index rows in the same
//! transaction ([`index_article`], [`unindex_article`], [`index_alert`]): one plain insert
//! into the index per row. (Up to schema version 7 triggers did this; SQLite opens a
//! statement journal for every statement that fires a trigger inside a transaction, and
//! FTS5 writes its pending index to disk at every such savepoint, so each article became
//! an index segment of its own, merged again and again: over half of a new feed's CPU
//! time. Version 8 drops them.) [`FOLD_FUNCTION`] is registered on every connection
//! this backend opens for the migrations and copies that fill an index in SQL.

mod list;
mod mutes;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rusqlite::functions::FunctionFlags;
use rusqlite::{params, Connection};

use super::SqliteStore;
use crate::alert::Alert;
use crate::desk::fold_for_index;
use crate::feeds::Article;
use crate::store::desk::*;
use crate::store::StoreError;

pub(super) use mutes::hold_if_muted;

/// The SQL function the migrations and the dry run's copy fold indexed text with (the
/// same folding as [`crate::desk::fold_for_index`]).
pub const FOLD_FUNCTION: &str = "newshound_fold";

/// Schema version 5: feedback, mutes, the search indexes (filled from what is stored by
/// [`FILL_INDEXES`], run right after), and an index for paging the whole history newest
/// first.
pub(super) const MIGRATE_V5: &str = "
CREATE INDEX alerts_created ON alerts (created_at, id);
CREATE TABLE feedback (
    alert_id TEXT PRIMARY KEY REFERENCES alerts(id),
    verdict TEXT NOT NULL,
    note TEXT,
    at TEXT NOT NULL
);
CREATE TABLE mutes (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    watchlist TEXT NOT NULL DEFAULT '',
    person TEXT NOT NULL DEFAULT '',
    alert TEXT NOT NULL DEFAULT '',
    story_keys TEXT NOT NULL DEFAULT '[]',
    created_at TEXT NOT NULL,
    until TEXT,
    lifted_at TEXT
);
CREATE VIRTUAL TABLE articles_fts USING fts5(title, body, content='', contentless_delete=1,
    tokenize='unicode61 remove_diacritics 0');
CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN
    INSERT INTO articles_fts (rowid, title, body) VALUES (new.rowid,
        newshound_fold(new.title), newshound_fold(new.summary || ' ' || new.content));
END;
CREATE TRIGGER articles_fts_update AFTER UPDATE OF title, summary, content ON articles BEGIN
    DELETE FROM articles_fts WHERE rowid = old.rowid;
    INSERT INTO articles_fts (rowid, title, body) VALUES (new.rowid,
        newshound_fold(new.title), newshound_fold(new.summary || ' ' || new.content));
END;
CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN
    DELETE FROM articles_fts WHERE rowid = old.rowid;
END;
CREATE VIRTUAL TABLE alerts_fts USING fts5(title, body, content='', contentless_delete=1,
    tokenize='unicode61 remove_diacritics 0');
CREATE TRIGGER alerts_fts_insert AFTER INSERT ON alerts BEGIN
    INSERT INTO alerts_fts (rowid, title, body) VALUES (new.rowid,
        newshound_fold(json_extract(new.body, '$.article.title')),
        newshound_fold(json_extract(new.body, '$.article.summary')));
END;
CREATE TRIGGER alerts_fts_delete AFTER DELETE ON alerts BEGIN
    DELETE FROM alerts_fts WHERE rowid = old.rowid;
END;
";

/// Schema version 8: the search indexes are written by the recording code, not by
/// triggers (see the module documentation). The index rows stay as they are.
pub(super) const MIGRATE_V8: &str = "
DROP TRIGGER IF EXISTS articles_fts_insert;
DROP TRIGGER IF EXISTS articles_fts_update;
DROP TRIGGER IF EXISTS articles_fts_delete;
DROP TRIGGER IF EXISTS alerts_fts_insert;
DROP TRIGGER IF EXISTS alerts_fts_delete;
";

/// Schema version 9: FTS5 merges an index's segments 16 at a time (`automerge`, default
/// 4). Every commit of the poll batch writes its pending index as a new segment, and with
/// merges of 4 each indexed word was written again at every level of a 4-way tree: the
/// merges were 13% of a round of new feeds (`bench/load.sh 10000`, `perf record`). With 16
/// there are half as many levels; a search reads up to 15 segments per level instead of 3.
/// The setting is kept in each index's `*_config` table.
pub(super) const MIGRATE_V9: &str = "
INSERT INTO articles_fts (articles_fts, rank) VALUES ('automerge', 16);
INSERT INTO alerts_fts (alerts_fts, rank) VALUES ('automerge', 16);
";

/// Fills both search indexes from the stored rows, into empty indexes: a state upgraded
/// to version 5.
pub(super) const FILL_INDEXES: &str = "
INSERT INTO articles_fts (rowid, title, body)
    SELECT rowid, newshound_fold(title), newshound_fold(summary || ' ' || content) FROM articles;
INSERT INTO alerts_fts (rowid, title, body)
    SELECT rowid, newshound_fold(json_extract(body, '$.article.title')),
        newshound_fold(json_extract(body, '$.article.summary')) FROM alerts;
";

/// Whether the recording code writes a state's search indexes: always for a state on
/// disk; never for a scratch copy (`--dry-run`), which nothing searches and which is
/// dropped at the end of the run — indexing was a third of a dry run's CPU time on one
/// 8 MB feed (`bench/rg.sh`, `perf record`), and its index pages and pending FTS5 data
/// part of its memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(in crate::store::sqlite) enum Search {
    /// The indexes follow every article and alert written.
    Indexed,
    /// No index rows are written (a scratch copy).
    Unindexed,
}

/// Adds the article stored at `rowid` of `articles` to the search index: its title, and
/// its summary and content as one text.
pub(super) fn index_article(
    tx: &Connection,
    search: Search,
    rowid: i64,
    a: &Article,
) -> Result<(), StoreError> {
    if search == Search::Unindexed {
        return Ok(());
    }
    let body = format!("{} {}", a.summary, a.content);
    tx.prepare_cached("INSERT INTO articles_fts (rowid, title, body) VALUES (?1, ?2, ?3)")?
        .execute(params![
            rowid,
            fold_for_index(&a.title),
            fold_for_index(&body)
        ])?;
    Ok(())
}

/// Removes the article stored at `rowid` of `articles` from the search index (the index
/// is contentless with `contentless_delete`, so the rowid is enough).
pub(super) fn unindex_article(
    tx: &Connection,
    search: Search,
    rowid: i64,
) -> Result<(), StoreError> {
    if search == Search::Unindexed {
        return Ok(());
    }
    tx.prepare_cached("DELETE FROM articles_fts WHERE rowid = ?1")?
        .execute([rowid])?;
    Ok(())
}

/// Removes from the search index every stored article first seen before `before` (an
/// RFC 3339 time, as `articles.first_seen` holds), ahead of deleting those rows.
pub(super) fn unindex_articles_before(tx: &Connection, before: &str) -> Result<(), StoreError> {
    tx.execute(
        "DELETE FROM articles_fts WHERE rowid IN (SELECT rowid FROM articles WHERE first_seen < ?1)",
        [before],
    )?;
    Ok(())
}

/// Adds the alert stored at `rowid` of `alerts` to the search index: its article's title
/// and summary.
pub(super) fn index_alert(
    tx: &Connection,
    search: Search,
    rowid: i64,
    a: &Alert,
) -> Result<(), StoreError> {
    if search == Search::Unindexed {
        return Ok(());
    }
    tx.prepare_cached("INSERT INTO alerts_fts (rowid, title, body) VALUES (?1, ?2, ?3)")?
        .execute(params![
            rowid,
            fold_for_index(&a.article.title),
            fold_for_index(&a.article.summary)
        ])?;
    Ok(())
}

/// Registers [`FOLD_FUNCTION`] on `conn` (NULL folds to the empty string).
pub(super) fn register_functions(conn: &Connection) -> rusqlite::Result<()> {
    conn.create_scalar_function(
        FOLD_FUNCTION,
        1,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| {
            let text: Option<String> = ctx.get(0)?;
            Ok(crate::desk::fold_for_index(text.as_deref().unwrap_or("")))
        },
    )
}

#[async_trait]
impl DeskStore for SqliteStore {
    async fn list_alerts(&self, filter: AlertFilter) -> Result<AlertPage, StoreError> {
        self.run(move |s| list::list_alerts(&s.conn(), &filter))
            .await
    }

    async fn alert_record(&self, id: &str) -> Result<Option<AlertRecord>, StoreError> {
        let id = id.to_string();
        self.run(move |s| list::alert_record(&s.conn(), &id)).await
    }

    async fn set_feedback(&self, id: &str, feedback: Feedback) -> Result<bool, StoreError> {
        let id = id.to_string();
        self.run(move |s| list::set_feedback(&s.conn(), &id, &feedback))
            .await
    }

    async fn precision(&self) -> Result<Vec<Precision>, StoreError> {
        self.run(|s| list::precision(&s.conn())).await
    }

    async fn marked_alerts(&self) -> Result<Vec<MarkedAlert>, StoreError> {
        self.run(|s| list::marked_alerts(&s.conn())).await
    }

    async fn add_mute(
        &self,
        scope: MuteScope,
        until: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<Option<Mute>, StoreError> {
        self.run(move |s| mutes::add_mute(&mut s.conn(), &scope, until, now))
            .await
    }

    async fn mutes(&self, now: DateTime<Utc>) -> Result<Vec<Mute>, StoreError> {
        self.run(move |s| mutes::active(&s.conn(), now)).await
    }

    async fn lift_mutes(
        &self,
        which: MuteSelector,
        now: DateTime<Utc>,
    ) -> Result<usize, StoreError> {
        self.run(move |s| mutes::lift(&s.conn(), &which, now)).await
    }

    async fn search_articles(
        &self,
        query: &crate::desk::SearchQuery,
        limit: usize,
    ) -> Result<Vec<ArticleHit>, StoreError> {
        let fts = query.fts();
        self.run(move |s| list::search_articles(&s.conn(), &fts, limit))
            .await
    }
}
