//! `type = "telegram"`: the keys, and their validation into a [`TelegramSink`].

use std::path::PathBuf;

use serde::Deserialize;

use super::{ChatId, TelegramSink};
use crate::alert::sinks::{Common, SinkCheck};
use crate::config::validate::Issues;

/// The Bot API's public server.
pub const DEFAULT_API: &str = "https://api.telegram.org";

/// The keys of a Telegram sink.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TelegramConfig {
    /// Name and delivery keys.
    #[serde(flatten)]
    pub common: Common,
    /// The Bot API server (default `https://api.telegram.org`; a local Bot API server works).
    pub api_url: Option<String>,
    /// The chat: a number (`-100…` for groups and channels) or `@channelusername`.
    pub chat_id: Option<ChatId>,
    /// A file holding the bot token (`123456:ABC…`).
    pub token_file: Option<PathBuf>,
    /// A forum topic to post into.
    pub message_thread_id: Option<i64>,
}

impl TelegramConfig {
    /// Checks every key, reporting each problem at its path.
    pub fn validate(&self, cx: &SinkCheck<'_>, issues: &mut Issues) -> Option<TelegramSink> {
        let api = cx.api_base("api_url", self.api_url.as_deref(), DEFAULT_API, issues);
        let chat_id = cx
            .required("chat_id", self.chat_id.as_ref(), issues)
            .and_then(|c| {
                c.check()
                    .map_err(|why| issues.push(cx.path("chat_id"), why))
                    .ok()
            });
        let token = cx.required("token_file", self.token_file.as_ref(), issues);
        let token = token.and_then(|f| cx.secret("token_file", f, issues));
        let token = token.filter(|t| {
            let t = t.expose().trim();
            let ok = t.contains(':') && t.bytes().all(|b| b.is_ascii_graphic() && b != b'/');
            if !ok {
                let why =
                    "the file does not hold a bot token (digits ':' letters, as BotFather gives)";
                issues.push(cx.path("token_file"), why);
            }
            ok
        })?;
        let endpoint = format!(
            "{}/bot{}/sendMessage",
            api?.as_str().trim_end_matches('/'),
            token.expose().trim()
        );
        let endpoint = url::Url::parse(&endpoint).ok()?;
        Some(TelegramSink {
            name: cx.name.to_string(),
            endpoint,
            chat_id: chat_id?.clone(),
            thread: self.message_thread_id,
        })
    }
}
