//! Shared test helpers: fixtures, a feed server, a webhook receiver, config templates and
//! running the binary.

use std::path::{Path, PathBuf};
use std::process::Output;

use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

/// Path of a file under tests/fixtures.
pub fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel)
}

/// Bytes of a fixture.
pub fn fixture_bytes(rel: &str) -> Vec<u8> {
    std::fs::read(fixture(rel)).unwrap_or_else(|e| panic!("fixture {rel}: {e}"))
}

/// Starts a server on 127.0.0.1 that serves the integration feeds under /feeds/ (and a 404
/// for /feeds/missing.xml), and accepts webhooks at /hook with `hook_status`.
pub async fn feed_server(hook_status: u16) -> MockServer {
    let server = MockServer::builder().start().await;
    for (name, ctype) in [
        ("wire.rss", "application/rss+xml"),
        ("defence.atom", "application/atom+xml"),
        ("world.json", "application/feed+json"),
        ("broken.xml", "application/xml"),
        ("panic-two-decls.xml", "application/xml"),
        ("copycat.rss", "application/rss+xml"),
    ] {
        Mock::given(method("GET"))
            .and(path(format!("/feeds/{name}")))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_raw(fixture_bytes(&format!("it/{name}")), ctype),
            )
            .mount(&server)
            .await;
    }
    Mock::given(method("POST"))
        .and(path("/hook"))
        .respond_with(ResponseTemplate::new(hook_status))
        .mount(&server)
        .await;
    server
}

/// Writes `tests/fixtures/<template>` into `dir/config.toml`, replacing `{{KEY}}`s.
pub fn write_config(dir: &Path, template: &str, vars: &[(&str, &str)]) -> PathBuf {
    let mut text = String::from_utf8(fixture_bytes(template)).expect("template is UTF-8");
    for (k, v) in vars {
        text = text.replace(&format!("{{{{{k}}}}}"), v);
    }
    let out = dir.join("config.toml");
    std::fs::write(&out, text).expect("write config");
    out
}

/// The standard integration config for `server`, with its state under `dir/state`.
pub fn it_config(dir: &Path, server: &MockServer) -> PathBuf {
    let state = dir.join("state");
    write_config(
        dir,
        "it/config.toml.tmpl",
        &[("BASE", &server.uri()), ("STATE", state.to_str().unwrap())],
    )
}

/// Runs the newshound binary with `args` and returns its output.
pub async fn newshound(args: &[&str]) -> Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_newshound"))
        .args(args)
        .env("RUST_LOG", "info")
        .env_remove("NEWSHOUND_CONFIG")
        .stdin(std::process::Stdio::null())
        .output()
        .await
        .expect("run newshound")
}

/// Stdout and stderr as text.
pub fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The webhook requests the server received.
pub async fn hooks(server: &MockServer) -> Vec<Request> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r.url.path() == "/hook")
        .collect()
}

/// Verifies a Standard Webhooks signature independently of the code under test.
pub fn signature_valid(req: &Request, secret: &str) -> bool {
    let header = |n: &str| {
        req.headers
            .get(n)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    let key = base64::engine::general_purpose::STANDARD
        .decode(secret.trim_start_matches("whsec_"))
        .unwrap();
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&key).unwrap();
    mac.update(format!("{}.{}.", header("webhook-id"), header("webhook-timestamp")).as_bytes());
    mac.update(&req.body);
    let expected = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    header("webhook-signature") == format!("v1,{expected}")
}
