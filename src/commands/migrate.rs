//! `newshound migrate-state --to postgres://…`: copies the config's embedded SQLite state
//! into an empty PostgreSQL database, so instances started with `[store] url` go on where
//! the single instance stopped. The URL is shown without its password.

use std::io::Write;
use std::path::Path;

use super::{io, CommandError};
use crate::config;
use crate::pidfile::{PidFile, PidFileError};
use crate::store::postgres::{self, import, PgStore};
use crate::store::sqlite::{self, SqliteStore};
use crate::store::DB_FILE;

/// `migrate-state`: copies the state of the config at `path` into the database at `to`
/// and writes what was copied on `out`.
pub async fn migrate_state(path: &Path, to: &str, out: &mut dyn Write) -> Result<(), CommandError> {
    let cfg = config::load(path)?;
    let dir = cfg.daemon.state_dir.clone();
    if !dir.join(DB_FILE).is_file() {
        return Err(CommandError::NoState(dir));
    }
    if !to.starts_with("postgres://") && !to.starts_with("postgresql://") {
        let why = "--to takes a postgres:// or postgresql:// URL";
        return Err(CommandError::Usage(why.into()));
    }
    // Held while copying: no daemon may start on the state, nor be running on it.
    let _lock = match PidFile::create(&dir) {
        Ok(lock) => lock,
        Err(PidFileError::Running { pid, .. }) => {
            let who = pid.map_or("another process".into(), |p| format!("pid {p}"));
            return Err(CommandError::MigrateBusy(who));
        }
        Err(e) => return Err(e.into()),
    };
    let open_dir = dir.clone();
    let from = sqlite::blocking(move || SqliteStore::open(&open_dir)).await?;
    let shown = postgres::shown_url(to);
    writeln!(out, "copying {} into {shown}", from.path().display()).map_err(io("writing"))?;
    let target = PgStore::connect(to).await?;
    let done = import::import(&from, &target).await?;
    report(&done, &shown, out).await
}

async fn report(
    done: &import::Imported,
    shown: &str,
    out: &mut dyn Write,
) -> Result<(), CommandError> {
    let w = || io("writing the report");
    for (table, n) in &done.tables {
        writeln!(out, "  {table}: {n} rows").map_err(w())?;
    }
    writeln!(
        out,
        "  near-duplicate index: rebuilt for {} alerts",
        done.banded
    )
    .map_err(w())?;
    writeln!(
        out,
        "done: set [store] url (or url_file) to {shown} and start the instances"
    )
    .map_err(w())
}
