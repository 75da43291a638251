//! `type = "webhook"`: the keys, and their validation into a [`WebhookSink`].

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use base64::Engine as _;
use reqwest::header::{HeaderName, HeaderValue};
use serde::Deserialize;

use super::{Body, WebhookSink};
use crate::alert::sinks::secret::{read_small, secret_path, Secret};
use crate::alert::sinks::{Common, SinkCheck};
use crate::alert::template::Template;
use crate::config::validate::Issues;

/// Largest template file read.
const TEMPLATE_FILE_MAX: u64 = 64 * 1024;

/// The keys of a webhook sink.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookConfig {
    /// Name and delivery keys.
    #[serde(flatten)]
    pub common: Common,
    /// Receiver URL.
    pub url: Option<String>,
    /// A file holding the receiver URL (for URLs that carry a token).
    pub url_file: Option<PathBuf>,
    /// `POST` (default) or `PUT`.
    pub method: Option<Method>,
    /// Payload format; `template` when a template is set, else `json`.
    pub format: Option<Format>,
    /// A minijinja template (`format = "template"`).
    pub template: Option<String>,
    /// A file holding the template, relative to the config file's folder.
    pub template_file: Option<PathBuf>,
    /// The `Content-Type` of a template body (default `application/json`).
    pub content_type: Option<String>,
    /// Signing secret, `whsec_<base64>`.
    pub secret: Option<Secret>,
    /// A file holding the signing secret.
    pub secret_file: Option<PathBuf>,
    /// Extra headers.
    #[serde(default)]
    pub headers: BTreeMap<String, Secret>,
    /// A file of extra `Name: value` lines (for headers that carry a token).
    pub headers_file: Option<PathBuf>,
}

/// The HTTP method a webhook uses.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Method {
    /// `POST`.
    #[default]
    Post,
    /// `PUT`.
    Put,
    /// Anything else, reported by validation with the valid values.
    #[serde(untagged)]
    Other(String),
}

/// The webhook body formats.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// The versioned newshound JSON.
    Json,
    /// A Slack incoming-webhook message with blocks.
    Slack,
    /// A Discord webhook message with embeds.
    Discord,
    /// A Teams Workflows message carrying an Adaptive Card.
    Teams,
    /// A user's minijinja template.
    Template,
    /// Anything else, reported by validation with the valid values.
    #[serde(untagged)]
    Other(String),
}

impl WebhookConfig {
    /// Checks every key, reporting each problem at its path.
    pub fn validate(&self, cx: &SinkCheck<'_>, issues: &mut Issues) -> Option<WebhookSink> {
        let url = cx.url_or_file(self.url.as_deref(), self.url_file.as_deref(), issues);
        let body = self.body(cx, issues);
        let content_type = self.content_type(cx, issues);
        let secret = self.secret(cx, issues);
        let mut headers = headers_from_map(&self.headers, cx, issues);
        if let Some(file) = &self.headers_file {
            headers.extend(headers_from_file(file, cx, issues));
        }
        let method = match self.method.clone().unwrap_or_default() {
            Method::Other(m) => {
                let why = format!("unknown method '{m}' (supported: POST, PUT)");
                issues.push(cx.path("method"), why);
                None
            }
            Method::Post => Some(reqwest::Method::POST),
            Method::Put => Some(reqwest::Method::PUT),
        };
        Some(WebhookSink {
            name: cx.name.to_string(),
            url: url?,
            url_is_secret: self.url_file.is_some(),
            method: method?,
            body: body?,
            content_type: content_type?,
            secret,
            headers,
        })
    }

    fn body(&self, cx: &SinkCheck<'_>, issues: &mut Issues) -> Option<Body> {
        let has_template = self.template.is_some() || self.template_file.is_some();
        let default = if has_template {
            Format::Template
        } else {
            Format::Json
        };
        let format = self.format.clone().unwrap_or(default);
        if has_template && format != Format::Template {
            let why =
                "a template is set but format is not \"template\" (use format = \"template\")";
            issues.push(cx.path("template"), why);
            return None;
        }
        Some(match format {
            Format::Json => Body::Json,
            Format::Slack => Body::Slack,
            Format::Discord => Body::Discord,
            Format::Teams => Body::Teams,
            Format::Template => Body::Template(Arc::new(self.template(cx, issues)?)),
            Format::Other(f) => {
                let why = format!(
                    "unknown format '{f}' (supported: json, slack, discord, teams, template)"
                );
                issues.push(cx.path("format"), why);
                return None;
            }
        })
    }

