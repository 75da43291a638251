//! A NATS sink's validated settings: the server, the subject, the stream it creates, the
//! credentials (never printed), and the redacted forms `check` and logs show.

use std::path::PathBuf;
use std::time::Duration;

use url::Url;

use super::subject::SubjectTemplate;
use crate::alert::sinks::Secret;

/// How the sink authenticates.
#[derive(Debug, Clone, Default)]
pub enum NatsAuth {
    /// No credentials (or those in the URL).
    #[default]
    None,
    /// A token.
    Token(Secret),
    /// User and password.
    UserPassword(String, Secret),
    /// The text of a `.creds` file.
    Credentials(Secret),
}

/// The stream the sink creates when it is missing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamSettings {
    /// Stream name.
    pub name: String,
    /// Window in which a repeated `Nats-Msg-Id` is dropped.
    pub duplicate_window: Duration,
    /// Alerts older than this are discarded.
    pub max_age: Duration,
    /// Past this size the oldest alerts are discarded.
    pub max_bytes: u64,
}

/// A NATS sink's validated settings.
#[derive(Clone)]
pub struct NatsSettings {
    /// The server URL (may carry credentials: print [`NatsSettings::redacted_url`]).
    pub url: Url,
    /// Where each alert is published.
    pub subject: SubjectTemplate,
    /// The stream to create when missing, and to publish into.
    pub stream: Option<StreamSettings>,
    /// Credentials.
    pub auth: NatsAuth,
    /// The CA certificates that verify the server, instead of the system's roots.
    pub tls_ca: Option<PathBuf>,
    /// Connect and acknowledgement timeout.
    pub timeout: Duration,
}

impl std::fmt::Debug for NatsSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NatsSettings")
            .field("url", &self.redacted_url())
            .field("subject", &self.subject)
            .field("stream", &self.stream)
            .field("auth", &self.auth)
            .field("tls_ca", &self.tls_ca)
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl NatsSettings {
    /// The URL without user or password, for logs and `check`.
    pub fn redacted_url(&self) -> String {
        redact(&self.url)
    }

    /// Whether TLS is required (`tls://`, or a CA given).
    pub fn tls_required(&self) -> bool {
        self.url.scheme() == "tls" || self.tls_ca.is_some()
    }
}

/// `url` without its user and password.
pub fn redact(url: &Url) -> String {
    let mut u = url.clone();
    if u.password().is_some() || !u.username().is_empty() {
        let _ = u.set_username("");
        let _ = u.set_password(None);
    }
    u.to_string()
}

/// The host as an IP address, when it is one. For `nats://` and `tls://` (not special
/// schemes to the URL parser) an IPv4 address arrives as a name.
pub fn literal_ip(url: &Url) -> Option<std::net::IpAddr> {
    match url.host()? {
        url::Host::Domain(d) => d.parse().ok(),
        url::Host::Ipv4(ip) => Some(ip.into()),
        url::Host::Ipv6(ip) => Some(ip.into()),
    }
}
