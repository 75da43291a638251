//! Stand-ins for the push and chat services, on 127.0.0.1: each checks a request the way
//! the service's API documents it (path, method, auth, content type, JSON fields, size
//! limits in the unit the service counts) and answers as the service does — its success
//! body, its error bodies, and its rate-limit answer for the first `throttle` requests.
//! Every request is recorded with what the stand-in found wrong with it.

pub mod gotify;
pub mod matrix;
pub mod mattermost;
pub mod ntfy;
pub mod pushover;
pub mod telegram;

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// One request a stand-in got.
#[derive(Debug, Clone)]
pub struct Call {
    /// When it arrived.
    pub at: Instant,
    /// `GET`, `POST`, `PUT`, …
    pub method: String,
    /// The path, percent-decoded.
    pub path: String,
    /// Headers, lower-case names.
    pub headers: HashMap<String, String>,
    /// The body as JSON (`Null` when it is not JSON).
    pub json: Value,
    /// Answered with the rate-limit response.
    pub throttled: bool,
    /// What was wrong with it, if anything (then it got the service's error answer).
    pub problem: Option<String>,
}

impl Call {
    /// Accepted: checked fine and not throttled.
    pub fn accepted(&self) -> bool {
        !self.throttled && self.problem.is_none()
    }
}

/// What the service would say about a request it refuses.
pub struct Refusal {
    /// The status.
    pub status: u16,
    /// The body the service sends.
    pub body: Value,
    /// For the test's message.
    pub problem: String,
}

/// A service's documented behaviour.
pub trait Api: Send + Sync + 'static {
    /// Checks a request as the API documents it.
    fn check(&self, call: &Call, req: &Request) -> Result<(), Refusal>;
    /// The answer when rate-limited.
    fn throttled(&self) -> ResponseTemplate;
    /// The answer to an accepted request; `earlier` are the calls before it.
    fn accepted(&self, call: &Call, earlier: &[Call]) -> ResponseTemplate;
}

struct Responder<A> {
    api: A,
    calls: Arc<Mutex<Vec<Call>>>,
    throttle: Arc<AtomicUsize>,
}

impl<A: Api> Respond for Responder<A> {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let headers: HashMap<String, String> = req
            .headers
            .iter()
            .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or("").to_string()))
            .collect();
        let path = percent_decode(req.url.path());
        let mut call = Call {
            at: Instant::now(),
            method: req.method.to_string(),
            path,
            headers,
            json: serde_json::from_slice(&req.body).unwrap_or(Value::Null),
            throttled: false,
            problem: None,
        };
        let answer = match self.api.check(&call, req) {
            Err(refusal) => {
                call.problem = Some(refusal.problem);
                ResponseTemplate::new(refusal.status).set_body_json(refusal.body)
            }
            Ok(()) if take_one(&self.throttle) => {
                call.throttled = true;
                self.api.throttled()
            }
            Ok(()) => self.api.accepted(&call, &self.calls.lock().unwrap()),
        };
        self.calls.lock().unwrap().push(call);
        answer
    }
}

fn take_one(n: &AtomicUsize) -> bool {
    n.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |v| v.checked_sub(1))
        .is_ok()
}

fn percent_decode(path: &str) -> String {
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 3 <= bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
            if let Ok(b) = u8::from_str_radix(hex, 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A running stand-in.
pub struct Fake {
    /// The server.
    pub server: MockServer,
    calls: Arc<Mutex<Vec<Call>>>,
}

impl Fake {
    /// Starts `api` on 127.0.0.1; the first `throttle` well-formed requests are
    /// rate-limited, each answered after `delay`.
    pub async fn start(api: impl Api, throttle: usize, delay: Duration) -> Fake {
        let server = MockServer::start().await;
        let calls = Arc::new(Mutex::new(Vec::new()));
        let throttle = Arc::new(AtomicUsize::new(throttle));
        let responder = Delayed {
            inner: Responder {
                api,
                calls: calls.clone(),
                throttle,
            },
            delay,
        };
        Mock::given(wiremock::matchers::any())
            .respond_with(responder)
            .mount(&server)
            .await;
        Fake { server, calls }
    }

    /// Its base URL, `http://127.0.0.1:PORT`.
    pub fn uri(&self) -> String {
        self.server.uri()
    }

    /// Every request so far.
    pub fn calls(&self) -> Vec<Call> {
        self.calls.lock().unwrap().clone()
    }

    /// The accepted requests.
    pub fn accepted(&self) -> Vec<Call> {
        self.calls().into_iter().filter(Call::accepted).collect()
    }

    /// What was wrong with refused requests.
    pub fn problems(&self) -> Vec<String> {
        self.calls().into_iter().filter_map(|c| c.problem).collect()
    }

    /// Waits until `pred(accepted calls)` holds or `limit` passes.
    pub async fn wait_for(&self, limit: Duration, pred: impl Fn(&[Call]) -> bool) -> bool {
        crate::harness::poll_until(limit, || pred(&self.accepted())).await
    }
}

struct Delayed<R> {
    inner: R,
    delay: Duration,
}

impl<R: Respond> Respond for Delayed<R> {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        self.inner.respond(req).set_delay(self.delay)
    }
}

/// `Err(refusal)` unless `ok`.
pub fn ensure(
    ok: bool,
    status: u16,
    body: Value,
    problem: impl Into<String>,
) -> Result<(), Refusal> {
    if ok {
        Ok(())
    } else {
        Err(Refusal {
            status,
            body,
            problem: problem.into(),
        })
    }
}

/// Whether the request says its body is JSON.
pub fn is_json(call: &Call) -> bool {
    call.headers
        .get("content-type")
        .is_some_and(|c| c.starts_with("application/json"))
        && call.json.is_object()
}

/// The text Telegram and Pushover show for HTML: tags dropped, the four entities decoded.
pub fn visible_text(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
}

/// Checks HTML the way Telegram's parser does: only the tags in `allowed`, properly
/// nested, and no bare `<` or `&` outside an entity.
pub fn html_problem(html: &str, allowed: &[&str]) -> Option<String> {
    let mut stack: Vec<String> = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find(['<', '&']) {
        let (c, after) = (rest.as_bytes()[i], &rest[i + 1..]);
        if c == b'&' {
            let ok = ["lt;", "gt;", "amp;", "quot;"]
                .iter()
                .any(|e| after.starts_with(e))
                || after.starts_with('#');
            if !ok {
                return Some(format!("can't parse entities: bare '&' at {i}"));
            }
            rest = after;
            continue;
        }
        let Some(end) = after.find('>') else {
            return Some("can't parse entities: unclosed tag".into());
        };
        let tag = &after[..end];
        let (closing, name) = match tag.strip_prefix('/') {
            Some(n) => (true, n.trim()),
            None => (false, tag.split_whitespace().next().unwrap_or("")),
        };
        if !allowed.contains(&name) {
            return Some(format!(
                "can't parse entities: unsupported start tag \"{name}\""
            ));
        }
        if closing {
            if stack.pop().as_deref() != Some(name) {
                return Some(format!(
                    "can't parse entities: unmatched end tag \"{name}\""
                ));
            }
        } else if name != "br" {
            stack.push(name.to_string());
        }
        rest = &after[end + 1..];
    }
    stack
        .last()
        .map(|open| format!("can't parse entities: unclosed start tag \"{open}\""))
}

/// A header's value.
pub fn header<'a>(call: &'a Call, name: &str) -> Option<&'a str> {
    call.headers.get(name).map(String::as_str)
}
