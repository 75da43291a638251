//! The pid file `newshound.pid` in the state folder: the daemon holds an exclusive
//! `flock(2)` on it for its whole life, so the kernel, not a race between reading and
//! writing the file, decides that only one daemon runs per state. It holds the pid for
//! `newshound reload`, and is removed when the daemon stops. A file left behind by a daemon
//! that died is unlocked (the kernel dropped the lock with the process) and is taken over.

use std::fs::File;
use std::io::{Read, Seek, Write};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use rustix::fs::FlockOperation;
use rustix::process::{Pid, Signal};

/// The pid file's name inside `state_dir`.
pub const PID_FILE: &str = "newshound.pid";

/// A problem with the pid file or the process it names.
#[derive(Debug, thiserror::Error)]
pub enum PidFileError {
    /// A live newshound already uses this state folder (it holds the lock).
    #[error("another newshound ({}) is running on state directory '{dir}'", pid.map_or("pid not yet written".to_string(), |p| format!("pid {p}")))]
    Running {
        /// Its pid, when it has written it.
        pid: Option<i32>,
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

/// The daemon's own pid file, locked while it lives; removed when dropped.
#[derive(Debug)]
pub struct PidFile {
    path: PathBuf,
    /// The open file whose lock says "running"; closing it releases the lock.
    _file: File,
}

impl PidFile {
    /// Locks `state_dir/newshound.pid` and writes this process's pid into it; refuses when
    /// another process holds the lock.
    pub fn create(state_dir: &Path) -> Result<PidFile, PidFileError> {
        let path = state_dir.join(PID_FILE);
        let write_err = |source| PidFileError::Write {
            path: path.clone(),
            source,
        };
        // A file that was replaced (removed by a daemon stopping) between our open and our
        // lock is not the pid file any more: open again.
        let mut file = loop {
            let file = open(&path).map_err(write_err)?;
            if let Err(e) = rustix::fs::flock(&file, FlockOperation::NonBlockingLockExclusive) {
                if e == rustix::io::Errno::WOULDBLOCK {
                    let dir = state_dir.to_path_buf();
                    return Err(PidFileError::Running {
                        pid: holder(&path),
                        dir,
                    });
                }
                return Err(write_err(e.into()));
            }
            if same_file(&file, &path) {
                break file;
            }
        };
        let previous = read_from(&mut file).ok();
        let own = std::process::id() as i32;
        write_pid(&mut file, own).map_err(write_err)?;
        if let Some(pid) = previous.filter(|p| *p != own) {
            tracing::info!(path = %path.display(), pid, "replaced a stale pid file");
        }
        Ok(PidFile { path, _file: file })
    }

    /// Where the file is.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for PidFile {
    fn drop(&mut self) {
        // Removed while still locked, so no other daemon can hold this file by then.
        if let Err(e) = std::fs::remove_file(&self.path) {
            tracing::warn!(path = %self.path.display(), error = %e, "removing the pid file failed");
        }
    }
}

fn open(path: &Path) -> std::io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o644)
        .custom_flags(rustix::fs::OFlags::CLOEXEC.bits() as i32)
        .open(path)
}

/// Whether `path` still names the file `file` is open on.
fn same_file(file: &File, path: &Path) -> bool {
    match (file.metadata(), std::fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

fn write_pid(file: &mut File, pid: i32) -> std::io::Result<()> {
    file.set_len(0)?;
    file.rewind()?;
    file.write_all(format!("{pid}\n").as_bytes())?;
    file.sync_data()
}

fn read_from(file: &mut File) -> Result<i32, ()> {
    let mut text = String::new();
    file.rewind().map_err(drop)?;
    file.take(64).read_to_string(&mut text).map_err(drop)?;
    text.trim().parse::<i32>().ok().filter(|p| *p > 0).ok_or(())
}

/// The pid the lock holder wrote, if it has written it yet.
fn holder(path: &Path) -> Option<i32> {
    read_pid(path).ok()
}

/// Whether some process holds the lock on the pid file at `path`.
fn is_locked(path: &Path) -> bool {
    File::open(path).is_ok_and(|file| locked_elsewhere(&file))
}

/// Whether another open file holds an exclusive `flock(2)` on `file`'s file: a shared
/// lock is tried without waiting and, when taken, given back at once.
pub(crate) fn locked_elsewhere(file: &File) -> bool {
    match rustix::fs::flock(file, FlockOperation::NonBlockingLockShared) {
        Ok(()) => {
            let _ = rustix::fs::flock(file, FlockOperation::Unlock);
            false
        }
        Err(e) => e == rustix::io::Errno::WOULDBLOCK,
    }
}

/// The pid of the newshound running on `state_dir`, checked to be alive and newshound.
pub fn running_daemon(state_dir: &Path) -> Result<i32, PidFileError> {
    let path = state_dir.join(PID_FILE);
    let pid = read_pid(&path)?;
    // Nobody holds the lock: whoever wrote the file is gone, whatever runs as that pid now.
    if !is_locked(&path) || !is_newshound(pid) {
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
    fn the_lock_refuses_a_second_holder_and_a_live_pid_without_it_is_stale() {
        let dir = tempfile::tempdir().unwrap();
        let first = PidFile::create(dir.path()).unwrap();
        // flock is per open file: a second open in this same process is refused too.
        let own = std::process::id() as i32;
        match PidFile::create(dir.path()) {
            Err(PidFileError::Running { pid, .. }) => assert_eq!(pid, Some(own)),
            other => panic!("expected Running, got {other:?}"),
        }
        drop(first);
        // Our own, live pid written by hand, with nobody holding the lock: stale.
        std::fs::write(dir.path().join(PID_FILE), format!("{own}\n")).unwrap();
        assert!(matches!(
            running_daemon(dir.path()),
            Err(PidFileError::Stale { .. })
        ));
        let _again = PidFile::create(dir.path()).expect("an unlocked file is taken over");
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
