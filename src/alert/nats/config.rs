//! The `type = "nats"` sink's config: the serde mirror of its `[[sink]]` table, the files
//! it names (read at load, relative to `$CREDENTIALS_DIRECTORY`), and the pure check that
//! turns it into a [`NatsConfig`], naming every problem by its key path.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use url::Url;

use super::subject::{SubjectTemplate, DEFAULT_SUBJECT};
use crate::config::{ConfigIssue, HttpConfig};

/// Default time for connecting, and for the server's acknowledgement of one publish.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default window in which a created stream drops a repeated `Nats-Msg-Id`.
pub const DEFAULT_DUPLICATE_WINDOW: Duration = Duration::from_secs(2 * 3600);
/// Shortest duplicate window accepted: a republish after a crash or a lost ack must fall
/// inside it to be dropped.
pub const MIN_DUPLICATE_WINDOW: Duration = Duration::from_secs(3600);
/// Default age after which a created stream discards alerts.
pub const DEFAULT_MAX_AGE: Duration = Duration::from_secs(30 * 24 * 3600);
/// Default size at which a created stream discards its oldest alerts.
pub const DEFAULT_MAX_BYTES: u64 = 1024 * 1024 * 1024;
/// Largest file read for a URL, token, password or `.creds`.
const SECRET_FILE_MAX: u64 = 16 * 1024;
/// Largest CA bundle read.
const CA_FILE_MAX: u64 = 1024 * 1024;

/// `type = "nats"`, as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawNats {
    /// Unique sink name.
    pub name: Option<String>,
    /// `nats://host[:port]` or `tls://host[:port]`.
    pub url: Option<String>,
    /// A file holding the URL (it may carry `user:password@`).
    pub url_file: Option<PathBuf>,
    /// The subject template.
    pub subject: Option<String>,
    /// The JetStream stream, created when missing.
    pub stream: Option<String>,
    /// Duplicate window of a created stream.
    #[serde(default, with = "humantime_serde")]
    pub stream_duplicate_window: Option<Duration>,
    /// Age limit of a created stream.
    #[serde(default, with = "humantime_serde")]
    pub stream_max_age: Option<Duration>,
    /// Size limit of a created stream.
    pub stream_max_bytes: Option<bytesize::ByteSize>,
    /// A NATS `.creds` file (user JWT and NKey seed).
    pub credentials_file: Option<PathBuf>,
    /// A file holding a token.
    pub token_file: Option<PathBuf>,
    /// User name, with `password_file`.
    pub user: Option<String>,
    /// A file holding the password of `user`.
    pub password_file: Option<PathBuf>,
    /// Extra CA certificates (PEM) to trust for TLS.
    pub tls_ca_file: Option<PathBuf>,
    /// Connect and acknowledgement timeout.
    #[serde(default, with = "humantime_serde")]
    pub timeout: Option<Duration>,
    /// First retry delay.
    #[serde(default, with = "humantime_serde")]
    pub backoff: Option<Duration>,
    /// Largest retry delay.
    #[serde(default, with = "humantime_serde")]
    pub backoff_max: Option<Duration>,
    /// After this long failing, the delivery is dead.
    #[serde(default, with = "humantime_serde")]
    pub give_up_after: Option<Duration>,
    /// `N/s`, `N/min` or `N/h`: excess alerts wait.
    pub rate_limit: Option<String>,
    /// Publish in bursts, once per window.
    #[serde(default, with = "humantime_serde")]
    pub digest: Option<Duration>,
    /// What the loader read from the `*_file` keys; never read from the TOML.
    #[serde(skip)]
    pub files: NatsFiles,
}

/// The contents of the files a NATS sink names, read at load.
#[derive(Clone, Default)]
pub struct NatsFiles {
    /// From `url_file`.
    pub url: Option<String>,
    /// From `credentials_file`.
    pub credentials: Option<String>,
    /// From `token_file`.
    pub token: Option<String>,
    /// From `password_file`.
    pub password: Option<String>,
    /// `tls_ca_file`, resolved and found readable.
    pub tls_ca: Option<PathBuf>,
}

