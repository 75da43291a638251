//! The email sink: one message per alert or per digest over SMTP or SMTPS (lettre, tokio,
//! rustls with ring), multipart plain text + HTML, `Message-ID` derived from the alert or
//! digest id so repeats of an at-least-once delivery can be recognised.

mod message;

pub use message::{compose, html_body, plain_body, subject};

use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use super::sink::{DeliveryError, Sink};
use super::Batch;
use crate::config::{EmailConfig, HttpConfig};

/// Delivers alerts as email through one SMTP server.
pub struct EmailSink {
    name: String,
    cfg: EmailConfig,
    transport: AsyncSmtpTransport<Tokio1Executor>,
}

impl EmailSink {
    /// An email sink; nothing connects until the first delivery. `http.timeout` bounds
    /// each SMTP command as it bounds each HTTP request.
    pub fn new(
        name: &str,
        cfg: &EmailConfig,
        http: &HttpConfig,
    ) -> Result<EmailSink, lettre::transport::smtp::Error> {
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::from_url(&cfg.smtp_url)?
            .timeout(Some(http.timeout));
        if let Some((user, password)) = &cfg.credentials {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        Ok(EmailSink {
            name: name.to_string(),
            cfg: cfg.clone(),
            transport: builder.build(),
        })
    }
}

impl Sink for EmailSink {
    async fn deliver(&self, batch: Batch<'_>) -> Result<(), DeliveryError> {
        let message = compose(&self.cfg, batch).map_err(|e| DeliveryError::Permanent {
            reason: format!("email '{}': composing the message failed: {e}", self.name),
        })?;
        match self.transport.send(message).await {
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
