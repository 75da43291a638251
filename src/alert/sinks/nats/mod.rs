//! `type = "nats"`: publishes each alert into a JetStream stream with `Nats-Msg-Id` = the
//! alert id and the v1 JSON body, and counts it delivered only once the server has
//! acknowledged it. The server drops a republish of the same id inside the stream's
//! duplicate window, so an at-least-once outbox gives an exactly-once stream.

mod config;
mod settings;
pub mod stream;
pub mod subject;

pub use config::NatsConfig;
pub use settings::{NatsAuth, NatsSettings, StreamSettings};
pub use subject::{SubjectTemplate, DEFAULT_SUBJECT};

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_nats::jetstream::context::{Context, PublishErrorKind};
use async_nats::jetstream::message::PublishMessage;
use async_nats::{ConnectOptions, Event, HeaderMap};
use tokio::sync::OnceCell;
use url::Host;

use super::Net;
use crate::alert::sink::{DeliveryError, Sink};
use crate::alert::wire::WireAlertV1;
use crate::alert::{Alert, Batch};
use crate::metrics::metrics;
use stream::describe;

/// Publishes alerts to one NATS server. Clones share one connection.
#[derive(Clone)]
pub struct NatsSink {
    name: String,
    cfg: NatsSettings,
    conn: Arc<Connection>,
}

/// The connection of a sink, made at its first delivery.
#[derive(Default)]
struct Connection {
    /// Connected on the first delivery; async-nats reconnects it by itself afterwards.
    js: OnceCell<Context>,
    /// The configured stream was found or created on this connection.
    stream_ready: AtomicBool,
    /// When a publish found the stream gone; it is created again only after
    /// [`RECREATE_AFTER`], since the server removes a deleted stream's files after it
    /// answers and would take a stream created at once with them.
    lost_at: std::sync::Mutex<Option<Instant>>,
}

/// How long after finding its stream deleted the sink waits before creating it again.
const RECREATE_AFTER: Duration = Duration::from_secs(2);

impl std::fmt::Debug for NatsSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NatsSink")
            .field("name", &self.name)
            .field("settings", &self.cfg)
            .finish_non_exhaustive()
    }
}

impl NatsSink {
    /// A NATS sink; nothing connects until the first delivery.
    pub fn new(name: &str, cfg: NatsSettings) -> NatsSink {
        NatsSink {
            name: name.to_string(),
            cfg,
            conn: Arc::new(Connection::default()),
        }
    }

    /// Its settings.
    pub fn settings(&self) -> &NatsSettings {
        &self.cfg
    }

    /// One line for `check`.
    pub fn describe(&self) -> String {
        let stream = self
            .cfg
            .stream
            .as_ref()
            .map(|s| format!(", stream {}", s.name))
            .unwrap_or_default();
        let url = self.cfg.redacted_url();
        format!("nats {url}, subject {}{stream}", self.cfg.subject)
    }

    fn retry(&self, why: impl std::fmt::Display) -> DeliveryError {
        DeliveryError::Retryable {
            reason: format!("nats '{}': {why}", self.name),
            retry_after: None,
        }
    }

    /// The JetStream context, connecting first if needed; a failed connect is retried by
    /// the next delivery.
    async fn context(&self, net: &Net) -> Result<&Context, DeliveryError> {
        let js = self
            .conn
            .js
            .get_or_try_init(|| self.connect(net))
            .await
            .map_err(|why| self.retry(why))?;
        if let Some(settings) = &self.cfg.stream {
            if !self.conn.stream_ready.load(Ordering::Acquire) {
                self.wait_after_loss()?;
                let subject = self.cfg.subject.wildcard();
                stream::ensure(js, &self.name, settings, &subject)
                    .await
                    .map_err(|why| self.retry(why))?;
                self.conn.stream_ready.store(true, Ordering::Release);
                *self.lost() = None;
            }
        }
        Ok(js)
    }

    fn lost(&self) -> std::sync::MutexGuard<'_, Option<Instant>> {
        self.conn
            .lost_at
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// A retryable error while the stream was found missing less than [`RECREATE_AFTER`] ago.
    fn wait_after_loss(&self) -> Result<(), DeliveryError> {
        match *self.lost() {
            Some(at) if at.elapsed() < RECREATE_AFTER => Err(self.retry(
                "the stream was deleted; waiting for the server to remove it before creating it again",
            )),
            _ => Ok(()),
        }
    }

    async fn connect(&self, net: &Net) -> Result<Context, String> {
        let url = &self.cfg.url;
        let shown = self.cfg.redacted_url();
        // The same guard as every feed and webhook: a name must not lead inside the network.
        match (settings::literal_ip(url), url.host()) {
            (Some(ip), _) => net
                .http
                .guard()
                .check_ip(None, ip)
                .map_err(|why| format!("{why}; {}", crate::net::HINT))?,
            (None, Some(Host::Domain(name))) => {
                net.resolver.resolve_allowed(name).await?;
            }
            _ => {}
        }
        let options = self.options().await?;
        // Bounded even if the client's own connect timeout were not.
        let client = tokio::time::timeout(self.cfg.timeout * 2, options.connect(url.as_str()))
            .await
            .map_err(|_| format!("connecting to {shown} timed out"))?
            .map_err(|e| format!("connecting to {shown} failed: {}", describe(&e)))?;
        tracing::info!(sink = %self.name, url = %shown, "connected to NATS");
        Ok(async_nats::jetstream::ContextBuilder::new()
            .timeout(self.cfg.timeout)
            .build(client))
    }