impl std::fmt::Debug for NatsFiles {
    // Secrets never reach a log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NatsFiles")
            .field("url", &self.url.as_ref().map(|_| "<redacted>"))
            .field("tls_ca", &self.tls_ca)
            .finish_non_exhaustive()
    }
}

/// How the sink authenticates.
#[derive(Clone, Default)]
pub enum NatsAuth {
    /// No credentials (or those in the URL).
    #[default]
    None,
    /// A token.
    Token(String),
    /// User and password.
    UserPassword(String, String),
    /// The text of a `.creds` file.
    Credentials(String),
}

impl std::fmt::Debug for NatsAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            NatsAuth::None => "None",
            NatsAuth::Token(_) => "Token(<redacted>)",
            NatsAuth::UserPassword(..) => "UserPassword(<redacted>)",
            NatsAuth::Credentials(_) => "Credentials(<redacted>)",
        })
    }
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

/// A validated `type = "nats"` sink.
#[derive(Clone)]
pub struct NatsConfig {
    /// The server URL (may carry credentials: print [`NatsConfig::redacted_url`]).
    pub url: Url,
    /// Where each alert is published.
    pub subject: SubjectTemplate,
    /// The stream to create when missing, and to publish into.
    pub stream: Option<StreamSettings>,
    /// Credentials.
    pub auth: NatsAuth,
    /// Extra CA certificates to trust.
    pub tls_ca: Option<PathBuf>,
    /// Connect and acknowledgement timeout.
    pub timeout: Duration,
}

impl std::fmt::Debug for NatsConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NatsConfig")
            .field("url", &self.redacted_url())
            .field("subject", &self.subject)
            .field("stream", &self.stream)
            .field("auth", &self.auth)
            .field("tls_ca", &self.tls_ca)
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl NatsConfig {
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

impl RawNats {
    /// Reads every `*_file` key (absolute, or relative to `creds`, the
    /// `$CREDENTIALS_DIRECTORY`); `key` is the sink's key path, for the issues.
    pub fn read_files(&mut self, creds: Option<&Path>, key: &str) -> Vec<ConfigIssue> {
        let mut issues = Vec::new();
        let mut read = |name: &str, file: &Option<PathBuf>, limit: u64| {
            let full = resolve(file.as_ref()?, creds);
            match read_small(&full, limit) {
                Ok(text) => Some(text.trim_end_matches(['\r', '\n']).to_string()),
                Err(e) => {
                    issues.push(ConfigIssue {
                        key: format!("{key}.{name}"),
                        message: format!("cannot read '{}': {e}", full.display()),
                    });
                    None
                }
            }
        };
        let url = read("url_file", &self.url_file, SECRET_FILE_MAX);
        let credentials = read("credentials_file", &self.credentials_file, SECRET_FILE_MAX);
        let token = read("token_file", &self.token_file, SECRET_FILE_MAX);
        let password = read("password_file", &self.password_file, SECRET_FILE_MAX);
        let ca = read("tls_ca_file", &self.tls_ca_file, CA_FILE_MAX);
        let tls_ca = ca.and(self.tls_ca_file.as_ref().map(|f| resolve(f, creds)));
        self.files = NatsFiles {
            url: url.map(|u| u.trim().to_string()),
            credentials,
            token: token.map(|t| t.trim().to_string()),
            password,
            tls_ca,
        };
        issues
    }
}

fn resolve(file: &Path, creds: Option<&Path>) -> PathBuf {
    match creds {
        Some(dir) if !file.is_absolute() => dir.join(file),
        _ => file.to_path_buf(),
    }
}

fn read_small(path: &Path, limit: u64) -> std::io::Result<String> {
    use std::io::Read;
    let mut text = String::new();
    let n = std::fs::File::open(path)?
        .take(limit + 1)
        .read_to_string(&mut text)?;
    if n as u64 > limit {
        return Err(std::io::Error::other(format!("larger than {limit} bytes")));
    }
    Ok(text)
}

/// Collects problems under one sink's key path.
struct Found<'a> {
    key: &'a str,
    issues: Vec<ConfigIssue>,
}

