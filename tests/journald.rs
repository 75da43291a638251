//! `--log-format journald` speaks the journal's own protocol (tracing-journald): each event
//! is a datagram of `KEY=value` fields on `/run/systemd/journal/socket`, with the event's
//! fields as journal fields. Where no journal runs (a container, CI), the test plays the
//! journal: it binds that socket itself. It is its own test binary because it takes over
//! the system-wide socket path, which must not surprise tests running in parallel.

use std::collections::BTreeMap;
use std::os::unix::net::UnixDatagram;
use std::path::Path;
use std::time::Duration;

const SOCKET: &str = "/run/systemd/journal/socket";

/// One datagram's fields: `KEY=value\n`, or `KEY\n` + u64 LE length + bytes + `\n`.
fn fields(mut data: &[u8]) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    while !data.is_empty() {
        let end = data.iter().position(|&b| b == b'\n').unwrap_or(data.len());
        let line = &data[..end];
        if let Some(eq) = line.iter().position(|&b| b == b'=') {
            let key = String::from_utf8_lossy(&line[..eq]).into_owned();
            out.insert(key, String::from_utf8_lossy(&line[eq + 1..]).into_owned());
            data = &data[(end + 1).min(data.len())..];
        } else {
            let key = String::from_utf8_lossy(line).into_owned();
            let rest = &data[end + 1..];
            let len = u64::from_le_bytes(rest[..8].try_into().unwrap()) as usize;
            out.insert(key, String::from_utf8_lossy(&rest[8..8 + len]).into_owned());
            data = &rest[(8 + len + 1).min(rest.len())..];
        }
    }
    out
}

#[test]
fn journald_format_sends_structured_fields_to_the_journal() {
    // A socket file left by an interrupted run, with nobody behind it, is removed.
    let alive = UnixDatagram::unbound()
        .and_then(|s| s.connect(SOCKET))
        .is_ok();
    if !alive && Path::new(SOCKET).exists() {
        std::fs::remove_file(SOCKET).unwrap();
    }
    assert!(
        !Path::new(SOCKET).exists(),
        "a journal already listens on {SOCKET}: run this test where the test may play it"
    );
    std::fs::create_dir_all("/run/systemd/journal").expect("create the journal's folder");
    let journal = UnixDatagram::bind(SOCKET).expect("bind the journal socket");
    journal
        .set_read_timeout(Some(Duration::from_millis(500)))
        .unwrap();

    let dir = tempfile::tempdir().unwrap();
    let feed = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/it/wire.rss");
    let config = dir.path().join("config.toml");
    let text = format!(
        "[daemon]\nstate_dir = \"{}\"\nmax_age = \"0s\"\n\n[[feed]]\nname = \"wire\"\nurl = \"file://{}\"\n\n\
         [[watchlist]]\nname = \"li\"\nkeywords = [\"Li Shangfu\"]\n\n[[sink]]\nname = \"log\"\ntype = \"log\"\n",
        dir.path().join("state").display(),
        feed.display()
    );
    std::fs::write(&config, text).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_newshound"))
        .args(["--log-format", "journald", "once", "-c"])
        .arg(&config)
        .env("RUST_LOG", "info")
        .env_remove("JOURNAL_STREAM")
        .output()
        .unwrap();
    let mut events = Vec::new();
    let mut buf = vec![0u8; 1 << 20];
    while let Ok(n) = journal.recv(&mut buf) {
        if n > 0 {
            events.push(fields(&buf[..n]));
        }
    }
    let _ = std::fs::remove_file(SOCKET);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(stderr, "", "everything went to the journal");

    let alert = events
        .iter()
        .find(|e| e.get("MESSAGE").map(String::as_str) == Some("alert"))
        .unwrap_or_else(|| panic!("no alert event among {events:#?}"));
    assert_eq!(alert["PRIORITY"], "6");
    assert_eq!(alert["SYSLOG_IDENTIFIER"], "newshound");
    assert_eq!(alert["FEED"], "wire");
    assert_eq!(alert["WATCHLIST"], "li");
    assert_eq!(alert["TARGET"], "newshound::alert");
}
