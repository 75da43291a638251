//! Command-line definitions (clap): `run`, `once`, `check`, `match`, `alerts`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// newshound — watches news feeds for people and events, and sends alerts that explain themselves.
#[derive(Debug, Parser)]
#[command(name = "newshound", version, about, propagate_version = true)]
pub struct Cli {
    /// Log format on stderr.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Pretty)]
    pub log_format: LogFormat,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// How log events are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Pretty,
    /// One JSON object per line.
    Json,
}

/// Where the config file is.
#[derive(Debug, Clone, Args)]
pub struct ConfigArg {
    /// Config file (TOML).
    #[arg(
        short = 'c',
        long = "config",
        env = "NEWSHOUND_CONFIG",
        default_value = "/etc/newshound/config.toml"
    )]
    pub path: PathBuf,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the daemon: poll every feed on its schedule until SIGTERM/SIGINT; SIGHUP reloads the config.
    #[command(after_help = "Example:\n  newshound run -c /etc/newshound/config.toml")]
    Run {
        #[command(flatten)]
        /// The config file.
        config: ConfigArg,
    },
    /// Poll every feed once, match, deliver the resulting alerts, then exit.
    #[command(
        after_help = "Examples:\n  newshound once -c config/demo.toml\n  newshound once -c config/demo.toml --dry-run | jq ."
    )]
    Once {
        #[command(flatten)]
        /// The config file.
        config: ConfigArg,
        /// Print alerts as JSON lines on stdout; deliver nothing, record nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Validate the config and print a summary.
    #[command(after_help = "Example:\n  newshound check -c /etc/newshound/config.toml")]
    Check {
        #[command(flatten)]
        /// The config file.
        config: ConfigArg,
    },
    /// Match a local file (feed, HTML page or text) against the watchlists; nothing is delivered or recorded.
    #[command(
        after_help = "Examples:\n  newshound match -c config/demo.toml feeds/wire-asia.xml\n  curl -s https://example.org/story | newshound match -c config/demo.toml -w us-china-defence -"
    )]
    Match {
        #[command(flatten)]
        /// The config file.
        config: ConfigArg,
        /// Only these watchlists (repeatable).
        #[arg(short = 'w', long = "watchlist", value_name = "NAME")]
        watchlists: Vec<String>,
        /// What the input is; `auto` tries feed, then HTML, then text.
        #[arg(long = "as", value_enum, default_value_t = InputKind::Auto)]
        kind: InputKind,
        /// The file to read, or `-` for standard input.
        #[arg(value_name = "PATH", default_value = "-")]
        input: PathBuf,
    },
    /// Run the current watchlists over the stored articles: which stories would alert, and
    /// which past alerts would no longer fire. Delivers and records nothing.
    #[command(
        after_help = "Examples:\n  newshound backtest -c /etc/newshound/config.toml --since 7d\n  newshound backtest -w us-china-defence"
    )]
    Backtest {
        #[command(flatten)]
        /// The config file.
        config: ConfigArg,
        /// Only these watchlists (repeatable).
        #[arg(short = 'w', long = "watchlist", value_name = "NAME")]
        watchlists: Vec<String>,
        /// How far back to look (default: `daemon.retention`).
        #[arg(long, value_name = "DUR", value_parser = parse_duration)]
        since: Option<std::time::Duration>,
    },
    /// List the alert outbox with the delivery state of each alert per sink.
    #[command(
        args_conflicts_with_subcommands = true,
        after_help = "Examples:\n  newshound alerts -c /etc/newshound/config.toml\n  newshound alerts --status dead\n  newshound alerts --json | jq .\n  newshound alerts replay --dead"
    )]
    Alerts {
        /// `replay`; without it, the listing.
        #[command(subcommand)]
        action: Option<AlertsAction>,
        #[command(flatten)]
        /// The config file.
        config: ConfigArg,
        /// Only deliveries in this state.
        #[arg(long, value_enum)]
        status: Option<StatusArg>,
        /// One JSON object per alert per line instead of the table.
        #[arg(long)]
        json: bool,
        /// At most this many deliveries, newest alerts first.
        #[arg(long, default_value_t = 1000)]
        limit: usize,
    },
}

/// `alerts` subcommands.
#[derive(Debug, Subcommand)]
pub enum AlertsAction {
    /// Queue alerts for delivery again: every delivery of the given alerts, or every dead one.
    #[command(
        after_help = "Examples:\n  newshound alerts replay -c /etc/newshound/config.toml 4f0c9a1e…\n  newshound alerts replay --dead"
    )]
    Replay {
        #[command(flatten)]
        /// The config file.
        config: ConfigArg,
        /// Alert ids, as `newshound alerts` lists them.
        #[arg(value_name = "ID", required_unless_present = "dead")]
        ids: Vec<String>,
        /// Every dead delivery instead of named alerts.
        #[arg(long, conflicts_with = "ids")]
        dead: bool,
    },
}

/// A delivery state, for `alerts --status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StatusArg {
    /// Not yet acknowledged; will be (re)tried.
    Pending,
    /// Acknowledged by the receiver.
    Delivered,
    /// Refused permanently.
    Failed,
    /// Gave up after `give_up_after`; replayable.
    Dead,
}

/// A duration on the command line (`30d`, `12h`).
fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    humantime::parse_duration(s).map_err(|e| format!("'{s}' is not a duration: {e}"))
}

/// How `match` reads its input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InputKind {
    /// Feed if it parses as one, else HTML if it looks like HTML, else text.
    Auto,
    /// Must parse as RSS, Atom or JSON Feed (exit 2 otherwise).
    Feed,
    /// An HTML page.
    Html,
    /// Plain text.
    Text,
}
