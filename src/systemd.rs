//! The systemd notify protocol: READY, RELOADING, STOPPING, STATUS and WATCHDOG messages
//! to `$NOTIFY_SOCKET`. Every call is a no-op when the variable is unset.

use std::os::unix::net::UnixDatagram;
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
