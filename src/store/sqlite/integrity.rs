//! Telling a damaged state from a fresh one: what the files say before SQLite opens them
//! (a 0-byte database, a write-ahead log missing after an unclean stop or not a log at
//! all), `PRAGMA quick_check` of every ordinary table once open, the marker of a stop
//! that was not clean, the seal of one that was (which spares the next start the check
//! when nothing has touched the file since), and the operator's tools around them
//! (`state check`, `state backup`, `--reset-state`).

use std::path::{Path, PathBuf};

use rusqlite::Connection;

use crate::store::StoreError;

/// The marker of an open state inside `state_dir`: written once the state is open for
/// writing, removed by the last process to close it cleanly. Found at start with the
/// write-ahead log gone, it means the log (where most recent state lives) was lost.
pub const OPEN_MARKER: &str = "newshound.db-open";

/// The seal of a clean stop inside `state_dir`: the database file's device, inode, size,
/// modification and change times as the last process to close it cleanly left them (see
/// [`seal`]). Removed by the next open.
pub const CLEAN_SEAL: &str = "newshound.db-clean";

/// The state's files in `dir`: the database, its write-ahead log, the open marker and the
/// seal of a clean stop.
#[derive(Debug, Clone)]
pub struct StateFiles {
    /// `newshound.db`.
    pub db: PathBuf,
    /// `newshound.db-wal`.
    pub wal: PathBuf,
    /// `newshound.db-shm`.
    pub shm: PathBuf,
    /// [`OPEN_MARKER`].
    pub marker: PathBuf,
    /// [`CLEAN_SEAL`].
    pub seal: PathBuf,
}

impl StateFiles {
    /// The files of the state in `dir`.
    pub fn in_dir(dir: &Path) -> StateFiles {
        StateFiles {
            db: dir.join(super::DB_FILE),
            wal: dir.join(format!("{}-wal", super::DB_FILE)),
            shm: dir.join(format!("{}-shm", super::DB_FILE)),
            marker: dir.join(OPEN_MARKER),
            seal: dir.join(CLEAN_SEAL),
        }
    }
}

/// A damaged state: `problem` says what was found.
pub(super) fn damaged(db: &Path, problem: impl Into<String>) -> StoreError {
    StoreError::Damaged {
        what: db.display().to_string(),
        problem: problem.into(),
    }
}

/// What the files on disk say before SQLite touches them (opening would recreate a
/// missing log and ignore a garbage one, silently losing what it held).
pub(super) fn precheck(files: &StateFiles) -> Result<(), StoreError> {
    let len = |p: &Path| std::fs::metadata(p).ok().map(|m| m.len());
    let wal = len(&files.wal);
    match len(&files.db) {
        None => return Ok(()),
        Some(0) if wal.unwrap_or(0) == 0 => {
            return Err(damaged(&files.db, "the database file is empty (0 bytes)"))
        }
        Some(_) => {}
    }
    if files.marker.exists() && wal.unwrap_or(0) == 0 {
        let what = if wal.is_none() { "missing" } else { "empty" };
        return Err(damaged(
            &files.db,
            format!(
                "the last run did not stop cleanly and its write-ahead log '{}' is {what}: \
                 the most recent state (alerts queued, deliveries made) is lost",
                files.wal.display()
            ),
        ));
    }
    if wal.is_some_and(|n| n > 0) {
        check_wal_header(&files.wal).map_err(|why| damaged(&files.db, why))?;
    }
    Ok(())
}

/// Whether the log at `wal` starts with a valid SQLite WAL header (magic, version and
/// the header's own checksum); the reason when not.
fn check_wal_header(wal: &Path) -> Result<(), String> {
    use std::io::Read;
    let mut head = [0u8; 32];
    let read = std::fs::File::open(wal).and_then(|mut f| f.read_exact(&mut head));
    let garbage = |why: &str| {
        format!(
            "the write-ahead log '{}' is not a SQLite log ({why})",
            wal.display()
        )
    };
    if let Err(e) = read {
        return Err(garbage(&format!("reading its header failed: {e}")));
    }
    let word = |i: usize| u32::from_be_bytes([head[i], head[i + 1], head[i + 2], head[i + 3]]);
    let magic = word(0);
    if magic & !1 != 0x377f_0682 {
        return Err(garbage("bad magic number"));
    }
    if word(4) != 3_007_000 {
        return Err(garbage("unknown format version"));
    }
    if wal_checksum(&head[..24], magic & 1 == 1) != (word(24), word(28)) {
        return Err(garbage("header checksum mismatch"));
    }
    Ok(())
}

