//! `http.per_host` across instances on one PostgreSQL state: three `newshound run`
//! processes poll 36 feeds of one 127.0.0.1 host whose server answers slowly and records
//! how many requests it holds at once; it never holds more than `per_host` (not
//! `per_host` × 3); the same for the article pages of `full_text` feeds, whose fetches have
//! a per-host limit of their own. And the shared slots themselves: taken up to the limit, given back,
//! an expired one taken over without its old holder freeing the new one's, and one held by
//! a killed process of this machine taken over at once.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path as UrlPath, State};
use axum::routing::get;
use axum::Router;
use newshound::store::postgres::PgStore;
use newshound::store::Backend;
use tokio::process::Child;

const FEEDS: usize = 36;
const PER_HOST: usize = 2;
const PAGES_PER_FEED: usize = 3;

/// Requests being answered now, the most at once, and all so far.
#[derive(Default)]
struct Counts {
    now: AtomicUsize,
    peak: AtomicUsize,
    total: AtomicUsize,
}

async fn slow_feed(State(c): State<Arc<Counts>>, UrlPath(i): UrlPath<usize>) -> String {
    let now = c.now.fetch_add(1, Ordering::SeqCst) + 1;
    c.peak.fetch_max(now, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(500)).await;
    c.now.fetch_sub(1, Ordering::SeqCst);
    c.total.fetch_add(1, Ordering::SeqCst);
    format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>f{i}</title>\
         <item><title>Quiet {i}</title><guid>q-{i}</guid></item></channel></rss>"
    )
}

/// A quick feed whose items link to slow pages (`/p/{i}-{k}`): more pages than `per_host`,
/// so one poll alone fills its host's page limit.
async fn paged_feed(UrlPath(i): UrlPath<usize>) -> String {
    let items: String = (0..PAGES_PER_FEED)
        .map(|k| format!("<item><title>Quiet {i}.{k}</title><guid>p-{i}-{k}</guid><link>/p/{i}-{k}</link></item>"))
        .collect();
    format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>p{i}</title>{items}</channel></rss>"
    )
}

async fn slow_page(State(c): State<Arc<Counts>>) -> axum::response::Html<&'static str> {
    let now = c.now.fetch_add(1, Ordering::SeqCst) + 1;
    c.peak.fetch_max(now, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(500)).await;
    c.now.fetch_sub(1, Ordering::SeqCst);
    c.total.fetch_add(1, Ordering::SeqCst);
    axum::response::Html(
        "<html><body><article><p>Nothing of note by the harbour today.</p></article></body></html>",
    )
}

/// Starts instance `n` on `FEEDS` feeds at `base` + `path` + index, each with `feed_keys`.
fn start(
    dir: &std::path::Path,
    n: usize,
    base: &str,
    url: &str,
    path: &str,
    feed_keys: &str,
) -> Child {
    let mut text = format!(
        "[daemon]\nstate_dir = \"{}\"\npoll_interval = \"10s\"\nconcurrency = 16\n\n\
         [http]\ntimeout = \"10s\"\nper_host = {PER_HOST}\nallow_private_networks = true\n\n\
         [store]\nurl = \"{url}\"\n\n[[watchlist]]\nname = \"w\"\nkeywords = [\"harbour\"]\n",
        dir.join(format!("state-{n}")).display()
    );
    for i in 0..FEEDS {
        text.push_str(&format!(
            "\n[[feed]]\nname = \"f{i}\"\nurl = \"{base}{path}{i}\"\n{feed_keys}"
        ));
    }
    let config = dir.join(format!("config-{n}.toml"));
    std::fs::write(&config, text).unwrap();
    crate::fleet::start(&config)
}

/// Serves `app` on 127.0.0.1, starts three instances on one fresh PostgreSQL state with
/// feeds at `path` (each with `feed_keys`), waits until the server answered `expect`
/// requests (at most 180 s), stops the instances and returns (answered, most at once).
async fn fleet_against(
    app: Router,
    counts: &Counts,
    path: &str,
    feed_keys: &str,
    expect: usize,
) -> (usize, usize) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let url = crate::pg::fresh_database().await;
    let dir = tempfile::tempdir().unwrap();
    let mut fleet: Vec<Child> = (0..3)
        .map(|n| start(dir.path(), n, &base, &url, path, feed_keys))
        .collect();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(180);
    while counts.total.load(Ordering::SeqCst) < expect && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    for child in &mut fleet {
        let _ = child.kill().await;
    }
    (
        counts.total.load(Ordering::SeqCst),
        counts.peak.load(Ordering::SeqCst),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn three_instances_keep_one_hosts_limit_together() {
    let counts = Arc::new(Counts::default());
    let app = Router::new()
        .route("/f/{i}", get(slow_feed))
        .with_state(counts.clone());
    // Every feed polled once: the first polls fall due within 1 s (10% of the interval),
    // so the instances claim them together and would hold up to 3 × per_host at once.
    let (total, peak) = fleet_against(app, &counts, "/f/", "", FEEDS).await;
    eprintln!("politeness: {total} requests, at most {peak} at once (per_host = {PER_HOST})");
    assert!(total >= FEEDS, "every feed polled: {total} of {FEEDS}");
    assert!(
        peak <= PER_HOST,
        "{peak} requests at once to one host, per_host = {PER_HOST}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn three_instances_keep_one_hosts_page_limit_together() {
    let counts = Arc::new(Counts::default());
    let app = Router::new()
        .route("/pf/{i}", get(paged_feed))
        .route("/p/{i}", get(slow_page))
        .with_state(counts.clone());
    // Every page fetched once. A poll holds its feed's host slot through its page stage,
    // so two polls run at once in the fleet; each alone would fetch per_host pages at
    // once, together 2 × per_host without a fleet-wide page limit.
    let pages = FEEDS * PAGES_PER_FEED;
    let (total, peak) = fleet_against(app, &counts, "/pf/", "full_text = true\n", pages).await;
    eprintln!("politeness: {total} page requests, at most {peak} at once (per_host = {PER_HOST})");
    assert!(total >= pages, "every page fetched: {total} of {pages}");
    assert!(
        peak <= PER_HOST,
        "{peak} page requests at once to one host, per_host = {PER_HOST}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn shared_slots_are_limited_given_back_and_expire() {
    let url = crate::pg::fresh_database().await;
    let store = PgStore::connect(&url).await.unwrap();
    let slots = store.host_slots().expect("PostgreSQL shares host slots");
    let long = Duration::from_secs(600);
    let a = slots
        .take_slot("a.example", 2, long)
        .await
        .unwrap()
        .unwrap();
    let b = slots
        .take_slot("a.example", 2, long)
        .await
        .unwrap()
        .unwrap();
    assert_ne!(a.slot, b.slot);
    assert!(slots
        .take_slot("a.example", 2, long)
        .await
        .unwrap()
        .is_none());
    assert!(
        slots
            .take_slot("b.example", 2, long)
            .await
            .unwrap()
            .is_some(),
        "another host has slots of its own"
    );
    slots.give_back(&a).await.unwrap();
    let c = slots
        .take_slot("a.example", 2, long)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(c.slot, a.slot);

    // A holder that died: its lease ends by itself, and its late give-back frees nothing.
    let dead = slots
        .take_slot("c.example", 1, Duration::from_millis(1))
        .await
        .unwrap()
        .unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    let heir = slots.take_slot("c.example", 1, long).await.unwrap();
    assert!(heir.is_some(), "an expired slot is taken over");
    slots.give_back(&dead).await.unwrap();
    assert!(slots
        .take_slot("c.example", 1, long)
        .await
        .unwrap()
        .is_none());
}
