//! The JetStream stream a NATS sink publishes into: the config it is created with when
//! missing, and the checks made on one that already exists (it is never changed).

use async_nats::jetstream::context::{Context, GetStreamErrorKind};
use async_nats::jetstream::stream::{Config, DiscardPolicy, RetentionPolicy, StorageType};

use super::config::MIN_DUPLICATE_WINDOW;
use super::settings::StreamSettings;

/// The config of a stream created for `settings`, capturing `subject` (the template's
/// wildcard): a replayable log (limits retention, so every consumer reads every alert and
/// acks remove nothing), on disk, one replica, oldest alerts discarded at the limits, and
/// the duplicate window that makes a republish after a crash a no-op.
pub fn stream_config(settings: &StreamSettings, subject: &str) -> Config {
    Config {
        name: settings.name.clone(),
        description: Some(
            "newshound alerts, one message per alert (Nats-Msg-Id = alert id)".into(),
        ),
        subjects: vec![subject.to_string()],
        retention: RetentionPolicy::Limits,
        storage: StorageType::File,
        discard: DiscardPolicy::Old,
        num_replicas: 1,
        duplicate_window: settings.duplicate_window,
        max_age: settings.max_age,
        max_bytes: i64::try_from(settings.max_bytes).unwrap_or(i64::MAX),
        max_messages: -1,
        max_messages_per_subject: -1,
        max_consumers: -1,
        max_message_size: -1,
        ..Config::default()
    }
}

/// Makes sure the stream exists: creates it when missing; an existing one is left as it
/// is, with a warning when it does not capture `subject` or drops repeats for less than
/// an hour. `Err` is the reason, for a retryable delivery error.
pub async fn ensure(
    js: &Context,
    sink: &str,
    settings: &StreamSettings,
    subject: &str,
) -> Result<(), String> {
    match js.get_stream(&settings.name).await {
        Ok(mut stream) => {
            let info = stream.info().await.map_err(|e| describe(&e))?;
            check_existing(sink, &info.config, subject);
            Ok(())
        }
        Err(e) if is_not_found(&e) => {
            let config = stream_config(settings, subject);
            js.create_stream(config).await.map_err(|e| {
                format!(
                    "creating stream '{}' failed: {}",
                    settings.name,
                    describe(&e)
                )
            })?;
            tracing::info!(
                sink,
                stream = %settings.name,
                subject,
                duplicate_window = %humantime::format_duration(settings.duplicate_window),
                "created the JetStream stream"
            );
            Ok(())
        }
        Err(e) => Err(format!(
            "looking up stream '{}' failed: {}",
            settings.name,
            describe(&e)
        )),
    }
}

fn is_not_found(e: &async_nats::jetstream::context::GetStreamError) -> bool {
    matches!(e.kind(), GetStreamErrorKind::JetStream(j) if j.code() == 404)
}

fn check_existing(sink: &str, config: &Config, subject: &str) {
    if !config.subjects.iter().any(|s| covers(s, subject)) {
        tracing::warn!(
            sink,
            stream = %config.name,
            subject,
            subjects = ?config.subjects,
            "the existing stream does not capture the sink's subject; publishes will fail until it does"
        );
    }
    if config.duplicate_window < MIN_DUPLICATE_WINDOW {
        tracing::warn!(
            sink,
            stream = %config.name,
            duplicate_window = %humantime::format_duration(config.duplicate_window),
            "the existing stream drops repeated alerts for less than an hour; a republish after a crash may be stored twice"
        );
    }
}

/// Whether the stream subject `pattern` captures every subject `subject` stands for
/// (`subject` may hold `*` for a placeholder token).
pub fn covers(pattern: &str, subject: &str) -> bool {
    let mut p = pattern.split('.');
    let mut s = subject.split('.');
    loop {
        match (p.next(), s.next()) {
            (Some(">"), Some(_)) => return true,
            (Some("*"), Some(_)) => {}
            (Some(a), Some(b)) if a == b && b != ">" => {}
            (None, None) => return true,
            _ => return false,
        }
    }
}

/// An error with its causes, one line.
pub fn describe(e: &(dyn std::error::Error + 'static)) -> String {
    crate::net::error_chain(e)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn stream_subjects_cover_the_template_wildcard() {
        assert!(covers("newshound.alerts.*", "newshound.alerts.*"));
        assert!(covers("newshound.>", "newshound.alerts.*"));
        assert!(covers(">", "a"));
        assert!(!covers("newshound.alerts.harbour", "newshound.alerts.*"));
        assert!(!covers("newshound.alerts", "newshound.alerts.*"));
        assert!(!covers("newshound.*", "newshound.alerts.*"));
        assert!(covers("a.*.c", "a.b.c"));
    }

    #[test]
    fn created_stream_is_a_file_backed_log_with_a_long_duplicate_window() {
        let s = StreamSettings {
            name: "ALERTS".into(),
            duplicate_window: Duration::from_secs(7200),
            max_age: Duration::from_secs(86400),
            max_bytes: 1 << 20,
        };
        let c = stream_config(&s, "newshound.alerts.*");
        assert_eq!(c.subjects, ["newshound.alerts.*"]);
        assert_eq!(c.retention, RetentionPolicy::Limits);
        assert_eq!(c.storage, StorageType::File);
        assert_eq!(c.duplicate_window, Duration::from_secs(7200));
        assert_eq!(c.max_bytes, 1 << 20);
    }
}
