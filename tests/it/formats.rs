//! Each webhook format checked against the receiving service's documented shape — Slack
//! incoming webhooks (text + blocks), Discord webhooks (content + embeds and their limits),
//! Teams Workflows (a message carrying an Adaptive Card 1.4), a minijinja template — and
//! the v1 JSON unchanged, for single alerts and digests, with text that stresses escaping
//! and limits (markup characters, 6000-character descriptions, CJK, 30 matches).

use std::time::Duration;

use serde_json::Value;

use crate::common::{fixture, newshound, text, write_config};
use crate::harness::{delivery_config_for, hook_sink, serve_feed, Hit, Receiver};

/// Every keyword of the tricky fixture: "lighthouse" and w01…w30.
fn keywords() -> String {
    let mut k = vec!["lighthouse".to_string()];
    k.extend((1..=30).map(|i| format!("w{i:02}")));
    k.join("\", \"")
}

fn chars(v: &Value) -> usize {
    v.as_str().map_or(0, |s| s.chars().count())
}

/// Slack: `text` fallback, ≤ 50 blocks of known types, sections ≤ 3000 characters of
/// mrkdwn with `&<>` escaped (only `<url|label>` links stay), hits bold.
fn check_slack(body: &Value) {
    assert!(
        body["text"].as_str().is_some_and(|t| !t.is_empty()),
        "{body}"
    );
    let blocks = body["blocks"].as_array().expect("blocks");
    assert!(
        !blocks.is_empty() && blocks.len() <= 50,
        "{} blocks",
        blocks.len()
    );
    for b in blocks {
        match b["type"].as_str().unwrap() {
            "section" => {
                assert_eq!(b["text"]["type"], "mrkdwn");
                let t = b["text"]["text"].as_str().unwrap();
                assert!(
                    t.chars().count() <= 3000,
                    "section of {}",
                    t.chars().count()
                );
                check_slack_escaping(t);
            }
            "context" => {
                let els = b["elements"].as_array().unwrap();
                assert!(!els.is_empty() && els.len() <= 10);
                for e in els {
                    assert_eq!(e["type"], "mrkdwn");
                    check_slack_escaping(e["text"].as_str().unwrap());
                }
            }
            "divider" => {}
            other => panic!("unexpected block type {other}"),
        }
    }
}

fn check_slack_escaping(t: &str) {
    // Remove the link constructs `<http…|label>`; what is left must hold no raw < or >.
    let mut rest = String::new();
    let mut s = t;
    while let Some(i) = s.find("<http") {
        rest.push_str(&s[..i]);
        let end = s[i..].find('>').expect("closed link");
        assert!(
            s[i..i + end].contains('|'),
            "a link has a label: {}",
            &s[i..i + end]
        );
        s = &s[i + end + 1..];
    }
    rest.push_str(s);
    // A `>` opening a line is mrkdwn's quote marker (used for snippets).
    let rest: String = rest
        .lines()
        .map(|l| l.strip_prefix('>').unwrap_or(l))
        .collect();
    assert!(
        !rest.contains('<') && !rest.contains('>'),
        "unescaped <> in {t}"
    );
    for (i, _) in t.match_indices('&') {
        let tail = &t[i..];
        assert!(
            tail.starts_with("&amp;") || tail.starts_with("&lt;") || tail.starts_with("&gt;"),
            "raw & in {t}"
        );
    }
}

