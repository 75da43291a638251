//! Several instances on one PostgreSQL state: 3 `newshound run` processes share 3,000
//! feeds served from 127.0.0.1 by a farm that logs every request; the one holding the
//! webhook's queue is `kill -9`ed mid-run. Every expected alert arrives, none twice beyond
//! the one attempt in flight at the kill, no feed is polled twice within one interval, and
//! the killed instance's feeds are polled by the others within one interval.

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, LazyLock, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Path as UrlPath, State};
use axum::http::HeaderMap;
use axum::routing::{get, post};
use axum::Router;
use newshound::alert::alert_id;
use tokio::process::{Child, Command};

/// The fleet's size: 3,000 feeds and 3 instances, or `$NEWSHOUND_FLEET_FEEDS` and
/// `$NEWSHOUND_FLEET_INSTANCES` (`bench/scale.sh` runs 25,000 × 4).
static FEEDS: LazyLock<usize> = LazyLock::new(|| env_or("NEWSHOUND_FLEET_FEEDS", 3000));
static INSTANCES: LazyLock<usize> = LazyLock::new(|| env_or("NEWSHOUND_FLEET_INSTANCES", 3));

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}
/// Long enough for a loaded 2-core machine to poll every feed well within it: the test
/// asserts the invariants, not a speed.
static INTERVAL: LazyLock<Duration> =
    LazyLock::new(|| Duration::from_secs(env_or("NEWSHOUND_FLEET_INTERVAL", 60) as u64));
/// How late a feed may come beyond its interval: the 10% jitter and a claim round.
fn slack() -> Duration {
    *INTERVAL / 10 + Duration::from_secs(15)
}

/// How far apart the instances' wall clock (their schedules) and the farm's monotonic
/// clock (its request log) may drift over one interval: a tolerance for the measurement,
/// not for the schedule (an early claim or a poll that outlived its claim is caught).
const CLOCKS: Duration = Duration::from_millis(100);

/// What the farm saw: each feed request (feed, when) and each webhook id received.
#[derive(Default)]
struct Seen {
    polls: Vec<(usize, Instant)>,
    hooks: Vec<String>,
    hook_times: Vec<Instant>,
}

type Farm = Arc<Mutex<Seen>>;

/// Feed `i`: an alerting story of its own on every third feed, a quiet item, and on every
/// third pair of feeds a story both feeds of the pair carry (one alert for the two).
fn rss(i: usize) -> String {
    let mut items = String::new();
    if i.is_multiple_of(3) {
        items.push_str(&format!(
            "<item><title>Harbour works begin at quay {i}</title><guid>own-{i}</guid>\
             <link>http://news.example/own/{i}</link><description>Harbour crews at quay {i}.</description></item>"
        ));
    }
    items.push_str(&format!(
        "<item><title>Weather for district {i}</title><guid>quiet-{i}</guid>\
         <link>http://news.example/quiet/{i}</link><description>Mild.</description></item>"
    ));
    let pair = i / 2;
    if pair.is_multiple_of(3) {
        items.push_str(&format!(
            "<item><title>Harbour pact number {pair} signed</title><guid>pair-{pair}</guid>\
             <link>http://news.example/pair/{pair}</link><description>Signed today.</description></item>"
        ));
    }
    format!("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>feed {i}</title>{items}</channel></rss>")
}

fn expected() -> BTreeSet<String> {
    let own = (0..*FEEDS)
        .filter(|i| i % 3 == 0)
        .map(|i| format!("guid:own-{i}"));
    let pairs = (0..FEEDS.div_ceil(2))
        .filter(|p| p % 3 == 0)
        .map(|p| format!("guid:pair-{p}"));
    own.chain(pairs).map(|k| alert_id("w", &k)).collect()
}

async fn feed(
    State(farm): State<Farm>,
    UrlPath(i): UrlPath<usize>,
) -> ([(&'static str, &'static str); 1], String) {
    farm.lock().unwrap().polls.push((i, Instant::now()));
    ([("content-type", "application/rss+xml")], rss(i))
}

async fn hook(State(farm): State<Farm>, headers: HeaderMap) -> &'static str {
    let id = headers
        .get("webhook-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let mut farm = farm.lock().unwrap();
    farm.hooks.push(id);
    farm.hook_times.push(Instant::now());
    "ok"
}

