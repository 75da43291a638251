//! Counters and histograms for `/metrics`, written in the Prometheus text format.
//!
//! One process-wide registry, as Prometheus' own client libraries keep by default: each
//! stage counts where the thing happens (a poll in the pipeline, an attempt in the
//! dispatcher) without a handle threaded through every constructor, and the admin
//! endpoint renders it together with the gauges it reads from the state at scrape time.

mod process;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{LazyLock, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Upper bounds (seconds) of the fetch latency histogram buckets.
pub const FETCH_BUCKETS: [f64; 11] = [0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0, 60.0];

/// The registry of everything newshound counts.
#[derive(Debug, Default)]
pub struct Metrics {
    inner: Mutex<Counts>,
    /// One fetch histogram per feed (`[daemon] per_feed_fetch_histogram`) instead of one
    /// for all: 14 series per feed add up with thousands of feeds.
    per_feed_fetch: AtomicBool,
}

#[derive(Debug, Default)]
struct Counts {
    polls: BTreeMap<(String, String), u64>,
    articles: u64,
    alerts: BTreeMap<String, u64>,
    deliveries: BTreeMap<(String, String), u64>,
    reloads: BTreeMap<String, u64>,
    pages: BTreeMap<(String, String), u64>,
    nats_publishes: BTreeMap<(String, String), u64>,
    /// Keyed by feed, or by "" when there is one histogram for all feeds.
    fetch: BTreeMap<String, Histogram>,
    /// Unix time of each feed's last successful poll (`ok` or `not_modified`).
    last_success: BTreeMap<String, f64>,
}

#[derive(Debug, Default, Clone)]
struct Histogram {
    buckets: [u64; FETCH_BUCKETS.len()],
    sum: f64,
    count: u64,
}

/// Values read at scrape time rather than counted.
#[derive(Debug, Clone, Copy, Default)]
pub struct Gauges {
    /// Deliveries waiting in the outbox (`status = pending`).
    pub outbox_pending: u64,
    /// Feeds in the running config.
    pub feeds: usize,
    /// Of those, feeds whose last poll failed.
    pub feeds_failing: usize,
}

static METRICS: LazyLock<Metrics> = LazyLock::new(Metrics::default);

/// The process-wide registry.
pub fn metrics() -> &'static Metrics {
    &METRICS
}

impl Metrics {
    fn counts(&self) -> MutexGuard<'_, Counts> {
        // Counters stay meaningful after a panic elsewhere: only whole updates are made.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// One poll of `feed` ended with `result` (`ok`, `not_modified`, `error`).
    pub fn record_poll(&self, feed: &str, result: &str) {
        *self
            .counts()
            .polls
            .entry((feed.to_string(), result.to_string()))
            .or_default() += 1;
    }

    /// Whether fetch latency is kept per feed (else one histogram for all feeds).
    pub fn set_per_feed_fetch(&self, per_feed: bool) {
        let was = self.per_feed_fetch.swap(per_feed, Ordering::Relaxed);
        if was != per_feed {
            // Switched: the old series would mix the two layouts.
            self.counts().fetch.clear();
        }
    }

