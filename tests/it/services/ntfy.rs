//! ntfy (docs.ntfy.sh, "Publishing": "Publish as JSON", "Message priority", "Tags &
//! emojis", "Click action", "Access tokens", "Limitations"): JSON is published with `POST`
//! (or `PUT`) to the server root and names its `topic`; `priority` is 1–5, `tags` a list of
//! strings, `click` a URL; an access token comes as `Authorization: Bearer tk_…`; a message
//! over 4,096 bytes is refused here (a server without attachments cannot take it).
//! Errors are `{"code", "http", "error", "link"}`; the rate limit answers 429 / 42901.

use serde_json::{json, Value};
use wiremock::{Request, ResponseTemplate};

use super::{ensure, header, is_json, Api, Call, Refusal};

/// An ntfy server with one topic.
pub struct Ntfy {
    /// The topic.
    pub topic: String,
    /// The access token the topic needs, if any.
    pub token: Option<String>,
}

fn error(code: u32, http: u16, text: &str) -> Value {
    json!({"code": code, "http": http, "error": text, "link": "https://ntfy.sh/docs/publish/"})
}

impl Api for Ntfy {
    fn check(&self, call: &Call, _req: &Request) -> Result<(), Refusal> {
        let bad = |text: &str| error(40000, 400, text);
        ensure(
            matches!(call.method.as_str(), "POST" | "PUT") && call.path == "/",
            404,
            error(40401, 404, "page not found"),
            format!(
                "{} {} is not the JSON publish endpoint",
                call.method, call.path
            ),
        )?;
        if let Some(token) = &self.token {
            let sent = header(call, "authorization");
            let want = format!("Bearer {token}");
            ensure(
                sent == Some(&want),
                401,
                error(40101, 401, "unauthorized"),
                "no or wrong access token",
            )?;
        }
        ensure(
            is_json(call),
            400,
            bad("invalid request: JSON body expected"),
            "not JSON",
        )?;
        let j = &call.json;
        ensure(
            j["topic"] == self.topic.as_str(),
            400,
            error(40009, 400, "invalid topic"),
            "wrong topic",
        )?;
        let message = j["message"].as_str().unwrap_or("");
        ensure(!message.is_empty(), 400, bad("message empty"), "no message")?;
        ensure(
            message.len() <= 4096,
            413,
            error(41301, 413, "message too large"),
            format!("message is {} bytes > 4096", message.len()),
        )?;
        let priority = j["priority"].as_u64();
        ensure(
            priority.is_some_and(|p| (1..=5).contains(&p)),
            400,
            error(40007, 400, "invalid priority"),
            "priority not 1-5",
        )?;
        let tags_ok = j["tags"]
            .as_array()
            .is_some_and(|t| t.iter().all(Value::is_string));
        ensure(
            tags_ok,
            400,
            bad("invalid tags"),
            "tags not a list of strings",
        )?;
        ensure(
            j["title"].is_string(),
            400,
            bad("invalid title"),
            "no title",
        )?;
        let click_ok = j
            .get("click")
            .is_none_or(|c| c.as_str().is_some_and(|u| u.starts_with("http")));
        ensure(
            click_ok,
            400,
            error(40013, 400, "invalid click URL"),
            "click is not a URL",
        )
    }

    fn throttled(&self) -> ResponseTemplate {
        ResponseTemplate::new(429).set_body_json(error(
            42901,
            429,
            "limit reached: too many requests",
        ))
    }

    fn accepted(&self, call: &Call, earlier: &[Call]) -> ResponseTemplate {
        let j = &call.json;
        ResponseTemplate::new(200).set_body_json(json!({
            "id": format!("msg{}", earlier.len()),
            "time": 1_700_000_000u64,
            "expires": 1_700_043_200u64,
            "event": "message",
            "topic": self.topic,
            "title": j["title"],
            "message": j["message"],
            "priority": j["priority"],
            "tags": j["tags"],
            "click": j["click"],
        }))
    }
}