impl Found<'_> {
    fn push(&mut self, sub: &str, message: impl Into<String>) {
        self.issues.push(ConfigIssue {
            key: format!("{}.{sub}", self.key),
            message: message.into(),
        });
    }
}

/// Checks a NATS sink (after [`RawNats::read_files`]); `backoff_max` is the sink's
/// effective one. Returns the config when it is usable, and every problem found.
pub fn validate(
    raw: &RawNats,
    http: &HttpConfig,
    backoff_max: Duration,
    key: &str,
) -> (Option<NatsConfig>, Vec<ConfigIssue>) {
    let mut found = Found {
        key,
        issues: Vec::new(),
    };
    let url = url(raw, http, &mut found);
    let subject = match SubjectTemplate::parse(raw.subject.as_deref().unwrap_or(DEFAULT_SUBJECT)) {
        Ok(s) => Some(s),
        Err(why) => {
            found.push("subject", why);
            None
        }
    };
    let stream = stream(raw, backoff_max, &mut found);
    let auth = auth(raw, &mut found);
    let timeout = raw.timeout.unwrap_or(DEFAULT_TIMEOUT);
    if timeout < Duration::from_millis(100) {
        found.push("timeout", "must be at least 100ms");
    }
    let cfg = match (url, subject, stream, auth) {
        (Some(url), Some(subject), Some(stream), Some(auth)) => Some(NatsConfig {
            url,
            subject,
            stream,
            auth,
            tls_ca: raw.files.tls_ca.clone(),
            timeout,
        }),
        _ => None,
    };
    (cfg, found.issues)
}

fn url(raw: &RawNats, http: &HttpConfig, found: &mut Found<'_>) -> Option<Url> {
    let (text, k) = match (&raw.url, &raw.url_file, &raw.files.url) {
        (Some(_), Some(_), _) => {
            found.push("url", "set either url or url_file, not both");
            return None;
        }
        (Some(u), None, _) => (u.clone(), "url"),
        (None, Some(_), Some(u)) => (u.clone(), "url_file"),
        (None, Some(_), None) => return None, // unreadable: reported by the loader
        (None, None, _) => {
            found.push("url", "missing (or set url_file)");
            return None;
        }
    };
    // The text may hold a password: messages name the URL only once it is redacted.
    let url = match Url::parse(&text) {
        Ok(u) => u,
        Err(e) => {
            found.push(k, format!("not a URL: {e}"));
            return None;
        }
    };
    let shown = redact(&url);
    if !matches!(url.scheme(), "nats" | "tls") || url.host().is_none() {
        found.push(
            k,
            format!("'{shown}': must be nats://HOST[:PORT] or tls://HOST[:PORT]"),
        );
        return None;
    }
    let guard = http.guard();
    let judged = match literal_ip(&url) {
        Some(ip) => guard.check_ip(None, ip),
        None => guard.check_url(&url),
    };
    if let Err(why) = judged {
        found.push(k, format!("'{shown}': {why}; {}", crate::net::HINT));
        return None;
    }
    Some(url)
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

fn stream(
    raw: &RawNats,
    backoff_max: Duration,
    found: &mut Found<'_>,
) -> Option<Option<StreamSettings>> {
    let Some(name) = &raw.stream else {
        let set = [
            (
                "stream_duplicate_window",
                raw.stream_duplicate_window.is_some(),
            ),
            ("stream_max_age", raw.stream_max_age.is_some()),
            ("stream_max_bytes", raw.stream_max_bytes.is_some()),
        ];
        for (k, _) in set.iter().filter(|(_, is_set)| *is_set) {
            found.push(
                k,
                "only applies to a stream the sink creates: set stream too",
            );
        }
        return Some(None);
    };
    let mut ok = true;
    if !valid_stream_name(name) {
        found.push(
            "stream",
            format!("'{name}': 1 to 64 characters of A-Z, a-z, 0-9, '-' and '_'"),
        );
        ok = false;
    }
    let duplicate_window = raw
        .stream_duplicate_window
        .unwrap_or(DEFAULT_DUPLICATE_WINDOW);
    let least = MIN_DUPLICATE_WINDOW.max(backoff_max);
    if duplicate_window < least {
        let least = humantime::format_duration(least);
        found.push(
            "stream_duplicate_window",
            format!("must be at least {least} (1h, and no less than backoff_max, so a retried publish is still recognised)"),
        );
        ok = false;
    }
    let max_age = raw.stream_max_age.unwrap_or(DEFAULT_MAX_AGE);
    if max_age < duplicate_window {
        found.push(
            "stream_max_age",
            "must not be less than stream_duplicate_window",
        );
        ok = false;
    }
    let max_bytes = raw
        .stream_max_bytes
        .map_or(DEFAULT_MAX_BYTES, |b| b.as_u64());
    if max_bytes < 1024 * 1024 {
        found.push("stream_max_bytes", "must be at least 1MiB");
        ok = false;
    }
    ok.then(|| {
        Some(StreamSettings {
            name: name.clone(),
            duplicate_window,
            max_age,
            max_bytes,
        })
    })
}

fn valid_stream_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
}

