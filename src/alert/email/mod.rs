//! The email sink: one message per alert or per digest over SMTP or SMTPS (lettre, tokio,
//! rustls with ring), multipart plain text + HTML, `Message-ID` derived from the alert or
//! digest id so repeats of an at-least-once delivery can be recognised.

mod connect;
mod message;

pub use connect::ConnectError;

pub use message::{compose, html_body, plain_body, subject};

use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use super::sink::{DeliveryError, Sink};
use super::Batch;
use crate::config::{EmailConfig, HttpConfig};
use crate::net::GuardedResolver;
use connect::guarded_transport;

/// Delivers alerts as email through one SMTP server.
pub struct EmailSink {
    name: String,
    cfg: EmailConfig,
    http: HttpConfig,
    resolver: GuardedResolver,
}

impl EmailSink {
    /// An email sink; nothing connects until the first delivery, and each delivery
    /// connects to an address the guard allows (see [`connect`]). `http.timeout` bounds
    /// each SMTP command as it bounds each HTTP request.
    pub fn new(
        name: &str,
        cfg: &EmailConfig,
        http: &HttpConfig,
    ) -> Result<EmailSink, lettre::transport::smtp::Error> {
        // Parsed once here so that a URL lettre cannot use fails at start, not at delivery.
        AsyncSmtpTransport::<Tokio1Executor>::from_url(&cfg.smtp_url)?;
        Ok(EmailSink {
            name: name.to_string(),
            cfg: cfg.clone(),
            http: http.clone(),
            resolver: GuardedResolver::new(http.guard(), http.pinned_hosts.clone()),
        })
    }

    /// The transport for one delivery.
    async fn transport(&self) -> Result<AsyncSmtpTransport<Tokio1Executor>, DeliveryError> {
        let builder = guarded_transport(&self.cfg.smtp_url, &self.http, &self.resolver)
            .await
            .map_err(|e| DeliveryError::Retryable {
                reason: format!(
                    "email '{}' failed: {}",
                    self.name,
                    crate::net::error_chain(&e)
                ),
                retry_after: None,
            })?;
        let mut builder = builder.timeout(Some(self.http.timeout));
        if let Some((user, password)) = &self.cfg.credentials {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        Ok(builder.build())
    }
}

impl Sink for EmailSink {
    async fn deliver(&self, batch: Batch<'_>) -> Result<(), DeliveryError> {
        let message = compose(&self.cfg, batch).map_err(|e| DeliveryError::Permanent {
            reason: format!("email '{}': composing the message failed: {e}", self.name),
        })?;
        match self.transport().await?.send(message).await {
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
