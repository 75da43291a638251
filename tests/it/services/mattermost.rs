//! A Mattermost incoming webhook (developers.mattermost.com, "Integrate → Incoming
//! webhooks"; "Message formatting"): `POST /hooks/<key>` with JSON `{"text"}` (Markdown;
//! the post limit is 16,383 characters), answered `200` with the body `ok`. An unknown key
//! is 400 `web.incoming_webhook.invalid.app_error`, no text is 400
//! `web.incoming_webhook.text.app_error`; the server's rate limiter answers 429 with
//! `X-Ratelimit-*` and `Retry-After`.

use serde_json::{json, Value};
use wiremock::{Request, ResponseTemplate};

use super::{ensure, is_json, Api, Call, Refusal};

/// A Mattermost server with one incoming webhook.
pub struct Mattermost {
    /// The webhook's key (the last path segment).
    pub key: String,
}

fn error(id: &str, message: &str) -> Value {
    json!({"id": id, "message": message, "detailed_error": "", "request_id": "x", "status_code": 400})
}

impl Api for Mattermost {
    fn check(&self, call: &Call, _req: &Request) -> Result<(), Refusal> {
        let want = format!("/hooks/{}", self.key);
        ensure(
            call.method == "POST" && call.path == want,
            400,
            error("web.incoming_webhook.invalid.app_error", "Invalid webhook."),
            format!("{} {}", call.method, call.path),
        )?;
        ensure(
            is_json(call),
            400,
            error(
                "web.incoming_webhook.parse.app_error",
                "Unable to parse incoming data.",
            ),
            "not JSON",
        )?;
        let text = call.json["text"].as_str().unwrap_or("");
        ensure(
            !text.trim().is_empty(),
            400,
            error("web.incoming_webhook.text.app_error", "No text specified."),
            "no text",
        )?;
        let n = text.chars().count();
        ensure(
            n <= 16_383,
            400,
            error("model.post.is_valid.msg.app_error", "Invalid Message"),
            format!("text {n} chars > 16383"),
        )
    }

    fn throttled(&self) -> ResponseTemplate {
        ResponseTemplate::new(429)
            .insert_header("X-Ratelimit-Limit", "10")
            .insert_header("X-Ratelimit-Remaining", "0")
            .insert_header("X-Ratelimit-Reset", "1")
            .insert_header("Retry-After", "1")
            .set_body_string("limit exceeded\n")
    }

    fn accepted(&self, _call: &Call, _earlier: &[Call]) -> ResponseTemplate {
        ResponseTemplate::new(200)
            .insert_header("content-type", "text/plain")
            .set_body_string("ok")
    }
}
