//! Secrets of sinks (tokens, passwords, credential-bearing URLs): read from files, a relative
//! path looked up in `$CREDENTIALS_DIRECTORY` (where systemd's `LoadCredential=` puts them),
//! and held in a type that never prints its value.

use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Largest secret file read.
pub const SECRET_FILE_MAX: u64 = 64 * 1024;

/// A secret value; `Debug` and `Display` show `<redacted>`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Arc<str>);

impl Secret {
    /// Wraps a value.
    pub fn new(value: impl Into<Arc<str>>) -> Secret {
        Secret(value.into())
    }

    /// The value, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl<'de> serde::Deserialize<'de> for Secret {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Secret, D::Error> {
        String::deserialize(d).map(Secret::new)
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Where a secret file named `file` is read from: itself when absolute, else inside
/// `credentials` when set, else relative to the working folder.
pub fn secret_path(file: &Path, credentials: Option<&Path>) -> PathBuf {
    match credentials {
        Some(dir) if !file.is_absolute() => dir.join(file),
        _ => file.to_path_buf(),
    }
}

/// Reads a text file of at most `limit` bytes.
pub fn read_small(path: &Path, limit: u64) -> std::io::Result<String> {
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

/// Reads the secret in `path` (already resolved), without its trailing line break.
/// The error names the file, never its content.
pub fn read_secret(path: &Path) -> Result<Secret, String> {
    let text = read_small(path, SECRET_FILE_MAX)
        .map_err(|e| format!("cannot read '{}': {e}", path.display()))?;
    let value = text.trim_end_matches(['\r', '\n']);
    if value.trim().is_empty() {
        return Err(format!("'{}' is empty", path.display()));
    }
    Ok(Secret::new(value))
}

/// A URL fit to show: see [`crate::redact::url`] (user info and query hidden, and the path
/// of chat-webhook hosts, whose URL is the credential).
pub fn redacted_url(url: &url::Url) -> String {
    crate::redact::url(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s} {s:?}"), "<redacted> <redacted>");
        assert_eq!(s.expose(), "hunter2");
    }

    #[test]
    fn urls_lose_what_may_be_a_credential() {
        let u = |s: &str| redacted_url(&url::Url::parse(s).unwrap());
        assert_eq!(
            u("https://u:p@hooks.slack.com/services/T0/B0/XYZ?x=1"),
            "https://REDACTED@hooks.slack.com/services/REDACTED?REDACTED"
        );
        assert_eq!(
            u("http://127.0.0.1:8080/hook"),
            "http://127.0.0.1:8080/hook"
        );
        assert_eq!(u("https://ntfy.sh/?auth=abc"), "https://ntfy.sh/?REDACTED");
    }

    #[test]
    fn files_are_bounded_and_named_in_errors() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("tok"), "abc\n").unwrap();
        let p = secret_path(Path::new("tok"), Some(dir.path()));
        assert_eq!(read_secret(&p).unwrap().expose(), "abc");
        std::fs::write(dir.path().join("big"), vec![b'a'; 70_000]).unwrap();
        let err = read_secret(&dir.path().join("big")).unwrap_err();
        assert!(err.contains("big") && err.contains("larger than"), "{err}");
        std::fs::write(dir.path().join("empty"), "\n").unwrap();
        assert!(read_secret(&dir.path().join("empty")).is_err());
        let abs = dir.path().join("tok");
        assert_eq!(secret_path(&abs, Some(Path::new("/x"))), abs);
    }
}
