//! Phase two of config loading for delivery: `[[sink]]` tables (webhook, log, email, their
//! formats and timing) and `[[health]]` rules. Pure, and every problem is collected with its
//! key path, as in `validate.rs`.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;

use super::raw::{RawSink, RawWatchlist, RawWebhook};
use super::raw_sinks::{RawEmail, RawHealth};
use super::validate::{feed_filter, required_name, web_url, Issues};
use super::{
    DeliveryConfig, EmailConfig, FeedConfig, HealthRule, HttpConfig, RateLimit, SinkConfig,
    SinkKind, WebhookConfig, WebhookFormat,
};
use crate::alert::template::Template;

/// The retry, rate and digest keys every delivering sink shares, as written.
struct Timing<'a> {
    backoff: Option<Duration>,
    backoff_max: Option<Duration>,
    give_up_after: Option<Duration>,
    rate_limit: Option<&'a str>,
    digest: Option<Duration>,
}

pub(super) fn sinks(raw: &[RawSink], http: &HttpConfig, issues: &mut Issues) -> Vec<SinkConfig> {
    let mut seen = HashMap::new();
    let mut out = Vec::new();
    for (i, s) in raw.iter().enumerate() {
        let key = format!("sink[{i}]");
        let name = required_name(s.name(), &key, &mut seen, "sink", issues);
        let (kind, delivery) = match s {
            RawSink::Log(_) => (Some(SinkKind::Log), DeliveryConfig::default()),
            RawSink::Webhook(w) => (
                webhook(w, http, &key, issues).map(SinkKind::Webhook),
                delivery(&webhook_timing(w), &key, issues),
            ),
            RawSink::Email(e) => (
                email(e, http, &key, issues).map(SinkKind::Email),
                delivery(&email_timing(e), &key, issues),
            ),
            RawSink::Nats(n) => {
                let delivery = delivery(&nats_timing(n), &key, issues);
                let (cfg, found) =
                    crate::alert::nats::config::validate(n, http, delivery.backoff_max, &key);
                for i in found {
                    issues.push(i.key, i.message);
                }
                (cfg.map(SinkKind::Nats), delivery)
            }
        };
        if let (Some(name), Some(kind)) = (name, kind) {
            out.push(SinkConfig {
                name,
                kind,
                delivery,
            });
        }
    }
    out
}

fn webhook_timing(w: &RawWebhook) -> Timing<'_> {
    Timing {
        backoff: w.backoff,
        backoff_max: w.backoff_max,
        give_up_after: w.give_up_after,
        rate_limit: w.rate_limit.as_deref(),
        digest: w.digest,
    }
}

fn email_timing(e: &RawEmail) -> Timing<'_> {
    Timing {
        backoff: e.backoff,
        backoff_max: e.backoff_max,
        give_up_after: e.give_up_after,
        rate_limit: e.rate_limit.as_deref(),
        digest: e.digest,
    }
}

fn nats_timing(n: &crate::alert::nats::RawNats) -> Timing<'_> {
    Timing {
        backoff: n.backoff,
        backoff_max: n.backoff_max,
        give_up_after: n.give_up_after,
        rate_limit: n.rate_limit.as_deref(),
        digest: n.digest,
    }
}

fn delivery(t: &Timing<'_>, key: &str, issues: &mut Issues) -> DeliveryConfig {
    let d = DeliveryConfig::default();
    let backoff = t.backoff.unwrap_or(d.backoff);
    let backoff_max = t.backoff_max.unwrap_or(d.backoff_max);
    if backoff.is_zero() {
        issues.push(format!("{key}.backoff"), "must be more than 0s");
    }
    if backoff_max < backoff {
        issues.push(
            format!("{key}.backoff_max"),
            "must not be less than backoff",
        );
    }
    let rate_limit = t.rate_limit.and_then(|r| match r.parse::<RateLimit>() {
        Ok(rate) => Some(rate),
        Err(why) => {
            issues.push(format!("{key}.rate_limit"), why);
            None
        }
    });
    if t.digest.is_some_and(|w| w < Duration::from_secs(1)) {
        issues.push(format!("{key}.digest"), "must be at least 1s");
    }
    DeliveryConfig {
        backoff,
        backoff_max,
        give_up_after: t.give_up_after.unwrap_or(d.give_up_after),
        rate_limit,
        digest: t.digest,
    }
}

