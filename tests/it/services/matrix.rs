//! A Matrix homeserver (spec.matrix.org, Client-Server API: "PUT
//! /_matrix/client/v3/rooms/{roomId}/send/{eventType}/{txnId}", "Transaction identifiers",
//! "m.room.message" with `msgtype`, `body`, `format = "org.matrix.custom.html"` and
//! `formatted_body`, "Size limits" (65,536 bytes per event), "Standard error response",
//! "Rate limiting"): the access token as `Authorization: Bearer`; a repeated transaction id
//! gets the same `event_id` and posts nothing new; errors are `{"errcode", "error"}`, the
//! rate limit 429 `M_LIMIT_EXCEEDED` with `retry_after_ms`.

use std::collections::BTreeSet;

use serde_json::{json, Value};
use wiremock::{Request, ResponseTemplate};

use super::{ensure, header, html_problem, is_json, Api, Call, Refusal};

/// A homeserver with one room the token's user has joined.
pub struct Matrix {
    /// The room id.
    pub room_id: String,
    /// The access token.
    pub token: String,
}

fn error(errcode: &str, text: &str) -> Value {
    json!({"errcode": errcode, "error": text})
}

/// The transaction id of a send call, when its path is one.
pub fn txn_id(call: &Call) -> Option<String> {
    let rest = call.path.strip_prefix("/_matrix/client/v3/rooms/")?;
    let (_, tail) = rest.split_once("/send/m.room.message/")?;
    Some(tail.to_string())
}

/// The events in the room: one per distinct accepted transaction id.
pub fn room_events(calls: &[Call]) -> BTreeSet<String> {
    calls
        .iter()
        .filter(|c| c.accepted())
        .filter_map(txn_id)
        .collect()
}

impl Api for Matrix {
    fn check(&self, call: &Call, _req: &Request) -> Result<(), Refusal> {
        let unrecognised = error("M_UNRECOGNIZED", "Unrecognized request");
        let rest = call.path.strip_prefix("/_matrix/client/v3/rooms/");
        let parts = rest.and_then(|r| r.split_once("/send/"));
        let Some((room, tail)) = parts else {
            return Err(Refusal {
                status: 404,
                body: unrecognised,
                problem: format!("path {}", call.path),
            });
        };
        ensure(
            call.method == "PUT",
            405,
            unrecognised.clone(),
            format!("{} instead of PUT", call.method),
        )?;
        let (event_type, txn) = tail.split_once('/').unwrap_or((tail, ""));
        ensure(
            event_type == "m.room.message" && !txn.is_empty() && !txn.contains('/'),
            404,
            unrecognised,
            format!("send/{tail}"),
        )?;
        match header(call, "authorization") {
            None => {
                return Err(Refusal {
                    status: 401,
                    body: error("M_MISSING_TOKEN", "Missing access token"),
                    problem: "no token".into(),
                })
            }
            Some(a) => ensure(
                a == format!("Bearer {}", self.token),
                401,
                json!({"errcode": "M_UNKNOWN_TOKEN", "error": "Invalid access token passed.", "soft_logout": false}),
                "wrong token",
            )?,
        }
        ensure(
            room == self.room_id,
            403,
            error("M_FORBIDDEN", "User not in room"),
            format!("room {room}"),
        )?;
        ensure(
            is_json(call),
            400,
            error("M_NOT_JSON", "Content not JSON."),
            "not JSON",
        )?;
        let j = &call.json;
        ensure(
            matches!(j["msgtype"].as_str(), Some("m.text" | "m.notice")),
            400,
            error("M_BAD_JSON", "msgtype"),
            "msgtype",
        )?;
        ensure(
            j["body"].as_str().is_some_and(|b| !b.is_empty()),
            400,
            error("M_BAD_JSON", "body"),
            "no body",
        )?;
        if j.get("format").is_some() || j.get("formatted_body").is_some() {
            ensure(
                j["format"] == "org.matrix.custom.html" && j["formatted_body"].is_string(),
                400,
                error("M_BAD_JSON", "format"),
                "format without formatted_body",
            )?;
            let html = j["formatted_body"].as_str().unwrap_or("");
            let tags = [
                "b",
                "strong",
                "i",
                "em",
                "a",
                "br",
                "p",
                "code",
                "pre",
                "blockquote",
                "ul",
                "ol",
                "li",
            ];
            if let Some(why) = html_problem(html, &tags) {
                return Err(Refusal {
                    status: 400,
                    body: error("M_BAD_JSON", &why),
                    problem: why,
                });
            }
        }
        // The event as the server would store it: the content plus its envelope.
        let size = j.to_string().len() + 500;
        ensure(
            size <= 65_536,
            413,
            error("M_TOO_LARGE", "event too large"),
            format!("event ~{size} bytes"),
        )
    }

    fn throttled(&self) -> ResponseTemplate {
        ResponseTemplate::new(429).set_body_json(json!({
            "errcode": "M_LIMIT_EXCEEDED",
            "error": "Too Many Requests",
            "retry_after_ms": 300,
        }))
    }

    fn accepted(&self, call: &Call, _earlier: &[Call]) -> ResponseTemplate {
        // Idempotent per transaction id: the same event id for the same txnId.
        let txn = txn_id(call).unwrap_or_default();
        ResponseTemplate::new(200).set_body_json(json!({"event_id": format!("$evt-{txn}")}))
    }
}
