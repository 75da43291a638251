//! The pid file `newshound.pid` in the state folder: written when the daemon starts,
//! removed when it stops, read by `newshound reload`. A file left behind by a daemon that
//! died is stale (no such process, or a process that is not newshound) and is replaced.

use std::path::{Path, PathBuf};

use rustix::process::{Pid, Signal};

/// The pid file's name inside `state_dir`.
pub const PID_FILE: &str = "newshound.pid";

/// A problem with the pid file or the process it names.
#[derive(Debug, thiserror::Error)]
pub enum PidFileError {
    /// A live newshound already uses this state folder.
    #[error("another newshound (pid {pid}) is running on state directory '{dir}'")]
    Running {
        /// Its pid.
        pid: i32,
        /// The shared state folder.
        dir: PathBuf,
    },
    /// Writing the file failed.
    #[error("writing pid file '{path}' failed")]
    Write {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// No daemon wrote a pid file there.
    #[error("no pid file '{path}': is `newshound run` running with this config?")]
    Missing {
        /// The file looked for.
        path: PathBuf,
    },
    /// The file could not be read.
    #[error("reading pid file '{path}' failed")]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The file holds no pid.
    #[error("pid file '{path}' does not hold a process id")]
    Garbage {
        /// The file.
        path: PathBuf,
    },
    /// The process it names is gone (or is not newshound).
    #[error("stale pid file '{path}': pid {pid} is not a running newshound")]
    Stale {
        /// The file.
        path: PathBuf,
        /// The pid it holds.
        pid: i32,
    },
    /// kill(2) failed.
    #[error("sending SIGHUP to newshound (pid {pid}) failed")]
    Signal {
        /// The daemon's pid.
        pid: i32,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}

/// The daemon's own pid file; removed when dropped.
#[derive(Debug)]
pub struct PidFile {
    path: PathBuf,
}

impl PidFile {
    /// Writes this process's pid into `state_dir`, replacing a stale file; refuses when
    /// another live newshound holds it.
    pub fn create(state_dir: &Path) -> Result<PidFile, PidFileError> {
        let path = state_dir.join(PID_FILE);
        let own = std::process::id() as i32;
        let stale = match read_pid(&path) {
            Ok(pid) if pid != own && is_newshound(pid) => {
                return Err(PidFileError::Running {
                    pid,
                    dir: state_dir.to_path_buf(),
                })
            }
            Ok(pid) if pid != own => Some(pid),
            _ => None,
        };
        let tmp = state_dir.join(format!("{PID_FILE}.tmp"));
        let write_err = |source| PidFileError::Write {
            path: path.clone(),
            source,
        };
        std::fs::write(&tmp, format!("{own}\n")).map_err(write_err)?;
        std::fs::rename(&tmp, &path).map_err(write_err)?;
        // Logged once our pid is in place, so whoever reads this line finds it there.
        if let Some(pid) = stale {
            tracing::info!(path = %path.display(), pid, "replaced a stale pid file");
        }
        Ok(PidFile { path })
    }

    /// Where the file is.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for PidFile {
    fn drop(&mut self) {
        // Only our own: a second daemon that replaced a file it judged stale keeps its own.
        if read_pid(&self.path).ok() == Some(std::process::id() as i32) {
            if let Err(e) = std::fs::remove_file(&self.path) {
                tracing::warn!(path = %self.path.display(), error = %e, "removing the pid file failed");
            }
        }
    }
}

/// The pid of the newshound running on `state_dir`, checked to be alive and newshound.
pub fn running_daemon(state_dir: &Path) -> Result<i32, PidFileError> {
    let path = state_dir.join(PID_FILE);
    let pid = read_pid(&path)?;
    if !is_newshound(pid) {
        return Err(PidFileError::Stale { path, pid });
    }
    Ok(pid)
}

/// Asks the daemon `pid` to reload its config (SIGHUP).
pub fn send_reload(pid: i32) -> Result<(), PidFileError> {
    let target = Pid::from_raw(pid).ok_or(PidFileError::Stale {
        path: PathBuf::from(PID_FILE),
        pid,
    })?;
    rustix::process::kill_process(target, Signal::HUP).map_err(|e| PidFileError::Signal {
        pid,
        source: e.into(),
    })
}

fn read_pid(path: &Path) -> Result<i32, PidFileError> {
    let text = std::fs::read_to_string(path).map_err(|source| match source.kind() {
        std::io::ErrorKind::NotFound => PidFileError::Missing {
            path: path.to_path_buf(),
        },
        _ => PidFileError::Read {
            path: path.to_path_buf(),
            source,
        },
    })?;
    match text.trim().parse::<i32>() {
        Ok(pid) if pid > 0 => Ok(pid),
        _ => Err(PidFileError::Garbage {
            path: path.to_path_buf(),
        }),
    }
}

/// Whether `pid` is alive and runs the same program as this process (or one called
/// newshound): a pid recycled by an unrelated process is never signalled.
fn is_newshound(pid: i32) -> bool {
    let Some(target) = Pid::from_raw(pid) else {
        return false;
    };
    match rustix::process::test_kill_process(target) {
        Ok(()) | Err(rustix::io::Errno::PERM) => {}
        Err(_) => return false,
    }
    let comm = |p: &str| std::fs::read_to_string(format!("/proc/{p}/comm")).ok();
    match comm(&pid.to_string()) {
        Some(theirs) => {
            let theirs = theirs.trim();
            theirs == "newshound" || comm("self").is_some_and(|ours| ours.trim() == theirs)
        }
        // No /proc to ask: trust the live pid.
        None => !Path::new("/proc/self").exists(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pid_file_names_this_process_and_goes_away_when_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let file = PidFile::create(dir.path()).unwrap();
        let pid = running_daemon(dir.path()).expect("this test process counts as running");
        assert_eq!(pid, std::process::id() as i32);
        drop(file);
        assert!(!dir.path().join(PID_FILE).exists());
        assert!(matches!(
            running_daemon(dir.path()),
            Err(PidFileError::Missing { .. })
        ));
    }

    #[test]
    fn a_stale_file_is_reported_and_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(PID_FILE);
        // pid_max is at most 2^22 on Linux: this pid cannot exist.
        std::fs::write(&path, "2147483000\n").unwrap();
        let err = running_daemon(dir.path()).unwrap_err();
        assert!(
            matches!(
                err,
                PidFileError::Stale {
                    pid: 2147483000,
                    ..
                }
            ),
            "{err}"
        );
        let file = PidFile::create(dir.path()).expect("a stale file is replaced");
        assert_eq!(
            std::fs::read_to_string(file.path()).unwrap().trim(),
            std::process::id().to_string()
        );
        std::fs::write(&path, "not a pid").unwrap();
        assert!(matches!(
            running_daemon(dir.path()),
            Err(PidFileError::Garbage { .. })
        ));
    }

    #[test]
    fn a_live_other_program_is_not_newshound() {
        // pid 1 is alive (init, or the container's first process) and is not this test.
        let ours = std::fs::read_to_string("/proc/self/comm").unwrap_or_default();
        let init = std::fs::read_to_string("/proc/1/comm").unwrap_or_default();
        if std::process::id() != 1 && ours != init {
            assert!(!is_newshound(1));
        }
    }
}
