//! The strict fast path against feed-rs: wherever the fast path answers, its articles
//! must equal the feed-rs path's exactly, with and without a base URL, and so must the
//! channel's `<ttl>`.

use std::path::{Path, PathBuf};
use std::process::Command;

use newshound::feeds::parse::{parse_feed_fast, parse_feed_slow, parse_ttl_fast, parse_ttl_slow};
use url::Url;

/// Every file under `dir` (recursively) whose name passes `keep`.
fn files(dir: &Path, keep: &dyn Fn(&Path) -> bool, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files(&path, keep, out);
        } else if keep(&path) {
            out.push(path);
        }
    }
}

/// Checks every file of one corpus under the repository; returns (files, files taking
/// the fast path).
fn check(dir: &str, keep: &dyn Fn(&Path) -> bool) -> (usize, usize) {
    check_at(&Path::new(env!("CARGO_MANIFEST_DIR")).join(dir), keep)
}

/// [`check`] on a folder anywhere.
fn check_at(root: &Path, keep: &dyn Fn(&Path) -> bool) -> (usize, usize) {
    let dir = root.display();
    let mut paths = Vec::new();
    files(root, keep, &mut paths);
    paths.sort();
    let base = Url::parse("https://base.example/dir/feed.xml").ok();
    let mut fast = 0;
    for path in &paths {
        let bytes = std::fs::read(path).expect("read fixture");
        for base in [None, base.as_ref()] {
            let Some(got) = parse_feed_fast(&bytes, "f", base) else {
                continue;
            };
            let want = parse_feed_slow(&bytes, "f", base).unwrap_or_else(|e| {
                panic!(
                    "{}: fast path on a feed feed-rs rejects: {e}",
                    path.display()
                )
            });
            assert_eq!(got, want, "{} (base {base:?})", path.display());
            fast += usize::from(base.is_none());
        }
        if let Some(ttl) = parse_ttl_fast(&bytes) {
            let want = parse_ttl_slow(&bytes).expect("feed-rs reads what the fast path reads");
            assert_eq!(ttl, want, "{}: <ttl>", path.display());
        }
    }
    println!("fast path: {dir}: {fast} of {} files", paths.len());
    (paths.len(), fast)
}

fn any(_: &Path) -> bool {
    true
}

fn xml(p: &Path) -> bool {
    p.extension().is_some_and(|e| e == "xml" || e == "atom")
}

#[test]
fn fast_path_equals_feed_rs_on_every_fixture() {
    let (n, fast) = check("tests/fixtures/feedparser", &any);
    assert!(n > 1000 && fast > 0, "{n} files, {fast} fast");
    let (n, fast) = check("benches/data", &xml);
    assert!(n > 0 && fast > 0, "{n} files, {fast} fast");
    check("feeds", &xml);
    check("tests/fixtures/it", &any);
}

/// The 200 real feeds `bench/run.sh` parses (bench/corpus), unpacked by `tar` into a
/// temporary folder: most of them must take the fast path, each with feed-rs's articles.
#[test]
fn fast_path_equals_feed_rs_on_the_bench_corpus() {
    let dir = tempfile::tempdir().expect("temp dir");
    let archive = Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/corpus/kagi-feeds.tar.xz");
    let status = Command::new("tar")
        .arg("-C")
        .arg(dir.path())
        .arg("-xJf")
        .arg(&archive)
        .status()
        .expect("run tar");
    assert!(status.success(), "tar -xJf {}: {status}", archive.display());
    let (n, fast) = check_at(dir.path(), &|p| {
        p.file_name().is_some_and(|n| n != "LICENSE")
    });
    assert!(n == 200 && fast >= 170, "{n} files, {fast} fast");
}
