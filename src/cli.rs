//! Command-line definitions (clap): `run`, `once`, `check`, `match`, `reload`,
//! `import-opml`, `completions`, `man`.

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
    /// Ask the running daemon to re-read its config (SIGHUP to the pid in its state directory).
    #[command(
        after_help = "The config is checked first: an invalid one is reported and the daemon is left alone.\nUnder systemd, `systemctl reload newshound` does the same.\n\nExample:\n  newshound reload -c /etc/newshound/config.toml"
    )]
    Reload {
        #[command(flatten)]
        /// The config file the daemon runs with.
        config: ConfigArg,
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
