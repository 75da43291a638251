//! A revision alert through the real binary against a shared PostgreSQL state: the feed
//! item's matched sentence changes between two runs of `once` and exactly one revision
//! alert follows, none on the next run.

use crate::revision_site::{config, once, Site};

const FIRST: &str = "Talks resumed. Jane Doe said the port would reopen on Monday. More later.";
const REVISED: &str = "Talks resumed. Jane Doe said the port would stay closed. More later.";

#[tokio::test(flavor = "multi_thread")]
async fn a_revision_alert_goes_out_once_from_a_shared_state() {
    let site = Site::start().await;
    let dir = tempfile::tempdir().unwrap();
    let url = crate::pg::fresh_database().await;
    let cfg = config(
        dir.path(),
        &site,
        true,
        &format!("\n[store]\nurl = \"{url}\"\n"),
    );
    site.set_item(FIRST);
    once(&cfg).await;
    site.set_item(REVISED);
    once(&cfg).await;
    once(&cfg).await;
    let got = site.received("/hook").await;
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!(got[1]["revision_of"], got[0]["id"]);
    assert_eq!(
        got[1]["revision"]["after"],
        "Jane Doe said the port would stay closed."
    );
    assert!(
        !dir.path().join("state/newshound.db").exists(),
        "the embedded state is not used"
    );
}
