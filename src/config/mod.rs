//! Configuration: TOML file + `NEWSHOUND__…` environment overrides, read in two phases:
//! `source` merges the file and the environment into one tree and `lenient` reads it into
//! `raw` (the serde mirror, one file per section); a file no variable applies to and that
//! reads at once goes straight from its text into `raw`, with no tree. Then `validate`
//! checks everything (one file per section) and compiles the watchlists. Every problem of
//! every phase is reported at once, with its key path and its line or variable.

mod lenient;
mod lines;
pub mod lists;
pub mod path;
pub mod raw;
mod source;
pub mod types;
pub mod validate;
mod validate_sinks;

pub use crate::alert::sinks::{DeliveryConfig, RateLimit};
pub use lenient::did_you_mean;
pub use types::*;
pub use validate::{ConfigIssue, Context, Issues, Origin};

use std::path::{Path, PathBuf};

use path::KeyPath;

/// Why a config could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// No file at the path.
    #[error(
        "config file '{path}' does not exist (name one with -c/--config or $NEWSHOUND_CONFIG)"
    )]
    NotFound {
        /// The path looked at.
        path: PathBuf,
    },
    /// The path is a folder.
    #[error("config '{path}' is a directory, not a file (-c/--config or $NEWSHOUND_CONFIG names the file itself)")]
    IsADirectory {
        /// The folder.
        path: PathBuf,
    },
    /// The file exists but cannot be read.
    #[error("reading config '{path}' failed")]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The file is not TOML.
    #[error("config '{path}' is not valid TOML: {message}")]
    Syntax {
        /// The file.
        path: PathBuf,
        /// The parser's message, with line and column.
        message: String,
    },
    /// The file was read but its keys or values are wrong; every problem is listed.
    #[error("config '{path}' is invalid ({} problem{}):\n{}", issues.len(), if issues.len() == 1 { "" } else { "s" }, list(issues))]
    Invalid {
        /// The config file.
        path: PathBuf,
        /// Every problem found.
        issues: Vec<ConfigIssue>,
    },
}

impl ConfigError {
    /// Every problem, when the file was read but is invalid.
    pub fn issues(&self) -> &[ConfigIssue] {
        match self {
            ConfigError::Invalid { issues, .. } => issues,
            _ => &[],
        }
    }
}

fn list(issues: &[ConfigIssue]) -> String {
    issues
        .iter()
        .map(|i| format!("  {i}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Loads and validates the config at `path` with the process's `NEWSHOUND__…` variables.
pub fn load(path: &Path) -> Result<Config, ConfigError> {
    let vars = std::env::vars_os().filter_map(|(k, v)| {
        let k = k.into_string().ok()?;
        Some((k, v.to_string_lossy().into_owned()))
    });
    load_with(path, vars, Context::from_env(path))
}

/// Loads `path` with the overrides `vars` (name, value) in the context `ctx`.
pub fn load_with(
    path: &Path,
    vars: impl Iterator<Item = (String, String)>,
    ctx: Context,
) -> Result<Config, ConfigError> {
    let text = source::read_text(path)?;
    let mut vars = vars
        .filter(|(name, _)| name.starts_with(source::ENV_PREFIX))
        .peekable();
    // Without variables to merge, a file that reads at once needs no tree.
    let direct = match vars.peek() {
        None => lenient::read_direct(&text),
        Some(_) => None,
    };
    let (source, raw, mut issues) = match direct {
        Some(raw) => (source::Source::plain(text), Some(raw), Vec::new()),
        None => {
            let (mut source, mut issues) = source::Source::parse(path, text, vars)?;
            let (raw, read_issues) = lenient::read(&mut source);
            issues.extend(read_issues);
            (source, raw, issues)
        }
    };
    if let Some(raw) = raw {
        match validate::validate(raw, &ctx) {
            Ok(cfg) if issues.is_empty() => return Ok(cfg),
            Ok(_) => {}
            // A key taken out while reading is not reported again as missing.
            Err(more) => {
                let read: Vec<KeyPath> = issues.iter().map(|i| KeyPath::parse(&i.key)).collect();
                let new = more
                    .into_iter()
                    .filter(|i| !read.iter().any(|r| KeyPath::parse(&i.key).starts_with(r)));
                issues.extend(new);
            }
        }
    }
    for issue in &mut issues {
        if issue.origin.is_none() {
            issue.origin = source.origin(&KeyPath::parse(&issue.key));
        }
    }
    issues.sort_by_key(|i| {
        let line = match i.origin {
            // A list file's issues keep the order they were found in (file, then line).
            Some(Origin::Line(n)) => n,
            _ => usize::MAX,
        };
        (issue_order(&i.key), line)
    });
    issues.dedup();
    Err(ConfigError::Invalid {
        path: path.to_path_buf(),
        issues,
    })
}

impl Context {
    /// The context of the config at `path` in this process: its folder, and systemd's
    /// `$STATE_DIRECTORY` and `$CREDENTIALS_DIRECTORY`.
    pub fn from_env(path: &Path) -> Context {
        let base_dir = match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
            _ => PathBuf::from("."),
        };
        Context {
            base_dir,
            state_directory_env: std::env::var("STATE_DIRECTORY").ok(),
            credentials_directory: std::env::var_os("CREDENTIALS_DIRECTORY").map(PathBuf::from),
        }
    }
}

/// Orders issues as the file reads: by section, then by table index.
fn issue_order(key: &str) -> (usize, usize) {
    let section = key.split(['.', '[']).next().unwrap_or("");
    let rank = [
        "daemon",
        "http",
        "feed",
        "feed_lists",
        "watchlist",
        "sink",
        "health",
    ]
    .iter()
    .position(|s| *s == section)
    .unwrap_or(6);
    let index = key
        .split_once('[')
        .and_then(|(_, rest)| rest.split_once(']'))
        .and_then(|(n, _)| n.parse().ok())
        .unwrap_or(0);
    (rank, index)
}
