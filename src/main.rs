//! The `newshound` binary: parses arguments, sets up logging, runs a command and maps its
//! outcome to an exit code (0 ok, 1 config invalid, 2 input not a feed, 3 runtime failure).

use std::process::ExitCode;

use anyhow::Context as _;
use clap::Parser;
use newshound::cli::{AlertsAction, Cli, Command, VerdictArg};
use newshound::commands::{self, CommandError};
use newshound::daemon;
use newshound::store::desk::Verdict;
use newshound::systemd::Notifier;
use tokio::sync::mpsc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    newshound::logging::init(cli.log_format);
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
        } => commands::backtest(&config.path, &watchlists, since, &mut stdout).await?,
        Command::Alerts {
            action: None,
            config,
            status,
            json,
            limit,
        } => {
            let status = status.map(newshound::store::DeliveryStatus::from);
            commands::desk::list(&config.path, status, json, limit, &mut stdout).await?
        }
        Command::Alerts {
            action: Some(AlertsAction::Show { config, id, json }),
            ..
        } => commands::desk::show(&config.path, &id, json, &mut stdout).await?,
        Command::Alerts {
            action:
                Some(AlertsAction::Feedback {
                    config,
                    id,
                    verdict,
                    note,
                }),
            ..
        } => {
            let verdict = match verdict {
                VerdictArg::Useful => Verdict::Useful,
                VerdictArg::FalsePositive => Verdict::FalsePositive,
            };
            commands::desk::feedback(&config.path, &id, verdict, note, &mut stdout).await?
        }
        Command::Mute {
            config, list: true, ..
        } => commands::desk::list_mutes(&config.path, &mut stdout).await?,
        Command::Mute {
            config,
            watchlist,
            person,
            story,
            duration,
            ..
        } => {
            let args = commands::MuteArgs {
                watchlist,
                person,
                story,
            };
            commands::desk::mute(&config.path, &args, duration, &mut stdout).await?
        }
        Command::Unmute {
            config,
            watchlist,
            person,
            story,
            id,
        } => {
            let args = commands::MuteArgs {
                watchlist,
                person,
                story,
            };
            commands::desk::unmute(&config.path, &args, id, &mut stdout).await?
        }
        Command::Search {
            config,
            query,
            limit,
        } => commands::desk::search(&config.path, &query, limit, &mut stdout).await?,
        Command::Alerts {
            action: Some(AlertsAction::Replay { config, ids, dead }),
            ..
        } => commands::replay(&config.path, &ids, dead, &mut stdout).await?,
        Command::Run { config } => {
            drop(stdout);
            run(&config.path).await?
        }
        Command::Reload { config } => {
            commands::reload(&config.path, &mut stdout)?;
        }
        Command::ImportOpml { file } => {
            commands::import_opml(&file, &mut stdout, &mut std::io::stderr())?;
        }
        Command::Completions { shell } => commands::completions(shell, &mut stdout)?,
        Command::Man { dir } => {
            for file in commands::man(dir.as_deref(), &mut stdout)? {
                eprintln!("wrote {file}");
            }
        }
    }
    Ok(())
}

async fn run(path: &std::path::Path) -> anyhow::Result<()> {
    let cfg = newshound::config::load(path).map_err(CommandError::from)?;
    let (reload_tx, reload_rx) = mpsc::channel(1);
    let signals = install_signals(reload_tx).context("installing signal handlers failed")?;
    tracing::info!(config = %path.display(), feeds = cfg.feeds.len(), watchlists = cfg.watchlists.len(), "newshound starting");
    daemon::run(
        path.to_path_buf(),
        cfg,
        signals,
        reload_rx,
        Notifier::from_env(),
    )
    .await
    .map_err(CommandError::from)?;
    Ok(())
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
