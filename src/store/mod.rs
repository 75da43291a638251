//! The state: feed validators and schedules, articles already processed, stories already
//! seen per watchlist, and the alert outbox with per-sink delivery state. The rest of
//! newshound talks to it through the interfaces in [`api`]; the backends are the
//! embedded SQLite under `state_dir` (the default, [`sqlite`]) and a shared PostgreSQL
//! (`[store] url`, [`postgres`]) that several instances use at once.

pub mod api;
mod claims;
pub mod decide;
pub mod desk;
pub mod desk_rules;
mod error;
pub mod postgres;
pub mod sqlite;
mod types;

use std::ops::Deref;
use std::path::Path;
use std::sync::Arc;

pub use api::{Backend, DeliveryStore, HostSlots, PollStore, ReadStore, SlotLease};
pub use claims::*;
pub use desk::DeskStore;
pub use error::{BackendError, StoreError};
pub use sqlite::DB_FILE;
pub use types::*;

use crate::config::Config;

/// The open state, whichever backend holds it. Cheap to clone; derefs to the
/// [`Backend`] so callers use the interfaces' methods directly.
#[derive(Clone)]
pub struct Store {
    backend: Arc<dyn Backend>,
    read_only: bool,
}

impl Deref for Store {
    type Target = dyn Backend;
    fn deref(&self) -> &(dyn Backend + 'static) {
        &*self.backend
    }
}

impl Store {
    /// Wraps a backend.
    pub fn new(backend: Arc<dyn Backend>, read_only: bool) -> Store {
        Store { backend, read_only }
    }

    /// Opens the state `config` names: `[store] url` when set, else the SQLite file
    /// under `daemon.state_dir` (created if needed). Schema migrations run here.
    pub async fn open(config: &Config) -> Result<Store, StoreError> {
        match postgres::url_of(config) {
            Some(url) => {
                let pg = postgres::PgStore::connect(&url).await?;
                Ok(Store::new(Arc::new(pg), false))
            }
            None => Store::open_dir(&config.daemon.state_dir).await,
        }
    }

    /// Opens the state `config` names for a short command beside a running daemon
    /// (`alerts replay`, feedback, mutes): like [`Store::open`], but a SQLite statement
    /// waits up to [`sqlite::COMMAND_BUSY_TIMEOUT`] for the daemon's write lock, and the
    /// command takes its turn before the daemon's next write
    /// ([`sqlite::SqliteStore::open_command`]).
    pub async fn open_command(config: &Config) -> Result<Store, StoreError> {
        if postgres::url_of(config).is_some() {
            return Store::open(config).await;
        }
        let dir = config.daemon.state_dir.clone();
        let db = sqlite::blocking(move || sqlite::SqliteStore::open_command(&dir)).await?;
        Ok(Store::new(Arc::new(db), false))
    }

    /// Opens (creating if needed) the SQLite state in `dir`.
    pub async fn open_dir(dir: &Path) -> Result<Store, StoreError> {
        let dir = dir.to_path_buf();
        let db = sqlite::blocking(move || sqlite::SqliteStore::open(&dir)).await?;
        Ok(Store::new(Arc::new(db), false))
    }

    /// Opens the existing state `config` names for reading only (`backtest`, listings);
    /// an error when a SQLite state does not exist yet.
    pub async fn open_read_only(config: &Config) -> Result<Store, StoreError> {
        match postgres::url_of(config) {
            Some(url) => {
                let pg = postgres::PgStore::connect(&url).await?;
                Ok(Store::new(Arc::new(pg), true))
            }
            None => Store::open_dir_read_only(&config.daemon.state_dir).await,
        }
    }

    /// Opens the existing SQLite state in `dir` for reading only.
    pub async fn open_dir_read_only(dir: &Path) -> Result<Store, StoreError> {
        let dir = dir.to_path_buf();
        let db = sqlite::blocking(move || sqlite::SqliteStore::open_read_only(&dir)).await?;
        Ok(Store::new(Arc::new(db), true))
    }

    /// A scratch copy of the state (for `--dry-run`): an in-memory SQLite database
    /// holding what the state knows of feeds and seen stories, so the pipeline runs
    /// exactly as it would while the real state is only read.
    pub async fn open_scratch(config: &Config) -> Result<Store, StoreError> {
        if let Some(url) = postgres::url_of(config) {
            let pg = postgres::PgStore::connect(&url).await?;
            let scratch = sqlite::blocking(sqlite::SqliteStore::open_memory).await?;
            postgres::copy_into_scratch(&pg, &scratch).await?;
            return Ok(Store::new(Arc::new(scratch), true));
        }
        let dir = config.daemon.state_dir.clone();
        let db = sqlite::blocking(move || sqlite::SqliteStore::open_scratch(&dir)).await?;
        Ok(Store::new(Arc::new(db), true))
    }

    /// The desk's interface of this backend; on a backend without one, every call
    /// fails with an error saying so.
    pub fn desk(&self) -> &dyn DeskStore {
        self.backend.desk().unwrap_or(&desk::NoDesk)
    }

    /// Whether this backend has the desk (feedback, mutes, search).
    pub fn has_desk(&self) -> bool {
        self.backend.desk().is_some()
    }

    /// Whether this is a scratch or read-only copy: nothing reaches the state.
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }
}

/// This process's name in the shared state: `host/pid`. Claims and leases carry it, and
/// `/api/status` shows it as the instance that polled a feed.
pub fn instance_id() -> String {
    static ID: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    ID.get_or_init(|| {
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .map(|h| h.trim().to_string())
            .unwrap_or_else(|_| "localhost".into());
        format!("{host}/{}", std::process::id())
    })
    .clone()
}

/// Whether the lease holder `owner` (`host/pid`) is a process of this host that is gone,
/// so its lease can be taken over at once.
pub fn owner_is_gone(owner: &str) -> bool {
    let Some((host, pid)) = owner.rsplit_once('/') else {
        return false;
    };
    let me = instance_id();
    let my_host = me.rsplit_once('/').map_or("", |(h, _)| h);
    let Ok(pid) = pid.parse::<i32>() else {
        return false;
    };
    if host != my_host || pid == std::process::id() as i32 {
        return false;
    }
    let Some(pid) = rustix::process::Pid::from_raw(pid) else {
        return false;
    };
    matches!(
        rustix::process::test_kill_process(pid),
        Err(rustix::io::Errno::SRCH)
    )
}

/// Whether `config` names a shared state (PostgreSQL) rather than the embedded SQLite.
pub fn is_shared(config: &Config) -> bool {
    config.store.url.is_some()
}