    async fn options(&self) -> Result<ConnectOptions, String> {
        let options = match &self.cfg.auth {
            NatsAuth::None => ConnectOptions::new(),
            NatsAuth::Token(t) => ConnectOptions::with_token(t.expose().to_string()),
            NatsAuth::UserPassword(u, p) => {
                ConnectOptions::with_user_and_password(u.clone(), p.expose().to_string())
            }
            NatsAuth::Credentials(c) => ConnectOptions::with_credentials(c.expose())
                .map_err(|e| format!("credentials_file is not usable: {e}"))?,
        };
        let sink = self.name.clone();
        let mut options = options
            .name(format!("newshound/{}", env!("CARGO_PKG_VERSION")))
            .connection_timeout(self.cfg.timeout)
            .request_timeout(Some(self.cfg.timeout))
            // Reconnect forever (with the client's capped backoff): the outbox waits.
            .max_reconnects(None)
            // Servers a cluster advertises would bypass the address guard.
            .ignore_discovered_servers()
            .require_tls(self.cfg.tls_required())
            .event_callback(move |event| log_event(sink.clone(), event));
        if let Some(ca) = &self.cfg.tls_ca {
            options = options.add_root_certificates(ca.clone());
        }
        Ok(options)
    }

    /// Publishes one alert and waits for the stream's acknowledgement.
    async fn publish(&self, js: &Context, alert: &Alert) -> Result<(), DeliveryError> {
        let subject = self.cfg.subject.render(alert);
        let mut message = PublishMessage::build()
            .payload(WireAlertV1::new(alert).to_json().into())
            .headers(headers(alert))
            .message_id(&alert.id);
        if let Some(s) = &self.cfg.stream {
            message = message.expected_stream(&s.name);
        }
        let result = match js.send_publish(subject.clone(), message).await {
            Ok(ack) => ack.await,
            Err(e) => Err(e),
        };
        match result {
            Ok(ack) => {
                let outcome = if ack.duplicate { "duplicate" } else { "ok" };
                metrics().record_nats_publish(&self.name, outcome);
                if ack.duplicate {
                    tracing::info!(sink = %self.name, alert_id = %alert.id, stream = %ack.stream,
                        "the stream already had this alert; the server dropped the repeat");
                }
                Ok(())
            }
            Err(e) => {
                metrics().record_nats_publish(&self.name, "failed");
                Err(self.classify(&subject, &e))
            }
        }
    }

    /// A message too large for the server is permanent; anything else (no connection, no
    /// ack in time, no stream for the subject, a stream limit) may change without a
    /// reload, so it is retried.
    fn classify(
        &self,
        subject: &str,
        e: &async_nats::jetstream::context::PublishError,
    ) -> DeliveryError {
        let why = describe(e);
        match e.kind() {
            PublishErrorKind::MaxPayloadExceeded => DeliveryError::Permanent {
                reason: format!(
                    "nats '{}': publishing to '{subject}' failed: {why}",
                    self.name
                ),
            },
            PublishErrorKind::StreamNotFound => {
                // Created again on the next attempt, if it is ours and was deleted.
                self.conn.stream_ready.store(false, Ordering::Release);
                self.lost().get_or_insert_with(Instant::now);
                self.retry(format!("no JetStream stream captures subject '{subject}'"))
            }
            _ => self.retry(format!("publishing to '{subject}' failed: {why}")),
        }
    }
}

/// The headers of one alert's message: `Nats-Msg-Id` is added by the publish.
fn headers(alert: &Alert) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert("Content-Type", "application/json");
    h.insert("webhook-id", header_value(&alert.id).as_str());
    h.insert(
        "webhook-timestamp",
        chrono::Utc::now().timestamp().to_string().as_str(),
    );
    h.insert("watchlist", header_value(&alert.watchlist).as_str());
    if let Some(s) = &alert.severity {
        h.insert("severity", header_value(s).as_str());
    }
    h
}

/// A header value without the control characters that would break the protocol line.
fn header_value(v: &str) -> String {
    v.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

async fn log_event(sink: String, event: Event) {
    match event {
        Event::Connected => tracing::info!(sink, "NATS connection (re)established"),
        Event::Disconnected => tracing::warn!(sink, "NATS connection lost; reconnecting"),
        other => tracing::warn!(sink, event = %other, "NATS connection event"),
    }
}

impl Sink for NatsSink {
    /// Publishes every alert of the batch (a digest's alerts one by one, each under its
    /// own id): `Ok` once the stream acknowledged all of them. A digest retried after a
    /// partial failure republishes the acknowledged ones, which the server drops.
    async fn deliver(&self, net: &Net, batch: Batch<'_>) -> Result<(), DeliveryError> {
        let js = self.context(net).await?;
        for alert in batch.alerts() {
            self.publish(js, alert).await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_values_keep_to_one_line() {
        assert_eq!(header_value("a\r\nb"), "a  b");
        assert_eq!(header_value("us-china-defence"), "us-china-defence");
    }
}
