//! The files sinks name, read at load before validation: `template_file` (relative to the
//! config file's folder) and `smtp_password_file` (a credential, relative to
//! `$CREDENTIALS_DIRECTORY` like `secret_file`).

use std::path::{Path, PathBuf};

use super::raw::{RawConfig, RawSink};
use super::{read_small, ConfigIssue};

/// Largest template file read.
const TEMPLATE_FILE_MAX: u64 = 64 * 1024;

/// Reads every sink's `template_file` and `smtp_password_file` into the raw config.
pub(super) fn read_sink_files(raw: &mut RawConfig, base_dir: &Path) -> Vec<ConfigIssue> {
    let creds = std::env::var_os("CREDENTIALS_DIRECTORY").map(PathBuf::from);
    let mut issues = Vec::new();
    for (i, sink) in raw.sink.iter_mut().enumerate() {
        let mut fail = |k: &str, path: &Path, e: std::io::Error| {
            issues.push(ConfigIssue {
                key: format!("sink[{i}].{k}"),
                message: format!("cannot read '{}': {e}", path.display()),
            })
        };
        match sink {
            RawSink::Webhook(w) if w.template.is_none() => {
                let Some(file) = &w.template_file else {
                    continue;
                };
                let full = base_dir.join(file);
                match read_small(&full, TEMPLATE_FILE_MAX) {
                    Ok(text) => {
                        w.template = Some(text);
                        w.template_from_file = true;
                    }
                    Err(e) => fail("template_file", &full, e),
                }
            }
            RawSink::Email(e) => {
                let Some(file) = &e.smtp_password_file else {
                    continue;
                };
                let full = match (&creds, file.is_absolute()) {
                    (Some(dir), false) => dir.join(file),
                    _ => file.clone(),
                };
                match read_small(&full, 4096) {
                    Ok(text) => e.smtp_password = Some(text.trim_end_matches(['\r', '\n']).into()),
                    Err(err) => fail("smtp_password_file", &full, err),
                }
            }
            _ => {}
        }
    }
    issues
}
