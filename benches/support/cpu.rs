//! A criterion measurement of the benchmark thread's CPU time (`CLOCK_THREAD_CPUTIME_ID`)
//! instead of wall time: on a shared machine, time spent waiting for a core is not counted.

use std::time::Duration;

use criterion::measurement::{Measurement, ValueFormatter};
use criterion::Throughput;
use rustix::time::{clock_gettime, ClockId};

/// The calling thread's CPU time so far.
pub fn thread_cpu() -> Duration {
    let t = clock_gettime(ClockId::ThreadCPUTime);
    Duration::new(t.tv_sec as u64, t.tv_nsec as u32)
}

/// Criterion's measurement in thread CPU nanoseconds.
pub struct ThreadCpu;

impl Measurement for ThreadCpu {
    type Intermediate = Duration;
    type Value = Duration;

    fn start(&self) -> Duration {
        thread_cpu()
    }
    fn end(&self, start: Duration) -> Duration {
        thread_cpu().saturating_sub(start)
    }
    fn add(&self, a: &Duration, b: &Duration) -> Duration {
        *a + *b
    }
    fn zero(&self) -> Duration {
        Duration::ZERO
    }
    fn to_f64(&self, v: &Duration) -> f64 {
        v.as_nanos() as f64
    }
    fn formatter(&self) -> &dyn ValueFormatter {
        &CpuFormatter
    }
}

/// Formats CPU nanoseconds like criterion formats wall time (throughputs in decimal units).
struct CpuFormatter;

impl ValueFormatter for CpuFormatter {
    fn scale_values(&self, ns: f64, values: &mut [f64]) -> &'static str {
        let (factor, unit) = match ns {
            n if n < 1e3 => (1.0, "ns cpu"),
            n if n < 1e6 => (1e-3, "µs cpu"),
            n if n < 1e9 => (1e-6, "ms cpu"),
            _ => (1e-9, "s cpu"),
        };
        values.iter_mut().for_each(|v| *v *= factor);
        unit
    }

    fn scale_throughputs(&self, typical: f64, t: &Throughput, values: &mut [f64]) -> &'static str {
        let (amount, units) = match *t {
            Throughput::Bytes(b) | Throughput::BytesDecimal(b) => {
                (b as f64, ["B/s", "KB/s", "MB/s", "GB/s"])
            }
            Throughput::Elements(e) => (e as f64, ["elem/s", "Kelem/s", "Melem/s", "Gelem/s"]),
        };
        let per_second = amount * 1e9 / typical;
        let step = (0..3)
            .take_while(|i| per_second >= 1e3f64.powi(i + 1))
            .count();
        let denominator = 1e3f64.powi(step as i32);
        values
            .iter_mut()
            .for_each(|v| *v = amount * 1e9 / *v / denominator);
        units[step]
    }

    fn scale_for_machines(&self, _values: &mut [f64]) -> &'static str {
        "ns"
    }
}
