//! `newshound backtest`: a rule change judged on stored history before it goes live.

use newshound::store::Store;

use crate::common::{feed_server, hooks, it_config, newshound, text};

#[tokio::test(flavor = "multi_thread")]
async fn backtest_shows_new_kept_and_lost_alerts_and_sends_nothing() {
    let server = feed_server(200).await;
    let dir = tempfile::tempdir().unwrap();
    let config = it_config(dir.path(), &server);
    let out = newshound(&["once", "-c", config.to_str().unwrap()]).await;
    assert!(out.status.success());
    assert_eq!(hooks(&server).await.len(), 6);

    // Feedback before the change: the opinion piece was a false positive, the story it
    // was written about useful.
    let cfg = config.to_str().unwrap();
    let (json, _) = text(&newshound(&["alerts", "-c", cfg, "--json"]).await);
    let id_of = |url: &str| -> String {
        json.lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
            .find(|a| a["url"] == url && a["watchlist"] == "us-china-defence")
            .unwrap_or_else(|| panic!("an alert for {url}: {json}"))["id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let (opinion, story) = (
        id_of("http://news.example/wire/1003"),
        id_of("http://news.example/wire/1001"),
    );
    for (id, verdict) in [(&opinion, "false-positive"), (&story, "useful")] {
        let out = newshound(&["alerts", "feedback", "-c", cfg, id, verdict]).await;
        assert!(out.status.success(), "{:?}", text(&out));
    }

    // The rule change: opinion pieces excluded from one watchlist, a new watchlist added.
    let original = std::fs::read_to_string(&config).unwrap();
    let changed = original.replacen(
        "exclude = [\"basketball\"]",
        "exclude = [\"basketball\", \"opinion\"]",
        1,
    ) + "\n[[watchlist]]\nname = \"chips\"\nkeywords = [\"chipmaker\"]\n";
    std::fs::write(&config, changed).unwrap();

    let out = newshound(&["backtest", "-c", config.to_str().unwrap()]).await;
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stdout.contains("backtest over 10 stored articles"),
        "{stdout}"
    );
    assert!(
        stdout.contains("1 would alert, 5 already sent still fire, 1 sent would no longer fire"),
        "{stdout}"
    );
    let would = stdout
        .split("would alert (not sent before)")
        .nth(1)
        .unwrap()
        .split("already sent")
        .next()
        .unwrap();
    assert!(
        would.contains("chips") && would.contains("http://news.example/wire/1004"),
        "{stdout}"
    );
    assert!(would.contains("hits: chipmaker in title"), "{stdout}");
    let lost = stdout.split("would no longer fire:").nth(1).unwrap();
    assert!(
        lost.contains("us-china-defence") && lost.contains("http://news.example/wire/1003"),
        "{stdout}"
    );
    assert!(lost.contains("no longer matches"), "{stdout}");
    assert!(
        stdout.contains("feedback so far: 1 false positives dropped of 1 marked in the window, 1 useful kept of 1"),
        "{stdout}"
    );

    // One watchlist only.
    let out = newshound(&[
        "backtest",
        "-c",
        config.to_str().unwrap(),
        "-w",
        "chips",
        "--since",
        "1h",
    ])
    .await;
    let (stdout, _) = text(&out);
    assert!(
        stdout.contains("1 would alert, 0 already sent still fire, 0 sent would no longer fire"),
        "{stdout}"
    );

    // Nothing was delivered or recorded.
    assert_eq!(hooks(&server).await.len(), 6);
    let store = Store::open_dir_read_only(&dir.path().join("state"))
        .await
        .unwrap();
    let alerts = store.recent_alerts(100).await.unwrap();
    assert_eq!(alerts.len(), 6);
}

#[tokio::test(flavor = "multi_thread")]
async fn backtest_without_state_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let server = feed_server(200).await;
    let config = it_config(dir.path(), &server);
    let out = newshound(&["backtest", "-c", config.to_str().unwrap()]).await;
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("no state yet in"), "{stderr}");
}
