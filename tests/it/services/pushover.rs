//! Pushover (pushover.net/api: "Pushing Messages", "Message Priority", "HTML Styling",
//! "Limitations", "Being Friendly to our API"): `POST /1/messages.json` with `token` (the
//! application), `user` (the user or group key) and `message`, as a form or JSON; limits
//! in characters: message 1,024, title 250, url 512, url_title 100; `priority` −2…2 (2 needs
//! `retry` and `expire`); `html = 1` for the HTML subset. Success is `{"status": 1,
//! "request"}` with the `X-Limit-App-*` headers; a bad request is 4xx `{"status": 0,
//! "errors": […]}`; over the limit is 429.

use serde_json::{json, Value};
use wiremock::{Request, ResponseTemplate};

use super::{ensure, html_problem, is_json, visible_text, Api, Call, Refusal};

/// Pushover with one application and one user.
pub struct Pushover {
    /// The application token.
    pub token: String,
    /// The user key.
    pub user: String,
}

fn error(field: &str, message: &str) -> Value {
    json!({field: "invalid", "errors": [message], "status": 0, "request": "5042853c-402d-4a18-abcb-168734a801de"})
}

fn chars(v: &Value) -> usize {
    v.as_str().map_or(0, |s| s.chars().count())
}

impl Api for Pushover {
    fn check(&self, call: &Call, _req: &Request) -> Result<(), Refusal> {
        ensure(
            call.method == "POST" && call.path == "/1/messages.json",
            404,
            json!({"status": 0, "errors": ["not found"]}),
            format!("{} {}", call.method, call.path),
        )?;
        ensure(
            is_json(call),
            400,
            error("message", "message cannot be blank"),
            "not JSON",
        )?;
        let j = &call.json;
        ensure(
            j["token"] == self.token.as_str(),
            400,
            error("token", "application token is invalid"),
            "token",
        )?;
        ensure(
            j["user"] == self.user.as_str(),
            400,
            error(
                "user",
                "user identifier is not a valid user, group, or subscribed user key",
            ),
            "user",
        )?;
        ensure(
            chars(&j["message"]) > 0,
            400,
            error("message", "message cannot be blank"),
            "no message",
        )?;
        // With html = 1 the limit applies to the message as sent, tags included.
        ensure(
            chars(&j["message"]) <= 1024,
            400,
            error("message", "message cannot be longer than 1024 characters"),
            format!("message {} chars", chars(&j["message"])),
        )?;
        ensure(
            chars(&j["title"]) <= 250,
            400,
            error("title", "title cannot be longer than 250 characters"),
            "title",
        )?;
        ensure(
            chars(&j["url"]) <= 512,
            400,
            error("url", "url cannot be longer than 512 characters"),
            "url",
        )?;
        ensure(
            chars(&j["url_title"]) <= 100,
            400,
            error(
                "url_title",
                "url_title cannot be longer than 100 characters",
            ),
            "url_title",
        )?;
        let p = j.get("priority").map_or(Some(0), Value::as_i64);
        ensure(
            p.is_some_and(|p| {
                (-2..=1).contains(&p)
                    || (p == 2 && j["retry"].is_number() && j["expire"].is_number())
            }),
            400,
            error("priority", "priority is invalid"),
            "priority",
        )?;
        if j["html"] == 1 {
            let tags = ["b", "i", "u", "font", "a"];
            if let Some(why) = html_problem(j["message"].as_str().unwrap_or(""), &tags) {
                return Err(Refusal {
                    status: 400,
                    body: error("message", &why),
                    problem: why,
                });
            }
        }
        Ok(())
    }

    fn throttled(&self) -> ResponseTemplate {
        ResponseTemplate::new(429).set_body_json(json!({
            "status": 0,
            "errors": ["application is over its message limit"],
            "request": "b1b0e1e4-0000-4000-8000-000000000000",
        }))
    }

    fn accepted(&self, call: &Call, _earlier: &[Call]) -> ResponseTemplate {
        let _ = visible_text(call.json["message"].as_str().unwrap_or(""));
        ResponseTemplate::new(200)
            .insert_header("X-Limit-App-Limit", "10000")
            .insert_header("X-Limit-App-Remaining", "9999")
            .insert_header("X-Limit-App-Reset", "1735689600")
            .set_body_json(json!({"status": 1, "request": "647d2300-702c-4b38-8b2f-d56326ae460b"}))
    }
}
