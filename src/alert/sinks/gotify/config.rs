//! `type = "gotify"`: the keys, and their validation into a [`GotifySink`].

use std::path::PathBuf;

use serde::Deserialize;

use super::GotifySink;
use crate::alert::sinks::{Common, SinkCheck};
use crate::config::validate::Issues;

/// The keys of a Gotify sink.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GotifyConfig {
    /// Name and delivery keys.
    #[serde(flatten)]
    pub common: Common,
    /// The Gotify server, e.g. `https://gotify.example.org`.
    pub url: Option<String>,
    /// A file holding the application token.
    pub token_file: Option<PathBuf>,
}

impl GotifyConfig {
    /// Checks every key, reporting each problem at its path.
    pub fn validate(&self, cx: &SinkCheck<'_>, issues: &mut Issues) -> Option<GotifySink> {
        let url = cx.required("url", self.url.as_deref(), issues);
        let url = url.and_then(|u| cx.api_base("url", Some(u), "", issues));
        let token = cx.required("token_file", self.token_file.as_ref(), issues);
        let token = token.and_then(|f| cx.secret("token_file", f, issues));
        let mut endpoint = url?;
        endpoint
            .path_segments_mut()
            .ok()?
            .pop_if_empty()
            .push("message");
        Some(GotifySink {
            name: cx.name.to_string(),
            endpoint,
            token: token?,
        })
    }
}
