//! The `newshound` binary: parses arguments, sets up logging, runs a command and maps its
//! outcome to an exit code (0 ok, 1 config invalid, 2 input not a feed, 3 runtime failure).

use std::process::ExitCode;

use anyhow::Context as _;
use clap::Parser;
use newshound::cli::{AlertsAction, Cli, Command, LogFormat, StateAction, VerdictArg};
use newshound::commands::{self, CommandError};
use newshound::config::Origin;
use newshound::daemon;
use newshound::store::desk::Verdict;
use newshound::systemd::Notifier;
use tokio::sync::mpsc;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(e),
    };
    let format = newshound::logging::init(cli.log_format);
    tune_malloc();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            let e = anyhow::Error::new(e).context("starting the async runtime failed");
            return failed(format, &e);
        }
    };
    match runtime.block_on(dispatch(cli.command, format)) {
        Ok(()) => ExitCode::SUCCESS,
        // A reader that went away (`check | head -1`) is not a failure: stop quietly.
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => failed(format, &e),
    }
}

/// Caps glibc's malloc at two arenas unless `MALLOC_ARENA_MAX` says otherwise. glibc gives
/// threads that allocate at once arenas of their own (up to eight per core), and each
/// keeps the memory its thread freed: with feeds parsed on tokio's blocking threads, that
/// was a third of the daemon's memory at 20,000 feeds (`bench/memory.sh`), for no measurable
/// speed on two cores. Called before the runtime starts any thread.
///
/// It also fixes the size from which an allocation gets pages of its own at glibc's
/// starting value ([`MMAP_THRESHOLD`]) unless `MALLOC_MMAP_THRESHOLD_` says otherwise.
/// glibc raises it to the size of every such block freed, up to 32 MiB: after the first
/// reload had freed the config parser's token buffers (some 20 MB at 20,000 feeds), the
/// next reloads grew theirs inside the heap, and the heap stayed that much larger, its
/// free pages held between live objects (`bench/memory.sh`: 125 MiB after six reloads
/// against 107 MiB with the threshold fixed, main's build otherwise).
fn tune_malloc() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    for (var, param, value) in [
        ("MALLOC_ARENA_MAX", libc::M_ARENA_MAX, 2),
        (
            "MALLOC_MMAP_THRESHOLD_",
            libc::M_MMAP_THRESHOLD,
            MMAP_THRESHOLD,
        ),
    ] {
        if std::env::var_os(var).is_none() {
            // SAFETY: mallopt only sets an allocator parameter, under glibc's own lock;
            // it touches no memory of ours.
            unsafe {
                libc::mallopt(param, value);
            }
        }
    }
}

/// glibc's own starting `M_MMAP_THRESHOLD` (128 KiB), kept fixed.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const MMAP_THRESHOLD: libc::c_int = 128 * 1024;

/// Reports `e` on stderr in the log format and returns its exit code.
fn failed(format: LogFormat, e: &anyhow::Error) -> ExitCode {
    let command = e.downcast_ref::<CommandError>();
    let code = command.map(CommandError::exit_code).unwrap_or(3);
    match (format, command) {
        (LogFormat::Pretty, _) => eprintln!("newshound: {e:#}"),
        (_, Some(CommandError::Config(config))) if !config.issues().is_empty() => {
            report_issues(config)
        }
        _ => tracing::error!(target: "newshound", exit_code = code, "{e:#}"),
    }
    ExitCode::from(code)
}

/// An invalid config as events: a headline, then one event per problem with its key and
/// where it is, so a log shipper can index them.
fn report_issues(config: &newshound::config::ConfigError) {
    let issues = config.issues();
    tracing::error!(target: "newshound", exit_code = 1, problems = issues.len(), "{config}");
    for issue in issues {
        let (line, env, file) = match &issue.origin {
            Some(Origin::Line(n)) => (Some(*n), None, None),
            Some(Origin::Env(var)) => (None, Some(var.as_str()), None),
            Some(Origin::List { file, line, .. }) => (Some(*line), None, Some(file.as_str())),
            None => (None, None, None),
        };
        tracing::error!(target: "newshound::config", key = %issue.key, line, env, file, "{}", issue.message);
    }
}

/// A command line clap refuses: help and version as clap prints them, anything else as an
/// error in the log format asked for (looked up in the raw arguments, since parsing failed).
fn usage_error(e: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion)
        || requested_format() != Some(LogFormat::Json)
    {
        let code = e.exit_code();
        let _ = e.print();
        return ExitCode::from(u8::try_from(code).unwrap_or(2));
    }
    newshound::logging::init(Some(LogFormat::Json));
    let text = e.render().to_string();
    tracing::error!(target: "newshound", exit_code = 2, "{}", text.trim_end());
    ExitCode::from(2)
}

/// `--log-format VALUE` or `--log-format=VALUE` among the raw arguments.
fn requested_format() -> Option<LogFormat> {
    use clap::ValueEnum as _;
    let args: Vec<String> = std::env::args().collect();
    let value = args
        .iter()
        .enumerate()
        .find_map(|(i, a)| match a.as_str() {
            "--log-format" => args.get(i + 1).cloned(),
            other => other.strip_prefix("--log-format=").map(str::to_string),
        })?;
    LogFormat::from_str(&value, true).ok()
}

/// Whether `e` comes from writing to a closed pipe.
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

async fn dispatch(command: Command, format: LogFormat) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    match command {
        Command::Check { config } => commands::check(&config.path, &mut stdout)?,
        Command::Once {
            config,
            dry_run,
            reset_state,
        } => {
            if reset_state {
                commands::state::reset(&config.path)?;
            }
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
        Command::MigrateState { config, to } => {
            commands::migrate_state(&config.path, &to, &mut stdout).await?
        }
        Command::Alerts {
            action: Some(AlertsAction::Replay { config, ids, dead }),
            ..
        } => commands::replay(&config.path, &ids, dead, &mut stdout).await?,
        Command::Run {
            config,
            reset_state,
        } => {
            drop(stdout);
            if reset_state {
                commands::state::reset(&config.path)?;
            }
            run(&config.path).await?
        }
        Command::Reload { config } => {
            commands::reload(&config.path, &mut stdout)?;
        }
        Command::State {
            action: StateAction::Check { config },
        } => commands::state::check(&config.path, &mut stdout)?,
        Command::State {
            action: StateAction::Backup { config, to },
        } => commands::state::backup(&config.path, &to, &mut stdout)?,
        Command::ImportOpml { file } => {
            commands::import_opml(&file, &mut stdout, &mut std::io::stderr())?;
        }
        Command::Completions { shell } => commands::completions(shell, &mut stdout)?,
        Command::Man { dir } => {
            for file in commands::man(dir.as_deref(), &mut stdout)? {
                match format {
                    LogFormat::Pretty => eprintln!("wrote {file}"),
                    _ => tracing::info!(%file, "wrote"),
                }
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
