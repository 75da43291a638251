//! Command-line definitions (clap): `run`, `once`, `check`, `match`, `backtest`,
//! `alerts`, `reload`, `import-opml`, `completions`, `man`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// newshound — watches news feeds for people and events, and sends alerts that explain themselves.
#[derive(Debug, Parser)]
#[command(name = "newshound", version, about, propagate_version = true)]
pub struct Cli {
    /// Log format on stderr [default: journald when stderr is the journal, else pretty].
    #[arg(long, global = true, value_enum)]
    pub log_format: Option<LogFormat>,
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
    /// Plain lines with a `<N>` syslog priority prefix, no timestamp, no colour.
    Journald,
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
    #[command(
        after_help = "Examples:\n  newshound run -c /etc/newshound/config.toml\n  RUST_LOG=newshound=debug newshound run -c config/demo.toml\n\nSIGHUP (systemctl reload, or `newshound reload`) re-reads the config; SIGTERM stops."
    )]
    Run {
        #[command(flatten)]
        /// The config file.
        config: ConfigArg,
        /// Move the existing state aside (to `*.broken-TIME`) and start afresh: every story
        /// still in the feeds alerts again. For a state newshound refused as damaged.
        #[arg(long)]
        reset_state: bool,
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
        /// Move the existing state aside (to `*.broken-TIME`) and start afresh.
        #[arg(long, conflicts_with = "dry_run")]
        reset_state: bool,
    },
    /// Validate the config and print a summary.
    #[command(
        after_help = "Examples:\n  newshound check -c /etc/newshound/config.toml\n  NEWSHOUND__HTTP__TIMEOUT=10s newshound check -c config/demo.toml"
    )]
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
        /// At most this many alerts, newest first.
        #[arg(long, default_value_t = 1000)]
        limit: usize,
    },
    /// Mute a watchlist, a person of a watchlist, or a story: its alerts are recorded and
    /// shown, not delivered. `--list` shows the active mutes.
    #[command(
        after_help = "Examples:\n  newshound mute --watchlist us-china-defence --for 2h\n  newshound mute --person \"Li Shangfu\" --watchlist us-china-defence --for 1d\n  newshound mute --story 4f0c9a1e…\n  newshound mute --list\n\nAlerts muted meanwhile are not sent when the mute ends; `newshound alerts replay ID` sends one."
    )]
    Mute {
        #[command(flatten)]
        /// The config file.
        config: ConfigArg,
        /// The watchlist (with --person: the person's watchlist).
        #[arg(long, value_name = "W")]
        watchlist: Option<String>,
        /// A person of the watchlist, as the watchlist names them.
        #[arg(long, value_name = "NAME", requires = "watchlist")]
        person: Option<String>,
        /// The story of this alert (any watchlist).
        #[arg(long, value_name = "ID", conflicts_with_all = ["watchlist", "person"])]
        story: Option<String>,
        /// For how long (`2h`, `1d`); without it, until `unmute`.
        #[arg(long = "for", value_name = "DUR", value_parser = parse_duration)]
        duration: Option<std::time::Duration>,
        /// List the active mutes instead.
        #[arg(long, conflicts_with_all = ["watchlist", "person", "story", "duration"])]
        list: bool,
    },
    /// Lift a mute (named as it was set, or by its number from `mute --list`).
    #[command(
        after_help = "Examples:\n  newshound unmute --watchlist us-china-defence\n  newshound unmute --id 3"
    )]
    Unmute {
        #[command(flatten)]
        /// The config file.
        config: ConfigArg,
        /// The watchlist.
        #[arg(long, value_name = "W")]
        watchlist: Option<String>,
        /// The person.
        #[arg(long, value_name = "NAME", requires = "watchlist")]
        person: Option<String>,
        /// The story's alert id.
        #[arg(long, value_name = "ID", conflicts_with_all = ["watchlist", "person"])]
        story: Option<String>,
        /// The mute's number.
        #[arg(long, conflicts_with_all = ["watchlist", "person", "story"])]
        id: Option<i64>,
    },
    /// Full-text search over stored articles and alerts (words, "a phrase", prefix*),
    /// folded like the matcher folds text; hits in [ ].
    #[command(
        after_help = "Examples:\n  newshound search 'Li Shangfu'\n  newshound search '\"defence minister\" shang*'\n  newshound search 李尚福"
    )]
    Search {
        #[command(flatten)]
        /// The config file.
        config: ConfigArg,
        /// The query.
        #[arg(value_name = "QUERY")]
        query: String,
        /// Most results of each kind.
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    /// Copy the embedded SQLite state into an empty PostgreSQL database, for instances
    /// that share it (`[store] url`); the daemon must be stopped.
    #[command(
        name = "migrate-state",
        after_help = "The password is never printed. Without a password in the URL, the server's own\nauthentication (peer, trust) applies.\n\nExample:\n  newshound migrate-state -c /etc/newshound/config.toml --to postgres://newshound@db.example/newshound"
    )]
    MigrateState {
        #[command(flatten)]
        /// The config whose state is copied.
        config: ConfigArg,
        /// The target database (empty; migrated here).
        #[arg(long, value_name = "URL")]
        to: String,
    },
    /// Ask the running daemon to re-read its config (SIGHUP to the pid in its state directory).
    #[command(
        after_help = "The config is checked first: an invalid one is reported and the daemon is left alone.\nUnder systemd, `systemctl reload newshound` does the same.\n\nExample:\n  newshound reload -c /etc/newshound/config.toml"
    )]
    Reload {
        #[command(flatten)]
        /// The config file the daemon runs with.
        config: ConfigArg,
    },
    /// Check the state database, or back it up (for a state newshound refused as damaged).
    #[command(
        after_help = "Examples:\n  newshound state check -c /etc/newshound/config.toml\n  newshound state backup -c /etc/newshound/config.toml /var/backups/newshound.db"
    )]
    State {
        /// `check` or `backup`.
        #[command(subcommand)]
        action: StateAction,
    },
    /// Print `[[feed]]` tables for every feed of an OPML file (an export from a feed reader).
    #[command(
        name = "import-opml",
        after_help = "Names come from the outline titles (made unique), tags from the folders.\nOutlines whose xmlUrl is not http(s), or repeats an earlier one, are skipped with a note on stderr.\n\nExample:\n  newshound import-opml subscriptions.opml >> /etc/newshound/config.toml"
    )]
    ImportOpml {
        /// The OPML file.
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
    /// Print a shell completion script.
    #[command(
        after_help = "Examples:\n  newshound completions bash > /usr/share/bash-completion/completions/newshound\n  newshound completions zsh > /usr/local/share/zsh/site-functions/_newshound\n  newshound completions fish > ~/.config/fish/completions/newshound.fish"
    )]
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), or write one page per command into a folder.
    #[command(
        after_help = "Examples:\n  newshound man | man -l -\n  newshound man --dir /usr/local/share/man/man1"
    )]
    Man {
        /// Write newshound.1 and newshound-COMMAND.1 into this folder instead.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
}

