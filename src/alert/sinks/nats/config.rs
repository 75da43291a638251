//! `type = "nats"`: the keys of a NATS sink, and their validation into a [`NatsSink`]
//! (secret files read from `$CREDENTIALS_DIRECTORY`, every problem named by its key path).

use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;
use url::Url;

use super::settings::{literal_ip, redact, NatsAuth, NatsSettings, StreamSettings};
use super::subject::{SubjectTemplate, DEFAULT_SUBJECT};
use super::NatsSink;
use crate::alert::sinks::secret::{read_small, secret_path, Secret};
use crate::alert::sinks::{Common, DeliveryConfig, SinkCheck};
use crate::config::validate::Issues;

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
/// Largest CA bundle read.
const CA_FILE_MAX: u64 = 1024 * 1024;

/// The keys of a NATS sink.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NatsConfig {
    /// Name and delivery keys.
    #[serde(flatten)]
    pub common: Common,
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
    /// The CA certificates (PEM) that verify the server, instead of the system's roots.
    pub tls_ca_file: Option<PathBuf>,
    /// Connect and acknowledgement timeout.
    #[serde(default, with = "humantime_serde")]
    pub timeout: Option<Duration>,
}

impl NatsConfig {
    /// Checks every key, reporting each problem at its path.
    pub fn validate(&self, cx: &SinkCheck<'_>, issues: &mut Issues) -> Option<NatsSink> {
        let mut url = self.url(cx, issues);
        let template = self.subject.as_deref().unwrap_or(DEFAULT_SUBJECT);
        let subject = SubjectTemplate::parse(template)
            .map_err(|why| issues.push(cx.path("subject"), why))
            .ok();
        let stream = self.stream(cx, issues);
        let mut auth = self.auth(cx, issues);
        if let (Some(u), Some(a)) = (url.as_mut(), auth.as_ref()) {
            match (take_url_auth(u), a) {
                (Some(from_url), NatsAuth::None) => auth = Some(from_url),
                (Some(_), _) => {
                    let field = if self.url_file.is_some() {
                        "url_file"
                    } else {
                        "url"
                    };
                    let why = "credentials in the URL and in credentials_file, token_file or user: set one";
                    issues.push(cx.path(field), why);
                    auth = None;
                }
                (None, _) => {}
            }
        }
        let tls_ca = self.tls_ca(cx, issues);
        let timeout = self.timeout.unwrap_or(DEFAULT_TIMEOUT);
        if timeout < Duration::from_millis(100) {
            issues.push(cx.path("timeout"), "must be at least 100ms");
        }
        let settings = NatsSettings {
            url: url?,
            subject: subject?,
            stream: stream?,
            auth: auth?,
            tls_ca: tls_ca?,
            timeout,
        };
        Some(NatsSink::new(cx.name, settings))
    }

    fn url(&self, cx: &SinkCheck<'_>, issues: &mut Issues) -> Option<Url> {
        let (text, field) = match (&self.url, &self.url_file) {
            (Some(_), Some(_)) => {
                issues.push(cx.path("url"), "set either url or url_file, not both");
                return None;
            }
            (Some(u), None) => (Secret::new(u.as_str()), "url"),
            (None, Some(f)) => (cx.secret("url_file", f, issues)?, "url_file"),
            (None, None) => {
                issues.push(cx.path("url"), "missing (or set url_file)");
                return None;
            }
        };
        // The text may hold a password: messages show the URL only once it is redacted.
        let url = match Url::parse(text.expose().trim()) {
            Ok(u) => u,
            Err(e) => {
                issues.push(cx.path(field), format!("not a URL: {e}"));
                return None;
            }
        };
        let shown = redact(&url);
        if !matches!(url.scheme(), "nats" | "tls") || url.host().is_none() {
            let why = format!("'{shown}': must be nats://HOST[:PORT] or tls://HOST[:PORT]");
            issues.push(cx.path(field), why);
            return None;
        }
        let guard = cx.http.guard();
        let judged = match literal_ip(&url) {
            Some(ip) => guard.check_ip(None, ip),
            None => guard.check_url(&url),
        };
        if let Err(why) = judged {
            issues.push(
                cx.path(field),
                format!("'{shown}': {why}; {}", crate::net::HINT),
            );
            return None;
        }
        Some(url)
    }

