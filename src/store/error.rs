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
