//! What a sink kind's `validate` gets: where the sink sits in the file (for key paths),
//! the `[http]` settings, the folders files are read from, and checks every kind uses
//! (required keys, URLs under the address guard, secrets from files, "this or its
//! `_file` twin").

use std::path::Path;

use url::Url;

use super::secret::{read_secret, redacted_url, secret_path, Secret};
use crate::config::validate::{web_url, Issues};
use crate::config::HttpConfig;

/// The context of one `[[sink]]` table being validated.
#[derive(Debug, Clone, Copy)]
pub struct SinkCheck<'a> {
    /// Its key path, e.g. `sink[2]`.
    pub key: &'a str,
    /// Its name, for messages.
    pub name: &'a str,
    /// `[http]`: the address guard URLs must pass.
    pub http: &'a HttpConfig,
    /// The config file's folder (`template_file` is relative to it).
    pub base_dir: &'a Path,
    /// `$CREDENTIALS_DIRECTORY`, where relative secret files are read.
    pub credentials: Option<&'a Path>,
}

impl SinkCheck<'_> {
    /// The key path of `field` in this sink.
    pub fn path(&self, field: &str) -> String {
        format!("{}.{field}", self.key)
    }

    /// `value`, or "missing" reported at `field`.
    pub fn required<'v, T: ?Sized>(
        &self,
        field: &str,
        value: Option<&'v T>,
        issues: &mut Issues,
    ) -> Option<&'v T> {
        if value.is_none() {
            issues.push(self.path(field), "missing");
        }
        value
    }

    /// An http(s) URL the guard allows.
    pub fn url(&self, field: &str, value: &str, issues: &mut Issues) -> Option<Url> {
        web_url(value, self.http, &self.path(field), issues)
    }

    /// An API base: `value`, else `default`, without a trailing `/`.
    pub fn api_base(
        &self,
        field: &str,
        value: Option<&str>,
        default: &str,
        issues: &mut Issues,
    ) -> Option<Url> {
        let text = value.unwrap_or(default).trim_end_matches('/');
        self.url(field, text, issues)
    }

    /// The secret in the file `file`, reported at `field` when unreadable.
    pub fn secret(&self, field: &str, file: &Path, issues: &mut Issues) -> Option<Secret> {
        let full = secret_path(file, self.credentials);
        match read_secret(&full) {
            Ok(s) => Some(s),
            Err(why) => {
                issues.push(self.path(field), why);
                None
            }
        }
    }

    /// A URL that may carry a credential: `url` in the config, or `url_file` naming the
    /// file holding it. Exactly one of them.
    pub fn url_or_file(
        &self,
        url: Option<&str>,
        url_file: Option<&Path>,
        issues: &mut Issues,
    ) -> Option<Url> {
        match (url, url_file) {
            (Some(u), None) => self.url("url", u, issues),
            (None, Some(f)) => {
                let text = self.secret("url_file", f, issues)?;
                let full = secret_path(f, self.credentials);
                let field = "url_file";
                match Url::parse(text.expose().trim()) {
                    Ok(u) => self.secret_url(field, &u, issues),
                    Err(e) => {
                        let why = format!("'{}' does not hold a URL: {e}", full.display());
                        issues.push(self.path(field), why);
                        None
                    }
                }
            }
            (Some(_), Some(_)) => {
                issues.push(self.path("url"), "set either url or url_file, not both");
                None
            }
            (None, None) => {
                issues.push(self.path("url"), "missing (or url_file)");
                None
            }
        }
    }

    /// Checks a URL read from a secret file; a complaint shows it redacted.
    fn secret_url(&self, field: &str, u: &Url, issues: &mut Issues) -> Option<Url> {
        let mut found = Issues::default();
        let url = self.url(field, u.as_str(), &mut found);
        for issue in found.0 {
            let message = issue.message.replace(u.as_str(), &redacted_url(u));
            issues.push(issue.key, message);
        }
        url
    }
}
