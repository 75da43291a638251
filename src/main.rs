//! The `newshound` binary: parses arguments, sets up logging, runs a command and maps its
//! outcome to an exit code (0 ok, 1 config invalid, 2 input not a feed, 3 runtime failure).

use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use clap::Parser;
use newshound::cli::{AlertsAction, Cli, Command, LogFormat};
use newshound::commands::{self, CommandError};
use newshound::daemon::{self, Event};
use newshound::systemd::Notifier;
use tokio::sync::mpsc;
use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("newshound: starting the async runtime failed: {e}");
            return ExitCode::from(3);
        }
    };
    match runtime.block_on(dispatch(cli.command)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let code = e
                .downcast_ref::<CommandError>()
                .map(CommandError::exit_code)
                .unwrap_or(3);
            eprintln!("newshound: {e:#}");
            ExitCode::from(code)
        }
    }
}

fn init_logging(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Pretty => builder.init(),
    }
}

async fn dispatch(command: Command) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    match command {
        Command::Check { config } => commands::check(&config.path, &mut stdout)?,
        Command::Once { config, dry_run } => {
            commands::once(&config.path, dry_run, &mut stdout, &mut std::io::stderr()).await?;
        }
        Command::Match {
            config,
            watchlists,
            kind,
            input,
        } => commands::match_file(&input, kind, &watchlists, &config.path, &mut stdout)?,
        Command::Backtest {
            config,
            watchlists,
            since,
        } => commands::backtest(&config.path, &watchlists, since, &mut stdout)?,
        Command::Alerts {
            action: None,
            config,
            status,
            json,
            limit,
        } => commands::alerts(&config.path, status, json, limit, &mut stdout)?,
        Command::Alerts {
            action: Some(AlertsAction::Replay { config, ids, dead }),
            ..
        } => commands::replay(&config.path, &ids, dead, &mut stdout)?,
        Command::Run { config } => {
            drop(stdout);
            run(&config.path).await?
        }
    }
    Ok(())
}

async fn run(path: &std::path::Path) -> anyhow::Result<()> {
    let cfg = newshound::config::load(path).map_err(CommandError::from)?;
    let notifier = Notifier::from_env();
    let (reload_tx, reload_rx) = mpsc::channel(1);
    let signals = install_signals(reload_tx).context("installing signal handlers failed")?;
    let watchdog = notifier
        .watchdog_interval()
        .map(|every| tokio::spawn(watchdog(notifier.clone(), every)));
    tracing::info!(config = %path.display(), feeds = cfg.feeds.len(), watchlists = cfg.watchlists.len(), "newshound starting");
    let on_event = |e: Event| match e {
        Event::Ready => notifier.notify("READY=1\nSTATUS=polling"),
        Event::Reloading => notifier.notify(&reloading_message()),
        Event::Stopping => notifier.notify("STOPPING=1\nSTATUS=stopping"),
    };
    let result = daemon::run(path.to_path_buf(), cfg, signals, reload_rx, on_event).await;
    if let Some(w) = watchdog {
        w.abort();
    }
    result.map_err(CommandError::from)?;
    Ok(())
}

fn reloading_message() -> String {
    let usec = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_micros();
    format!("RELOADING=1\nMONOTONIC_USEC={usec}\nSTATUS=reloading config")
}

/// Resolves on SIGTERM or SIGINT; each SIGHUP sends a reload request.
fn install_signals(
    reload: mpsc::Sender<()>,
) -> std::io::Result<impl std::future::Future<Output = ()>> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    let mut hup = signal(SignalKind::hangup())?;
    tokio::spawn(async move {
        while hup.recv().await.is_some() {
            tracing::info!("SIGHUP: reloading config");
            // A reload already queued covers this one too.
            let _ = reload.try_send(());
        }
    });
    Ok(async move {
        tokio::select! {
            _ = term.recv() => tracing::info!("SIGTERM received"),
            _ = int.recv() => tracing::info!("SIGINT received"),
        }
    })
}

async fn watchdog(notifier: Notifier, every: Duration) {
    let mut tick = tokio::time::interval(every);
    loop {
        tick.tick().await;
        notifier.notify("WATCHDOG=1");
    }
}