    /// `feed` was polled successfully (`ok` or `not_modified`) now.
    pub fn record_success(&self, feed: &str) {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64().floor());
        self.counts().last_success.insert(feed.to_string(), now);
    }

    /// Counts a finished poll: its result, its new articles, the alerts it queued.
    pub fn record_poll_outcome<'a>(
        &self,
        feed: &str,
        result: &str,
        new: usize,
        alert_watchlists: impl IntoIterator<Item = &'a str>,
    ) {
        self.record_poll(feed, result);
        if result != "error" {
            self.record_success(feed);
        }
        self.add_articles(new);
        for watchlist in alert_watchlists {
            self.record_alert(watchlist);
        }
    }
    /// `n` new or changed articles were matched.
    pub fn add_articles(&self, n: usize) {
        self.counts().articles += n as u64;
    }

    /// `watchlist` queued one alert.
    pub fn record_alert(&self, watchlist: &str) {
        *self
            .counts()
            .alerts
            .entry(watchlist.to_string())
            .or_default() += 1;
    }

    /// One delivery attempt to `sink` ended with `result` (`delivered`, `retry`, `failed`, `dead`).
    pub fn record_delivery(&self, sink: &str, result: &str) {
        *self
            .counts()
            .deliveries
            .entry((sink.to_string(), result.to_string()))
            .or_default() += 1;
    }

    /// One JetStream publish of NATS sink `sink` ended with `result`: `ok` (stored),
    /// `duplicate` (the stream already had that alert id and dropped it) or `failed`.
    pub fn record_nats_publish(&self, sink: &str, result: &str) {
        *self
            .counts()
            .nats_publishes
            .entry((sink.to_string(), result.to_string()))
            .or_default() += 1;
    }

    /// One article page of `feed` was fetched for `full_text`: `ok` or `failed`.
    pub fn record_page(&self, feed: &str, result: &str) {
        *self
            .counts()
            .pages
            .entry((feed.to_string(), result.to_string()))
            .or_default() += 1;
    }

    /// A reload was applied (`ok`) or refused (`error`).
    pub fn record_reload(&self, result: &str) {
        *self.counts().reloads.entry(result.to_string()).or_default() += 1;
    }

    /// Forgets the series of every feed `keep` refuses (a reload dropped it), so the
    /// per-feed series stay bounded by the running config's feeds however often it
    /// changes. The one fetch histogram for all feeds stays.
    pub fn retain_feeds(&self, keep: impl Fn(&str) -> bool) {
        let mut c = self.counts();
        c.polls.retain(|(feed, _), _| keep(feed));
        c.pages.retain(|(feed, _), _| keep(feed));
        c.last_success.retain(|feed, _| keep(feed));
        c.fetch.retain(|feed, _| feed.is_empty() || keep(feed));
    }

    /// Fetching `feed` took `took` (successful or not).
    pub fn observe_fetch(&self, feed: &str, took: Duration) {
        let secs = took.as_secs_f64();
        let key = match self.per_feed_fetch.load(Ordering::Relaxed) {
            true => feed,
            false => "",
        };
        let mut c = self.counts();
        let h = c.fetch.entry(key.to_string()).or_default();
        for (i, le) in FETCH_BUCKETS.iter().enumerate() {
            if secs <= *le {
                h.buckets[i] += 1;
            }
        }
        h.sum += secs;
        h.count += 1;
    }

    /// Everything, in the Prometheus text exposition format (version 0.0.4).
    pub fn render(&self, gauges: &Gauges) -> String {
        let c = self.counts();
        let mut out = String::new();
        process::build_info(&mut out);
        let counters = [
            (
                "newshound_feed_polls_total",
                "Polls of each feed, by result (ok, not_modified, error).",
                pairs(&c.polls, "feed", "result"),
            ),
            (
                "newshound_articles_total",
                "New or changed articles matched against the watchlists.",
                vec![(Vec::new(), c.articles)],
            ),
            (
                "newshound_alerts_total",
                "Alerts queued, by watchlist.",
                singles(&c.alerts, "watchlist"),
            ),
            (
                "newshound_deliveries_total",
                "Delivery attempts, by sink and result (delivered, retry, failed, dead).",
                pairs(&c.deliveries, "sink", "result"),
            ),
            (
                "newshound_page_fetches_total",
                "Article pages fetched for full_text, by feed and result (ok, failed).",
                pairs(&c.pages, "feed", "result"),
            ),
            (
                "newshound_reloads_total",
                "Config reloads, by result (ok, error).",
                singles(&c.reloads, "result"),
            ),
            (
                "newshound_nats_publishes_total",
                "JetStream publishes of NATS sinks, by sink and result (ok, duplicate, failed).",
                pairs(&c.nats_publishes, "sink", "result"),
            ),
        ];
        for (name, help, samples) in counters {
            family(&mut out, name, "counter", help, &samples);
        }
        let gauges = [
            (
                "newshound_outbox_pending",
                "Deliveries waiting in the outbox.",
                gauges.outbox_pending,
            ),
            (
                "newshound_feeds",
                "Feeds in the running config.",
                gauges.feeds as u64,
            ),
            (
                "newshound_feeds_failing",
                "Feeds whose last poll failed.",
                gauges.feeds_failing as u64,
            ),
        ];
        for (name, help, value) in gauges {
            family(&mut out, name, "gauge", help, &[(Vec::new(), value)]);
        }
        last_success(&mut out, &c.last_success);
        histograms(&mut out, &c.fetch);
        process::render(&mut out);
        out
    }
}

/// Label names and values of one sample, and its value.
type Sample<'a> = (Vec<(&'static str, &'a String)>, u64);

