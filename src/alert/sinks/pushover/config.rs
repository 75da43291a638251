//! `type = "pushover"`: the keys, and their validation into a [`PushoverSink`].

use std::path::PathBuf;

use serde::Deserialize;

use super::PushoverSink;
use crate::alert::sinks::{Common, SinkCheck};
use crate::config::validate::Issues;

/// Pushover's API server.
pub const DEFAULT_API: &str = "https://api.pushover.net";

/// The keys of a Pushover sink.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushoverConfig {
    /// Name and delivery keys.
    #[serde(flatten)]
    pub common: Common,
    /// The API server (default `https://api.pushover.net`).
    pub api_url: Option<String>,
    /// A file holding the application's API token.
    pub token_file: Option<PathBuf>,
    /// A file holding the user (or group) key to notify.
    pub user_key_file: Option<PathBuf>,
}

impl PushoverConfig {
    /// Checks every key, reporting each problem at its path.
    pub fn validate(&self, cx: &SinkCheck<'_>, issues: &mut Issues) -> Option<PushoverSink> {
        let api = cx.api_base("api_url", self.api_url.as_deref(), DEFAULT_API, issues);
        let token = cx.required("token_file", self.token_file.as_ref(), issues);
        let token = token.and_then(|f| cx.secret("token_file", f, issues));
        let user = cx.required("user_key_file", self.user_key_file.as_ref(), issues);
        let user = user.and_then(|f| cx.secret("user_key_file", f, issues));
        let mut endpoint = api?;
        endpoint
            .path_segments_mut()
            .ok()?
            .pop_if_empty()
            .extend(["1", "messages.json"]);
        Some(PushoverSink {
            name: cx.name.to_string(),
            endpoint,
            token: token?,
            user: user?,
        })
    }
}
