//! The bodies of the CLI commands, one file each: they read their inputs, call into the
//! library and write what the user sees. `main` maps their errors to exit codes.

mod alerts;
mod backtest;
mod check;
mod completions;
pub mod desk;
mod matching;
mod migrate;
mod once;
mod opml;
mod reload;
pub mod state;

pub use alerts::replay;
pub use backtest::backtest;
pub use check::check;
pub use completions::{completions, man};
pub use desk::MuteArgs;
pub use matching::{match_file, MATCH_MAX_INPUT};
pub use migrate::migrate_state;
pub use once::once;
pub use opml::import_opml;
pub use reload::reload;

use crate::config::ConfigError;
use crate::daemon::DaemonError;
use crate::feeds::parse::ParseError;
use crate::opml::OpmlError;
use crate::pidfile::PidFileError;

/// Why a command failed; each kind has its own exit code.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    /// The config is unreadable or invalid (exit 1).
    #[error(transparent)]
    Config(Box<ConfigError>),
    /// `match --as feed` on something that is not a feed (exit 2).
    #[error("'{path}' is not a feed")]
    NotAFeed {
        /// The input.
        path: String,
        /// Why.
        #[source]
        source: ParseError,
    },
    /// `import-opml` on something that is not OPML (exit 1).
    #[error("'{path}' is not an OPML file")]
    NotOpml {
        /// The input.
        path: String,
        /// Why.
        #[source]
        source: OpmlError,
    },
    /// `reload` found no running daemon to signal (exit 3).
    #[error(transparent)]
    NoDaemon(#[from] PidFileError),
    /// A named watchlist does not exist (exit 1).
    #[error("no watchlist named '{0}'")]
    NoWatchlist(String),
    /// `alerts replay` named alerts the outbox does not hold (exit 1); nothing was requeued.
    #[error("no alert with id {} in the outbox (nothing requeued)", .0.iter().map(|i| format!("'{i}'")).collect::<Vec<_>>().join(", "))]
    NoAlert(Vec<String>),
    /// A command that reads the state found none (exit 1); it never creates one.
    #[error("no state yet in {}: `newshound run` or `newshound once` with this config creates it", .0.display())]
    NoState(std::path::PathBuf),
    /// The state holds no alert with this id (exit 1).
    #[error("no alert with id '{0}'")]
    UnknownAlert(String),
    /// The arguments do not fit together (exit 2).
    #[error("{0}")]
    Usage(String),
    /// The state database failed (exit 3).
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    /// `--reset-state` while a daemon runs on the state (exit 3).
    #[error("--reset-state refused: newshound (pid {0}) is running on this state; stop it first")]
    StateInUse(i32),
    /// Reading input or writing output failed (exit 3).
    #[error("{what} failed")]
    Io {
        /// What was being done.
        what: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The daemon could not run (exit 3).
    #[error(transparent)]
    Daemon(#[from] DaemonError),
    /// `migrate-state` while a daemon runs on the state (exit 3).
    #[error("migrate-state refused: newshound ({0}) is running on this state; stop it first")]
    MigrateBusy(String),
    /// `migrate-state` could not copy the state (exit 1 for a database that is not empty,
    /// else 3); the target is left as it was.
    #[error(transparent)]
    Migrate(#[from] crate::store::postgres::import::ImportError),
}

impl From<ConfigError> for CommandError {
    fn from(e: ConfigError) -> Self {
        CommandError::Config(Box::new(e))
    }
}

impl CommandError {
    /// The process exit code for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            CommandError::Config(_)
            | CommandError::NoWatchlist(_)
            | CommandError::NoAlert(_)
            | CommandError::NoState(_)
            | CommandError::UnknownAlert(_)
            | CommandError::NotOpml { .. } => 1,
            CommandError::Migrate(e) => match e {
                crate::store::postgres::import::ImportError::NotEmpty { .. } => 1,
                _ => 3,
            },
            CommandError::NotAFeed { .. } | CommandError::Usage(_) => 2,
            CommandError::Io { .. }
            | CommandError::Daemon(_)
            | CommandError::Store(_)
            | CommandError::StateInUse(_)
            | CommandError::MigrateBusy(_)
            | CommandError::NoDaemon(_) => 3,
        }
    }
}

/// Fails with [`CommandError::NoState`] unless `config`'s embedded state exists: commands
/// that only read or amend the state never create one (a shared PostgreSQL state is
/// migrated when opened, as by the daemon).
pub(crate) fn existing_state(config: &crate::config::Config) -> Result<(), CommandError> {
    if crate::store::is_shared(config) {
        return Ok(());
    }
    let dir = &config.daemon.state_dir;
    match dir.join(crate::store::DB_FILE).is_file() {
        true => Ok(()),
        false => Err(CommandError::NoState(dir.to_path_buf())),
    }
}

pub(crate) fn io(what: &str) -> impl FnOnce(std::io::Error) -> CommandError + '_ {
    move |source| CommandError::Io {
        what: what.to_string(),
        source,
    }
}
