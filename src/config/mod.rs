//! Configuration: TOML file + `NEWSHOUND__…` environment overrides, read in two phases
//! (`raw` mirrors the file, `validate` checks everything and compiles the watchlists).

pub mod raw;
pub mod types;
pub mod validate;
mod validate_poll;
mod validate_sinks;

pub use crate::alert::sinks::{DeliveryConfig, RateLimit};
pub use types::*;
pub use validate::Context;

use std::path::{Path, PathBuf};

use raw::RawConfig;

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
    let raw = read_raw(path)?;
    let base_dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let base_dir = if base_dir.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        base_dir
    };
    let ctx = Context {
        base_dir,
        state_directory_env: std::env::var("STATE_DIRECTORY").ok(),
        credentials_directory: std::env::var_os("CREDENTIALS_DIRECTORY").map(PathBuf::from),
    };
    match validate::validate(raw, &ctx) {
        Ok(cfg) => Ok(cfg),
        Err(mut issues) => {
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
