//! The storage error: one type for every backend, naming what failed and where; the
//! backend's own error is kept as the source, never part of the type.

use std::path::PathBuf;

/// A backend's own error, boxed so no driver type leaks into the interface.
pub type BackendError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// A failure of the state store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The state folder could not be made.
    #[error("creating state directory '{path}' failed")]
    CreateDir {
        /// The folder.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// Opening (or connecting to) the state failed.
    #[error("opening state database '{what}' failed")]
    Open {
        /// The file, or the database URL with its password removed.
        what: String,
        /// The backend's error.
        #[source]
        source: BackendError,
    },
    /// The state was written by a newer newshound.
    #[error("state database '{what}' has schema version {found}, newer than this newshound ({supported})")]
    TooNew {
        /// The file or redacted URL.
        what: String,
        /// Its version.
        found: i64,
        /// The newest version this build knows.
        supported: i64,
    },
    /// A query failed.
    #[error("state database query failed")]
    Query(#[source] BackendError),
    /// A stored alert did not decode.
    #[error("stored alert '{id}' is corrupt")]
    Corrupt {
        /// The alert id.
        id: String,
        /// The decode error.
        #[source]
        source: serde_json::Error,
    },
    /// A poll finished after its feed's lease had passed to another claim: nothing of it
    /// was written (the other claim polls the feed again).
    #[error(
        "feed '{feed}' was claimed by another poll while this one ran: its results were dropped"
    )]
    LeaseLost {
        /// The feed.
        feed: String,
    },
    /// The state is damaged: newshound refuses to start on it rather than take it for a
    /// fresh one (which would alert every story still in the feeds again).
    #[error(
        "state database '{what}' is damaged: {problem}. newshound did not start on it \
         (a fresh state would alert every story still in the feeds again). Inspect it with \
         `newshound state check`; restore a backup (made by `newshound state backup PATH`) \
         into the state directory, or start afresh with `--reset-state` on `run` or `once`, \
         which moves the damaged files aside"
    )]
    Damaged {
        /// The database file.
        what: String,
        /// What was found.
        problem: String,
    },
    /// The state file was removed or replaced under the running daemon.
    #[error(
        "state database '{what}' {problem} under the running daemon: stopping, since \
         everything written now would go into a file nobody sees (and another daemon may \
         have started on the new one)"
    )]
    Replaced {
        /// The database file.
        what: String,
        /// What happened to it.
        problem: String,
    },
    /// Moving a damaged state aside (`--reset-state`) failed.
    #[error("moving '{path}' aside failed")]
    Reset {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// Writing a backup of the state failed.
    #[error("backing the state up into '{path}' failed")]
    Backup {
        /// The backup file.
        path: PathBuf,
        /// Why.
        #[source]
        source: BackendError,
    },
    /// The worker running the store call stopped (shutdown or a panic).
    #[error("the state store's worker stopped: {0}")]
    Worker(String),
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> StoreError {
        StoreError::Query(Box::new(e))
    }
}

#[cfg(any())]
impl From<tokio_postgres::Error> for StoreError {
    fn from(e: tokio_postgres::Error) -> StoreError {
        StoreError::Query(Box::new(e))
    }
}
