//! Gotify (gotify.net/api-docs, "POST /message" with an application token in
//! `X-Gotify-Key`, `Authorization: Bearer` or `?token=`; "Message Extras"): JSON with a
//! required `message`, optional `title`, integer `priority` and an `extras` object.
//! Errors are `{"error", "errorCode", "errorDescription"}`. Gotify has no rate limit of its
//! own; a reverse proxy's 503 stands in for "try later".

use serde_json::{json, Value};
use wiremock::{Request, ResponseTemplate};

use super::{ensure, header, is_json, Api, Call, Refusal};

/// A Gotify server with one application.
pub struct Gotify {
    /// The application token.
    pub token: String,
}

fn error(code: u16, name: &str, description: &str) -> Value {
    json!({"error": name, "errorCode": code, "errorDescription": description})
}

impl Api for Gotify {
    fn check(&self, call: &Call, req: &Request) -> Result<(), Refusal> {
        ensure(
            call.method == "POST" && call.path == "/message",
            404,
            error(404, "Not Found", "page not found"),
            format!("{} {}", call.method, call.path),
        )?;
        let query_token = req
            .url
            .query_pairs()
            .find(|(k, _)| k == "token")
            .map(|(_, v)| v.to_string());
        let bearer = header(call, "authorization")
            .and_then(|a| a.strip_prefix("Bearer "))
            .map(str::to_string);
        let sent = header(call, "x-gotify-key")
            .map(str::to_string)
            .or(bearer)
            .or(query_token);
        let unauthorized = error(
            401,
            "Unauthorized",
            "you need to provide a valid access token or user credentials to access this api",
        );
        ensure(
            sent.as_deref() == Some(self.token.as_str()),
            401,
            unauthorized,
            "no or wrong application token",
        )?;
        ensure(
            is_json(call),
            400,
            error(400, "Bad Request", "invalid JSON"),
            "not JSON",
        )?;
        let j = &call.json;
        let message_ok = j["message"].as_str().is_some_and(|m| !m.is_empty());
        ensure(
            message_ok,
            400,
            error(400, "Bad Request", "Field 'message' is required"),
            "no message",
        )?;
        ensure(
            j.get("priority").is_none_or(Value::is_i64),
            400,
            error(400, "Bad Request", "priority must be an integer"),
            "priority",
        )?;
        ensure(
            j.get("extras").is_none_or(Value::is_object),
            400,
            error(400, "Bad Request", "extras must be an object"),
            "extras",
        )
    }

    fn throttled(&self) -> ResponseTemplate {
        ResponseTemplate::new(503).set_body_string("Service Unavailable")
    }

    fn accepted(&self, call: &Call, earlier: &[Call]) -> ResponseTemplate {
        let j = &call.json;
        ResponseTemplate::new(200).set_body_json(json!({
            "id": earlier.len() + 1,
            "appid": 1,
            "message": j["message"],
            "title": j["title"],
            "priority": j["priority"],
            "extras": j["extras"],
            "date": "2026-12-01T00:00:00Z",
        }))
    }
}
