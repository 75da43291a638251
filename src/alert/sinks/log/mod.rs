//! `type = "log"`: one structured tracing event per alert (a digest logs each of its
//! alerts).

use serde::Deserialize;

use super::{Common, Net, SinkCheck};
use crate::alert::sink::{DeliveryError, Sink};
use crate::alert::{Alert, Batch};
use crate::config::validate::Issues;

/// The keys of a log sink: only the name and the delivery keys.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogConfig {
    /// Name and delivery keys.
    #[serde(flatten)]
    pub common: Common,
}

impl LogConfig {
    /// Nothing beyond the shared keys can be wrong.
    pub fn validate(&self, cx: &SinkCheck<'_>, _issues: &mut Issues) -> Option<LogSink> {
        Some(LogSink::new(cx.name))
    }
}

/// Writes each alert as one `INFO` event with target `newshound::alert`.
#[derive(Debug, Clone)]
pub struct LogSink {
    name: String,
}

impl LogSink {
    /// A log sink called `name`.
    pub fn new(name: &str) -> LogSink {
        LogSink {
            name: name.to_string(),
        }
    }
}

impl Sink for LogSink {
    async fn deliver(&self, _net: &Net, batch: Batch<'_>) -> Result<(), DeliveryError> {
        for alert in batch.alerts() {
            self.log(alert);
        }
        Ok(())
    }
}

impl LogSink {
    fn log(&self, alert: &Alert) {
        let matches = alert
            .matches
            .iter()
            .map(|m| {
                format!(
                    "{} {} in {} x{}: {}",
                    m.kind, m.term, m.field, m.count, m.snippet
                )
            })
            .collect::<Vec<_>>()
            .join(" | ");
        tracing::info!(
            target: "newshound::alert",
            sink = %self.name,
            alert_id = %alert.id,
            watchlist = %alert.watchlist,
            severity = alert.severity.as_deref().unwrap_or(""),
            feed = %alert.article.feed,
            title = %alert.article.title,
            url = alert.article.url.as_deref().unwrap_or(""),
            matches = %matches,
            also_seen_in = alert.also_seen_in.len(),
            revision_of = alert.revision_of.as_deref().unwrap_or(""),
            "alert"
        );
    }
}