fn auth(raw: &RawNats, found: &mut Found<'_>) -> Option<NatsAuth> {
    let given = [
        raw.credentials_file.is_some(),
        raw.token_file.is_some(),
        raw.user.is_some() || raw.password_file.is_some(),
    ];
    if given.iter().filter(|g| **g).count() > 1 {
        found.push(
            "credentials_file",
            "set one of credentials_file, token_file, or user with password_file",
        );
        return None;
    }
    let f = &raw.files;
    Some(match (&raw.user, &raw.password_file) {
        (Some(_), None) => {
            found.push("password_file", "missing: user needs a password file");
            return None;
        }
        (None, Some(_)) => {
            found.push("user", "missing: password_file needs a user");
            return None;
        }
        (Some(u), Some(_)) => NatsAuth::UserPassword(u.clone(), f.password.clone()?),
        (None, None) if raw.token_file.is_some() => NatsAuth::Token(f.token.clone()?),
        (None, None) if raw.credentials_file.is_some() => {
            let creds = f.credentials.clone()?;
            if let Err(e) = async_nats::ConnectOptions::with_credentials(&creds) {
                found.push("credentials_file", format!("not a NATS .creds file: {e}"));
                return None;
            }
            NatsAuth::Credentials(creds)
        }
        (None, None) => NatsAuth::None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn http(allow_private: bool) -> HttpConfig {
        let raw = crate::config::raw::RawConfig::default();
        let ctx = crate::config::Context {
            base_dir: ".".into(),
            state_directory_env: None,
        };
        let mut cfg = crate::config::validate::validate(raw, &ctx).unwrap().http;
        cfg.allow_private_networks = allow_private;
        cfg
    }

    fn check(raw: &RawNats) -> (Option<NatsConfig>, Vec<String>) {
        let (cfg, issues) = validate(raw, &http(true), Duration::from_secs(3600), "sink[0]");
        (cfg, issues.into_iter().map(|i| i.to_string()).collect())
    }

    fn raw(url: &str) -> RawNats {
        RawNats {
            url: Some(url.into()),
            ..RawNats::default()
        }
    }

    #[test]
    fn defaults() {
        let (cfg, issues) = check(&raw("nats://127.0.0.1:4222"));
        assert!(issues.is_empty(), "{issues:?}");
        let cfg = cfg.unwrap();
        assert_eq!(cfg.subject.wildcard(), "newshound.alerts.*");
        assert!(cfg.stream.is_none());
        assert!(!cfg.tls_required());
        assert_eq!(cfg.timeout, DEFAULT_TIMEOUT);
    }

    #[test]
    fn stream_settings_are_checked() {
        let mut r = raw("nats://127.0.0.1");
        r.stream = Some("ALERTS".into());
        let s = check(&r).0.unwrap().stream.unwrap();
        assert_eq!(s.duplicate_window, DEFAULT_DUPLICATE_WINDOW);
        assert_eq!(s.max_bytes, DEFAULT_MAX_BYTES);
        r.stream = Some("bad.name".into());
        r.stream_duplicate_window = Some(Duration::from_secs(120));
        let (cfg, issues) = check(&r);
        assert!(cfg.is_none());
        assert!(
            issues[0].starts_with("sink[0].stream: 'bad.name'"),
            "{issues:?}"
        );
        assert!(issues[1].starts_with("sink[0].stream_duplicate_window: must be at least 1h"));
        let mut r = raw("nats://127.0.0.1");
        r.stream_max_age = Some(Duration::from_secs(3600));
        assert!(check(&r).1[0].contains("set stream too"));
    }

    #[test]
    fn urls_are_checked_and_never_shown_with_their_password() {
        for (url, why) in [
            ("http://127.0.0.1", "must be nats://"),
            ("nats:/", "must be nats://"),
            ("not a url", "not a URL"),
        ] {
            let issues = check(&raw(url)).1;
            assert!(issues[0].contains(why), "{url}: {issues:?}");
        }
        let r = raw("http://alice:s3cret@example.org");
        let issues = check(&r).1;
        assert!(!issues[0].contains("s3cret"), "{issues:?}");
        let (_, issues) = validate(
            &raw("nats://10.0.0.1"),
            &http(false),
            Duration::ZERO,
            "sink[0]",
        );
        assert!(issues[0].message.contains("allow_private_networks"));
        let cfg = check(&raw("tls://alice:s3cret@example.org")).0.unwrap();
        assert_eq!(cfg.redacted_url(), "tls://example.org");
        assert!(cfg.tls_required());
        assert!(!format!("{cfg:?}").contains("s3cret"));
    }

    #[test]
    fn credentials_combinations() {
        let mut r = raw("nats://127.0.0.1");
        r.user = Some("u".into());
        assert!(check(&r).1[0].contains("password_file"));
        r.password_file = Some("p".into());
        r.files.password = Some("pw".into());
        let cfg = check(&r).0.unwrap();
        assert!(matches!(cfg.auth, NatsAuth::UserPassword(ref u, ref p) if u == "u" && p == "pw"));
        assert!(!format!("{cfg:?}").contains("pw\""));
        r.token_file = Some("t".into());
        assert!(check(&r).1[0].contains("set one of"));
        let mut r = raw("nats://127.0.0.1");
        r.credentials_file = Some("c".into());
        r.files.credentials = Some("not creds".into());
        assert!(check(&r).1[0].contains("not a NATS .creds file"));
    }

    #[test]
    fn files_resolve_in_the_credentials_directory() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("url"), "nats://u:p@127.0.0.1:4222\n").unwrap();
        std::fs::write(dir.path().join("token"), "tok\n").unwrap();
        let mut r = RawNats {
            url_file: Some("url".into()),
            token_file: Some("token".into()),
            password_file: Some("missing".into()),
            ..RawNats::default()
        };
        let issues = r.read_files(Some(dir.path()), "sink[3]");
        assert_eq!(issues.len(), 1);
        assert!(issues[0]
            .to_string()
            .starts_with("sink[3].password_file: cannot read"));
        assert_eq!(r.files.url.as_deref(), Some("nats://u:p@127.0.0.1:4222"));
        assert_eq!(r.files.token.as_deref(), Some("tok"));
    }
}