/// SQLite's WAL checksum of `data` (a multiple of 8 bytes), its words read big-endian
/// when `big_endian`, else little-endian.
fn wal_checksum(data: &[u8], big_endian: bool) -> (u32, u32) {
    let (mut s0, mut s1) = (0u32, 0u32);
    for pair in data.chunks_exact(8) {
        let word = |b: &[u8]| {
            let b = [b[0], b[1], b[2], b[3]];
            if big_endian {
                u32::from_be_bytes(b)
            } else {
                u32::from_le_bytes(b)
            }
        };
        s0 = s0.wrapping_add(word(&pair[..4])).wrapping_add(s1);
        s1 = s1.wrapping_add(word(&pair[4..])).wrapping_add(s0);
    }
    (s0, s1)
}

/// Runs `PRAGMA integrity_check` over the whole database (for `state check`): `Ok` when
/// SQLite answers "ok"; a damaged state naming the first problems otherwise.
fn check_integrity(conn: &Connection, db: &Path) -> Result<(), StoreError> {
    match pragma_rows(conn, &format!("PRAGMA integrity_check({MAX_PROBLEMS})")) {
        Ok(rows) if is_ok(&rows) => Ok(()),
        Ok(rows) => Err(damaged(
            db,
            format!("integrity_check found: {}", rows.join("; ")),
        )),
        Err(e) => Err(unreadable(db, e)),
    }
}

/// The lines a check pragma (`sql`) answers.
fn pragma_rows(conn: &Connection, sql: &str) -> rusqlite::Result<Vec<String>> {
    conn.prepare(sql)
        .and_then(|mut st| st.query_map([], |r| r.get(0))?.collect())
}

/// Whether a check's lines say "ok" and nothing else.
fn is_ok(rows: &[String]) -> bool {
    rows.len() == 1 && rows[0] == "ok"
}

/// Most problems a check names ([`check_tables`], [`check_integrity`]).
const MAX_PROBLEMS: usize = 20;

/// The check at every start: `PRAGMA quick_check(TABLE)` for the schema table first (a
/// check that includes the schema's b-tree also walks the freelist), then for every
/// ordinary table of the database — the FTS5 indexes' shadow tables (`*_data`, `*_idx`,
/// …) included — each with its indexes: every page of those b-trees is read and checked,
/// and every row's NOT NULL and type constraints, as a whole-database `quick_check` does.
/// Left out are the virtual tables themselves: since SQLite 3.44 a whole-database check
/// also compares each FTS5 index with what it indexes, which read every index entry
/// again and was half the CPU time of a round of unchanged feeds (`state check` still
/// runs the full `integrity_check`). Also left out, since no single call sees every
/// b-tree: pages no b-tree uses, and a page claimed by two different tables.
/// `Ok` when every table is "ok"; a damaged state naming the first problems otherwise.
pub(super) fn check_tables(conn: &Connection, db: &Path) -> Result<(), StoreError> {
    let tables: Vec<String> = conn
        .prepare(
            "SELECT name FROM pragma_table_list
             WHERE schema = 'main' AND type IN ('table', 'shadow')
             ORDER BY name <> 'sqlite_schema', name",
        )
        .and_then(|mut st| st.query_map([], |r| r.get(0))?.collect())
        .map_err(|e| unreadable(db, e))?;
    let mut problems = Vec::new();
    for table in &tables {
        let sql = format!("PRAGMA quick_check(\"{}\")", table.replace('"', "\"\""));
        match pragma_rows(conn, &sql) {
            Ok(rows) if is_ok(&rows) => {}
            Ok(rows) => problems.extend(rows.into_iter().map(|r| format!("{table}: {r}"))),
            // A page so damaged that the check itself stops: SQLite's error names it.
            Err(e) if is_damage(&e) => {
                problems.push(format!("{table}: {e}"));
                break;
            }
            Err(e) => return Err(unreadable(db, e)),
        }
        if problems.len() >= MAX_PROBLEMS {
            break;
        }
    }
    if problems.is_empty() {
        return Ok(());
    }
    problems.truncate(MAX_PROBLEMS);
    Err(damaged(
        db,
        format!("quick_check found: {}", problems.join("; ")),
    ))
}

/// The error of a state SQLite cannot read: damage when it says so, else an open error.
pub(super) fn unreadable(db: &Path, e: rusqlite::Error) -> StoreError {
    if is_damage(&e) {
        return damaged(db, e.to_string());
    }
    StoreError::Open {
        what: db.display().to_string(),
        source: Box::new(e),
    }
}

