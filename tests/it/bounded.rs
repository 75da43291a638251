//! Issue 12, point 10: bounded input everywhere — a non-UTF-8 config names the byte
//! offset; an alert's fields are capped and only http(s) links reach a sink, obfuscated
//! schemes included; a webhook's 3xx is a permanent failure naming the status.

use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::common::{newshound, text};
use crate::harness::{delivery_config_for, hook_sink, Receiver};

#[tokio::test]
async fn a_config_that_is_not_utf8_names_the_byte_offset() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    let mut bytes = b"[daemon]\nstate_dir = \"st\xffate\"\n".to_vec();
    bytes.extend_from_slice(b"\n");
    std::fs::write(&config, bytes).unwrap();
    let out = newshound(&["check", "-c", config.to_str().unwrap()]).await;
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("invalid byte 0xff at byte offset 24 (line 2)"),
        "{stderr}"
    );
    assert!(!stderr.contains('\u{fffd}'), "{stderr}");
}

/// A feed with one item per link in `links`, each mentioning "harbour", the first with a
/// title of a megabyte.
fn hostile_feed(links: &[&str]) -> String {
    let items: String = links
        .iter()
        .enumerate()
        .map(|(n, link)| {
            const TOPICS: [&str; 7] = [
                "enormous",
                "tariffs on imported steel",
                "lunar probe landing",
                "rainfall records broken",
                "chess championship final",
                "vaccine approval delayed",
                "railway strike talks",
            ];
            let title = if n == 0 {
                format!("Harbour {}", "enormous ".repeat(110_000))
            } else {
                format!("Harbour {}", TOPICS[n % TOPICS.len()])
            };
            let link = link.replace('&', "&amp;").replace('<', "&lt;");
            format!(
                "<item><guid>g{n}</guid><title>{title}</title><link>{link}</link>\
                 <description>{title}</description></item>"
            )
        })
        .collect();
    format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>t</title>\
         <link>https://news.example/</link><description>d</description>{items}</channel></rss>"
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn alerts_carry_bounded_fields_and_only_web_links() {
    let links = [
        "https://news.example/fine",
        "javascript:alert(1)",
        "java\tscript:alert(2)",
        "JAVASCRIPT:alert(3)",
        "data:text/html;base64,PHNjcmlwdD4=",
        "file:///etc/passwd",
        "https://news.example/also-fine",
    ];
    let (receiver, url) = hostile_receiver(&links).await;
    let dir = tempfile::tempdir().unwrap();
    let sinks = hook_sink("hook", &receiver.url(), &[]);
    let config = delivery_config_for(dir.path(), &url, "harbour", &sinks);
    let out = newshound(&["once", "-c", config.to_str().unwrap()]).await;
    assert!(out.status.success(), "{}", text(&out).1);
    let hits = receiver.hits();
    let titles: Vec<String> = hits
        .iter()
        .map(|h| {
            h.json()["article"]["title"]
                .as_str()
                .unwrap_or("")
                .chars()
                .take(40)
                .collect()
        })
        .collect();
    assert_eq!(hits.len(), links.len(), "{}{titles:?}", text(&out).0);
    let mut web = Vec::new();
    for hit in &hits {
        assert!(
            hit.body.len() < 16 * 1024,
            "a bounded body: {} bytes",
            hit.body.len()
        );
        let v = hit.json();
        let title = v["article"]["title"].as_str().unwrap();
        assert!(
            title.chars().count() <= 300,
            "{} chars",
            title.chars().count()
        );
        let body = String::from_utf8_lossy(&hit.body).to_lowercase();
        for scheme in ["javascript", "data:", "file:"] {
            assert!(!body.contains(scheme), "{scheme} reached the sink: {body}");
        }
        if let Some(u) = v["article"]["url"].as_str() {
            web.push(u.to_string());
        }
    }
    web.sort();
    assert_eq!(
        web,
        [
            "https://news.example/also-fine",
            "https://news.example/fine"
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_webhook_redirect_is_a_permanent_failure_naming_the_status() {
    let receiver = Receiver::start(|_, _| {
        ResponseTemplate::new(302).insert_header("location", "http://127.0.0.1:9/elsewhere")
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let feed = format!("{}/feeds/bulk.rss", receiver.server.uri());
    crate::harness::serve_feed(&receiver.server, "bulk.rss").await;
    let sinks = hook_sink("hook", &receiver.url(), &[]);
    let config = delivery_config_for(dir.path(), &feed, "lighthouse", &sinks);
    let cfg = config.to_str().unwrap();
    let out = newshound(&["once", "-c", cfg]).await;
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stdout.contains("0 delivered, 0 to retry, 5 failed"),
        "{stdout}"
    );
    assert_eq!(
        receiver.hits().len(),
        5,
        "each tried once, none followed or retried"
    );
    let out = newshound(&["alerts", "-c", cfg, "--status", "failed"]).await;
    let (stdout, _) = text(&out);
    assert!(stdout.contains("answered HTTP 302"), "{stdout}");
    assert!(stdout.contains("not followed"), "{stdout}");
}

#[tokio::test]
async fn a_config_over_the_cap_is_refused_before_it_is_parsed() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    // 5 MB of keywords: over the 4 MiB cap.
    let mut body = String::from(
        "[daemon]\nstate_dir = \"st\"\n[[watchlist]]\nname = \"w\"\nsinks = []\nkeywords = [",
    );
    while body.len() < 5_000_000 {
        body.push_str("\"harbour pilot\", ");
    }
    body.push_str("]\n");
    std::fs::write(&config, body).unwrap();
    let out = newshound(&["check", "-c", config.to_str().unwrap()]).await;
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("larger than 4194304 bytes"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread")]
async fn non_web_links_reach_no_format() {
    let links = [
        "java\tscript:alert(2)",
        "java\nscript:alert(4)",
        " JaVaScRiPt:alert(3)",
        "data:text/html;base64,PHNjcmlwdD4=",
        "file:///etc/passwd",
    ];
    let (receiver, url) = hostile_receiver(&links).await;
    let dir = tempfile::tempdir().unwrap();
    let template = "template = '{\"text\": {{ alert.article.title | tojson }}, \"link\": {{ alert.article.url | tojson }}}'";
    let sinks = [
        hook_sink("json", &receiver.url(), &[]),
        hook_sink("slack", &receiver.url(), &["format = \"slack\""]),
        hook_sink("discord", &receiver.url(), &["format = \"discord\""]),
        hook_sink("teams", &receiver.url(), &["format = \"teams\""]),
        hook_sink("template", &receiver.url(), &[template]),
        "[[sink]]\nname = \"log\"\ntype = \"log\"\n".to_string(),
    ]
    .concat();
    let config = delivery_config_for(dir.path(), &url, "harbour", &sinks);
    std::fs::write(
        &config,
        std::fs::read_to_string(&config)
            .unwrap()
            .replace("[[watchlist]]\nname = \"harbour\"", "[[watchlist]]\nname = \"harbour\"\nsinks = [\"json\", \"slack\", \"discord\", \"teams\", \"template\", \"log\"]"),
    )
    .unwrap();
    let out = newshound(&["once", "-c", config.to_str().unwrap()]).await;
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    let hits = receiver.hits();
    assert_eq!(hits.len(), 5 * links.len(), "{stdout}{stderr}");
    for hit in &hits {
        let body = String::from_utf8_lossy(&hit.body).to_lowercase();
        for scheme in ["javascript", "script:", "data:", "file:"] {
            assert!(!body.contains(scheme), "{scheme} reached a sink: {body}");
        }
    }
    let log = stderr.to_lowercase();
    for scheme in ["script:alert", "data:text", "file:///"] {
        assert!(
            !log.contains(scheme),
            "{scheme} reached the log sink: {stderr}"
        );
    }
}

/// A receiver that also serves `/feeds/hostile.rss` with one item per link; and that URL.
async fn hostile_receiver(links: &[&str]) -> (Receiver, String) {
    let receiver = Receiver::accepting().await;
    Mock::given(method("GET"))
        .and(path("/feeds/hostile.rss"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(hostile_feed(links), "application/rss+xml"),
        )
        .mount(&receiver.server)
        .await;
    let url = format!("{}/feeds/hostile.rss", receiver.server.uri());
    (receiver, url)
}
