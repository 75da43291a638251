//! A real PostgreSQL for the tests: `$NEWSHOUND_TEST_PG_URL` when set (`.ci/run` exports
//! one), else a throwaway cluster started once per test process — `initdb` and `pg_ctl` as
//! the `postgres` user (PostgreSQL refuses root), listening on 127.0.0.1 on a free port,
//! data in a temp dir — and stopped by a watcher when the process exits. Without
//! PostgreSQL installed the tests fail, naming what is missing; they never skip.

use std::path::{Path, PathBuf};
use std::process::Command;

use tokio::sync::OnceCell;

static SERVER: OnceCell<String> = OnceCell::const_new();

/// The URL of a new, empty database on the test server.
pub async fn fresh_database() -> String {
    let base = SERVER.get_or_init(|| async { server() }).await.clone();
    let name = format!("t_{:016x}", fastrand::u64(..));
    let (client, conn) = tokio_postgres::connect(&base, tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| panic!("connecting to the test PostgreSQL at {base}: {e}"));
    tokio::spawn(conn);
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .expect("create a test database");
    match base.rsplit_once('/') {
        Some((server, _)) => format!("{server}/{name}"),
        None => panic!("test PostgreSQL URL without a database: {base}"),
    }
}

/// The admin URL of the server: the environment's, or a cluster started here.
fn server() -> String {
    if let Ok(url) = std::env::var("NEWSHOUND_TEST_PG_URL") {
        return url;
    }
    let bin = pg_bin().unwrap_or_else(|| {
        panic!(
            "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): \
             `apt-get install postgresql`, or set NEWSHOUND_TEST_PG_URL"
        )
    });
    let dir = tempfile::Builder::new()
        .prefix("newshound-pg-")
        .tempdir()
        .expect("temp dir")
        .keep();
    run("chown", &["-R", "postgres:postgres", dir.to_str().unwrap()]);
    let data = dir.join("data");
    let port = free_port();
    as_postgres(
        &bin.join("initdb"),
        &[
            "-D",
            s(&data),
            "-A",
            "trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
        ],
    );
    let opts = format!(
        "-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories={} -c fsync=off \
         -c max_connections=300",
        dir.display()
    );
    let log = dir.join("log");
    as_postgres(
        &bin.join("pg_ctl"),
        &["-D", s(&data), "-o", &opts, "-l", s(&log), "-w", "start"],
    );
    watch_and_stop(&bin, &dir, &data);
    format!("postgres://postgres@127.0.0.1:{port}/postgres")
}

fn s(p: &Path) -> &str {
    p.to_str().expect("UTF-8 path")
}

/// The newest installed PostgreSQL's bin folder.
pub fn pg_bin() -> Option<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .flatten()
        .map(|e| e.path().join("bin"))
        .filter(|b| b.join("initdb").is_file())
        .collect();
    found.sort();
    found.pop()
}

fn as_postgres(bin: &Path, args: &[&str]) {
    let mut all = vec!["-u", "postgres", "--", s(bin)];
    all.extend_from_slice(args);
    run("runuser", &all);
}

fn run(cmd: &str, args: &[&str]) {
    let out = Command::new(cmd)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("running {cmd}: {e}"));
    assert!(
        out.status.success(),
        "{cmd} {args:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    l.local_addr().unwrap().port()
}

/// A watcher that stops the cluster and removes its folder once this process is gone.
// Never waited for on purpose: it outlives this process to clean up after it.
#[allow(clippy::zombie_processes)]
fn watch_and_stop(bin: &Path, dir: &Path, data: &Path) {
    let script = format!(
        "while kill -0 {pid} 2>/dev/null; do sleep 1; done; \
         runuser -u postgres -- {ctl} -D {data} -m immediate stop >/dev/null 2>&1; rm -rf {dir}",
        pid = std::process::id(),
        ctl = bin.join("pg_ctl").display(),
        data = data.display(),
        dir = dir.display(),
    );
    Command::new("sh")
        .args(["-c", &script])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start the PostgreSQL watcher");
}