/// Whether SQLite's error says the file is damaged (or not a database at all).
fn is_damage(e: &rusqlite::Error) -> bool {
    use rusqlite::ErrorCode::{DatabaseCorrupt, NotADatabase};
    matches!(e.sqlite_error_code(), Some(DatabaseCorrupt | NotADatabase))
}

/// Held while this process has the state open for writing: created (with the pid) when
/// the open succeeded; dropped after the connection closed, it removes the marker when
/// SQLite removed the log, i.e. this was the last connection and it closed cleanly.
#[derive(Debug)]
pub(super) struct OpenGuard {
    files: StateFiles,
}

impl OpenGuard {
    /// Writes the marker of `files`.
    pub(super) fn mark(files: &StateFiles) -> Result<OpenGuard, StoreError> {
        std::fs::write(&files.marker, format!("{}\n", std::process::id())).map_err(|e| {
            StoreError::Open {
                what: files.marker.display().to_string(),
                source: Box::new(e),
            }
        })?;
        Ok(OpenGuard {
            files: files.clone(),
        })
    }
}

impl Drop for OpenGuard {
    fn drop(&mut self) {
        if !self.files.wal.exists() {
            let _ = std::fs::remove_file(&self.files.marker);
            seal(&self.files);
        }
    }
}

/// What identifies the database file's contents short of reading them: any write through
/// the file system changes its change time (which no one can set back), a copy or a
/// restore its inode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    dev: u64,
    ino: u64,
    size: u64,
    mtime: (i64, i64),
    ctime: (i64, i64),
}

impl Stamp {
    /// The stamp of the file at `path`, `None` when there is none.
    fn of(path: &Path) -> Option<Stamp> {
        use std::os::unix::fs::MetadataExt;
        let m = std::fs::metadata(path).ok()?;
        Some(Stamp {
            dev: m.dev(),
            ino: m.ino(),
            size: m.size(),
            mtime: (m.mtime(), m.mtime_nsec()),
            ctime: (m.ctime(), m.ctime_nsec()),
        })
    }

    /// One line: the five fields, space-separated (times as seconds.nanoseconds).
    fn line(&self) -> String {
        let Stamp {
            dev,
            ino,
            size,
            mtime,
            ctime,
        } = self;
        format!(
            "{dev} {ino} {size} {}.{:09} {}.{:09}\n",
            mtime.0, mtime.1, ctime.0, ctime.1
        )
    }

    /// Reads [`Stamp::line`] back; `None` for anything else.
    fn parse(text: &str) -> Option<Stamp> {
        let mut fields = text.split_ascii_whitespace();
        let mut int = || fields.next()?.parse::<u64>().ok();
        let (dev, ino, size) = (int()?, int()?, int()?);
        let mut time = || -> Option<(i64, i64)> {
            let (s, ns) = fields.next()?.split_once('.')?;
            Some((s.parse().ok()?, ns.parse().ok()?))
        };
        let (mtime, ctime) = (time()?, time()?);
        fields.next().is_none().then_some(Stamp {
            dev,
            ino,
            size,
            mtime,
            ctime,
        })
    }
}