async fn start_farm() -> (SocketAddr, Farm) {
    let farm = Farm::default();
    let app = Router::new()
        .route("/f/{i}", get(feed))
        .route("/hook", post(hook))
        .with_state(farm.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (addr, farm)
}

fn config(dir: &Path, n: usize, addr: SocketAddr, url: &str) -> std::path::PathBuf {
    let mut text = format!(
        "[daemon]\nstate_dir = \"{}\"\npoll_interval = \"{}s\"\nconcurrency = 32\n\
         near_duplicate_window = \"0s\"\n\n[http]\ntimeout = \"5s\"\nper_host = 32\n\
         allow_private_networks = true\n\n[store]\nurl = \"{url}\"\n\n\
         [[watchlist]]\nname = \"w\"\nkeywords = [\"harbour\"]\n\n\
         [[sink]]\nname = \"hook\"\ntype = \"webhook\"\nurl = \"http://{addr}/hook\"\n",
        dir.join(format!("state-{n}")).display(),
        INTERVAL.as_secs()
    );
    for i in 0..*FEEDS {
        text.push_str(&format!(
            "\n[[feed]]\nname = \"f{i}\"\nurl = \"http://{addr}/f/{i}\"\n"
        ));
    }
    let path = dir.join(format!("config-{n}.toml"));
    std::fs::write(&path, text).unwrap();
    path
}

/// Starts `newshound run -c config`, quiet (warnings only, stderr dropped), killed on drop.
pub(crate) fn start(config: &Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_newshound"))
        .args(["run", "-c", config.to_str().unwrap()])
        .env("RUST_LOG", "warn")
        .env_remove("NOTIFY_SOCKET")
        .env_remove("NEWSHOUND_CONFIG")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("start newshound run")
}

async fn sql(url: &str) -> tokio_postgres::Client {
    let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(conn);
    client
}

/// The CPU time (user + system, seconds) the PostgreSQL server has used: its postmaster
/// with the children it reaped, and its live children, from `/proc`.
async fn db_cpu_seconds(url: &str) -> f64 {
    let backend: i32 = sql(url)
        .await
        .query_one("SELECT pg_backend_pid()", &[])
        .await
        .unwrap()
        .get(0);
    let postmaster = proc_stat(backend as u32).expect("the backend's /proc").0;
    let mut ticks = proc_stat(postmaster).map_or(0, |(_, own, reaped)| own + reaped);
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        if let Some((parent, own, _)) = proc_stat(pid) {
            if parent == postmaster {
                ticks += own;
            }
        }
    }
    ticks as f64 / 100.0
}

/// (parent pid, utime + stime, cutime + cstime) of `pid`, in clock ticks.
fn proc_stat(pid: u32) -> Option<(u32, u64, u64)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let n = |i: usize| fields.get(i).and_then(|f| f.parse::<u64>().ok());
    Some((n(1)? as u32, n(11)? + n(12)?, n(13)? + n(14)?))
}