    fn stream(&self, cx: &SinkCheck<'_>, issues: &mut Issues) -> Option<Option<StreamSettings>> {
        let Some(name) = &self.stream else {
            let set = [
                (
                    "stream_duplicate_window",
                    self.stream_duplicate_window.is_some(),
                ),
                ("stream_max_age", self.stream_max_age.is_some()),
                ("stream_max_bytes", self.stream_max_bytes.is_some()),
            ];
            for (k, _) in set.iter().filter(|(_, is_set)| *is_set) {
                let why = "only applies to a stream the sink creates: set stream too";
                issues.push(cx.path(k), why);
            }
            return Some(None);
        };
        let before = issues.0.len();
        if !valid_stream_name(name) {
            let why = format!("'{name}': 1 to 64 characters of A-Z, a-z, 0-9, '-' and '_'");
            issues.push(cx.path("stream"), why);
        }
        let duplicate_window = self
            .stream_duplicate_window
            .unwrap_or(DEFAULT_DUPLICATE_WINDOW);
        let backoff_max = self
            .common
            .backoff_max
            .unwrap_or(DeliveryConfig::default().backoff_max);
        let least = MIN_DUPLICATE_WINDOW.max(backoff_max);
        if duplicate_window < least {
            let least = humantime::format_duration(least);
            let why = format!("must be at least {least} (1h, and no less than backoff_max, so a retried publish is still recognised)");
            issues.push(cx.path("stream_duplicate_window"), why);
        }
        let max_age = self.stream_max_age.unwrap_or(DEFAULT_MAX_AGE);
        if max_age < duplicate_window {
            let why = "must not be less than stream_duplicate_window";
            issues.push(cx.path("stream_max_age"), why);
        }
        let max_bytes = self
            .stream_max_bytes
            .map_or(DEFAULT_MAX_BYTES, |b| b.as_u64());
        if max_bytes < 1024 * 1024 {
            issues.push(cx.path("stream_max_bytes"), "must be at least 1MiB");
        }
        (issues.0.len() == before).then(|| {
            Some(StreamSettings {
                name: name.clone(),
                duplicate_window,
                max_age,
                max_bytes,
            })
        })
    }

    fn auth(&self, cx: &SinkCheck<'_>, issues: &mut Issues) -> Option<NatsAuth> {
        let given = [
            self.credentials_file.is_some(),
            self.token_file.is_some(),
            self.user.is_some() || self.password_file.is_some(),
        ];
        if given.iter().filter(|g| **g).count() > 1 {
            let why = "set one of credentials_file, token_file, or user with password_file";
            issues.push(cx.path("credentials_file"), why);
            return None;
        }
        Some(match (&self.user, &self.password_file) {
            (Some(_), None) => {
                issues.push(
                    cx.path("password_file"),
                    "missing: user needs a password file",
                );
                return None;
            }
            (None, Some(_)) => {
                issues.push(cx.path("user"), "missing: password_file needs a user");
                return None;
            }
            (Some(u), Some(f)) => {
                NatsAuth::UserPassword(u.clone(), cx.secret("password_file", f, issues)?)
            }
            (None, None) => match (&self.token_file, &self.credentials_file) {
                (Some(f), _) => NatsAuth::Token(Secret::new(
                    cx.secret("token_file", f, issues)?.expose().trim(),
                )),
                (_, Some(f)) => {
                    let creds = cx.secret("credentials_file", f, issues)?;
                    if let Err(e) = async_nats::ConnectOptions::with_credentials(creds.expose()) {
                        let why = format!("not a NATS .creds file: {e}");
                        issues.push(cx.path("credentials_file"), why);
                        return None;
                    }
                    NatsAuth::Credentials(creds)
                }
                (None, None) => NatsAuth::None,
            },
        })
    }

