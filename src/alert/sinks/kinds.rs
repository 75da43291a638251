//! The two closed sets of sink kinds: [`SinkKindConfig`], the `[[sink]]` table as written
//! (tagged by `type`), and [`AnySink`], the validated sink that delivers. Adding a kind
//! adds one arm to each enum and to each `match` below; nothing else in the daemon names a
//! kind.

use serde::Deserialize;

use super::{email, gotify, log, matrix, mattermost, nats, ntfy, pushover, telegram, webhook};
use super::{Common, Net, SinkCheck};
use crate::alert::sink::{DeliveryError, Sink};
use crate::alert::Batch;
use crate::config::validate::Issues;

/// One `[[sink]]` table, by its `type`.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum SinkKindConfig {
    /// An HTTP request per alert in a chosen format.
    Webhook(webhook::WebhookConfig),
    /// One structured log event per alert.
    Log(log::LogConfig),
    /// One email per alert or digest, over SMTP.
    Email(email::EmailConfig),
    /// Push notification through an ntfy topic.
    Ntfy(ntfy::NtfyConfig),
    /// A Telegram chat, through a bot.
    Telegram(telegram::TelegramConfig),
    /// A Matrix room.
    Matrix(matrix::MatrixConfig),
    /// A Gotify application.
    Gotify(gotify::GotifyConfig),
    /// A Pushover user or group.
    Pushover(pushover::PushoverConfig),
    /// A Mattermost incoming webhook.
    Mattermost(mattermost::MattermostConfig),
    /// One JetStream publish per alert.
    Nats(nats::NatsConfig),
}

impl SinkKindConfig {
    /// Every `type = "…"` a sink may have.
    pub const KINDS: &'static [&'static str] = &[
        "webhook",
        "log",
        "email",
        "ntfy",
        "telegram",
        "matrix",
        "gotify",
        "pushover",
        "mattermost",
        "nats",
    ];

    /// Reads one `[[sink]]` table of kind `kind` (its `type` removed) on its own, so that a
    /// wrong key or value is reported with its path inside the sink; serde's tagged enum
    /// only knows the sink's index. `None` for a kind not in [`SinkKindConfig::KINDS`].
    pub fn check_kind(
        kind: &str,
        table: toml::Value,
    ) -> Option<Result<(), serde_path_to_error::Error<toml::de::Error>>> {
        fn read<T: serde::de::DeserializeOwned>(
            table: toml::Value,
        ) -> Result<(), serde_path_to_error::Error<toml::de::Error>> {
            serde_path_to_error::deserialize::<_, T>(table).map(drop)
        }
        Some(match kind {
            "webhook" => read::<webhook::WebhookConfig>(table),
            "log" => read::<log::LogConfig>(table),
            "email" => read::<email::EmailConfig>(table),
            "ntfy" => read::<ntfy::NtfyConfig>(table),
            "telegram" => read::<telegram::TelegramConfig>(table),
            "matrix" => read::<matrix::MatrixConfig>(table),
            "gotify" => read::<gotify::GotifyConfig>(table),
            "pushover" => read::<pushover::PushoverConfig>(table),
            "mattermost" => read::<mattermost::MattermostConfig>(table),
            "nats" => read::<nats::NatsConfig>(table),
            _ => return None,
        })
    }

    /// The name and delivery keys.
    pub fn common(&self) -> &Common {
        match self {
            SinkKindConfig::Webhook(c) => &c.common,
            SinkKindConfig::Log(c) => &c.common,
            SinkKindConfig::Email(c) => &c.common,
            SinkKindConfig::Ntfy(c) => &c.common,
            SinkKindConfig::Telegram(c) => &c.common,
            SinkKindConfig::Matrix(c) => &c.common,
            SinkKindConfig::Gotify(c) => &c.common,
            SinkKindConfig::Pushover(c) => &c.common,
            SinkKindConfig::Mattermost(c) => &c.common,
            SinkKindConfig::Nats(c) => &c.common,
        }
    }

    /// Checks the kind's own keys (the shared ones are checked by the caller) and builds
    /// the sink; `None` when something was reported.
    pub fn validate(&self, cx: &SinkCheck<'_>, issues: &mut Issues) -> Option<AnySink> {
        Some(match self {
            SinkKindConfig::Webhook(c) => AnySink::Webhook(c.validate(cx, issues)?),
            SinkKindConfig::Log(c) => AnySink::Log(c.validate(cx, issues)?),
            SinkKindConfig::Email(c) => AnySink::Email(c.validate(cx, issues)?),
            SinkKindConfig::Ntfy(c) => AnySink::Ntfy(c.validate(cx, issues)?),
            SinkKindConfig::Telegram(c) => AnySink::Telegram(c.validate(cx, issues)?),
            SinkKindConfig::Matrix(c) => AnySink::Matrix(c.validate(cx, issues)?),
            SinkKindConfig::Gotify(c) => AnySink::Gotify(c.validate(cx, issues)?),
            SinkKindConfig::Pushover(c) => AnySink::Pushover(c.validate(cx, issues)?),
            SinkKindConfig::Mattermost(c) => AnySink::Mattermost(c.validate(cx, issues)?),
            SinkKindConfig::Nats(c) => AnySink::Nats(c.validate(cx, issues)?),
        })
    }
}

