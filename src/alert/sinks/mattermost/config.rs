//! `type = "mattermost"`: the keys, and their validation into a [`MattermostSink`].

use std::path::PathBuf;

use serde::Deserialize;

use super::MattermostSink;
use crate::alert::sinks::{Common, SinkCheck};
use crate::config::validate::Issues;

/// The keys of a Mattermost sink.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MattermostConfig {
    /// Name and delivery keys.
    #[serde(flatten)]
    pub common: Common,
    /// The incoming webhook URL (`https://chat.example.org/hooks/<key>`); it is the credential.
    pub url: Option<String>,
    /// A file holding that URL.
    pub url_file: Option<PathBuf>,
}

impl MattermostConfig {
    /// Checks every key, reporting each problem at its path.
    pub fn validate(&self, cx: &SinkCheck<'_>, issues: &mut Issues) -> Option<MattermostSink> {
        let url = cx.url_or_file(self.url.as_deref(), self.url_file.as_deref(), issues)?;
        Some(MattermostSink {
            name: cx.name.to_string(),
            url,
        })
    }
}
