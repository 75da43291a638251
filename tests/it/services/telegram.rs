//! The Telegram Bot API (core.telegram.org/bots/api, "Making requests", "sendMessage",
//! "Formatting options" → "HTML style", "ResponseParameters"): `POST /bot<token>/sendMessage`
//! with JSON `chat_id`, `text` (1–4096 characters after entities parsing, counted in
//! UTF-16 units), `parse_mode = "HTML"` with only the supported tags and `<`, `>`, `&`
//! escaped, `message_thread_id` for a forum topic. Answers are `{"ok": true, "result":
//! Message}` or `{"ok": false, "error_code", "description"}`; flood control is 429 with
//! `parameters.retry_after`.

use serde_json::{json, Value};
use wiremock::{Request, ResponseTemplate};

use super::{ensure, html_problem, is_json, visible_text, Api, Call, Refusal};

/// The tags Telegram's HTML mode supports.
pub const TAGS: &[&str] = &[
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "a",
    "code",
    "pre",
    "tg-spoiler",
    "span",
    "blockquote",
    "tg-emoji",
];

/// A bot that may post to one chat.
pub struct Telegram {
    /// The bot token.
    pub token: String,
    /// The chat, as the JSON the sink must send.
    pub chat_id: Value,
    /// The forum topic required, if any.
    pub thread: Option<i64>,
    /// Seconds in a 429's `retry_after`.
    pub retry_after: u64,
}

fn error(code: u16, description: &str) -> Value {
    json!({"ok": false, "error_code": code, "description": description})
}

impl Api for Telegram {
    fn check(&self, call: &Call, _req: &Request) -> Result<(), Refusal> {
        let Some(rest) = call.path.strip_prefix("/bot") else {
            return Err(Refusal {
                status: 404,
                body: error(404, "Not Found"),
                problem: format!("path {}", call.path),
            });
        };
        let (token, method) = rest.split_once('/').unwrap_or((rest, ""));
        ensure(
            token == self.token,
            401,
            error(401, "Unauthorized"),
            "wrong bot token",
        )?;
        ensure(
            method == "sendMessage",
            404,
            error(404, "Not Found"),
            format!("method {method}"),
        )?;
        ensure(
            call.method == "POST",
            400,
            error(400, "Bad Request: use POST"),
            "not POST",
        )?;
        ensure(
            is_json(call),
            400,
            error(400, "Bad Request: message text is empty"),
            "not JSON",
        )?;
        let j = &call.json;
        ensure(
            j["chat_id"] == self.chat_id,
            400,
            error(400, "Bad Request: chat not found"),
            format!("chat_id {}", j["chat_id"]),
        )?;
        if let Some(t) = self.thread {
            ensure(
                j["message_thread_id"] == t,
                400,
                error(400, "Bad Request: message thread not found"),
                "message_thread_id",
            )?;
        }
        ensure(
            j["parse_mode"] == "HTML",
            400,
            error(400, "Bad Request: unsupported parse_mode"),
            "parse_mode not HTML",
        )?;
        let text = j["text"].as_str().unwrap_or("");
        if let Some(why) = html_problem(text, TAGS) {
            return Err(Refusal {
                status: 400,
                body: error(400, &format!("Bad Request: {why}")),
                problem: why,
            });
        }
        let shown = visible_text(text);
        let units = shown.encode_utf16().count();
        ensure(
            !shown.trim().is_empty(),
            400,
            error(400, "Bad Request: message text is empty"),
            "empty text",
        )?;
        ensure(
            units <= 4096,
            400,
            error(400, "Bad Request: message is too long"),
            format!("{units} UTF-16 units > 4096"),
        )
    }

    fn throttled(&self) -> ResponseTemplate {
        let n = self.retry_after;
        ResponseTemplate::new(429).set_body_json(json!({
            "ok": false,
            "error_code": 429,
            "description": format!("Too Many Requests: retry after {n}"),
            "parameters": {"retry_after": n},
        }))
    }

    fn accepted(&self, call: &Call, earlier: &[Call]) -> ResponseTemplate {
        ResponseTemplate::new(200).set_body_json(json!({
            "ok": true,
            "result": {
                "message_id": earlier.len() + 1,
                "date": 1_700_000_000u64,
                "chat": {"id": -1001234567890i64, "type": "supergroup", "title": "desk"},
                "text": visible_text(call.json["text"].as_str().unwrap_or("")),
            }
        }))
    }
}
