//! The desk's rule tester through a running daemon on a generated history
//! (bench/gen_history.py, recorded by `newshound once`): the JSON API and the `/rules`
//! page count the stories a keyword list or a query would match (checked against the
//! generated feeds themselves), mark the hits, locate compile errors by column, stay
//! bounded, and hand out a `[[watchlist]]` table that `check` accepts once pasted.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::{newshound, text};
use crate::daemon::{append, get, Daemon};

/// Generates 3 feeds of 20 items into `dir`, records them, and starts a daemon.
async fn history_daemon(dir: &Path) -> (Daemon, String, PathBuf) {
    let out = std::process::Command::new("python3")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/bench/gen_history.py"))
        .args([dir.to_str().unwrap(), "3", "20"])
        .output()
        .expect("python3 runs bench/gen_history.py");
    assert!(out.status.success(), "{out:?}");
    let config = dir.join("config.toml");
    let once = newshound(&["once", "-c", config.to_str().unwrap()]).await;
    assert!(once.status.success(), "{:?}", text(&once));
    let daemon = Daemon::start(
        &config,
        &[
            ("NEWSHOUND__DAEMON__ADMIN_LISTEN", "127.0.0.1:0"),
            ("NEWSHOUND__DAEMON__POLL_INTERVAL", "24h"),
            ("NEWSHOUND__DAEMON__MAX_INTERVAL", "24h"),
        ],
    );
    let base = daemon.admin_url().await;
    (daemon, base, config)
}

/// The generated items (title and description, XML-unescaped enough for words).
fn items(dir: &Path) -> Vec<String> {
    let mut all = Vec::new();
    for f in std::fs::read_dir(dir.join("feeds")).unwrap() {
        let xml = std::fs::read_to_string(f.unwrap().path()).unwrap();
        all.extend(xml.split("<item>").skip(1).map(|i| i.replace("&amp;", "&")));
    }
    assert_eq!(all.len(), 60);
    all
}

fn q(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

async fn api(base: &str, query: &str) -> (u16, Value) {
    let (status, ctype, body) = get(&format!("{base}/api/v1/rules/test?{query}")).await;
    assert_eq!(ctype, "application/json", "{body}");
    (status, serde_json::from_str(&body).unwrap())
}

fn hit_pieces(v: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for r in v["results"].as_array().unwrap() {
        for part in ["title", "snippet"] {
            for p in r[part].as_array().unwrap() {
                if p["hit"] == true {
                    out.push(p["text"].as_str().unwrap().to_string());
                }
            }
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn rule_tester_counts_marks_and_locates_errors() {
    let dir = tempfile::tempdir().unwrap();
    let (daemon, base, _config) = history_daemon(dir.path()).await;
    let items = items(dir.path());

    // A keyword list: every generated story naming Zürich or a harb* word, counted in the
    // feeds themselves (each item is a story of its own).
    let expected = items
        .iter()
        .filter(|i| i.contains("Zürich") || i.contains("harbour"))
        .count();
    assert!(expected > 0 && expected < 60, "{expected}");
    let (status, v) = api(&base, &format!("keywords={}&limit=200", q("Zürich\nharb*"))).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["matched"], expected, "{v}");
    assert_eq!(v["scanned"], 60);
    assert_eq!(v["capped"], false);
    assert_eq!(v["results"].as_array().unwrap().len(), expected);
    let marked = hit_pieces(&v);
    assert!(
        marked.iter().all(|m| m == "Zürich" || m == "harbour"),
        "{marked:?}"
    );
    assert!(marked.iter().any(|m| m == "Zürich"), "{marked:?}");

    // A query of the language with a configured watchlist's people.
    let with_people = items
        .iter()
        .filter(|i| i.contains("Li Shangfu") && i.contains("invitation"))
        .count();
    let query = q("@\"Li Shangfu\" AND invitation");
    let (status, v) = api(&base, &format!("q={query}&watchlist=us-china-defence")).await;
    assert_eq!(
        (status, v["matched"].as_u64()),
        (200, Some(with_people as u64)),
        "{v}"
    );
    assert!(v["config"]
        .as_str()
        .unwrap()
        .contains("[[watchlist.person]]"));

    // Without the watchlist the person is unknown; a broken query names its column. A
    // rule that cannot be tested is an answer (200) with errors, not a request refused.
    for (rule, says) in [
        (format!("q={query}"), "column 1"),
        (format!("q={}", q("(declin* OR")), "column"),
        (format!("keywords={}", q("a\n\"")), "keyword line 2"),
        (
            "keywords=x&watchlist=nope".into(),
            "no watchlist named 'nope'",
        ),
        ("q=&keywords=".into(), "type a query"),
        (
            format!("keywords={}", "x%0A".repeat(201)),
            "more than 200 keywords",
        ),
    ] {
        let (status, v) = api(&base, &rule).await;
        assert_eq!(
            (status, v["matched"].as_u64()),
            (200, Some(0)),
            "{rule}: {v}"
        );
        let errors = v["errors"].as_array().unwrap();
        assert!(errors[0].as_str().unwrap().contains(says), "{rule}: {v}");
    }

    // Parameters out of the documented bounds are refused.
    for bad in [
        format!("q={}", "a".repeat(2001)),
        format!("keywords=x&watchlist={}", "w".repeat(1001)),
        "keywords=x&limit=0".into(),
        "keywords=x&since=yesterday".into(),
    ] {
        let (status, v) = api(&base, &bad).await;
        assert_eq!(status, 400, "{bad}: {v}");
    }
    let (status, v) = api(&base, "keywords=Zürich&since=2099-01-01T00:00:00Z").await;
    assert_eq!((status, v["scanned"].as_u64()), (200, Some(0)), "{v}");
    daemon.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn rule_tester_page_and_a_pasteable_snippet() {
    let dir = tempfile::tempdir().unwrap();
    let (daemon, base, config) = history_daemon(dir.path()).await;

    let (status, _, inbox) = get(&format!("{base}/")).await;
    assert_eq!(status, 200);
    assert!(
        inbox.contains("href=\"/rules\""),
        "the desk links the rule tester"
    );
    let (status, _, form) = get(&format!("{base}/rules")).await;
    assert!(
        status == 200 && form.contains("name=\"keywords\""),
        "{form}"
    );
    assert!(!form.contains("rule-count"), "no rule, no result");

    let (_, _, page) = get(&format!("{base}/rules?keywords={}", q("Zürich"))).await;
    assert!(page.contains("<mark>Zürich</mark>"), "{page}");
    assert!(page.contains("id=\"rule-count\"") && page.contains("[[watchlist]]"));
    let (status, _, page) = get(&format!("{base}/rules?q={}", q("title:(a OR"))).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("notice error") && page.contains("column"),
        "{page}"
    );

    // Terms needing TOML escapes come back as written once pasted into the config.
    let terms = ["say \"hi\"", r"back\slash", "it's", "tab\tin"];
    let (status, v) = api(&base, &format!("keywords={}", q(&terms.join("\n")))).await;
    assert_eq!(status, 200, "{v}");
    let snippet = v["config"].as_str().unwrap().to_string();
    let table: toml::Table = toml::from_str(&snippet).expect("the snippet is TOML");
    let keywords = &table["watchlist"][0]["keywords"];
    let got: Vec<&str> = keywords
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k.as_str().unwrap())
        .collect();
    assert_eq!(got, terms);
    append(&config, &format!("\n{snippet}"));
    let check = newshound(&["check", "-c", config.to_str().unwrap()]).await;
    assert!(check.status.success(), "{:?}\n{snippet}", text(&check));
    daemon.stop().await;
}