/// Discord: content ≤ 2000, ≤ 10 embeds, title ≤ 256, description ≤ 4096, ≤ 25 fields of
/// name ≤ 256 / value ≤ 1024, footer ≤ 2048, all embeds ≤ 6000; no mentions parsed.
fn check_discord(body: &Value) {
    assert!(chars(&body["content"]) <= 2000);
    assert_eq!(body["allowed_mentions"]["parse"], serde_json::json!([]));
    let embeds = body["embeds"].as_array().expect("embeds");
    assert!(!embeds.is_empty() && embeds.len() <= 10);
    let mut total = 0;
    for e in embeds {
        assert!(chars(&e["title"]) <= 256, "title {}", chars(&e["title"]));
        assert!(chars(&e["description"]) <= 4096);
        assert!(chars(&e["footer"]["text"]) <= 2048);
        assert!(e["color"].as_u64().is_some_and(|c| c <= 0xFF_FFFF));
        let ts = e["timestamp"].as_str().unwrap();
        assert!(chrono::DateTime::parse_from_rfc3339(ts).is_ok(), "{ts}");
        if let Some(url) = e.get("url") {
            assert!(url.as_str().unwrap().starts_with("http"));
        }
        let fields = e["fields"].as_array().unwrap();
        assert!(fields.len() <= 25);
        for f in fields {
            assert!(chars(&f["name"]) <= 256 && chars(&f["value"]) <= 1024);
            assert!(f["inline"].is_boolean());
            total += chars(&f["name"]) + chars(&f["value"]);
        }
        total += chars(&e["title"]) + chars(&e["description"]) + chars(&e["footer"]["text"]);
    }
    assert!(total <= 6000, "embeds total {total}");
}

/// Teams Workflows: a `message` with one Adaptive Card 1.4 attachment of TextBlocks,
/// FactSets and Containers, links as Action.OpenUrl, under 28 KB.
fn check_teams(raw: &[u8], body: &Value) {
    assert!(raw.len() < 28 * 1024, "{} bytes", raw.len());
    assert_eq!(body["type"], "message");
    let att = body["attachments"].as_array().unwrap();
    assert_eq!(att.len(), 1);
    assert_eq!(
        att[0]["contentType"],
        "application/vnd.microsoft.card.adaptive"
    );
    let card = &att[0]["content"];
    assert_eq!(card["type"], "AdaptiveCard");
    assert_eq!(card["version"], "1.4");
    assert!(card["$schema"].as_str().unwrap().contains("adaptive-card"));
    for el in card["body"].as_array().unwrap() {
        check_card_element(el);
    }
    for a in card["actions"].as_array().unwrap() {
        assert_eq!(a["type"], "Action.OpenUrl");
        assert!(a["url"].as_str().unwrap().starts_with("http") && a["title"].is_string());
    }
}

fn check_card_element(el: &Value) {
    match el["type"].as_str().unwrap() {
        "TextBlock" => assert!(el["text"].is_string() && el["wrap"] == true),
        "FactSet" => {
            for f in el["facts"].as_array().unwrap() {
                assert!(f["title"].is_string() && f["value"].is_string());
            }
        }
        "Container" => el["items"]
            .as_array()
            .unwrap()
            .iter()
            .for_each(check_card_element),
        other => panic!("unexpected card element {other}"),
    }
}

/// The v1 JSON alert: exactly the documented keys.
fn check_v1(body: &Value) {
    let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(
        keys(body),
        [
            "article",
            "detected_at",
            "id",
            "matches",
            "severity",
            "watchlist"
        ]
    );
    assert_eq!(
        keys(&body["article"]),
        ["feed", "guid", "published", "summary", "title", "url"]
    );
    for m in body["matches"].as_array().unwrap() {
        assert_eq!(
            keys(m),
            ["count", "field", "kind", "matched", "snippet", "term"]
        );
    }
    assert!(chars(&body["article"]["summary"]) <= 500);
}

fn sinks_for(receivers: &[(&str, &Receiver, &str)]) -> String {
    let template = fixture("it/template.j2");
    let template = format!("template_file = \"{}\"", template.display());
    receivers
        .iter()
        .map(|(name, r, format)| {
            let mut extra = vec![format!(
                "format = \"{}\"",
                format.trim_end_matches("-digest")
            )];
            if format.starts_with("template") {
                extra = vec![template.clone()];
            }
            if format.ends_with("-digest") {
                extra.push("digest = \"1s\"".into());
            }
            let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
            hook_sink(name, &r.url(), &extra)
        })
        .collect()
}