/// Seals a clean stop: called by the last process to close the state, once SQLite has
/// folded the log into the database and removed it. The kernel takes a file's change time
/// from a coarse clock (a tick of a few milliseconds), so a write right after this one
/// could leave the same time behind: the seal is written only once that clock has moved
/// past the file's change time (waiting at most 50 ms) and the file is still as it was.
fn seal(files: &StateFiles) {
    use rustix::time::{clock_gettime, ClockId};
    let Some(stamp) = Stamp::of(&files.db) else {
        return;
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_millis(50);
    loop {
        let now = clock_gettime(ClockId::RealtimeCoarse);
        if (now.tv_sec, now.tv_nsec) > stamp.ctime {
            break;
        }
        if std::time::Instant::now() > deadline {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    if Stamp::of(&files.db) == Some(stamp) && !files.wal.exists() {
        let _ = std::fs::write(&files.seal, stamp.line());
    }
}

/// Whether the database is as the last clean stop left it: its seal matches the file,
/// and there is neither a log nor an open marker. Then the check at open
/// ([`check_tables`]) has nothing to find that it did not find at the start before and
/// is skipped. The seal is removed either way: from here on the file changes.
pub(super) fn unchanged_since_clean_stop(files: &StateFiles) -> bool {
    let Ok(text) = std::fs::read_to_string(&files.seal) else {
        return false;
    };
    let _ = std::fs::remove_file(&files.seal);
    let quiet = !files.wal.exists() && !files.marker.exists();
    quiet && Stamp::parse(&text).is_some_and(|s| Stamp::of(&files.db) == Some(s))
}

/// The (device, inode) of the file at `path`, `None` when there is none.
pub(super) fn identity(path: &Path) -> Option<(u64, u64)> {
    Stamp::of(path).map(|s| (s.dev, s.ino))
}

/// Reads the outbox and the feeds table whole on a fresh read-only connection.
pub(super) fn probe_reads(db: &Path) -> Result<(), StoreError> {
    let flags = rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY;
    let conn = Connection::open_with_flags(db, flags).map_err(|e| unreadable(db, e))?;
    conn.busy_timeout(std::time::Duration::from_secs(5))
        .map_err(|e| unreadable(db, e))?;
    conn.query_row(
        "SELECT (SELECT count(*) + coalesce(sum(length(last_error)), 0) FROM deliveries NOT INDEXED)
              + (SELECT count(*) + coalesce(sum(length(last_error)), 0) FROM feeds NOT INDEXED)",
        [],
        |r| r.get::<_, i64>(0),
    )
    .map_err(|e| unreadable(db, e))?;
    Ok(())
}

/// Moves every file of the state in `dir` aside (to `NAME.broken-UNIXSECONDS`), so the
/// next open starts afresh while the damaged files stay for inspection. Returns the
/// paths they now have.
pub fn reset(dir: &Path) -> Result<Vec<PathBuf>, StoreError> {
    let files = StateFiles::in_dir(dir);
    let stamp = chrono::Utc::now().timestamp();
    let mut moved = Vec::new();
    let _ = std::fs::remove_file(&files.seal);
    for path in [&files.db, &files.wal, &files.shm, &files.marker] {
        if !path.exists() {
            continue;
        }
        let to = PathBuf::from(format!("{}.broken-{stamp}", path.display()));
        std::fs::rename(path, &to).map_err(|source| StoreError::Reset {
            path: path.clone(),
            source,
        })?;
        moved.push(to);
    }
    Ok(moved)
}

/// The full check of `dir`'s state for `state check`: the files, then every page
/// (`PRAGMA integrity_check`), read-only. `Ok` names the database checked.
pub fn check(dir: &Path) -> Result<PathBuf, StoreError> {
    let files = StateFiles::in_dir(dir);
    if !files.db.is_file() {
        return Err(damaged(&files.db, "there is no state database"));
    }
    precheck(&files)?;
    let flags = rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY;
    let conn =
        Connection::open_with_flags(&files.db, flags).map_err(|e| unreadable(&files.db, e))?;
    conn.busy_timeout(std::time::Duration::from_secs(5))
        .map_err(|e| unreadable(&files.db, e))?;
    check_integrity(&conn, &files.db)?;
    Ok(files.db)
}

/// Copies `dir`'s state into `to` with SQLite's online backup (a consistent snapshot,
/// while a daemon keeps writing). `to` must not exist yet.
pub fn backup(dir: &Path, to: &Path) -> Result<(), StoreError> {
    let files = StateFiles::in_dir(dir);
    if to.exists() {
        return Err(StoreError::Backup {
            path: to.to_path_buf(),
            source: "the file exists already; newshound does not overwrite it".into(),
        });
    }
    check(dir)?;
    let flags = rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY;
    let src =
        Connection::open_with_flags(&files.db, flags).map_err(|e| unreadable(&files.db, e))?;
    let fail = |e: rusqlite::Error| StoreError::Backup {
        path: to.to_path_buf(),
        source: Box::new(e),
    };
    let mut dst = Connection::open(to).map_err(fail)?;
    let step = rusqlite::backup::Backup::new(&src, &mut dst).map_err(fail)?;
    step.run_to_completion(256, std::time::Duration::from_millis(10), None)
        .map_err(fail)?;
    drop(step);
    dst.execute_batch("PRAGMA journal_mode = DELETE;")
        .map_err(fail)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_real_wal_header_checks_and_a_flipped_byte_does_not() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("t.db");
        let conn = Connection::open(&db).unwrap();
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; CREATE TABLE t (x); INSERT INTO t VALUES (1);",
        )
        .unwrap();
        let wal = dir.path().join("t.db-wal");
        assert_eq!(check_wal_header(&wal), Ok(()));
        let mut bytes = std::fs::read(&wal).unwrap();
        bytes[13] ^= 0x40;
        std::fs::write(&wal, &bytes).unwrap();
        let err = check_wal_header(&wal).unwrap_err();
        assert!(err.contains("checksum"), "{err}");
        drop(conn);
    }
}