fn webhook(
    w: &RawWebhook,
    http: &HttpConfig,
    key: &str,
    issues: &mut Issues,
) -> Option<WebhookConfig> {
    let url = match w.url.as_deref() {
        None => {
            issues.push(format!("{key}.url"), "missing");
            None
        }
        Some(u) => web_url(u, http, &format!("{key}.url"), issues),
    };
    let format = format(w, key, issues);
    if w.secret.is_some() && w.secret_file.is_some() && !w.secret_from_file {
        issues.push(
            format!("{key}.secret"),
            "set either secret or secret_file, not both",
        );
    }
    let secret = w.secret.as_deref().and_then(|s| match decode_secret(s) {
        Ok(k) => Some(k),
        Err(why) => {
            let k = if w.secret_from_file {
                "secret_file"
            } else {
                "secret"
            };
            issues.push(format!("{key}.{k}"), why);
            None
        }
    });
    let headers = headers(w, key, issues);
    Some(WebhookConfig {
        url: url?,
        format: format?,
        secret,
        headers,
    })
}

fn headers(
    w: &RawWebhook,
    key: &str,
    issues: &mut Issues,
) -> Vec<(reqwest::header::HeaderName, reqwest::header::HeaderValue)> {
    let mut headers = Vec::new();
    for (name, value) in &w.headers {
        match (
            reqwest::header::HeaderName::from_bytes(name.as_bytes()),
            reqwest::header::HeaderValue::from_str(value),
        ) {
            (Ok(n), Ok(v)) => headers.push((n, v)),
            _ => issues.push(
                format!("{key}.headers.{name}"),
                "not a valid HTTP header name and value",
            ),
        }
    }
    headers
}

/// The webhook's body format; a `template` without `format` means `format = "template"`.
fn format(w: &RawWebhook, key: &str, issues: &mut Issues) -> Option<WebhookFormat> {
    let has_template = w.template.is_some() || w.template_file.is_some();
    let default = if has_template { "template" } else { "json" };
    let name = w.format.as_deref().unwrap_or(default);
    if has_template && name != "template" {
        issues.push(
            format!("{key}.template"),
            format!("a template is set but format is '{name}' (use format = \"template\")"),
        );
        return None;
    }
    Some(match name {
        "json" => WebhookFormat::Json,
        "slack" => WebhookFormat::Slack,
        "discord" => WebhookFormat::Discord,
        "teams" => WebhookFormat::Teams,
        "template" => WebhookFormat::Template(Arc::new(template(w, key, issues)?)),
        other => {
            issues.push(
                format!("{key}.format"),
                format!(
                    "unknown format '{other}' (supported: json, slack, discord, teams, template)"
                ),
            );
            return None;
        }
    })
}