/// Waits until `done` holds, checking every 200 ms, at most `limit`.
async fn wait(limit: Duration, done: impl Fn() -> bool) -> bool {
    let start = Instant::now();
    while !done() {
        if start.elapsed() > limit {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    true
}

#[tokio::test(flavor = "multi_thread")]
async fn three_instances_share_the_feeds_and_survive_a_kill() {
    let (addr, farm) = start_farm().await;
    let url = crate::pg::fresh_database().await;
    let dir = tempfile::tempdir().unwrap();
    let cpu_before = db_cpu_seconds(&url).await;
    let started = Instant::now();
    let mut children: Vec<Child> = (0..*INSTANCES)
        .map(|n| start(&config(dir.path(), n, addr, &url)))
        .collect();
    // Not a speed check: the first polls are spread over a tenth of the interval, and
    // a loaded machine may take longer; the invariants below are what is asserted.
    let polled_all = wait(Duration::from_secs(300), || {
        let seen = farm.lock().unwrap();
        seen.polls
            .iter()
            .map(|(i, _)| *i)
            .collect::<BTreeSet<_>>()
            .len()
            == *FEEDS
    })
    .await;
    assert!(polled_all, "every feed polled");
    // Kill the instance that holds the webhook's queue, while it delivers.
    let db = sql(&url).await;
    assert!(
        wait(Duration::from_secs(20), || !farm
            .lock()
            .unwrap()
            .hooks
            .is_empty())
        .await
    );
    let owner: String = db
        .query_one("SELECT owner FROM sink_leases WHERE sink = 'hook'", &[])
        .await
        .unwrap()
        .get(0);
    let pid: u32 = owner.rsplit_once('/').unwrap().1.parse().unwrap();
    let victim = children
        .iter()
        .position(|c| c.id() == Some(pid))
        .expect("a child holds the queue");
    let mut killed = children.remove(victim);
    let victim_cpu = proc_stat(pid).map_or(0, |(_, own, _)| own);
    let killed_at = Instant::now();
    std::process::Command::new("kill")
        .args(["-9", &pid.to_string()])
        .status()
        .unwrap();
    killed.wait().await.unwrap();
    // The feeds the killed instance polled last (what the others must take over).
    let orphans: BTreeSet<usize> = db
        .query("SELECT name FROM feeds WHERE polled_by = $1", &[&owner])
        .await
        .unwrap()
        .iter()
        .filter_map(|r| r.get::<_, String>(0).strip_prefix('f')?.parse().ok())
        .collect();
    let hooks_at_kill = farm.lock().unwrap().hooks.len();
    let want = expected();

    // The others deliver the rest and poll every feed again within one interval.
    let delivered = wait(Duration::from_secs(120), || {
        farm.lock()
            .unwrap()
            .hooks
            .iter()
            .collect::<BTreeSet<_>>()
            .len()
            >= want.len()
    })
    .await;
    let until = killed_at + *INTERVAL + slack();
    tokio::time::sleep(until.saturating_duration_since(Instant::now())).await;
    let db_cpu = db_cpu_seconds(&url).await - cpu_before;
    let instances_cpu = children
        .iter()
        .filter_map(|c| proc_stat(c.id()?))
        .map(|(_, own, _)| own)
        .sum::<u64>()
        + victim_cpu;
    for c in &children {
        let pid = c.id().unwrap().to_string();
        std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap();
    }
    for c in &mut children {
        let _ = tokio::time::timeout(Duration::from_secs(15), c.wait()).await;
    }

    let db = sql(&url).await;
    let instances: i64 = db
        .query_one("SELECT COUNT(DISTINCT polled_by) FROM feeds", &[])
        .await
        .unwrap()
        .get(0);
    let alerts: i64 = db
        .query_one("SELECT COUNT(*) FROM alerts WHERE watchlist = 'w'", &[])
        .await
        .unwrap()
        .get(0);
    let seen = farm.lock().unwrap();
    let ids: BTreeSet<&String> = seen.hooks.iter().collect();
    let repeats = seen.hooks.len() - ids.len();
    let mut by_feed: BTreeMap<usize, Vec<Instant>> = BTreeMap::new();
    for (i, at) in &seen.polls {
        by_feed.entry(*i).or_default().push(*at);
    }
    let too_soon: Vec<(usize, Duration)> = by_feed
        .iter()
        .flat_map(|(i, times)| times.windows(2).map(move |w| (*i, w[1] - w[0])))
        .filter(|(_, gap)| *gap + CLOCKS < *INTERVAL)
        .collect();
    let missed: Vec<usize> = by_feed
        .iter()
        .filter(|(_, times)| !times.iter().any(|t| *t > killed_at && *t <= until))
        .map(|(i, _)| *i)
        .collect();
    let span = |times: &mut dyn Iterator<Item = Instant>| {
        let times: Vec<Instant> = times.collect();
        let first = times.iter().min().copied();
        let last = times.iter().max().copied();
        first.zip(last).map_or(0.0, |(a, b)| (b - a).as_secs_f64())
    };
    let poll_span = span(&mut seen.polls.iter().map(|(_, t)| *t));
    // How long after the kill each of the killed instance's feeds was polled again.
    let retaken: Vec<f64> = orphans
        .iter()
        .filter_map(|i| by_feed.get(i)?.iter().find(|t| **t > killed_at))
        .map(|t| (*t - killed_at).as_secs_f64())
        .collect();
    let retaken_max = retaken.iter().copied().fold(0.0, f64::max);
    let hook_span = span(&mut seen.hook_times.iter().copied());
    eprintln!(
        "fleet: {} feeds x {} instances, {} polls ({:.0} polls/s), {} alerts expected, {} \
         webhook requests ({:.0}/s; {repeats} repeats, {hooks_at_kill} before the kill), \
         {instances} instances polled, database CPU {db_cpu:.1}s, instances CPU {:.1}s, \
         {} feeds of the killed instance, {} re-polled, the last {retaken_max:.1}s after the kill, \
         {} polls too soon, {:.1}s",
        *FEEDS,
        *INSTANCES,
        seen.polls.len(),
        seen.polls.len() as f64 / poll_span.max(1.0),
        want.len(),
        seen.hooks.len(),
        seen.hooks.len() as f64 / hook_span.max(1.0),
        instances_cpu as f64 / 100.0,
        orphans.len(),
        retaken.len(),
        too_soon.len(),
        started.elapsed().as_secs_f64()
    );
    assert!(delivered, "every expected alert delivered");
    assert_eq!(
        alerts as usize,
        want.len(),
        "one alert per (watchlist, story)"
    );
    let got: BTreeSet<String> = ids.into_iter().cloned().collect();
    assert_eq!(got, want, "exactly the expected alerts");
    assert!(
        repeats <= 1,
        "{repeats} repeats: more than the attempt in flight at the kill"
    );
    assert!(
        too_soon.is_empty(),
        "feeds polled twice within one interval: {:?}",
        &too_soon[..too_soon.len().min(10)]
    );
    assert!(
        missed.is_empty(),
        "{} feeds not polled within an interval of the kill: {:?}",
        missed.len(),
        &missed[..missed.len().min(10)]
    );
    assert!(instances >= 2, "the feeds were shared: {instances}");
}
