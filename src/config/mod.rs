//! Configuration: TOML file + `NEWSHOUND__…` environment overrides, read in two phases
//! (`raw` mirrors the file, `validate` checks everything and compiles the watchlists).

pub mod delivery;
mod files;
pub mod raw;
pub mod raw_sinks;
pub mod types;
pub mod validate;
mod validate_poll;
mod validate_sinks;

pub use delivery::*;
pub use types::*;
pub use validate::Context;

use std::path::{Path, PathBuf};

use raw::{RawConfig, RawSink};

/// One problem in a config, with the key path it concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigIssue {
    /// Key path, e.g. `watchlist[2].query`.
    pub key: String,
    /// Why it is wrong.
    pub message: String,
}

impl std::fmt::Display for ConfigIssue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.key, self.message)
    }
}

/// Why a config could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file is missing, unreadable, not TOML, or does not fit the schema.
    #[error("reading config '{path}' failed: {source}")]
    Read {
        /// The config file.
        path: PathBuf,
        /// What the config crate reported.
        #[source]
        source: config::ConfigError,
    },
    /// The file was read but its values are wrong; every problem is listed.
    #[error("config '{path}' is invalid ({} problem{}):\n{}", issues.len(), if issues.len() == 1 { "" } else { "s" }, list(issues))]
    Invalid {
        /// The config file.
        path: PathBuf,
        /// Every problem found.
        issues: Vec<ConfigIssue>,
    },
}

fn list(issues: &[ConfigIssue]) -> String {
    issues
        .iter()
        .map(|i| format!("  {i}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Reads `path` and the `NEWSHOUND__SECTION__KEY` environment overrides into a [`RawConfig`].
pub fn read_raw(path: &Path) -> Result<RawConfig, ConfigError> {
    let read_err = |source| ConfigError::Read {
        path: path.to_path_buf(),
        source,
    };
    if !path.is_file() {
        let source = config::ConfigError::Message(format!("no such file: {}", path.display()));
        return Err(read_err(source));
    }
    let settings = config::Config::builder()
        .add_source(
            config::File::from(path)
                .format(config::FileFormat::Toml)
                .required(true),
        )
        .add_source(
            config::Environment::with_prefix("NEWSHOUND")
                .prefix_separator("__")
                .separator("__")
                .try_parsing(true),
        )
        .build()
        .map_err(read_err)?;
    settings.try_deserialize::<RawConfig>().map_err(read_err)
}

/// Loads, resolves secret files and validates the config at `path`.
pub fn load(path: &Path) -> Result<Config, ConfigError> {
    let mut raw = read_raw(path)?;
    let mut issues = read_secret_files(&mut raw);
    let base_dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let base_dir = if base_dir.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        base_dir
    };
    issues.extend(files::read_sink_files(&mut raw, &base_dir));
    let ctx = Context {
        base_dir,
        state_directory_env: std::env::var("STATE_DIRECTORY").ok(),
    };
    match validate::validate(raw, &ctx) {
        Ok(cfg) if issues.is_empty() => Ok(cfg),
        Ok(_) => Err(ConfigError::Invalid {
            path: path.to_path_buf(),
            issues,
        }),
        Err(more) => {
            issues.extend(more);
            issues.sort_by_key(|i| issue_order(&i.key));
            Err(ConfigError::Invalid {
                path: path.to_path_buf(),
                issues,
            })
        }
    }
}

/// Orders issues as the file reads: by section, then by table index.
fn issue_order(key: &str) -> (usize, usize) {
    let section = key.split(['.', '[']).next().unwrap_or("");
    let rank = ["daemon", "http", "feed", "watchlist", "sink", "health"]
        .iter()
        .position(|s| *s == section)
        .unwrap_or(5);
    let index = key
        .split_once('[')
        .and_then(|(_, rest)| rest.split_once(']'))
        .and_then(|(n, _)| n.parse().ok())
        .unwrap_or(0);
    (rank, index)
}

/// Reads each webhook's `secret_file` into its `secret` (a relative path is looked up in
/// `$CREDENTIALS_DIRECTORY`, where systemd's LoadCredential puts it, else the working folder).
fn read_secret_files(raw: &mut RawConfig) -> Vec<ConfigIssue> {
    let mut issues = Vec::new();
    let creds = std::env::var_os("CREDENTIALS_DIRECTORY").map(PathBuf::from);
    for (i, sink) in raw.sink.iter_mut().enumerate() {
        let RawSink::Webhook(w) = sink else { continue };
        let Some(file) = &w.secret_file else { continue };
        if w.secret.is_some() {
            continue; // both set: validation reports it
        }
        let full = match (&creds, file.is_absolute()) {
            (Some(dir), false) => dir.join(file),
            _ => file.clone(),
        };
        match read_small(&full, 64 * 1024) {
            Ok(text) => {
                w.secret = Some(text.trim().to_string());
                w.secret_from_file = true;
            }
            Err(e) => issues.push(ConfigIssue {
                key: format!("sink[{i}].secret_file"),
                message: format!("cannot read '{}': {e}", full.display()),
            }),
        }
    }
    issues
}

/// Reads a text file of at most `limit` bytes.
fn read_small(path: &Path, limit: u64) -> std::io::Result<String> {
    use std::io::Read;
    let mut text = String::new();
    let n = std::fs::File::open(path)?
        .take(limit + 1)
        .read_to_string(&mut text)?;
    if n as u64 > limit {
        return Err(std::io::Error::other(format!("larger than {limit} bytes")));
    }
    Ok(text)
}
