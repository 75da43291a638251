//! The alert desk through a running daemon: the JSON API (list, get, search, feedback,
//! mutes, OpenAPI), access by token (401 without it, bearer for the API, sign-in cookie
//! and CSRF for forms), the HTML pages, and the CLI's parity on the same state.

use std::path::Path;
use std::time::Duration;

use serde_json::{json, Value};

use crate::common::{feed_server, it_config, newshound, text};
use crate::daemon::{get, wait_for_hooks, Daemon};

pub(crate) const TOKEN: &str = "desk-token-0123456789abcdef";

/// Starts a daemon over the standard feeds with the admin token in a credentials folder.
pub(crate) async fn desk_daemon(
    dir: &Path,
) -> (Daemon, String, wiremock::MockServer, std::path::PathBuf) {
    let server = feed_server(200).await;
    let config = it_config(dir, &server);
    let creds = dir.join("creds");
    std::fs::create_dir_all(&creds).unwrap();
    std::fs::write(creds.join("admin_token"), format!("{TOKEN}\n")).unwrap();
    let daemon = Daemon::start(
        &config,
        &[
            ("NEWSHOUND__DAEMON__ADMIN_LISTEN", "127.0.0.1:0"),
            ("CREDENTIALS_DIRECTORY", creds.to_str().unwrap()),
        ],
    );
    let base = daemon.admin_url().await;
    assert!(wait_for_hooks(&server, 6, Duration::from_secs(20)).await >= 6);
    (daemon, base, server, config)
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

async fn json_of(url: &str) -> Value {
    let (status, ctype, body) = get(url).await;
    assert_eq!(
        (status, ctype.as_str()),
        (200, "application/json"),
        "{url}: {body}"
    );
    serde_json::from_str(&body).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn api_lists_searches_judges_and_mutes_with_the_token() {
    let dir = tempfile::tempdir().unwrap();
    let (daemon, base, _server, _config) = desk_daemon(dir.path()).await;

    let list = json_of(&format!("{base}/api/v1/alerts?limit=2")).await;
    let alerts = list["alerts"].as_array().unwrap();
    assert_eq!(alerts.len(), 2, "{list}");
    assert!(alerts[0]["url"].is_string() && alerts[0]["feed"].is_string());
    assert!(!alerts[0]["matches"].as_array().unwrap().is_empty());
    let next = list["next"].as_str().expect("a second page");
    let page2 = json_of(&format!(
        "{base}/api/v1/alerts?limit=2&cursor={}",
        urlencode(next)
    ))
    .await;
    assert_ne!(page2["alerts"][0]["id"], alerts[0]["id"]);

    let cjk = json_of(&format!("{base}/api/v1/search?q={}", urlencode("李尚福"))).await;
    assert!(!cjk["alerts"].as_array().unwrap().is_empty(), "{cjk}");
    let hit = cjk["alerts"][0]["snippet"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["hit"] == true);
    assert!(hit, "{cjk}");
    let phrase = json_of(&format!(
        "{base}/api/v1/search?q={}",
        urlencode("\"li shangfu\"")
    ))
    .await;
    let prefix = json_of(&format!("{base}/api/v1/search?q=shangf*")).await;
    assert!(
        !phrase["articles"].as_array().unwrap().is_empty(),
        "{phrase}"
    );
    assert!(
        !prefix["articles"].as_array().unwrap().is_empty(),
        "{prefix}"
    );

    let id = alerts[0]["id"].as_str().unwrap();
    let c = client();
    let fb = format!("{base}/api/v1/alerts/{id}/feedback");
    let body = json!({"verdict": "false-positive", "note": "another Li"});
    let refused = c
        .post(&fb)
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status().as_u16(), 401);
    let wrong = c
        .post(&fb)
        .bearer_auth("nope")
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status().as_u16(), 401);
    let ok = c
        .post(&fb)
        .bearer_auth(TOKEN)
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status().as_u16(), 200);
    let one = json_of(&format!("{base}/api/v1/alerts/{id}")).await;
    assert_eq!(one["feedback"]["verdict"], "false-positive");
    let marked = json_of(&format!("{base}/api/v1/alerts?feedback=false-positive")).await;
    assert_eq!(marked["alerts"].as_array().unwrap().len(), 1);

    let mutes = format!("{base}/api/v1/mutes");
    let m = json!({"kind": "watchlist", "watchlist": "chinese-press", "for": "2h"});
    assert_eq!(
        c.post(&mutes)
            .header("content-type", "application/json")
            .body(m.to_string())
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        401
    );
    let set = c
        .post(&mutes)
        .bearer_auth(TOKEN)
        .header("content-type", "application/json")
        .body(m.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(set.status().as_u16(), 201);
    let set: Value = serde_json::from_str(&set.text().await.unwrap()).unwrap();
    assert!(set["until"].is_string());
    assert_eq!(json_of(&mutes).await.as_array().unwrap().len(), 1);
    let lift = format!("{mutes}?id={}", set["id"]);
    assert_eq!(c.delete(&lift).send().await.unwrap().status().as_u16(), 401);
    assert_eq!(
        c.delete(&lift)
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        200
    );
    assert!(json_of(&mutes).await.as_array().unwrap().is_empty());

    let nothing = json_of(&format!("{base}/api/v1/search?q=%21%21")).await;
    assert!(
        nothing["alerts"].as_array().unwrap().is_empty(),
        "{nothing}"
    );
    let nothing = json_of(&format!("{base}/api/v1/alerts?q=%2A")).await;
    assert!(
        nothing["alerts"].as_array().unwrap().is_empty(),
        "{nothing}"
    );
    let numbered = c
        .post(&mutes)
        .bearer_auth(TOKEN)
        .header("content-type", "application/json")
        .body(json!({"kind": 0, "watchlist": "chinese-press"}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(numbered.status().as_u16(), 400, "a kind is a name");

    let bad = get(&format!("{base}/api/v1/alerts?limit=0")).await;
    assert_eq!(bad.0, 400);
    assert!(bad.2.contains("limit"), "{}", bad.2);
    let doc = json_of(&format!("{base}/api/v1/openapi.json")).await;
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for p in [
        "/api/v1/alerts",
        "/api/v1/alerts/{id}",
        "/api/v1/alerts/{id}/feedback",
        "/api/v1/mutes",
    ] {
        assert!(doc["paths"][p].is_object(), "{p} documented");
    }
    assert!(!daemon.log().contains(TOKEN), "the token is never logged");
    daemon.stop().await;
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn pages_sign_in_mark_and_mute_and_the_cli_shows_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let (daemon, base, _server, config) = desk_daemon(dir.path()).await;
    let (status, ctype, inbox) = get(&format!("{base}/")).await;
    assert_eq!((status, ctype.as_str()), (200, "text/html; charset=utf-8"));
    assert!(inbox.contains("国防部回应美方会晤邀请"), "{inbox}");
    assert!(inbox.contains("href=\"/status\""));
    let list = json_of(&format!("{base}/api/v1/alerts?watchlist=chinese-press")).await;
    let id = list["alerts"][0]["id"].as_str().unwrap().to_string();
    let (_, _, page) = get(&format!("{base}/alerts/{id}")).await;
    assert!(
        page.contains("<mark>") && page.contains("Deliveries"),
        "{page}"
    );
    assert!(
        page.contains("/login"),
        "signed out: a sign-in link, no forms"
    );

    let c = client();
    let form = format!("{base}/alerts/{id}/feedback");
    let anon = c
        .post(&form)
        .form(&[("verdict", "useful"), ("csrf", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(anon.status().as_u16(), 401);
    let wrong = c
        .post(format!("{base}/login"))
        .form(&[("token", "nope")])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status().as_u16(), 401);
    let login = c
        .post(format!("{base}/login"))
        .form(&[("token", TOKEN)])
        .send()
        .await
        .unwrap();
    assert_eq!(login.status().as_u16(), 303);
    let cookie = login.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"));
    assert!(!cookie.contains(TOKEN));
    let session = cookie.split(';').next().unwrap().to_string();
    let signed = c
        .get(format!("{base}/alerts/{id}"))
        .header("cookie", &session)
        .send()
        .await
        .unwrap();
    let signed = signed.text().await.unwrap();
    let csrf = signed
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("a CSRF field")
        .to_string();
    let no_csrf = c
        .post(&form)
        .header("cookie", &session)
        .form(&[("verdict", "useful"), ("csrf", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(no_csrf.status().as_u16(), 401);
    let marked = c
        .post(&form)
        .header("cookie", &session)
        .form(&[
            ("verdict", "useful"),
            ("csrf", csrf.as_str()),
            ("note", "ok"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(marked.status().as_u16(), 303);
    let mute = c
        .post(format!("{base}/mutes"))
        .header("cookie", &session)
        .form(&[
            ("csrf", csrf.as_str()),
            ("kind", "story"),
            ("alert", id.as_str()),
            ("for", "1d"),
            ("back", "/mutes"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(mute.status().as_u16(), 303);
    let (_, _, mutes) = get(&format!("{base}/mutes")).await;
    assert!(mutes.contains(&id), "{mutes}");
    let (_, _, search) = get(&format!("{base}/search?q={}", urlencode("李尚福"))).await;
    assert!(search.contains("<mark>李尚福</mark>"), "{search}");
    daemon.stop().await;

    let cfg = config.to_str().unwrap();
    let (out, err) = text(&newshound(&["alerts", "-c", cfg, "--json", "--limit", "2"]).await);
    let lines: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "{out}{err}");
    for l in &lines {
        assert!(
            l["url"].is_string() && l["feed"].is_string() && l["matches"].is_array(),
            "{l}"
        );
        assert!(l.get("feedback").is_some());
    }
    let (out, _) = text(&newshound(&["alerts", "show", "-c", cfg, &id]).await);
    assert!(
        out.contains("feedback:  useful")
            && out.contains("matches:")
            && out.contains("deliveries:"),
        "{out}"
    );
    let (out, _) = text(&newshound(&["search", "-c", cfg, "李尚福"]).await);
    assert!(out.contains("[李尚福]"), "{out}");
    let fp = newshound(&[
        "alerts",
        "feedback",
        "-c",
        cfg,
        &id,
        "false-positive",
        "--note",
        "wrong Li",
    ])
    .await;
    assert!(fp.status.success(), "{:?}", text(&fp));
    let m = newshound(&[
        "mute",
        "-c",
        cfg,
        "--watchlist",
        "chinese-press",
        "--for",
        "2h",
    ])
    .await;
    assert!(m.status.success(), "{:?}", text(&m));
    let (out, _) = text(&newshound(&["mute", "-c", cfg, "--list"]).await);
    assert!(
        out.contains("watchlist chinese-press") && out.contains("2 active mutes"),
        "{out}"
    );
    let u = newshound(&["unmute", "-c", cfg, "--watchlist", "chinese-press"]).await;
    assert!(u.status.success(), "{:?}", text(&u));
    let none = newshound(&["alerts", "show", "-c", cfg, "nope"]).await;
    assert_eq!(none.status.code(), Some(1));
}

#[tokio::test]
async fn desk_commands_never_create_a_state() {
    let dir = tempfile::tempdir().unwrap();
    let server = feed_server(200).await;
    let config = it_config(dir.path(), &server);
    let cfg = config.to_str().unwrap();
    for args in [
        vec!["alerts", "-c", cfg, "--json"],
        vec!["alerts", "show", "-c", cfg, "x"],
        vec!["alerts", "feedback", "-c", cfg, "x", "useful"],
        vec!["mute", "-c", cfg, "--watchlist", "chinese-press"],
        vec!["unmute", "-c", cfg, "--watchlist", "chinese-press"],
        vec!["mute", "-c", cfg, "--list"],
        vec!["search", "-c", cfg, "li"],
    ] {
        let out = newshound(&args).await;
        let (_, err) = text(&out);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(err.contains("no state yet"), "{args:?}: {err}");
        assert!(
            !dir.path().join("state").exists(),
            "{args:?} created a state"
        );
    }
}
