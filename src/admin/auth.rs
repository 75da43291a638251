//! Access to the admin endpoint. Reading needs nothing from a loopback client; every
//! write needs the token of `[daemon] admin_token_file` (or `$CREDENTIALS_DIRECTORY/
//! admin_token`): API clients send `Authorization: Bearer <token>`, a browser signs in
//! once with a form and then holds a session cookie (`HttpOnly`, `SameSite=Strict`)
//! derived from the token, and every form carries a CSRF value derived from it too. The
//! token itself never leaves this module: it is compared in constant time and never
//! logged. A client that is not on loopback needs the token for reading as well.

use std::net::SocketAddr;
use std::path::Path;

use axum::http::{header, HeaderMap};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The cookie a signed-in browser holds.
pub const SESSION_COOKIE: &str = "newshound_session";

/// Longest token file read, in bytes.
const TOKEN_MAX_BYTES: u64 = 4096;

/// The configured token, if any, and the values derived from it.
#[derive(Clone, Default)]
pub struct Access {
    token: Option<Secret>,
}

#[derive(Clone)]
struct Secret {
    token: Vec<u8>,
    session: String,
    csrf: String,
}

impl std::fmt::Debug for Access {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Access")
            .field("token", &self.token.as_ref().map(|_| "<set>"))
            .finish()
    }
}

/// Why the token file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// It could not be read.
    #[error("reading the admin token file '{path}' failed (daemon.admin_token_file)")]
    Read {
        /// The file.
        path: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// It is empty, too long or not one line of text.
    #[error("the admin token file '{path}' must hold one line of 16 to {TOKEN_MAX_BYTES} printable characters (daemon.admin_token_file)")]
    Invalid {
        /// The file.
        path: String,
    },
}

impl Access {
    /// Access with `token` (none: every write is refused).
    pub fn with_token(token: Option<&str>) -> Access {
        Access {
            token: token.map(|t| Secret {
                token: t.as_bytes().to_vec(),
                session: derive(t, "session"),
                csrf: derive(t, "csrf"),
            }),
        }
    }

    /// Reads the token from `file`, else from `$CREDENTIALS_DIRECTORY/admin_token` when
    /// that exists; no token when neither is there.
    pub fn load(file: Option<&Path>) -> Result<Access, TokenError> {
        let path = match file {
            Some(p) => Some(p.to_path_buf()),
            None => std::env::var_os("CREDENTIALS_DIRECTORY")
                .map(|d| Path::new(&d).join("admin_token"))
                .filter(|p| p.is_file()),
        };
        let Some(path) = path else {
            return Ok(Access::default());
        };
        let shown = path.display().to_string();
        let text = read_bounded(&path).map_err(|source| TokenError::Read {
            path: shown.clone(),
            source,
        })?;
        let token = text.trim();
        let valid =
            token.len() >= 16 && !token.chars().any(|c| c.is_control() || c.is_whitespace());
        if !valid {
            return Err(TokenError::Invalid { path: shown });
        }
        Ok(Access::with_token(Some(token)))
    }

    /// Whether a token is configured.
    pub fn has_token(&self) -> bool {
        self.token.is_some()
    }

    /// Whether `headers` carry the token as a bearer header.
    pub fn bearer_ok(&self, headers: &HeaderMap) -> bool {
        let Some(s) = &self.token else { return false };
        let given = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        given.is_some_and(|g| same(g.trim().as_bytes(), &s.token))
    }

    /// Whether `headers` carry a valid session cookie.
    pub fn session_ok(&self, headers: &HeaderMap) -> bool {
        let Some(s) = &self.token else { return false };
        cookie(headers, SESSION_COOKIE).is_some_and(|c| same(c.as_bytes(), s.session.as_bytes()))
    }

    /// Whether `given` is the CSRF value forms must carry.
    pub fn csrf_ok(&self, given: &str) -> bool {
        self.token
            .as_ref()
            .is_some_and(|s| same(given.as_bytes(), s.csrf.as_bytes()))
    }

    /// Whether `given` is the token (the login form).
    pub fn token_ok(&self, given: &str) -> bool {
        self.token
            .as_ref()
            .is_some_and(|s| same(given.trim().as_bytes(), &s.token))
    }

    /// The session cookie value (after a successful login).
    pub fn session_value(&self) -> Option<&str> {
        self.token.as_ref().map(|s| s.session.as_str())
    }

    /// The CSRF value for forms, for a signed-in browser.
    pub fn csrf_value(&self) -> Option<&str> {
        self.token.as_ref().map(|s| s.csrf.as_str())
    }

    /// Whether a client at `peer` with `headers` may read: always on loopback, else
    /// only with the token (bearer or session).
    pub fn may_read(&self, peer: Option<SocketAddr>, headers: &HeaderMap) -> bool {
        peer.is_none_or(|p| p.ip().is_loopback())
            || self.bearer_ok(headers)
            || self.session_ok(headers)
    }
}

/// A value derived from the token for `purpose` (hex HMAC-SHA256); the token cannot be
/// recovered from it.
fn derive(token: &str, purpose: &str) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(token.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes a key of any length"));
    mac.update(b"newshound admin ");
    mac.update(purpose.as_bytes());
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Constant-time comparison.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The value of cookie `name` in `headers`.
fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn read_bounded(path: &Path) -> std::io::Result<String> {
    use std::io::Read;
    let mut text = String::new();
    std::fs::File::open(path)?
        .take(TOKEN_MAX_BYTES + 1)
        .read_to_string(&mut text)?;
    if text.len() as u64 > TOKEN_MAX_BYTES {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "longer than 4096 bytes",
        ));
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn bearer_session_and_csrf_follow_the_token() {
        let a = Access::with_token(Some("s3cret-token-0123456789"));
        let mut h = HeaderMap::new();
        assert!(!a.bearer_ok(&h));
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer s3cret-token-0123456789"),
        );
        assert!(a.bearer_ok(&h));
        let cookie = format!("x=1; {SESSION_COOKIE}={}", a.session_value().unwrap());
        h.insert(header::COOKIE, HeaderValue::from_str(&cookie).unwrap());
        assert!(a.session_ok(&h));
        assert!(a.csrf_ok(a.csrf_value().unwrap()));
        assert!(!a.csrf_ok("nope"));
        assert!(!a.session_value().unwrap().contains("s3cret"));
        assert!(!Access::default().token_ok(""));
        assert!(!format!("{a:?}").contains("s3cret"));
    }
}
