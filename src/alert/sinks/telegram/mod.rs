//! `type = "telegram"`: the Bot API's `sendMessage` (core.telegram.org/bots/api,
//! "sendMessage", "Formatting options" → "HTML style", "ResponseParameters"): `POST
//! {api_url}/bot<token>/sendMessage` with JSON `chat_id`, `text` in `parse_mode = "HTML"`
//! (article text escaped; at most 4,096 characters, counted in UTF-16 units as Telegram
//! does), `message_thread_id` when set. A 429 answer's `parameters.retry_after` is honoured.

mod config;

pub use config::{TelegramConfig, DEFAULT_API};

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::json;
use url::Url;

use super::http::{classify, exchange, with_json, Unit};
use super::text::{self, Style};
use super::Net;
use crate::alert::sink::{DeliveryError, Sink};
use crate::alert::Batch;

/// Telegram's limit on a message's text.
pub const TEXT_MAX: usize = 4096;

/// A chat: its number, or `@username` of a public channel or group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ChatId {
    /// A numeric id.
    Id(i64),
    /// `@username`, or a number written as a string.
    Name(String),
}

impl ChatId {
    fn check(&self) -> Result<&ChatId, String> {
        match self {
            ChatId::Id(_) => Ok(self),
            ChatId::Name(n) if n.parse::<i64>().is_ok() => Ok(self),
            ChatId::Name(n) if n.len() > 1 && n.starts_with('@') => Ok(self),
            ChatId::Name(n) => Err(format!(
                "'{n}' is not a chat id (a number such as -1001234567890, or \"@channelname\")"
            )),
        }
    }
}

/// Sends to one Telegram chat through a bot.
#[derive(Clone)]
pub struct TelegramSink {
    name: String,
    /// Holds the token: never printed.
    endpoint: Url,
    chat_id: ChatId,
    thread: Option<i64>,
}

impl std::fmt::Debug for TelegramSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TelegramSink")
            .field("api", &self.endpoint.host_str())
            .field("chat_id", &self.chat_id)
            .finish()
    }
}

impl TelegramSink {
    /// One line for `check`.
    pub fn describe(&self) -> String {
        let chat = match &self.chat_id {
            ChatId::Id(n) => n.to_string(),
            ChatId::Name(n) => n.clone(),
        };
        let host = self.endpoint.host_str().unwrap_or("");
        let thread = self
            .thread
            .map(|t| format!(", thread {t}"))
            .unwrap_or_default();
        format!(
            "telegram chat {chat}{thread} via {}://{host}",
            self.endpoint.scheme()
        )
    }

    /// The JSON body for `batch`.
    pub fn body(&self, batch: Batch<'_>) -> serde_json::Value {
        let mut body = json!({
            "chat_id": self.chat_id,
            "text": text::message(batch, Style::TelegramHtml, TEXT_MAX, Unit::Utf16),
            "parse_mode": "HTML",
        });
        if let Some(t) = self.thread {
            body["message_thread_id"] = json!(t);
        }
        body
    }
}

impl Sink for TelegramSink {
    async fn deliver(&self, net: &Net, batch: Batch<'_>) -> Result<(), DeliveryError> {
        let req = with_json(net.client.post(self.endpoint.clone()), &self.body(batch));
        let what = format!("telegram '{}'", self.name);
        let answer = exchange(&what, req).await?;
        let reply: Option<Reply> = serde_json::from_str(&answer.body).ok();
        if answer.status.is_success() && reply.as_ref().is_some_and(|r| !r.ok) {
            let reason = format!("{what}: the Bot API answered ok = false");
            return Err(DeliveryError::Permanent { reason });
        }
        let detail = reply.as_ref().and_then(|r| r.description.clone());
        match classify(&what, &answer, detail.as_deref()) {
            Err(DeliveryError::Retryable {
                reason,
                retry_after,
            }) => {
                let told = reply.and_then(|r| r.parameters).and_then(|p| p.retry_after);
                let retry_after = told.map(Duration::from_secs).or(retry_after);
                Err(DeliveryError::Retryable {
                    reason,
                    retry_after,
                })
            }
            other => other,
        }
    }
}

/// The Bot API's answer envelope.
#[derive(Debug, Deserialize)]
struct Reply {
    ok: bool,
    description: Option<String>,
    parameters: Option<Parameters>,
}

/// `ResponseParameters`.
#[derive(Debug, Deserialize)]
struct Parameters {
    retry_after: Option<u64>,
}
