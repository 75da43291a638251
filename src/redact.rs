//! Credentials out of everything newshound prints, logs or serves. A URL can carry one in
//! its user info (`user:password@`), in its query (`?token=…`, a Teams `sig=`), and, for
//! chat webhooks, in its path: a Slack, Discord, Teams or Mattermost webhook URL *is* the
//! credential. Every URL shown goes through [`url`] (or [`text`] for messages that may
//! quote one, such as an HTTP client's error); header values through [`header`].

use url::Url;

/// What stands in for a removed secret.
pub const MARK: &str = "REDACTED";

/// `url` fit to show: user info and query replaced by [`MARK`], the fragment dropped, and
/// the path of a known chat-webhook URL cut after its fixed prefix.
pub fn url(url: &Url) -> String {
    let mut shown = url.clone();
    if !shown.username().is_empty() || shown.password().is_some() {
        // Only fails for URLs that cannot have user info, which then have none.
        let _ = shown.set_password(None);
        let _ = shown.set_username(MARK);
    }
    if shown.query().is_some() {
        shown.set_query(Some(MARK));
    }
    shown.set_fragment(None);
    if let Some(keep) = secret_path(url) {
        let path = format!("{keep}{MARK}");
        shown.set_path(&path);
    }
    shown.to_string()
}

/// [`url`] for text that should be a URL, kept as written when there is nothing to hide;
/// text that does not parse as one is shown only up to where user info, a query or a path
/// could start.
pub fn url_str(text: &str) -> String {
    match Url::parse(text) {
        Ok(u) => match url(&u) {
            shown if shown == u.as_str() => text.to_string(),
            shown => shown,
        },
        Err(_) => match text.find("://") {
            Some(i) => format!("{}://{MARK}", &text[..i]),
            None if text.contains(['@', '?', '/']) => MARK.to_string(),
            None => text.to_string(),
        },
    }
}

/// `message` with every `scheme://…` inside it replaced by its redacted form.
pub fn text(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(at) = rest.find("://") {
        let start = scheme_start(rest, at);
        let end = rest[at..]
            .find(|c: char| c.is_whitespace() || matches!(c, ')' | '"' | '\'' | '>' | '<' | ','))
            .map_or(rest.len(), |n| at + n);
        out.push_str(&rest[..start]);
        let found = &rest[start..end];
        if start == at {
            out.push_str(found); // "://" with no scheme before it: not a URL
        } else {
            out.push_str(&url_str(found));
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// A header fit to show: the value of anything but a few descriptive headers is hidden.
pub fn header(name: &str, value: &str) -> String {
    const SHOWN: &[&str] = &["accept", "content-type", "user-agent"];
    if SHOWN.iter().any(|s| name.eq_ignore_ascii_case(s)) {
        format!("{name}: {value}")
    } else {
        format!("{name}: {MARK}")
    }
}

/// Where the scheme before the `://` at `at` starts.
fn scheme_start(text: &str, at: usize) -> usize {
    let before = &text[..at];
    let len = before
        .chars()
        .rev()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        .map(char::len_utf8)
        .sum::<usize>();
    at - len
}

/// For a URL whose path is a credential, the part of the path kept (the rest is hidden).
fn secret_path(url: &Url) -> Option<&'static str> {
    let host = url.host_str()?.to_ascii_lowercase();
    let path = url.path();
    let on = |domain: &str| host == domain || host.ends_with(&format!(".{domain}"));
    if on("slack.com") && path.starts_with("/services/") {
        return Some("/services/");
    }
    if (on("discord.com") || on("discordapp.com")) && path.starts_with("/api/webhooks/") {
        return Some("/api/webhooks/");
    }
    if on("webhook.office.com") || on("office.com") || on("logic.azure.com") {
        return Some("/");
    }
    if on("telegram.org") && path.starts_with("/bot") {
        return Some("/");
    }
    // Mattermost (and Rocket.Chat, Gitea…) incoming webhooks, on any host.
    if let Some(i) = path.find("/hooks/") {
        return Some(if i == 0 { "/hooks/" } else { "/" });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(u: &str) -> String {
        url(&Url::parse(u).unwrap())
    }

    #[test]
    fn chat_webhook_paths_are_hidden() {
        for (u, want) in [
            (
                "https://hooks.slack.com/services/T0/B0/XyZsecret",
                "https://hooks.slack.com/services/REDACTED",
            ),
            (
                "https://discord.com/api/webhooks/123/tok-en",
                "https://discord.com/api/webhooks/REDACTED",
            ),
            (
                "https://contoso.webhook.office.com/webhookb2/abc/IncomingWebhook/def",
                "https://contoso.webhook.office.com/REDACTED",
            ),
            (
                "https://chat.example.org/hooks/xyzsecret",
                "https://chat.example.org/hooks/REDACTED",
            ),
            (
                "https://api.telegram.org/bot123:AAsecret/sendMessage",
                "https://api.telegram.org/REDACTED",
            ),
        ] {
            assert_eq!(shown(u), want);
        }
    }

    #[test]
    fn user_info_and_queries_are_hidden_everywhere() {
        assert_eq!(
            shown("https://reader:hunter2@example.org/rss?key=abc#x"),
            "https://REDACTED@example.org/rss?REDACTED"
        );
        assert_eq!(shown("https://example.org/rss"), "https://example.org/rss");
        assert_eq!(url_str("not a url?token=1"), "REDACTED");
        assert_eq!(url_str("https://[broken/x?y"), "https://REDACTED");
    }

    #[test]
    fn urls_inside_messages_are_hidden() {
        let m =
            "error sending request for url (https://hooks.slack.com/services/T/B/tok): timed out";
        assert_eq!(
            text(m),
            "error sending request for url (https://hooks.slack.com/services/REDACTED): timed out"
        );
        assert_eq!(text("no url here"), "no url here");
        assert_eq!(text("odd ://thing"), "odd ://thing");
        assert_eq!(
            text("to 'http://[::1]:80/x' refused"),
            "to 'http://[::1]:80/x' refused"
        );
        assert_eq!(
            text("'file://../feed.xml?x'"),
            "'file://../feed.xml?REDACTED'"
        );
    }

    #[test]
    fn only_descriptive_headers_keep_their_values() {
        assert_eq!(
            header("Authorization", "Bearer x"),
            "Authorization: REDACTED"
        );
        assert_eq!(
            header("Content-Type", "text/plain"),
            "Content-Type: text/plain"
        );
    }
}
