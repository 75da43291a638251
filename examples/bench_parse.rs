//! Where parse time goes on a feed corpus, for profiling the parser alone:
//!
//! ```text
//! cargo run --release --example bench_parse -- CORPUS_DIR [RUNS]
//! ```
//!
//! Parses every file of CORPUS_DIR (`LICENSE` excepted) RUNS times (default 3) with
//! `parse_feed`, as `bench_pipeline` does, and reports the best run's MB/s of feed bytes,
//! then the same split by path: the files the strict fast path answers for and the ones
//! that go to feed-rs. Times are the thread's CPU time (`CLOCK_THREAD_CPUTIME_ID`). Under
//! `perf record` or `valgrind --tool=callgrind`, `RUNS=1` keeps the profile to one pass.
//!
//! With `WHY=1` in the environment it also lists each file feed-rs reads, the fastest
//! run's CPU time on it and why the fast path gave up, costliest first.

use newshound::feeds::parse::{fast_path_refusal, parse_feed, parse_feed_fast};

#[path = "../benches/support/runs.rs"]
mod runs;
use runs::{best_of, load, mb, secs};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let dir = args
        .get(1)
        .map_or("target/bench/kagi-benchmark-feeds", String::as_str);
    let runs: usize = args.get(2).and_then(|r| r.parse().ok()).unwrap_or(3);
    let files = load(dir);
    let total: usize = files.iter().map(|(_, b)| b.len()).sum();
    let (all, items) = best_of(runs, || {
        files
            .iter()
            .map(|(n, b)| parse_feed(b, n, None).map_or(0, |a| a.len()))
            .sum::<usize>()
    });
    println!(
        "parse: {:.1} MB/s ({} files, {:.1} MB, {items} items)",
        mb(total) / secs(all),
        files.len(),
        mb(total)
    );
    let (fast, slow): (Vec<_>, Vec<_>) = files
        .iter()
        .partition(|(n, b)| parse_feed_fast(b, n, None).is_some());
    for (label, set) in [("fast path", fast), ("feed-rs", slow)] {
        let bytes: usize = set.iter().map(|(_, b)| b.len()).sum();
        let (t, _) = best_of(runs, || {
            set.iter()
                .map(|(n, b)| parse_feed(b, n, None).map_or(0, |a| a.len()))
                .sum::<usize>()
        });
        println!(
            "  {label}: {} files, {:.1} MB, {:.1} MB/s, {:.0}% of the time",
            set.len(),
            mb(bytes),
            mb(bytes) / secs(t),
            100.0 * secs(t) / secs(all)
        );
    }
    if std::env::var_os("WHY").is_some() {
        why(&files, runs, all);
    }
}

/// Lists the files feed-rs reads, costliest first, with why the fast path gave up.
fn why(files: &[(String, Vec<u8>)], runs: usize, all: std::time::Duration) {
    let mut rows: Vec<_> = files
        .iter()
        .filter_map(|(n, b)| {
            let reason = fast_path_refusal(b, None)?;
            let (t, _) = best_of(runs, || parse_feed(b, n, None).map_or(0, |a| a.len()));
            Some((t, n, b.len(), reason))
        })
        .collect();
    rows.sort_by_key(|r| std::cmp::Reverse(r.0));
    for (t, name, len, reason) in rows {
        let name = name.rsplit('/').next().unwrap_or(name);
        println!(
            "  {:5.1}% {:7.2} ms {:6.0} KB  {name}: {reason}",
            100.0 * secs(t) / secs(all),
            1e3 * secs(t),
            len as f64 / 1e3
        );
    }
}
