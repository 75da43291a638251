//! The desk's tables in the embedded backend: feedback, mutes, and two FTS5 indexes
//! (stored articles, alerts) over text folded by the matcher's folding, kept current by
//! triggers that call [`FOLD_FUNCTION`] — registered on every connection this backend
//! opens, so any write through newshound keeps the indexes right.

mod list;
mod mutes;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rusqlite::functions::FunctionFlags;
use rusqlite::Connection;

use super::SqliteStore;
use crate::store::desk::*;
use crate::store::StoreError;

pub(super) use mutes::hold_if_muted;

/// The SQL function the index triggers fold text with.
pub const FOLD_FUNCTION: &str = "newshound_fold";

/// Schema version 5: feedback, mutes, the search indexes (filled from what is stored),
/// and an index for paging the whole history newest first.
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
INSERT INTO articles_fts (rowid, title, body)
    SELECT rowid, newshound_fold(title), newshound_fold(summary || ' ' || content) FROM articles;
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
INSERT INTO alerts_fts (rowid, title, body)
    SELECT rowid, newshound_fold(json_extract(body, '$.article.title')),
        newshound_fold(json_extract(body, '$.article.summary')) FROM alerts;
";

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