    /// The CA file, resolved and found readable (async-nats reads it at connect).
    fn tls_ca(&self, cx: &SinkCheck<'_>, issues: &mut Issues) -> Option<Option<PathBuf>> {
        let Some(file) = &self.tls_ca_file else {
            return Some(None);
        };
        let full = secret_path(file, cx.credentials);
        match read_small(&full, CA_FILE_MAX) {
            Ok(text) if text.contains("-----BEGIN CERTIFICATE-----") => Some(Some(full)),
            Ok(_) => {
                let why = format!("'{}' holds no PEM certificate", full.display());
                issues.push(cx.path("tls_ca_file"), why);
                None
            }
            Err(e) => {
                let why = format!("cannot read '{}': {e}", full.display());
                issues.push(cx.path("tls_ca_file"), why);
                None
            }
        }
    }
}

/// Takes `user:password@` (or `token@`) out of the URL: async-nats reads credentials only
/// from its options, never from the URL.
fn take_url_auth(url: &mut Url) -> Option<NatsAuth> {
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(s)
            .decode_utf8_lossy()
            .into_owned()
    };
    let user = decode(url.username());
    let password = url.password().map(decode);
    let _ = url.set_username("");
    let _ = url.set_password(None);
    match (user.is_empty(), password) {
        (true, None) => None,
        (true, Some(p)) => Some(NatsAuth::Token(Secret::new(p))),
        (false, None) => Some(NatsAuth::Token(Secret::new(user))),
        (false, Some(p)) => Some(NatsAuth::UserPassword(user, Secret::new(p))),
    }
}

