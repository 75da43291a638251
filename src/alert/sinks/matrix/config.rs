//! `type = "matrix"`: the keys, and their validation into a [`MatrixSink`].

use std::path::PathBuf;

use serde::Deserialize;

use super::MatrixSink;
use crate::alert::sinks::{Common, SinkCheck};
use crate::config::validate::Issues;

/// The keys of a Matrix sink.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MatrixConfig {
    /// Name and delivery keys.
    #[serde(flatten)]
    pub common: Common,
    /// The homeserver's client-server API base, e.g. `https://matrix.example.org`.
    pub homeserver: Option<String>,
    /// The room id, `!opaque:server` (Element: Room settings → Advanced).
    pub room_id: Option<String>,
    /// A file holding the access token of the account that posts.
    pub token_file: Option<PathBuf>,
}

impl MatrixConfig {
    /// Checks every key, reporting each problem at its path.
    pub fn validate(&self, cx: &SinkCheck<'_>, issues: &mut Issues) -> Option<MatrixSink> {
        let homeserver = cx.required("homeserver", self.homeserver.as_deref(), issues);
        let homeserver = homeserver.and_then(|h| cx.api_base("homeserver", Some(h), "", issues));
        let room = cx.required("room_id", self.room_id.as_deref(), issues);
        let room = room.filter(|r| {
            let ok = r.starts_with('!') && r.contains(':') && !r.chars().any(char::is_whitespace);
            if !ok {
                let why = format!(
                    "'{r}' is not a room id ('!opaque:server'; an alias such as #room:server will not do)"
                );
                issues.push(cx.path("room_id"), why);
            }
            ok
        });
        let token = cx.required("token_file", self.token_file.as_ref(), issues);
        let token = token.and_then(|f| cx.secret("token_file", f, issues));
        Some(MatrixSink {
            name: cx.name.to_string(),
            homeserver: homeserver?,
            room_id: room?.to_string(),
            token: token?,
        })
    }
}
