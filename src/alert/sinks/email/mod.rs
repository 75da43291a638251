//! The email sink: one message per alert or per digest over SMTP or SMTPS (lettre, tokio,
//! rustls with ring), multipart plain text + HTML, `Message-ID` derived from the alert or
//! digest id so repeats of an at-least-once delivery can be recognised.

mod config;
mod connect;
mod message;

pub use config::EmailConfig;

pub use connect::ConnectError;

pub use message::{compose, html_body, plain_body, subject};

use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use lettre::message::Mailbox;

use super::secret::Secret;
use super::Net;
use crate::alert::sink::{DeliveryError, Sink};
use crate::alert::Batch;
use connect::guarded_transport;

/// An email sink's validated settings.
#[derive(Clone)]
pub struct EmailSettings {
    /// `smtp://` (plain, or STARTTLS with `?tls=required`) or `smtps://` (TLS from the start).
    pub smtp_url: String,
    /// The sender.
    pub from: Mailbox,
    /// The recipients.
    pub to: Vec<Mailbox>,
    /// SMTP AUTH user and password.
    pub credentials: Option<(String, Secret)>,
}

/// Delivers alerts as email through one SMTP server.
#[derive(Clone)]
pub struct EmailSink {
    name: String,
    cfg: EmailSettings,
}

impl std::fmt::Debug for EmailSink {
    // The password never reaches a log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmailSink")
            .field("smtp_url", &self.cfg.smtp_url)
            .field("from", &self.cfg.from.to_string())
            .field("to", &self.cfg.to.len())
            .field("user", &self.cfg.credentials.as_ref().map(|(u, _)| u))
            .finish()
    }
}

impl EmailSink {
    /// An email sink; nothing connects until the first delivery, and each delivery
    /// connects to an address the guard allows (see [`connect`]). `http.timeout` bounds
    /// each SMTP command as it bounds each HTTP request.
    pub fn new(
        name: &str,
        cfg: EmailSettings,
    ) -> Result<EmailSink, lettre::transport::smtp::Error> {
        // Parsed once here so that a URL lettre cannot use fails at start, not at delivery.
        AsyncSmtpTransport::<Tokio1Executor>::from_url(&cfg.smtp_url)?;
        Ok(EmailSink {
            name: name.to_string(),
            cfg,
        })
    }

    /// One line for `check`.
    pub fn describe(&self) -> String {
        let url = url::Url::parse(&self.cfg.smtp_url)
            .map(|u| super::secret::redacted_url(&u))
            .unwrap_or_default();
        format!("email via {url}, {} recipients", self.cfg.to.len())
    }

    /// The transport for one delivery.
    async fn transport(
        &self,
        net: &Net,
    ) -> Result<AsyncSmtpTransport<Tokio1Executor>, DeliveryError> {
        let builder = guarded_transport(&self.cfg.smtp_url, &net.http, &net.resolver)
            .await
            .map_err(|e| DeliveryError::Retryable {
                reason: format!(
                    "email '{}' failed: {}",
                    self.name,
                    crate::net::error_chain(&e)
                ),
                retry_after: None,
            })?;
        let mut builder = builder.timeout(Some(net.http.timeout));
        if let Some((user, password)) = &self.cfg.credentials {
            let password = password.expose().to_string();
            builder = builder.credentials(Credentials::new(user.clone(), password));
        }
        Ok(builder.build())
    }
}

impl Sink for EmailSink {
    async fn deliver(&self, net: &Net, batch: Batch<'_>) -> Result<(), DeliveryError> {
        let message = compose(&self.cfg, batch).map_err(|e| DeliveryError::Permanent {
            reason: format!("email '{}': composing the message failed: {e}", self.name),
        })?;
        match self.transport(net).await?.send(message).await {
            Ok(_) => Ok(()),
            Err(e) => Err(classify(&self.name, &e)),
        }
    }
}

/// A 5xx reply is permanent; a 4xx reply, a refused connection, a TLS failure or a
/// timeout is worth retrying.
fn classify(name: &str, e: &lettre::transport::smtp::Error) -> DeliveryError {
    let reason = format!("email '{name}' failed: {}", crate::net::error_chain(e));
    if e.is_permanent() {
        DeliveryError::Permanent { reason }
    } else {
        DeliveryError::Retryable {
            reason,
            retry_after: None,
        }
    }
}