    fn template(&self, cx: &SinkCheck<'_>, issues: &mut Issues) -> Option<Template> {
        let (source, field) = match (&self.template, &self.template_file) {
            (Some(_), Some(_)) => {
                let why = "set either template or template_file, not both";
                issues.push(cx.path("template"), why);
                return None;
            }
            (Some(t), None) => (t.clone(), "template"),
            (None, Some(f)) => {
                let full = cx.base_dir.join(f);
                match read_small(&full, TEMPLATE_FILE_MAX) {
                    Ok(t) => (t, "template_file"),
                    Err(e) => {
                        let why = format!("cannot read '{}': {e}", full.display());
                        issues.push(cx.path("template_file"), why);
                        return None;
                    }
                }
            }
            (None, None) => {
                let why = "missing: format = \"template\" needs template or template_file";
                issues.push(cx.path("template"), why);
                return None;
            }
        };
        Template::compile(&source)
            .map_err(|why| issues.push(cx.path(field), why))
            .ok()
    }

    fn content_type(&self, cx: &SinkCheck<'_>, issues: &mut Issues) -> Option<HeaderValue> {
        let Some(ct) = &self.content_type else {
            return Some(HeaderValue::from_static("application/json"));
        };
        let templated = self.template.is_some() || self.template_file.is_some();
        if !templated && self.format.as_ref() != Some(&Format::Template) {
            let why = "only a template body takes a content_type (the other formats are JSON)";
            issues.push(cx.path("content_type"), why);
            return None;
        }
        match HeaderValue::from_str(ct) {
            Ok(v) if ct.contains('/') => Some(v),
            _ => {
                let why =
                    format!("'{ct}' is not a media type (e.g. \"text/plain; charset=utf-8\")");
                issues.push(cx.path("content_type"), why);
                None
            }
        }
    }

    fn secret(&self, cx: &SinkCheck<'_>, issues: &mut Issues) -> Option<Vec<u8>> {
        let (value, field) = match (&self.secret, &self.secret_file) {
            (Some(_), Some(_)) => {
                let why = "set either secret or secret_file, not both";
                issues.push(cx.path("secret"), why);
                return None;
            }
            (Some(s), None) => (s.clone(), "secret"),
            (None, Some(f)) => (cx.secret("secret_file", f, issues)?, "secret_file"),
            (None, None) => return None,
        };
        decode_secret(value.expose())
            .map_err(|why| issues.push(cx.path(field), why))
            .ok()
    }
}

/// Decodes a Standard Webhooks secret: `whsec_` then base64 of the key bytes.
pub fn decode_secret(s: &str) -> Result<Vec<u8>, String> {
    let Some(b64) = s.trim().strip_prefix("whsec_") else {
        return Err("must be 'whsec_' followed by the base64 key".into());
    };
    match base64::engine::general_purpose::STANDARD.decode(b64) {
        Ok(key) if !key.is_empty() => Ok(key),
        Ok(_) => Err("the key after 'whsec_' is empty".into()),
        Err(e) => Err(format!("the part after 'whsec_' is not base64: {e}")),
    }
}

type Headers = Vec<(HeaderName, HeaderValue)>;

fn header(name: &str, value: &str) -> Option<(HeaderName, HeaderValue)> {
    let name = HeaderName::from_bytes(name.trim().as_bytes()).ok()?;
    let mut value = HeaderValue::from_str(value.trim()).ok()?;
    // Configured headers often carry tokens: keep them out of any debug output.
    value.set_sensitive(true);
    Some((name, value))
}

fn headers_from_map(
    map: &BTreeMap<String, Secret>,
    cx: &SinkCheck<'_>,
    issues: &mut Issues,
) -> Headers {
    let mut out = Vec::new();
    for (name, value) in map {
        match header(name, value.expose()) {
            Some(h) => out.push(h),
            None => issues.push(
                cx.path(&format!("headers.{name}")),
                "not a valid HTTP header name and value",
            ),
        }
    }
    out
}

/// Reads `Name: value` lines; blank lines and lines starting with `#` are skipped. A bad
/// line is reported by its number, never its content.
fn headers_from_file(file: &std::path::Path, cx: &SinkCheck<'_>, issues: &mut Issues) -> Headers {
    let Some(text) = cx.secret("headers_file", file, issues) else {
        return Vec::new();
    };
    let shown = secret_path(file, cx.credentials).display().to_string();
    let mut out = Vec::new();
    for (n, line) in text.expose().lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        match line.split_once(':').and_then(|(k, v)| header(k, v)) {
            Some(h) => out.push(h),
            None => issues.push(
                cx.path("headers_file"),
                format!("'{shown}' line {}: not a 'Name: value' header", n + 1),
            ),
        }
    }
    out
}