/// One configured sink, ready to deliver.
#[derive(Debug, Clone)]
pub enum AnySink {
    /// HTTP request.
    Webhook(webhook::WebhookSink),
    /// Tracing event.
    Log(log::LogSink),
    /// Email over SMTP.
    Email(email::EmailSink),
    /// Push notification through an ntfy topic.
    Ntfy(ntfy::NtfySink),
    /// A Telegram chat, through a bot.
    Telegram(telegram::TelegramSink),
    /// A Matrix room.
    Matrix(matrix::MatrixSink),
    /// A Gotify application.
    Gotify(gotify::GotifySink),
    /// A Pushover user or group.
    Pushover(pushover::PushoverSink),
    /// A Mattermost incoming webhook.
    Mattermost(mattermost::MattermostSink),
    /// A JetStream publish.
    Nats(nats::NatsSink),
}

impl AnySink {
    /// One line for `check`: the kind and where it sends, with secrets redacted.
    pub fn describe(&self) -> String {
        match self {
            AnySink::Webhook(s) => s.describe(),
            AnySink::Log(_) => "log".to_string(),
            AnySink::Email(s) => s.describe(),
            AnySink::Ntfy(s) => s.describe(),
            AnySink::Telegram(s) => s.describe(),
            AnySink::Matrix(s) => s.describe(),
            AnySink::Gotify(s) => s.describe(),
            AnySink::Pushover(s) => s.describe(),
            AnySink::Mattermost(s) => s.describe(),
            AnySink::Nats(s) => s.describe(),
        }
    }
}

impl Sink for AnySink {
    async fn deliver(&self, net: &Net, batch: Batch<'_>) -> Result<(), DeliveryError> {
        match self {
            AnySink::Webhook(s) => s.deliver(net, batch).await,
            AnySink::Log(s) => s.deliver(net, batch).await,
            AnySink::Email(s) => s.deliver(net, batch).await,
            AnySink::Ntfy(s) => s.deliver(net, batch).await,
            AnySink::Telegram(s) => s.deliver(net, batch).await,
            AnySink::Matrix(s) => s.deliver(net, batch).await,
            AnySink::Gotify(s) => s.deliver(net, batch).await,
            AnySink::Pushover(s) => s.deliver(net, batch).await,
            AnySink::Mattermost(s) => s.deliver(net, batch).await,
            AnySink::Nats(s) => s.deliver(net, batch).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_kind_is_a_kind_and_is_checked_on_its_own() {
        for kind in SinkKindConfig::KINDS {
            let table: toml::Value = toml::from_str(&format!("type = \"{kind}\"")).unwrap();
            assert!(
                SinkKindConfig::deserialize(table).is_ok(),
                "{kind} is not a sink type"
            );
            let empty = toml::Value::Table(Default::default());
            assert!(SinkKindConfig::check_kind(kind, empty).is_some(), "{kind}");
        }
    }

    #[test]
    fn kinds_lists_every_variant_of_the_enum() {
        // serde names every variant when a tag is unknown: that list must be KINDS.
        let table: toml::Value = toml::from_str("type = \"no-such-kind\"").unwrap();
        let err = SinkKindConfig::deserialize(table).unwrap_err().to_string();
        let list = err
            .split("expected one of ")
            .nth(1)
            .unwrap_or_else(|| panic!("{err}"));
        let list = list.lines().next().unwrap_or("");
        let listed: Vec<&str> = list.split('`').skip(1).step_by(2).collect();
        assert_eq!(listed, SinkKindConfig::KINDS, "{err}");
    }
}
