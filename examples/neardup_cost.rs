//! The cost of the near-duplicate check per new alert against the number of alerts its
//! watchlist already has in the window: a real SQLite state in a temporary directory (on
//! disk, fsynced as in production), one watchlist, N distinct stories alerted first, then
//! the CPU time of recording the next stories (half new stories, half near copies).
//!
//! ```text
//! cargo run --release --example neardup_cost [N ...]     # default 1000 2000 4000
//! ```

use std::time::Duration;

use chrono::Utc;
use newshound::alert::Alert;
use newshound::feeds::fingerprint::Fingerprint;
use newshound::feeds::Article;
use newshound::store::sqlite::SqliteStore;
use newshound::store::{ago, NearDupCheck, NewAlert};

/// Stories recorded (and timed) after the first N.
const MEASURED: usize = 200;

fn main() {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .map(|a| a.parse().expect("N is a number"))
        .collect();
    let sizes = if sizes.is_empty() {
        vec![1000, 2000, 4000]
    } else {
        sizes
    };
    println!("alerts in the window  CPU per new alert  (filling them: CPU s)");
    for n in sizes {
        let (fill, per) = run(n);
        println!("{n:>20}  {:>14.3} ms  ({fill:.2} s)", per * 1e3);
    }
}

/// Fills a fresh state with `n` alerts, then records [`MEASURED`] more; returns the CPU
/// seconds of the filling and per measured story.
fn run(n: usize) -> (f64, f64) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let store = SqliteStore::open(dir.path()).expect("state");
    let t0 = cpu_seconds();
    for i in 0..n {
        record(&store, &story(i));
    }
    let t1 = cpu_seconds();
    for i in 0..MEASURED {
        let text = if i % 2 == 0 {
            story(n + i).text
        } else {
            // A near copy of an early story: re-titled, its last fifth cut.
            let s = story(i).text;
            s[..s.len() * 4 / 5].to_string()
        };
        record(&store, &(format!("copy-{i}-{n}"), text).into());
    }
    (t1 - t0, (cpu_seconds() - t1) / MEASURED as f64)
}

/// A story: an id and ~250 words drawn from a 5,000-word vocabulary (seeded per story).
fn story(i: usize) -> Story {
    let mut rng = fastrand::Rng::with_seed(i as u64);
    let text = (0..250)
        .map(|_| format!("w{}", rng.u32(..5000)))
        .collect::<Vec<_>>()
        .join(" ");
    (format!("story-{i}"), text).into()
}

struct Story {
    id: String,
    text: String,
}

impl From<(String, String)> for Story {
    fn from((id, text): (String, String)) -> Story {
        Story { id, text }
    }
}

fn record(store: &SqliteStore, s: &Story) {
    let a = Article::new(
        "wire",
        Some(s.id.clone()),
        Some(format!("https://news.example/{}", s.id)),
        s.id.clone(),
        String::new(),
        s.text.clone(),
        None,
        None,
    );
    let near = NearDupCheck {
        fingerprint: Fingerprint::of_article(&a),
        since: ago(Duration::from_secs(48 * 3600)),
        similarity: 0.5,
    };
    let alert = NewAlert {
        alert: Alert::new("busy", None, &a, &[], Utc::now()),
        sinks: vec!["hook".into()],
        story_keys: a.story_keys(),
    };
    store
        .record_article(&a, "m", vec![alert], Some(&near), Utc::now())
        .expect("recorded");
}

/// This thread's CPU time so far (/proc/thread-self/schedstat, nanoseconds).
fn cpu_seconds() -> f64 {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").unwrap_or_default();
    let ns: f64 = s
        .split_whitespace()
        .next()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0);
    ns / 1e9
}
