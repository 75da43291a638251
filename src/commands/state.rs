//! `newshound state check` and `state backup PATH`, and `--reset-state`: the operator's
//! tools for a state newshound refused to start on.

use std::io::Write;
use std::path::Path;

use super::{existing_state, io, CommandError};
use crate::config;
use crate::store::sqlite::integrity;

/// `state check`: checks the files of the state and every page of it; reports "ok" on
/// `out`, or fails naming the damage.
pub fn check(path: &Path, out: &mut dyn Write) -> Result<(), CommandError> {
    let cfg = config::load(path)?;
    existing_state(&cfg.daemon.state_dir)?;
    let db = integrity::check(&cfg.daemon.state_dir)?;
    writeln!(
        out,
        "state {}: ok (files and integrity_check)",
        db.display()
    )
    .map_err(io("writing the report"))
}

/// `state backup PATH`: a consistent copy of the state into `to` (a new file), taken
/// with SQLite's online backup while a daemon may keep writing.
pub fn backup(path: &Path, to: &Path, out: &mut dyn Write) -> Result<(), CommandError> {
    let cfg = config::load(path)?;
    existing_state(&cfg.daemon.state_dir)?;
    integrity::backup(&cfg.daemon.state_dir, to)?;
    writeln!(out, "state backed up into {}", to.display()).map_err(io("writing the report"))
}

/// `--reset-state`: moves the state of the config at `path` aside, logging where each
/// file went, so the run starts afresh.
pub fn reset(path: &Path) -> Result<(), CommandError> {
    let cfg = config::load(path)?;
    if let Ok(pid) = crate::pidfile::running_daemon(&cfg.daemon.state_dir) {
        return Err(CommandError::StateInUse(pid));
    }
    for moved in integrity::reset(&cfg.daemon.state_dir)? {
        tracing::warn!(file = %moved.display(), "--reset-state: moved the old state aside");
    }
    Ok(())
}
