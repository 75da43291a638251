//! What the process costs, read from `/proc/self` at scrape time, under the names
//! Prometheus' own client libraries use (`process_cpu_seconds_total`, …), so standard
//! dashboards and alerts work unchanged; and `newshound_build_info`.

use std::fmt::Write as _;

/// One process sample: metric name, type, help, value.
type Sample = (&'static str, &'static str, &'static str, f64);

/// The process families, those `/proc` can tell (none where there is no `/proc`).
pub fn render(out: &mut String) {
    for (name, kind, help, value) in samples() {
        let _ = writeln!(out, "# HELP {name} {help}");
        let _ = writeln!(out, "# TYPE {name} {kind}");
        let _ = writeln!(out, "{name} {value}");
    }
}

/// `newshound_build_info{version,target} 1`.
pub fn build_info(out: &mut String) {
    let name = "newshound_build_info";
    let _ = writeln!(
        out,
        "# HELP {name} The running build: version and target, value 1."
    );
    let _ = writeln!(out, "# TYPE {name} gauge");
    let _ = writeln!(
        out,
        "{name}{{version=\"{}\",target=\"{}-{}\"}} 1",
        env!("CARGO_PKG_VERSION"),
        std::env::consts::ARCH,
        std::env::consts::OS
    );
}

fn samples() -> Vec<Sample> {
    let mut out = Vec::new();
    if let Some(stat) = Stat::read() {
        let ticks = rustix::param::clock_ticks_per_second() as f64;
        let page = rustix::param::page_size() as f64;
        out.push((
            "process_cpu_seconds_total",
            "counter",
            "User and system CPU time spent, in seconds.",
            (stat.utime + stat.stime) as f64 / ticks,
        ));
        out.push((
            "process_resident_memory_bytes",
            "gauge",
            "Resident memory size in bytes.",
            stat.rss_pages as f64 * page,
        ));
        out.push((
            "process_virtual_memory_bytes",
            "gauge",
            "Virtual memory size in bytes.",
            stat.vsize as f64,
        ));
    }
    if let Ok(fds) = std::fs::read_dir("/proc/self/fd") {
        // One entry is the directory handle read_dir itself holds.
        let open = fds.count().saturating_sub(1);
        out.push((
            "process_open_fds",
            "gauge",
            "Open file descriptors.",
            open as f64,
        ));
    }
    let limit = rustix::process::getrlimit(rustix::process::Resource::Nofile);
    if let Some(max) = limit.current {
        out.push((
            "process_max_fds",
            "gauge",
            "The limit on open file descriptors.",
            max as f64,
        ));
    }
    out
}

/// The fields of `/proc/self/stat` used here.
struct Stat {
    utime: u64,
    stime: u64,
    vsize: u64,
    rss_pages: u64,
}

impl Stat {
    fn read() -> Option<Stat> {
        let text = std::fs::read_to_string("/proc/self/stat").ok()?;
        Stat::parse(&text)
    }

    /// The command name is in parentheses and may hold spaces: fields count from after it.
    fn parse(text: &str) -> Option<Stat> {
        let rest = &text[text.rfind(')')? + 1..];
        let f: Vec<&str> = rest.split_whitespace().collect();
        // rest starts at field 3 (state): field n is f[n - 3].
        let field = |n: usize| f.get(n - 3)?.parse::<u64>().ok();
        Some(Stat {
            utime: field(14)?,
            stime: field(15)?,
            vsize: field(23)?,
            rss_pages: field(24)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_fields_count_from_after_the_command_name() {
        let line = "42 (news hound) S 1 42 42 0 -1 4194560 100 0 0 0 7 3 0 0 20 0 9 0 500 \
                    123456 789 18446744073709551615";
        let s = Stat::parse(line).unwrap();
        assert_eq!(
            (s.utime, s.stime, s.vsize, s.rss_pages),
            (7, 3, 123456, 789)
        );
    }

    #[test]
    fn this_process_is_measured() {
        let mut out = String::new();
        render(&mut out);
        for name in [
            "process_cpu_seconds_total",
            "process_resident_memory_bytes",
            "process_open_fds",
        ] {
            assert!(out.contains(&format!("\n{name} ")), "{name}: {out}");
        }
    }
}
