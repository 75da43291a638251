//! Hostile feeds, all polled in one `once` run next to a good feed: each fails alone with
//! a clear reason (or, for entity tricks, parses with nothing expanded or fetched), the
//! good feed still alerts, and the peak memory of the run stays under the documented bound.

use std::io::Write as _;
use std::path::Path;

use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::{fixture_bytes, text, write_config};
use crate::rawhttp::RawServer;

const MIB: u64 = 1024 * 1024;

/// Serves `body` at `route` with `headers`.
async fn serve(server: &MockServer, route: &str, body: Vec<u8>, headers: &[(&str, &str)]) {
    let mut resp = ResponseTemplate::new(200).set_body_raw(body, "application/rss+xml");
    for (k, v) in headers {
        resp = resp.insert_header(*k, *v);
    }
    Mock::given(path(route))
        .respond_with(resp)
        .mount(server)
        .await;
}

async fn redirect(server: &MockServer, route: &str, to: &str) {
    let resp = ResponseTemplate::new(302).insert_header("location", to);
    Mock::given(path(route))
        .respond_with(resp)
        .mount(server)
        .await;
}

/// 64 MiB of spaces, compressed to a few KiB.
fn bomb(kind: &str) -> Vec<u8> {
    let spaces = vec![b' '; 64 * MIB as usize];
    if kind == "gzip" {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(&spaces).unwrap();
        return gz.finish().unwrap();
    }
    let mut out = Vec::new();
    let mut br = brotli::CompressorWriter::new(&mut out, 4096, 9, 24);
    br.write_all(&spaces).unwrap();
    drop(br);
    out
}

/// Mounts every wiremock-served case; returns the XXE target's route.
async fn mount_cases(server: &MockServer) {
    serve(server, "/good.rss", fixture_bytes("hostile/good.rss"), &[]).await;
    serve(
        server,
        "/laughs.xml",
        fixture_bytes("hostile/billion-laughs.xml"),
        &[],
    )
    .await;
    let xxe = String::from_utf8(fixture_bytes("hostile/xxe.xml.tmpl")).unwrap();
    let xxe = xxe.replace("{{XXE_URL}}", &format!("{}/xxe-target", server.uri()));
    serve(server, "/xxe.xml", xxe.into_bytes(), &[]).await;
    serve(server, "/xxe-target", b"root:x:0:0:SECRET".to_vec(), &[]).await;
    serve(
        server,
        "/controls.rss",
        fixture_bytes("hostile/controls.rss"),
        &[],
    )
    .await;
    serve(
        server,
        "/controls-broken.rss",
        fixture_bytes("hostile/controls-broken.rss"),
        &[],
    )
    .await;
    serve(
        server,
        "/gzip-bomb",
        bomb("gzip"),
        &[("content-encoding", "gzip")],
    )
    .await;
    serve(
        server,
        "/brotli-bomb",
        bomb("br"),
        &[("content-encoding", "br")],
    )
    .await;
    let million = format!(
        "<rss version=\"2.0\"><channel><title>m</title>{}</channel></rss>",
        "<item/>".repeat(1_000_000)
    );
    serve(server, "/million", million.into_bytes(), &[]).await;
    let deep = format!(
        "<rss version=\"2.0\"><channel><item><title>d</title>{}{}</item></channel></rss>",
        "<x>".repeat(100_000),
        "</x>".repeat(100_000)
    );
    serve(server, "/deep", deep.into_bytes(), &[]).await;
    redirect(server, "/loop", "/loop").await;
    redirect(server, "/to-file", "file:///etc/passwd").await;
    redirect(server, "/to-gopher", "gopher://127.0.0.1:70/1").await;
}

/// (feed name, URL, what its report line must say).
fn cases(web: &MockServer, raw: &RawServer) -> Vec<(&'static str, String, String)> {
    let w = |p: &str| format!("{}{p}", web.uri());
    let limit = "byte limit (http.max_body)".to_string();
    let timeout = "within 2s (http.timeout)".to_string();
    vec![
        ("good", w("/good.rss"), "ok, 1 articles, 1 new, 1 alerts".into()),
        ("laughs", w("/laughs.xml"), "ok, 1 articles, 1 new, 1 alerts".into()),
        ("xxe", w("/xxe.xml"), "ok, 1 articles, 1 new, 1 alerts".into()),
        ("controls", w("/controls.rss"), "ok, 1 articles, 1 new, 1 alerts".into()),
        ("controls-broken", w("/controls-broken.rss"), "FAILED: feed \"controls-broken\" is not a readable RSS, Atom or JSON feed: unable to parse XML: Parser error: ill-formed document: expected `</channel>`, but `</chan[2Jnel>` was found".into()),
        ("gzip-bomb", w("/gzip-bomb"), limit.clone()),
        ("brotli-bomb", w("/brotli-bomb"), limit.clone()),
        ("million-items", w("/million"), "ok, 500 articles".into()),
        ("deep", w("/deep"), "document nests elements deeper than the supported limit of 65535".into()),
        ("loop", w("/loop"), "more than 3 redirects".into()),
        ("to-file", w("/to-file"), "redirects to 'file:///etc/passwd', which is not followed: only http and https are".into()),
        ("to-gopher", w("/to-gopher"), "redirect to 'gopher://127.0.0.1:70/1' refused: only http and https are followed".into()),
        ("drip", raw.url("/drip"), format!("no complete answer from {} {timeout}", raw.url("/drip"))),
        ("silent", raw.url("/silent"), format!("no complete answer from {} {timeout}", raw.url("/silent"))),
        ("endless", raw.url("/endless"), limit.clone()),
        ("text-node", raw.url("/text-node"), limit.clone()),
        ("huge-length", raw.url("/huge-length"), format!("body of {} is larger than the 8388608 {limit}", raw.url("/huge-length"))),
        ("short-body", raw.url("/short-body"), format!("reading the body of {} failed", raw.url("/short-body"))),
        ("long-body", raw.url("/long-body"), "is not a readable RSS, Atom or JSON feed".into()),
    ]
}

