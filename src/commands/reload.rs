//! `newshound reload`: checks the config, then sends SIGHUP to the daemon whose pid file
//! is in that config's state directory — a reload for people without systemd.

use std::io::Write;
use std::path::Path;

use super::{io, CommandError};
use crate::config;
use crate::pidfile;

/// `reload`: validates `path` and signals the daemon running on its state directory.
/// Returns the daemon's pid.
pub fn reload(path: &Path, out: &mut dyn Write) -> Result<i32, CommandError> {
    // An invalid config would be refused by the daemon anyway; say why here, where the
    // person who edited it is looking.
    let cfg = config::load(path)?;
    let pid = pidfile::running_daemon(&cfg.daemon.state_dir)?;
    pidfile::send_reload(pid)?;
    writeln!(
        out,
        "sent SIGHUP to newshound (pid {pid}, state directory {}): it reloads {}",
        cfg.daemon.state_dir.display(),
        path.display()
    )
    .map_err(io("writing the report"))?;
    Ok(pid)
}
