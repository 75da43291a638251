//! `type = "email"`: the keys, and their validation into an [`EmailSink`].

use std::path::PathBuf;

use lettre::message::Mailbox;
use serde::Deserialize;

use super::{EmailSettings, EmailSink};
use crate::alert::sinks::{Common, SinkCheck};
use crate::config::validate::Issues;

/// The keys of an email sink.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmailConfig {
    /// Name and delivery keys.
    #[serde(flatten)]
    pub common: Common,
    /// `smtp://host[:port]` or `smtps://host[:port]`.
    pub smtp_url: Option<String>,
    /// The sender mailbox.
    pub from: Option<String>,
    /// The recipients.
    pub to: Option<Vec<String>>,
    /// SMTP AUTH user.
    pub smtp_username: Option<String>,
    /// A file holding the SMTP password (absolute, or relative to `$CREDENTIALS_DIRECTORY`).
    pub smtp_password_file: Option<PathBuf>,
}

impl EmailConfig {
    /// Checks every key, reporting each problem at its path.
    pub fn validate(&self, cx: &SinkCheck<'_>, issues: &mut Issues) -> Option<EmailSink> {
        let smtp_url = smtp_url(self.smtp_url.as_deref(), cx, issues);
        let from = cx
            .required("from", self.from.as_deref(), issues)
            .and_then(|f| mailbox(f, &cx.path("from"), issues));
        let to = recipients(self.to.as_deref(), cx, issues);
        let credentials = match (&self.smtp_username, &self.smtp_password_file) {
            (Some(u), Some(f)) => Some((u.clone(), cx.secret("smtp_password_file", f, issues)?)),
            (None, None) => None,
            (None, Some(_)) => {
                let why = "missing: smtp_password_file needs a user";
                issues.push(cx.path("smtp_username"), why);
                None
            }
            (Some(_), None) => {
                let why = "missing: smtp_username needs a password file";
                issues.push(cx.path("smtp_password_file"), why);
                None
            }
        };
        let settings = EmailSettings {
            smtp_url: smtp_url?,
            from: from?,
            to: to?,
            credentials,
        };
        EmailSink::new(cx.name, settings)
            .map_err(|e| issues.push(cx.path("smtp_url"), format!("unusable: {e}")))
            .ok()
    }
}

fn smtp_url(u: Option<&str>, cx: &SinkCheck<'_>, issues: &mut Issues) -> Option<String> {
    let key = cx.path("smtp_url");
    let u = cx.required("smtp_url", u, issues)?;
    // Quoted redacted: an smtp URL may carry user:password@.
    let shown = crate::redact::url_str(u);
    let url = match url::Url::parse(u) {
        Ok(url) => url,
        Err(e) => {
            issues.push(key, format!("'{shown}' is not a URL: {e}"));
            return None;
        }
    };
    if url.host().is_none() {
        issues.push(key, format!("'{shown}' names no host"));
        return None;
    }
    if !matches!(url.scheme(), "smtp" | "smtps") {
        let scheme = url.scheme();
        let why = format!("'{shown}': scheme '{scheme}' is not supported (smtp or smtps)");
        issues.push(key, why);
        return None;
    }
    // The same guard as feeds and webhooks: literal hosts here, names at delivery.
    if let Err(why) = cx.http.guard().check_url(&url) {
        issues.push(key, format!("'{shown}': {why}; {}", crate::net::HINT));
        return None;
    }
    Some(u.to_string())
}

fn mailbox(text: &str, key: &str, issues: &mut Issues) -> Option<Mailbox> {
    match text.parse() {
        Ok(m) => Some(m),
        Err(e) => {
            issues.push(key, format!("'{text}' is not an email address: {e}"));
            None
        }
    }
}

fn recipients(
    to: Option<&[String]>,
    cx: &SinkCheck<'_>,
    issues: &mut Issues,
) -> Option<Vec<Mailbox>> {
    let to = match to {
        None | Some([]) => {
            issues.push(cx.path("to"), "missing: at least one recipient");
            return None;
        }
        Some(to) => to,
    };
    let parsed: Vec<_> = to
        .iter()
        .enumerate()
        .map(|(j, t)| mailbox(t, &cx.path(&format!("to[{j}]")), issues))
        .collect();
    parsed.into_iter().collect()
}
