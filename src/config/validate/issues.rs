//! The issue collector every section's validation reports into, and the checks sections
//! share: names, intervals, web URLs, and the files a config names (read here, once, while
//! validating, so a missing credential is one more issue in the same list).

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use url::Url;

use super::Context;
use crate::config::HttpConfig;
use crate::net::HINT;

/// Where in the input a problem is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A line of the config file (1-based).
    Line(usize),
    /// A `NEWSHOUND__…` environment variable.
    Env(String),
    /// A line of a `feed_lists` file.
    List {
        /// The file, relative to the config's folder when under it.
        file: String,
        /// The line (1-based).
        line: usize,
        /// What is written there (an OPML outline's title), when it has a name.
        item: Option<String>,
    },
}

/// One problem in a config, with the key path it concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigIssue {
    /// Key path, e.g. `watchlist[2].query`.
    pub key: String,
    /// Why it is wrong.
    pub message: String,
    /// The line or variable it comes from, when known.
    pub origin: Option<Origin>,
}

impl ConfigIssue {
    /// An issue at `key` whose origin the loader fills in.
    pub fn new(key: impl Into<String>, message: impl Into<String>) -> ConfigIssue {
        ConfigIssue {
            key: key.into(),
            message: message.into(),
            origin: None,
        }
    }
}

impl std::fmt::Display for ConfigIssue {
    /// `line 3: daemon.poll_intervl: unknown key …` or `$NEWSHOUND__…: http.timeot: …`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.origin {
            Some(Origin::Line(n)) => write!(f, "line {n}: ")?,
            Some(Origin::Env(var)) => write!(f, "${var}: ")?,
            Some(Origin::List { file, line, item }) => {
                write!(f, "{file}, line {line}")?;
                if let Some(item) = item {
                    write!(f, " (outline '{item}')")?;
                }
                write!(f, ": ")?;
            }
            None => {}
        }
        write!(f, "{}: {}", self.key, self.message)
    }
}

/// Collects issues while walking the raw config.
#[derive(Debug, Default)]
pub struct Issues(pub(crate) Vec<ConfigIssue>);

impl Issues {
    /// Reports `message` at `key`.
    pub fn push(&mut self, key: impl Into<String>, message: impl Into<String>) {
        self.0.push(ConfigIssue::new(key, message));
    }

    /// Reports `message` at `key`, written at `origin`.
    pub fn push_at(&mut self, key: impl Into<String>, message: impl Into<String>, origin: Origin) {
        self.0.push(ConfigIssue {
            key: key.into(),
            message: message.into(),
            origin: Some(origin),
        });
    }

    /// Gives every issue reported since the first `from` the origin `origin`.
    pub fn locate_since(&mut self, from: usize, origin: &Origin) {
        for issue in self.0.iter_mut().skip(from) {
            issue.origin.get_or_insert_with(|| origin.clone());
        }
    }

    /// How many issues were reported so far.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether something was already reported at exactly `key`.
    pub fn has(&self, key: &str) -> bool {
        self.0.iter().any(|i| i.key == key)
    }

    /// Whether nothing was reported.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Everything reported, in order.
    pub fn into_vec(self) -> Vec<ConfigIssue> {
        self.0
    }
}

/// Checks a name is present, non-blank and unique among its kind.
pub fn required_name(
    name: Option<&str>,
    key: &str,
    seen: &mut HashMap<String, String>,
    kind: &str,
    issues: &mut Issues,
) -> Option<String> {
    required_name_at(name, key, key, seen, kind, issues)
}

/// [`required_name`] for a name a later duplicate names by `place` rather than by its key.
pub fn required_name_at(
    name: Option<&str>,
    key: &str,
    place: &str,
    seen: &mut HashMap<String, String>,
    kind: &str,
    issues: &mut Issues,
) -> Option<String> {
    let Some(name) = name else {
        issues.push(format!("{key}.name"), "missing");
        return None;
    };
    if name.trim().is_empty() {
        issues.push(format!("{key}.name"), "must not be empty");
        return None;
    }
    if let Some(first) = seen.insert(name.to_string(), place.to_string()) {
        issues.push(
            format!("{key}.name"),
            format!("duplicate {kind} name '{name}' (also {first})"),
        );
        return None;
    }
    Some(name.to_string())
}

/// Reports an interval shorter than one second.
pub fn check_interval(d: Duration, key: &str, issues: &mut Issues) {
    if d < Duration::from_secs(1) {
        issues.push(
            key,
            format!(
                "{} is too short (at least 1s)",
                humantime::format_duration(d)
            ),
        );
    }
}

/// Parses an http(s) URL and applies the private-network switch to literal hosts. The URL
/// is quoted redacted: it may carry a credential.
pub fn web_url(u: &str, http: &HttpConfig, key: &str, issues: &mut Issues) -> Option<Url> {
    let shown = crate::redact::url_str(u);
    let url = match Url::parse(u) {
        Ok(url) => url,
        Err(e) => {
            issues.push(key, format!("'{shown}' is not a URL: {e}"));
            return None;
        }
    };
    if !matches!(url.scheme(), "http" | "https") {
        issues.push(
            key,
            format!(
                "'{shown}': scheme '{}' is not supported (http, https or file)",
                url.scheme()
            ),
        );
        return None;
    }
    if let Err(why) = http.guard().check_url(&url) {
        issues.push(key, format!("'{shown}': {why}; {HINT}"));
        return None;
    }
    Some(url)
}

/// Largest file a config key may name (templates, secrets, passwords, URL files).
pub const FILE_MAX: u64 = 64 * 1024;

/// Reads a credential file named at `key`: an absolute path, or one relative to
/// `$CREDENTIALS_DIRECTORY` (where systemd's `LoadCredential=` puts it), else to the working
/// folder. Trailing line breaks are dropped. `None` (and an issue) when it cannot be read.
pub fn read_credential(
    ctx: &Context,
    file: &Path,
    key: &str,
    issues: &mut Issues,
) -> Option<String> {
    let full = match (&ctx.credentials_directory, file.is_absolute()) {
        (Some(dir), false) => dir.join(file),
        _ => file.to_path_buf(),
    };
    let text = read_named(&full, key, issues)?;
    Some(text.trim_end_matches(['\r', '\n']).to_string())
}

/// Reads a file named at `key` relative to the config file's folder (templates).
pub fn read_config_relative(
    ctx: &Context,
    file: &Path,
    key: &str,
    issues: &mut Issues,
) -> Option<String> {
    read_named(&ctx.base_dir.join(file), key, issues)
}

fn read_named(full: &Path, key: &str, issues: &mut Issues) -> Option<String> {
    match read_small(full, FILE_MAX) {
        Ok(text) => Some(text),
        Err(e) => {
            issues.push(key, format!("cannot read '{}': {e}", full.display()));
            None
        }
    }
}

/// Reads a text file of at most `limit` bytes.
pub fn read_small(path: &Path, limit: u64) -> std::io::Result<String> {
    use std::io::Read;
    let mut bytes = Vec::new();
    let n = std::fs::File::open(path)?
        .take(limit + 1)
        .read_to_end(&mut bytes)?;
    if n as u64 > limit {
        return Err(std::io::Error::other(format!("larger than {limit} bytes")));
    }
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let line = 1 + e.as_bytes()[..at].iter().filter(|&&b| b == b'\n').count();
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!(
                "not UTF-8: invalid byte 0x{:02x} at byte offset {at} (line {line})",
                e.as_bytes()[at]
            ),
        )
    })
}
