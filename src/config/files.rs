//! The files sinks name, read at load before validation: `template_file` (relative to the
//! config file's folder) and `smtp_password_file` (a credential, relative to
//! `$CREDENTIALS_DIRECTORY` like `secret_file`), and every `*_file` of a NATS sink.

use std::path::{Path, PathBuf};

use super::raw::{RawConfig, RawSink, RawWebhook};
use super::raw_sinks::RawEmail;
use super::{read_small, ConfigIssue};

/// Largest template file read.
const TEMPLATE_FILE_MAX: u64 = 64 * 1024;
/// Largest password file read.
const PASSWORD_FILE_MAX: u64 = 4096;

/// Reads every sink's `template_file` and `smtp_password_file` into the raw config.
pub(super) fn read_sink_files(raw: &mut RawConfig, base_dir: &Path) -> Vec<ConfigIssue> {
    let creds = std::env::var_os("CREDENTIALS_DIRECTORY").map(PathBuf::from);
    let mut issues = Vec::new();
    for (i, sink) in raw.sink.iter_mut().enumerate() {
        let failed = match sink {
            RawSink::Webhook(w) => read_template(w, base_dir),
            RawSink::Email(e) => read_password(e, creds.as_deref()),
            RawSink::Log(_) => None,
            RawSink::Nats(n) => {
                issues.extend(n.read_files(creds.as_deref(), &format!("sink[{i}]")));
                None
            }
        };
        if let Some((key, path, e)) = failed {
            issues.push(ConfigIssue {
                key: format!("sink[{i}].{key}"),
                message: format!("cannot read '{}': {e}", path.display()),
            });
        }
    }
    issues
}

type Failure = (&'static str, PathBuf, std::io::Error);

fn read_template(w: &mut RawWebhook, base_dir: &Path) -> Option<Failure> {
    // Both set: validation reports it.
    let file = w.template_file.as_ref().filter(|_| w.template.is_none())?;
    let full = base_dir.join(file);
    match read_small(&full, TEMPLATE_FILE_MAX) {
        Ok(text) => {
            w.template = Some(text);
            w.template_from_file = true;
            None
        }
        Err(e) => Some(("template_file", full, e)),
    }
}

fn read_password(e: &mut RawEmail, creds: Option<&Path>) -> Option<Failure> {
    let file = e.smtp_password_file.as_ref()?;
    let full = match (creds, file.is_absolute()) {
        (Some(dir), false) => dir.join(file),
        _ => file.clone(),
    };
    match read_small(&full, PASSWORD_FILE_MAX) {
        Ok(text) => {
            e.smtp_password = Some(text.trim_end_matches(['\r', '\n']).to_string());
            None
        }
        Err(err) => Some(("smtp_password_file", full, err)),
    }
}