fn pairs<'a>(
    m: &'a BTreeMap<(String, String), u64>,
    k1: &'static str,
    k2: &'static str,
) -> Vec<Sample<'a>> {
    m.iter()
        .map(|((a, b), v)| (vec![(k1, a), (k2, b)], *v))
        .collect()
}

fn singles<'a>(m: &'a BTreeMap<String, u64>, k: &'static str) -> Vec<Sample<'a>> {
    m.iter().map(|(a, v)| (vec![(k, a)], *v)).collect()
}

fn header(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(
        out,
        "# HELP {name} {}",
        help.replace('\\', "\\\\").replace('\n', "\\n")
    );
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

fn family(out: &mut String, name: &str, kind: &str, help: &str, samples: &[Sample<'_>]) {
    header(out, name, kind, help);
    for (labels, value) in samples {
        let _ = writeln!(out, "{name}{} {value}", label_set(labels));
    }
}

fn last_success(out: &mut String, last: &BTreeMap<String, f64>) {
    let name = "newshound_feed_last_success_timestamp_seconds";
    let help = "Unix time of each feed's last successful poll (ok or not modified).";
    header(out, name, "gauge", help);
    for (feed, t) in last {
        let _ = writeln!(out, "{name}{} {t}", label_set(&[("feed", feed)]));
    }
}

fn histograms(out: &mut String, fetch: &BTreeMap<String, Histogram>) {
    let name = "newshound_fetch_duration_seconds";
    header(
        out,
        name,
        "histogram",
        "Time to fetch a feed (request and body, or file read), by feed.",
    );
    for (feed, h) in fetch {
        // "" is the one histogram for every feed: no feed label.
        let base: Vec<(&str, &String)> = match feed.is_empty() {
            true => Vec::new(),
            false => vec![("feed", feed)],
        };
        let with_le = |le: &String| {
            let mut l = base.clone();
            l.push(("le", le));
            label_set(&l)
        };
        for (le, n) in FETCH_BUCKETS.iter().zip(h.buckets) {
            let _ = writeln!(out, "{name}_bucket{} {n}", with_le(&le.to_string()));
        }
        let inf = "+Inf".to_string();
        let _ = writeln!(out, "{name}_bucket{} {}", with_le(&inf), h.count);
        let _ = writeln!(out, "{name}_sum{} {}", label_set(&base), h.sum);
        let _ = writeln!(out, "{name}_count{} {}", label_set(&base), h.count);
    }
}

/// `{a="x",b="y"}`, or nothing without labels.
fn label_set(labels: &[(&str, &String)]) -> String {
    if labels.is_empty() {
        return String::new();
    }
    let inner: Vec<String> = labels
        .iter()
        .map(|(k, v)| format!("{k}=\"{}\"", escape_label(v)))
        .collect();
    format!("{{{}}}", inner.join(","))
}

/// Escapes a label value: backslash, double quote and line feed, as the format requires.
pub fn escape_label(v: &str) -> String {
    let mut s = String::with_capacity(v.len());
    for ch in v.chars() {
        match ch {
            '\\' => s.push_str("\\\\"),
            '"' => s.push_str("\\\""),
            '\n' => s.push_str("\\n"),
            c => s.push(c),
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_render_with_escaped_labels() {
        let m = Metrics::default();
        m.record_poll("wire \"asia\"\\x\ny", "ok");
        m.record_poll("wire \"asia\"\\x\ny", "ok");
        m.add_articles(3);
        m.record_alert("china");
        m.record_delivery("hook", "retry");
        let text = m.render(&Gauges {
            outbox_pending: 2,
            feeds: 4,
            feeds_failing: 1,
        });
        assert!(
            text.contains(
                "newshound_feed_polls_total{feed=\"wire \\\"asia\\\"\\\\x\\ny\",result=\"ok\"} 2\n"
            ),
            "{text}"
        );
        assert!(text.contains("newshound_articles_total 3\n"), "{text}");
        assert!(text.contains("newshound_alerts_total{watchlist=\"china\"} 1\n"));
        assert!(text.contains("newshound_deliveries_total{sink=\"hook\",result=\"retry\"} 1\n"));
        assert!(text.contains("newshound_outbox_pending 2\n"));
        assert!(text.contains("# TYPE newshound_feed_polls_total counter\n"));
    }

    #[test]
    fn histogram_buckets_are_cumulative() {
        let m = Metrics::default();
        m.set_per_feed_fetch(true);
        m.observe_fetch("a", Duration::from_millis(70));
        m.observe_fetch("a", Duration::from_secs(3));
        m.observe_fetch("a", Duration::from_secs(600));
        let text = m.render(&Gauges::default());
        let bucket = |le: &str| {
            format!("newshound_fetch_duration_seconds_bucket{{feed=\"a\",le=\"{le}\"}} ")
        };
        assert!(text.contains(&format!("{}0\n", bucket("0.05"))), "{text}");
        assert!(text.contains(&format!("{}1\n", bucket("0.1"))), "{text}");
        assert!(text.contains(&format!("{}2\n", bucket("5"))), "{text}");
        assert!(text.contains(&format!("{}2\n", bucket("60"))), "{text}");
        assert!(text.contains(&format!("{}3\n", bucket("+Inf"))), "{text}");
        assert!(text.contains("newshound_fetch_duration_seconds_count{feed=\"a\"} 3\n"));
        assert!(text.contains("newshound_fetch_duration_seconds_sum{feed=\"a\"} 603.07"));
    }

    #[test]
    fn one_fetch_histogram_for_all_feeds_unless_asked_per_feed() {
        let m = Metrics::default();
        m.observe_fetch("a", Duration::from_millis(70));
        m.observe_fetch("b", Duration::from_millis(70));
        let text = m.render(&Gauges::default());
        assert!(
            text.contains("newshound_fetch_duration_seconds_count 2\n"),
            "{text}"
        );
        assert!(!text.contains("feed=\"a\""), "{text}");
        let series = text
            .lines()
            .filter(|l| l.starts_with("newshound_fetch_duration_seconds"))
            .count();
        assert_eq!(series, 14);
    }

    #[test]
    fn series_of_feeds_a_reload_dropped_are_forgotten() {
        let m = Metrics::default();
        m.set_per_feed_fetch(true);
        for feed in ["kept", "dropped"] {
            m.record_poll_outcome(feed, "ok", 1, []);
            m.record_poll(feed, "not_modified");
            m.record_page(feed, "ok");
            m.observe_fetch(feed, Duration::from_millis(70));
        }
        m.retain_feeds(|feed| feed == "kept");
        let text = m.render(&Gauges::default());
        assert!(!text.contains("feed=\"dropped\""), "{text}");
        for series in [
            "newshound_feed_polls_total{feed=\"kept\",result=\"ok\"} 1\n",
            "newshound_feed_polls_total{feed=\"kept\",result=\"not_modified\"} 1\n",
            "newshound_page_fetches_total{feed=\"kept\",result=\"ok\"} 1\n",
            "newshound_fetch_duration_seconds_count{feed=\"kept\"} 1\n",
            "newshound_feed_last_success_timestamp_seconds{feed=\"kept\"} ",
        ] {
            assert!(text.contains(series), "{series}: {text}");
        }
        assert!(text.contains("newshound_articles_total 2\n"), "{text}");

        // The one histogram for all feeds is no feed's series.
        let all = Metrics::default();
        all.observe_fetch("dropped", Duration::from_millis(70));
        all.retain_feeds(|_| false);
        let text = all.render(&Gauges::default());
        assert!(
            text.contains("newshound_fetch_duration_seconds_count 1\n"),
            "{text}"
        );
    }

    #[test]
    fn build_info_and_last_success_are_exported() {
        let m = Metrics::default();
        m.record_success("wire");
        let text = m.render(&Gauges::default());
        let version = env!("CARGO_PKG_VERSION");
        assert!(text.contains(&format!("newshound_build_info{{version=\"{version}\",")));
        let line = text
            .lines()
            .find(|l| {
                l.starts_with("newshound_feed_last_success_timestamp_seconds{feed=\"wire\"} ")
            })
            .expect("last success");
        let t: f64 = line.rsplit_once(' ').unwrap().1.parse().unwrap();
        assert!(t > 1.7e9 && t.fract() == 0.0, "{line}");
    }

    #[test]
    fn every_family_is_declared_even_before_anything_happened() {
        let text = Metrics::default().render(&Gauges::default());
        for name in [
            "newshound_feed_polls_total",
            "newshound_alerts_total",
            "newshound_deliveries_total",
            "newshound_fetch_duration_seconds",
        ] {
            assert!(text.contains(&format!("# TYPE {name} ")), "{name}: {text}");
        }
        assert!(text.contains("newshound_articles_total 0\n"));
    }
}