/// `state` subcommands.
#[derive(Debug, Subcommand)]
pub enum StateAction {
    /// Check the files and every page of the state (`PRAGMA integrity_check`), read-only.
    Check {
        #[command(flatten)]
        /// The config file.
        config: ConfigArg,
    },
    /// Copy the state into PATH (a new file) with SQLite's online backup, while a daemon
    /// may keep running.
    Backup {
        #[command(flatten)]
        /// The config file.
        config: ConfigArg,
        /// The backup file to write; it must not exist.
        #[arg(value_name = "PATH")]
        to: PathBuf,
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
    /// Everything known about one alert: article, link, feed, times, matches, copies,
    /// deliveries, feedback.
    #[command(after_help = "Example:\n  newshound alerts show 4f0c9a1e…")]
    Show {
        #[command(flatten)]
        /// The config file.
        config: ConfigArg,
        /// The alert id.
        #[arg(value_name = "ID")]
        id: String,
        /// As JSON (the API's shape).
        #[arg(long)]
        json: bool,
    },
    /// Mark an alert useful or a false positive (replaces earlier feedback).
    #[command(
        after_help = "Examples:\n  newshound alerts feedback 4f0c9a1e… false-positive --note 'another Li'\n  newshound alerts feedback 4f0c9a1e… useful"
    )]
    Feedback {
        #[command(flatten)]
        /// The config file.
        config: ConfigArg,
        /// The alert id.
        #[arg(value_name = "ID")]
        id: String,
        /// The verdict.
        #[arg(value_enum)]
        verdict: VerdictArg,
        /// A note.
        #[arg(long)]
        note: Option<String>,
    },
}

/// A verdict, for `alerts feedback`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum VerdictArg {
    /// Worth having.
    Useful,
    /// Should not have fired.
    FalsePositive,
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
    /// Held back by a mute; replayable.
    Muted,
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