fn template(w: &RawWebhook, key: &str, issues: &mut Issues) -> Option<Template> {
    if w.template_file.is_some() && !w.template_from_file && w.template.is_some() {
        issues.push(
            format!("{key}.template"),
            "set either template or template_file, not both",
        );
        return None;
    }
    let k = if w.template_from_file {
        "template_file"
    } else {
        "template"
    };
    let Some(source) = &w.template else {
        if w.template_file.is_none() {
            issues.push(
                format!("{key}.template"),
                "missing: format = \"template\" needs template or template_file",
            );
        }
        return None; // an unreadable template_file was reported by the loader
    };
    match Template::compile(source) {
        Ok(t) => Some(t),
        Err(why) => {
            issues.push(format!("{key}.{k}"), why);
            None
        }
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

fn email(e: &RawEmail, http: &HttpConfig, key: &str, issues: &mut Issues) -> Option<EmailConfig> {
    let smtp_url = smtp_url(
        e.smtp_url.as_deref(),
        http,
        &format!("{key}.smtp_url"),
        issues,
    );
    let from = match e.from.as_deref() {
        None => {
            issues.push(format!("{key}.from"), "missing");
            None
        }
        Some(f) => mailbox(f, &format!("{key}.from"), issues),
    };
    let to = recipients(e.to.as_deref(), key, issues);
    let credentials = match (&e.smtp_username, &e.smtp_password) {
        (Some(u), Some(p)) => Some((u.clone(), p.clone())),
        (None, None) if e.smtp_password_file.is_none() => None,
        (None, _) => {
            issues.push(
                format!("{key}.smtp_username"),
                "missing: smtp_password_file needs a user",
            );
            None
        }
        (Some(_), None) => {
            if e.smtp_password_file.is_none() {
                issues.push(
                    format!("{key}.smtp_password_file"),
                    "missing: smtp_username needs a password file",
                );
            }
            None // an unreadable file was reported by the loader
        }
    };
    Some(EmailConfig {
        smtp_url: smtp_url?,
        from: from?,
        to: to?,
        credentials,
    })
}

fn smtp_url(u: Option<&str>, http: &HttpConfig, key: &str, issues: &mut Issues) -> Option<String> {
    let Some(u) = u else {
        issues.push(key, "missing");
        return None;
    };
    match url::Url::parse(u) {
        Ok(url) if matches!(url.scheme(), "smtp" | "smtps") && url.host().is_some() => {
            // The same guard as feeds and webhooks: literal hosts here, names at delivery.
            if let Err(why) = http.guard().check_url(&url) {
                issues.push(key, format!("'{u}': {why}; {}", crate::net::HINT));
                return None;
            }
            Some(u.to_string())
        }
        Ok(url) if url.host().is_none() => {
            issues.push(key, format!("'{u}' names no host"));
            None
        }
        Ok(url) => {
            let scheme = url.scheme();
            issues.push(
                key,
                format!("'{u}': scheme '{scheme}' is not supported (smtp or smtps)"),
            );
            None
        }
        Err(e) => {
            issues.push(key, format!("'{u}' is not a URL: {e}"));
            None
        }
    }
}

fn mailbox(text: &str, key: &str, issues: &mut Issues) -> Option<lettre::message::Mailbox> {
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
    key: &str,
    issues: &mut Issues,
) -> Option<Vec<lettre::message::Mailbox>> {
    let to = match to {
        None | Some([]) => {
            issues.push(format!("{key}.to"), "missing: at least one recipient");
            return None;
        }
        Some(to) => to,
    };
    let parsed: Vec<_> = to
        .iter()
        .enumerate()
        .map(|(j, t)| mailbox(t, &format!("{key}.to[{j}]"), issues))
        .collect();
    parsed.into_iter().collect()
}

/// Validates the `[[health]]` rules.
pub(super) fn health(
    raw: &[RawHealth],
    watchlists: &[RawWatchlist],
    feeds: &[FeedConfig],
    sinks: &[SinkConfig],
    issues: &mut Issues,
) -> Vec<HealthRule> {
    let mut seen = HashMap::new();
    let mut out = Vec::new();
    for (i, h) in raw.iter().enumerate() {
        let key = format!("health[{i}]");
        let name = h.name.as_deref().unwrap_or("feed-health");
        let name = required_name(Some(name), &key, &mut seen, "health rule", issues);
        if let Some(n) = &name {
            if watchlists.iter().any(|w| w.name.as_ref() == Some(n)) {
                let why = format!("'{n}' is also a watchlist name; alerts would be ambiguous");
                issues.push(format!("{key}.name"), why);
            }
        }
        let after_failures = h.after_failures.unwrap_or(3);
        if after_failures == 0 {
            issues.push(format!("{key}.after_failures"), "must be at least 1");
        }
        let feeds = h
            .feeds
            .as_ref()
            .map(|f| feed_filter(f, feeds, &key, issues));
        let sinks = resolve_sinks(h.sinks.as_deref(), sinks, &key, issues);
        out.push(HealthRule {
            name: name.unwrap_or_default(),
            sinks,
            feeds,
            after_failures,
        });
    }
    out
}

/// Resolves a `sinks = [...]` list to sink indices (default: every sink), reporting
/// unknown names at `{key}.sinks`.
pub(super) fn resolve_sinks(
    names: Option<&[String]>,
    sinks: &[SinkConfig],
    key: &str,
    issues: &mut Issues,
) -> Vec<usize> {
    let Some(names) = names else {
        return (0..sinks.len()).collect();
    };
    let mut ids = Vec::new();
    for name in names {
        match sinks.iter().position(|s| &s.name == name) {
            Some(id) if !ids.contains(&id) => ids.push(id),
            Some(_) => {}
            None => issues.push(format!("{key}.sinks"), format!("no sink named \"{name}\"")),
        }
    }
    ids
}
