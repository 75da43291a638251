//! The systemd notify protocol: READY, RELOADING, STOPPING, STATUS and WATCHDOG messages
//! to `$NOTIFY_SOCKET`. Every call is a no-op when the variable is unset.

use std::os::unix::net::UnixDatagram;
use std::path::Path;
use std::time::Duration;

/// A handle on the service manager's notify socket.
#[derive(Debug, Clone, Default)]
pub struct Notifier {
    socket: Option<String>,
}

impl Notifier {
    /// Reads `$NOTIFY_SOCKET`.
    pub fn from_env() -> Notifier {
        Notifier {
            socket: std::env::var("NOTIFY_SOCKET")
                .ok()
                .filter(|s| !s.is_empty()),
        }
    }

    /// A notifier for the socket at `path` (what `$NOTIFY_SOCKET` would name).
    pub fn with_socket(path: impl AsRef<Path>) -> Notifier {
        Notifier {
            socket: Some(path.as_ref().display().to_string()),
        }
    }

    /// Whether a service manager listens.
    pub fn enabled(&self) -> bool {
        self.socket.is_some()
    }

    /// Sends one message (`READY=1`, `STATUS=…`); errors are logged, never fatal.
    pub fn notify(&self, msg: &str) {
        let Some(path) = &self.socket else { return };
        if let Err(e) = send(path, msg) {
            tracing::warn!(socket = %path, error = %e, "systemd notify failed");
        }
    }

    /// The watchdog ping interval: half of `$WATCHDOG_USEC`, when set for this process.
    pub fn watchdog_interval(&self) -> Option<Duration> {
        self.socket.as_ref()?;
        let usec: u64 = std::env::var("WATCHDOG_USEC").ok()?.parse().ok()?;
        if let Ok(pid) = std::env::var("WATCHDOG_PID") {
            if pid.parse::<u32>().ok() != Some(std::process::id()) {
                return None;
            }
        }
        (usec > 0).then(|| Duration::from_micros(usec / 2))
    }
}

/// The `RELOADING=1` message: systemd wants the time the reload began on
/// `CLOCK_MONOTONIC`, in microseconds.
pub fn reloading_message() -> String {
    format!(
        "RELOADING=1\nMONOTONIC_USEC={}\nSTATUS=reloading the config",
        monotonic_usec()
    )
}

/// Now on `CLOCK_MONOTONIC` (time since boot, not counting suspend), in microseconds.
pub fn monotonic_usec() -> u64 {
    let now = rustix::time::clock_gettime(rustix::time::ClockId::Monotonic);
    (now.tv_sec as u64) * 1_000_000 + (now.tv_nsec as u64) / 1_000
}

fn send(path: &str, msg: &str) -> std::io::Result<()> {
    let sock = UnixDatagram::unbound()?;
    if let Some(abstract_name) = path.strip_prefix('@') {
        send_abstract(&sock, abstract_name, msg)
    } else {
        sock.send_to(msg.as_bytes(), path).map(|_| ())
    }
}

#[cfg(target_os = "linux")]
fn send_abstract(sock: &UnixDatagram, name: &str, msg: &str) -> std::io::Result<()> {
    use std::os::linux::net::SocketAddrExt;
    let addr = std::os::unix::net::SocketAddr::from_abstract_name(name.as_bytes())?;
    sock.send_to_addr(msg.as_bytes(), &addr).map(|_| ())
}

#[cfg(not(target_os = "linux"))]
fn send_abstract(_: &UnixDatagram, _: &str, _: &str) -> std::io::Result<()> {
    Err(std::io::Error::other("abstract sockets need Linux"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reloading_carries_the_monotonic_clock_not_the_wall_clock() {
        let before = monotonic_usec();
        let msg = reloading_message();
        let usec: u64 = msg
            .lines()
            .find_map(|l| l.strip_prefix("MONOTONIC_USEC="))
            .and_then(|v| v.parse().ok())
            .expect("MONOTONIC_USEC");
        assert!(msg.starts_with("RELOADING=1\n"), "{msg}");
        assert!(
            usec >= before && usec - before < 1_000_000,
            "{usec} vs {before}"
        );
        // Uptime, not the 1.7e15 µs of wall-clock time since 1970.
        let uptime = std::fs::read_to_string("/proc/uptime").unwrap_or_default();
        if let Some(secs) = uptime.split('.').next().and_then(|s| s.parse::<u64>().ok()) {
            assert!(usec / 1_000_000 <= secs + 1, "{usec} µs vs uptime {secs} s");
        }
    }

    #[test]
    fn without_a_socket_nothing_is_sent_and_no_watchdog_runs() {
        let n = Notifier::default();
        assert!(!n.enabled());
        assert_eq!(n.watchdog_interval(), None);
        n.notify("READY=1");
    }
}
