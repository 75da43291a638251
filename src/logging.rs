//! Where log events go and how they look, filtered by `RUST_LOG` (default `info`).
//! `pretty` is for people (colour only on a terminal), `json` for log shippers: one JSON
//! object per line, and every line the process writes to stderr is one (start-up and
//! config errors included, see `main`). `journald` sends each event to the journal's
//! socket with its fields as journal fields (`FEED=…`, `PRIORITY=…`, via
//! `tracing-journald`); without a journal socket it falls back to one plain stderr line
//! per event with a `<N>` syslog priority prefix and no timestamp, which systemd's stream
//! capture also understands.

use std::fmt;
use std::io::IsTerminal;

use tracing::{Event, Level, Subscriber};
use tracing_subscriber::fmt::format::{FormatEvent, FormatFields, Writer};
use tracing_subscriber::fmt::{FmtContext, FormattedFields};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::EnvFilter;

use crate::cli::LogFormat;

/// Installs the global subscriber and returns the format in use; `None` picks `journald`
/// when stderr is the journal, else `pretty`.
pub fn init(format: Option<LogFormat>) -> LogFormat {
    let filter = || EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter())
        .with_writer(std::io::stderr);
    let format = resolve(format);
    match format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Journald => match journal() {
            Ok(layer) => {
                use tracing_subscriber::layer::SubscriberExt as _;
                use tracing_subscriber::util::SubscriberInitExt as _;
                tracing_subscriber::registry()
                    .with(filter())
                    .with(layer)
                    .init()
            }
            Err(_) => builder.with_ansi(false).event_format(JournaldFormat).init(),
        },
        LogFormat::Pretty => {
            let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
            builder.with_ansi(color).init()
        }
    }
    log_panics();
    format
}

/// The journal's own protocol: fields without a prefix (`FEED=wire`), identifier
/// `newshound`, and the same priorities as the stderr fallback.
fn journal() -> std::io::Result<tracing_journald::Layer> {
    use tracing_journald::{Priority, PriorityMappings};
    let mappings = PriorityMappings {
        info: Priority::Informational,
        debug: Priority::Debug,
        ..PriorityMappings::new()
    };
    Ok(tracing_journald::layer()?
        .with_field_prefix(None)
        .with_syslog_identifier("newshound".into())
        .with_priority_mappings(mappings))
}

/// Panics become error events (target `newshound::panic`), so they reach the journal or
/// the JSON stream in the same shape as every other line instead of as raw stderr text;
/// the backtrace follows when `RUST_BACKTRACE` asks for one. A panic in one feed's parser
/// is caught and reported as that feed's failure: this only changes how it is logged.
fn log_panics() {
    std::panic::set_hook(Box::new(|info| {
        let payload = info.payload();
        let message = payload
            .downcast_ref::<&str>()
            .copied()
            .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
            .unwrap_or("(no message)");
        let location = info.location().map(|l| l.to_string()).unwrap_or_default();
        let thread = std::thread::current()
            .name()
            .unwrap_or("unnamed")
            .to_string();
        let backtrace = std::backtrace::Backtrace::capture();
        if backtrace.status() == std::backtrace::BacktraceStatus::Captured {
            tracing::error!(target: "newshound::panic", %location, %thread, %backtrace, "panicked: {message}");
        } else {
            tracing::error!(target: "newshound::panic", %location, %thread, "panicked: {message}");
        }
    }));
}

/// The format to use: the one asked for, else `journald` when stderr is the journal.
pub fn resolve(format: Option<LogFormat>) -> LogFormat {
    match format {
        Some(f) => f,
        None if stderr_is_journal() => LogFormat::Journald,
        None => LogFormat::Pretty,
    }
}

/// Whether stderr is systemd's journal stream: `$JOURNAL_STREAM` (`DEVICE:INODE`) names
/// the stream systemd connected, and it must still be our stderr — a child whose stderr
/// was redirected inherits the variable but not the stream.
pub fn stderr_is_journal() -> bool {
    use std::os::unix::fs::MetadataExt;
    let Ok(stream) = std::env::var("JOURNAL_STREAM") else {
        return false;
    };
    match std::fs::metadata("/proc/self/fd/2") {
        Ok(meta) => stream == format!("{}:{}", meta.dev(), meta.ino()),
        // Without /proc we cannot compare; the variable is the best evidence left.
        Err(_) => !stream.is_empty(),
    }
}

/// The syslog priority of a level: err(3), warning(4), info(6), debug(7).
pub fn syslog_priority(level: &Level) -> u8 {
    match *level {
        Level::ERROR => 3,
        Level::WARN => 4,
        Level::INFO => 6,
        Level::DEBUG | Level::TRACE => 7,
    }
}

/// `<6>poll{feed=wire}: newshound::feeds::schedule: polled articles=4` — one line per
/// line of the event, each with the priority prefix, so a multi-line message (a config's
/// list of problems) keeps its priority on every line in the journal.
#[derive(Debug, Clone, Copy, Default)]
pub struct JournaldFormat;

impl<S, N> FormatEvent<S, N> for JournaldFormat
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let mut line = String::new();
        let mut w = Writer::new(&mut line);
        if let Some(scope) = ctx.event_scope() {
            for span in scope.from_root() {
                write!(w, "{}", span.name())?;
                let ext = span.extensions();
                if let Some(fields) = ext.get::<FormattedFields<N>>().filter(|f| !f.is_empty()) {
                    write!(w, "{{{fields}}}")?;
                }
                write!(w, ": ")?;
            }
        }
        write!(w, "{}: ", event.metadata().target())?;
        ctx.field_format().format_fields(w.by_ref(), event)?;
        let priority = syslog_priority(event.metadata().level());
        for part in line.lines() {
            writeln!(writer, "<{priority}>{part}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn priorities_follow_syslog() {
        assert_eq!(syslog_priority(&Level::ERROR), 3);
        assert_eq!(syslog_priority(&Level::WARN), 4);
        assert_eq!(syslog_priority(&Level::INFO), 6);
        assert_eq!(syslog_priority(&Level::TRACE), 7);
    }

    #[test]
    fn an_explicit_format_wins() {
        assert_eq!(resolve(Some(LogFormat::Json)), LogFormat::Json);
    }
}