/// Runs `newshound once --dry-run -c config` and returns (stdout, stderr, peak RSS in
/// KiB as the process measured itself: `VmHWM`, logged as `peak_rss_kib` at the end of
/// `once` — the kernel's count for this process alone, from its exec on).
async fn once_measured(config: &Path) -> (String, String, u64) {
    // NEWSHOUND_BIN measures another build (the README's numbers are the release one's).
    let bin = std::env::var("NEWSHOUND_BIN").unwrap_or(env!("CARGO_BIN_EXE_newshound").into());
    let out = tokio::process::Command::new(bin)
        .args([
            "--log-format",
            "json",
            "once",
            "--dry-run",
            "-c",
            config.to_str().unwrap(),
        ])
        .env("RUST_LOG", "info")
        .env_remove("NEWSHOUND_CONFIG")
        .output()
        .await
        .expect("run newshound");
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "once failed:\n{stderr}");
    let peak = stderr
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find_map(|v| v["fields"]["peak_rss_kib"].as_u64())
        .unwrap_or_else(|| panic!("no peak_rss_kib in the log:\n{stderr}"));
    (stdout, stderr, peak)
}

#[tokio::test(flavor = "multi_thread")]
async fn hostile_feeds_fail_alone_and_memory_stays_bounded() {
    let (web, raw) = (MockServer::start().await, RawServer::start().await);
    mount_cases(&web).await;
    let cases = cases(&web, &raw);
    let feeds: String = cases
        .iter()
        .map(|(name, url, _)| format!("[[feed]]\nname = \"{name}\"\nurl = \"{url}\"\n\n"))
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let config = write_config(
        dir.path(),
        "hostile/config.toml.tmpl",
        &[("STATE", state.to_str().unwrap()), ("FEEDS", &feeds)],
    );
    let started = std::time::Instant::now();
    let (stdout, stderr, peak_kib) = once_measured(&config).await;
    let took = started.elapsed();
    for (name, _, want) in &cases {
        let line = stderr
            .lines()
            .find(|l| l.starts_with(&format!("feed {name}: ")))
            .unwrap_or_else(|| panic!("no line for {name}:\n{stderr}"));
        assert!(
            line.contains(want.as_str()),
            "{name}: want {want:?} in\n{line}"
        );
    }
    check_alerts(&stdout);
    assert!(
        stderr.contains("kept the first 500 items"),
        "the item cap is logged:\n{stderr}"
    );
    // The feeds' escapes (clear screen, bell, window title), raw or JSON-escaped in the log.
    for evil in [
        "\u{1b}[2J",
        "\u{7}",
        "\u{1b}]0;",
        "\\u001b[2J",
        "\\u0007",
        "\\u001b]0;",
    ] {
        assert!(!stderr.contains(evil), "{evil:?} reached the log");
    }
    let xxe_hits = web
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == "/xxe-target")
        .count();
    assert_eq!(xxe_hits, 0, "an external entity is never fetched");
    assert!(
        took.as_secs() < 15,
        "the slow servers are cut off by http.timeout: {took:?}"
    );
    // The bound (README, "Limits"): 30 MiB for the process itself, plus per poll in flight
    // a body and a decoder window of at most max_body each, plus per core 3 × max_body of
    // parsing — with this config's concurrency 8 and max_body 8 MiB.
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get()) as u64;
    let bound_kib = (30 * MIB + 8 * 2 * 8 * MIB + cores * 3 * 8 * MIB) / 1024;
    eprintln!(
        "hostile set: peak RSS {} KiB ({:.1} MiB), bound {} KiB, {took:?}",
        peak_kib,
        peak_kib as f64 / 1024.0,
        bound_kib
    );
    assert!(
        peak_kib < bound_kib,
        "peak RSS {peak_kib} KiB over the bound {bound_kib} KiB"
    );
}

/// The alerts printed by the dry run: the good feed's, and the entity tricks' with nothing
/// expanded or fetched, and no control characters.
fn check_alerts(stdout: &str) {
    let alerts: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON alert"))
        .collect();
    let title = |feed: &str| {
        alerts
            .iter()
            .find(|a| a["article"]["feed"] == feed)
            .map(|a| a["article"]["title"].as_str().unwrap_or("").to_string())
            .unwrap_or_else(|| panic!("no alert from {feed}: {stdout}"))
    };
    assert_eq!(title("good"), "Lloyd Austin lands in Singapore");
    assert_eq!(
        title("laughs"),
        "Lloyd Austin laughs &lol9;",
        "entities are not expanded"
    );
    assert_eq!(
        title("xxe"),
        "Lloyd Austin xxe &file; &web;",
        "external entities are not read"
    );
    assert!(!stdout.contains("root:x:0:0"));
    assert_eq!(title("controls"), "Lloyd Austin [2J[31mred bell [0m");
    assert!(
        !stdout.contains("\\u001b") && !stdout.contains("\\r") && !stdout.contains("\\u0007"),
        "{stdout}"
    );
}
