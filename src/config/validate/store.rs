//! `[store]`: where the state lives — the embedded SQLite (no `[store]`, the default) or a
//! shared PostgreSQL named by `url` or `url_file` (never both). The URL carries a password,
//! so it is held as a secret and shown only redacted.

use super::issues::{read_credential, Issues};
use super::Context;
use crate::alert::sinks::secret::Secret;
use crate::config::raw::RawConfig;
use crate::config::StoreConfig;

pub(super) fn store(raw: &RawConfig, ctx: &Context, issues: &mut Issues) -> StoreConfig {
    let s = &raw.store;
    let url = match (&s.url, &s.url_file) {
        (Some(_), Some(_)) => {
            issues.push(
                "store.url_file",
                "set either store.url or store.url_file, not both",
            );
            None
        }
        (Some(url), None) => Some(url.clone()),
        (None, Some(file)) => read_credential(ctx, file, "store.url_file", issues).map(Secret::new),
        (None, None) => None,
    };
    if let Some(url) = &url {
        check_url(url, issues);
    }
    StoreConfig { url }
}

fn check_url(url: &Secret, issues: &mut Issues) {
    let shown = crate::redact::url_str(url.expose());
    match url::Url::parse(url.expose()) {
        Ok(u) if matches!(u.scheme(), "postgres" | "postgresql") => {}
        Ok(_) => issues.push(
            "store.url",
            format!("'{shown}': only postgres:// (or postgresql://) URLs are supported"),
        ),
        Err(e) => issues.push("store.url", format!("'{shown}' is not a URL: {e}")),
    }
}