fn bodies(hits: &[Hit]) -> Vec<Value> {
    hits.iter().map(Hit::json).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn every_format_matches_its_receivers_documented_shape() {
    let feeds = wiremock::MockServer::start().await;
    serve_feed(&feeds, "tricky.rss").await;
    let formats = [
        "json",
        "slack",
        "discord",
        "teams",
        "template",
        "json-digest",
        "slack-digest",
        "discord-digest",
        "teams-digest",
        "template-digest",
    ];
    let mut receivers = Vec::new();
    for _ in formats {
        receivers.push(Receiver::accepting().await);
    }
    let table: Vec<(&str, &Receiver, &str)> = formats
        .iter()
        .zip(&receivers)
        .map(|(f, r)| (*f, r, *f))
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let feed_url = format!("{}/feeds/tricky.rss", feeds.uri());
    let config = delivery_config_for(dir.path(), &feed_url, &keywords(), &sinks_for(&table));
    let c = config.to_str().unwrap();
    let out = newshound(&["once", "-c", c]).await;
    assert!(out.status.success(), "{}", text(&out).1);
    tokio::time::sleep(Duration::from_millis(1100)).await; // the digest window passes
    let out = newshound(&["once", "-c", c]).await;
    assert!(out.status.success(), "{}", text(&out).1);

    for (format, r) in formats.iter().zip(&receivers) {
        let hits = r.hits();
        let digest = format.ends_with("-digest");
        assert_eq!(hits.len(), if digest { 1 } else { 3 }, "{format}");
        for (hit, body) in hits.iter().zip(bodies(&hits)) {
            assert_eq!(hit.headers["content-type"], "application/json", "{format}");
            match format.trim_end_matches("-digest") {
                "json" if digest => body["alerts"].as_array().unwrap().iter().for_each(check_v1),
                "json" => check_v1(&body),
                "slack" => check_slack(&body),
                "discord" => check_discord(&body),
                "teams" => check_teams(&hit.body, &body),
                _ => assert_eq!(body["id"], hit.id.as_str()),
            }
        }
    }
    check_marks(&receivers);
}

/// Hits are bold in Slack (`*…*`) and Discord (`**…**`), bracketed in the others; the
/// template saw the digest as one body of 3 alerts.
fn check_marks(receivers: &[Receiver]) {
    let all = |r: &Receiver| {
        bodies(&r.hits())
            .iter()
            .map(Value::to_string)
            .collect::<String>()
    };
    assert!(all(&receivers[1]).contains("*lighthouse*"), "slack bold");
    assert!(
        all(&receivers[2]).contains("**lighthouse**"),
        "discord bold"
    );
    assert!(
        all(&receivers[3]).contains("[lighthouse]"),
        "teams keeps brackets"
    );
    assert!(
        all(&receivers[0]).contains("[lighthouse]"),
        "json keeps brackets"
    );
    let t = bodies(&receivers[9].hits()).remove(0);
    assert_eq!(
        (t["digest"].as_bool(), t["count"].as_u64()),
        (Some(true), Some(3))
    );
    assert!(t["text"]
        .as_str()
        .unwrap()
        .contains("Lighthouse 灯塔 reopens"));
}

#[tokio::test(flavor = "multi_thread")]
async fn format_and_template_mistakes_are_config_errors_with_key_paths() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), "it/bad-delivery.toml", &[]);
    let out = newshound(&["check", "-c", config.to_str().unwrap()]).await;
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    for expected in [
        "sink[0].format: unknown format 'mattermost'",
        "sink[1].template: template does not compile",
        "sink[2].template: template fails on a sample alert",
        "sink[3].rate_limit: 'lots' is not a rate",
        "sink[4].to: missing",
        "sink[4].smtp_url: 'http://mail.example': scheme 'http' is not supported",
        "health[0].sinks: no sink named \"nope\"",
        "health[0].after_failures: must be at least 1",
    ] {
        assert!(
            stderr.contains(expected),
            "missing {expected:?} in:\n{stderr}"
        );
    }
}
