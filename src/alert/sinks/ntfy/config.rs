//! `type = "ntfy"`: the keys, and their validation into an [`NtfySink`].

use std::path::PathBuf;

use serde::Deserialize;

use super::NtfySink;
use crate::alert::sinks::{Common, SinkCheck};
use crate::config::validate::Issues;

/// The keys of an ntfy sink.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NtfyConfig {
    /// Name and delivery keys.
    #[serde(flatten)]
    pub common: Common,
    /// The topic URL, e.g. `https://ntfy.sh/desk-alerts`; the server is everything before
    /// the topic, so a self-hosted server under a path works.
    pub url: Option<String>,
    /// A file holding an access token (`tk_…`), sent as `Authorization: Bearer`.
    pub token_file: Option<PathBuf>,
}

impl NtfyConfig {
    /// Checks every key, reporting each problem at its path.
    pub fn validate(&self, cx: &SinkCheck<'_>, issues: &mut Issues) -> Option<NtfySink> {
        let token = match &self.token_file {
            Some(f) => Some(cx.secret("token_file", f, issues)?),
            None => None,
        };
        let url = cx.url(
            "url",
            cx.required("url", self.url.as_deref(), issues)?,
            issues,
        )?;
        let topic = url
            .path_segments()
            .and_then(|mut s| s.next_back())
            .unwrap_or("")
            .to_string();
        let valid = (1..=64).contains(&topic.len())
            && topic
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !valid || url.query().is_some() {
            let why = "must be a topic URL such as https://ntfy.sh/my-topic (a topic is 1-64 of A-Z a-z 0-9 - _)";
            issues.push(cx.path("url"), why);
            return None;
        }
        let mut server = url.clone();
        server.path_segments_mut().ok()?.pop();
        Some(NtfySink {
            name: cx.name.to_string(),
            server,
            topic,
            token,
        })
    }
}
