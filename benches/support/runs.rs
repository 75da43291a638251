//! Reading a feed corpus and timing runs over it by the thread's CPU time (shared by
//! `examples/bench_pipeline.rs` and `examples/bench_parse.rs`).

use std::time::Duration;

/// Every file of `dir` but its `LICENSE`, in file-name order: (path, bytes).
pub fn load(dir: &str) -> Vec<(String, Vec<u8>)> {
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("reading {dir}: {e}"))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.file_name().is_some_and(|n| n != "LICENSE"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            (
                p.display().to_string(),
                std::fs::read(&p).expect("read feed"),
            )
        })
        .collect()
}

/// The calling thread's CPU time so far.
pub fn thread_cpu() -> Duration {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::ThreadCPUTime);
    Duration::new(t.tv_sec as u64, t.tv_nsec as u32)
}

/// The fastest of `runs` runs of `f` (at least one), by thread CPU time, with its output.
pub fn best_of<T>(runs: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut best: Option<(Duration, T)> = None;
    for _ in 0..runs.max(1) {
        let start = thread_cpu();
        let out = f();
        let t = thread_cpu() - start;
        if best.as_ref().is_none_or(|(b, _)| t < *b) {
            best = Some((t, out));
        }
    }
    best.expect("at least one run")
}

/// Bytes in MB.
pub fn mb(bytes: usize) -> f64 {
    bytes as f64 / 1e6
}

/// A duration in seconds, never zero (it divides).
pub fn secs(d: Duration) -> f64 {
    d.as_secs_f64().max(1e-9)
}
