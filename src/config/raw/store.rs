//! `[store]` as written.

use std::path::PathBuf;

use serde::Deserialize;

/// `[store]`: a shared PostgreSQL instead of the embedded SQLite.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStore {
    /// `postgres://user:password@host:port/db`.
    pub url: Option<crate::alert::sinks::secret::Secret>,
    /// A file holding the URL (relative: in `$CREDENTIALS_DIRECTORY`).
    pub url_file: Option<PathBuf>,
}