fn valid_stream_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::config::HttpConfig;

    fn http(allow_private: bool) -> HttpConfig {
        let raw = crate::config::raw::RawConfig::default();
        let ctx = crate::config::Context {
            base_dir: ".".into(),
            state_directory_env: None,
            credentials_directory: None,
        };
        let mut cfg = crate::config::validate::validate(raw, &ctx).unwrap().http;
        cfg.allow_private_networks = allow_private;
        cfg
    }

    fn check_in(
        c: &NatsConfig,
        allow_private: bool,
        creds: Option<&Path>,
    ) -> (Option<NatsSettings>, Vec<String>) {
        let http = http(allow_private);
        let cx = SinkCheck {
            key: "sink[0]",
            name: "stream",
            http: &http,
            base_dir: Path::new("."),
            credentials: creds,
        };
        let mut issues = Issues::default();
        let sink = c.validate(&cx, &mut issues);
        let issues = issues.0.into_iter().map(|i| i.to_string()).collect();
        (sink.map(|s| s.settings().clone()), issues)
    }

    fn check(c: &NatsConfig) -> (Option<NatsSettings>, Vec<String>) {
        check_in(c, true, None)
    }

    fn cfg(url: &str) -> NatsConfig {
        NatsConfig {
            url: Some(url.into()),
            ..NatsConfig::default()
        }
    }

    #[test]
    fn defaults() {
        let (s, issues) = check(&cfg("nats://127.0.0.1:4222"));
        assert!(issues.is_empty(), "{issues:?}");
        let s = s.unwrap();
        assert_eq!(s.subject.wildcard(), "newshound.alerts.*");
        assert!(s.stream.is_none());
        assert!(!s.tls_required());
        assert_eq!(s.timeout, DEFAULT_TIMEOUT);
    }

    #[test]
    fn stream_settings_are_checked() {
        let mut c = cfg("nats://127.0.0.1");
        c.stream = Some("ALERTS".into());
        let st = check(&c).0.unwrap().stream.unwrap();
        assert_eq!(st.duplicate_window, DEFAULT_DUPLICATE_WINDOW);
        assert_eq!(st.max_bytes, DEFAULT_MAX_BYTES);
        c.common.backoff_max = Some(Duration::from_secs(3 * 3600));
        let issues = check(&c).1;
        assert!(issues[0].contains("must be at least 3h"), "{issues:?}");
        c.common.backoff_max = None;
        c.stream = Some("bad.name".into());
        c.stream_duplicate_window = Some(Duration::from_secs(120));
        let (s, issues) = check(&c);
        assert!(s.is_none());
        assert!(
            issues[0].starts_with("sink[0].stream: 'bad.name'"),
            "{issues:?}"
        );
        assert!(issues[1].starts_with("sink[0].stream_duplicate_window: must be at least 1h"));
        let mut c = cfg("nats://127.0.0.1");
        c.stream_max_age = Some(Duration::from_secs(3600));
        assert!(check(&c).1[0].contains("set stream too"));
    }

    #[test]
    fn urls_are_checked_and_never_shown_with_their_password() {
        for (url, why) in [
            ("http://127.0.0.1", "must be nats://"),
            ("nats:/", "must be nats://"),
            ("not a url", "not a URL"),
        ] {
            let issues = check(&cfg(url)).1;
            assert!(issues[0].contains(why), "{url}: {issues:?}");
        }
        let issues = check(&cfg("http://alice:s3cret@example.org")).1;
        assert!(!issues[0].contains("s3cret"), "{issues:?}");
        let issues = check_in(&cfg("nats://10.0.0.1"), false, None).1;
        assert!(issues[0].contains("allow_private_networks"), "{issues:?}");
        let s = check(&cfg("tls://alice:s3cret@example.org")).0.unwrap();
        assert_eq!(s.redacted_url(), "tls://example.org");
        assert!(s.tls_required());
        assert!(!format!("{s:?}").contains("s3cret"));
    }

    #[test]
    fn credentials_come_from_files() {
        let dir = tempfile::tempdir().unwrap();
        let d = Some(dir.path());
        std::fs::write(dir.path().join("pw"), "pw-s3cret\n").unwrap();
        std::fs::write(dir.path().join("url"), "nats://u:p@127.0.0.1:4222\n").unwrap();
        std::fs::write(dir.path().join("creds"), "not creds").unwrap();
        let mut c = cfg("nats://127.0.0.1");
        c.user = Some("u".into());
        assert!(check_in(&c, true, d).1[0].contains("password_file"));
        c.password_file = Some("pw".into());
        let s = check_in(&c, true, d).0.unwrap();
        assert!(
            matches!(s.auth, NatsAuth::UserPassword(ref u, ref p) if u == "u" && p.expose() == "pw-s3cret")
        );
        assert!(!format!("{s:?}").contains("s3cret"));
        c.token_file = Some("t".into());
        assert!(check_in(&c, true, d).1[0].contains("set one of"));
        let mut c = NatsConfig {
            url_file: Some("url".into()),
            credentials_file: Some("creds".into()),
            ..NatsConfig::default()
        };
        let issues = check_in(&c, true, d).1;
        assert!(
            issues[0].starts_with("sink[0].credentials_file: not a NATS .creds file"),
            "{issues:?}"
        );
        c.credentials_file = None;
        c.token_file = Some("missing".into());
        let issues = check_in(&c, true, d).1;
        assert!(
            issues[0].starts_with("sink[0].token_file: cannot read"),
            "{issues:?}"
        );
        c.token_file = None;
        let s = check_in(&c, true, d).0.unwrap();
        assert_eq!(s.url.as_str(), "nats://127.0.0.1:4222");
        assert!(
            matches!(s.auth, NatsAuth::UserPassword(ref u, ref p) if u == "u" && p.expose() == "p")
        );
        c.token_file = Some("pw".into());
        let issues = check_in(&c, true, d).1;
        assert!(
            issues[0].starts_with("sink[0].url_file: credentials in the URL and"),
            "{issues:?}"
        );
        let s = check(&cfg("nats://s%40cret@127.0.0.1")).0.unwrap();
        assert!(matches!(s.auth, NatsAuth::Token(ref t) if t.expose() == "s@cret"));
    }
}
