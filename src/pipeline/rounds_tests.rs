//! The claim loop under paused time, driven by a scripted state and poller: jitter
//! spread, backoff growth and ceiling, header-driven intervals, a persisted next poll, the
//! per-host cap.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::time::Instant;
use url::Url;

use super::*;
use crate::config::FeedSource;
use crate::feeds::adaptive::Inputs;
use crate::feeds::schedule::plan;
use crate::feeds::signals::{FeedSignals, HttpSignals};
use crate::store::FeedSchedule;

const MIN: Duration = Duration::from_secs(60);

fn feed(name: &str, host: &str, interval: Duration) -> FeedConfig {
    let url = Url::parse(&format!("https://{host}/{name}.xml")).unwrap();
    FeedConfig {
        full_text: Default::default(),
        name: name.into(),
        source: FeedSource::Http(url),
        interval,
        min_interval: interval,
        max_interval: 4 * 60 * MIN,
        tags: Vec::new(),
    }
}

type Script = dyn Fn(&str, usize) -> Inputs + Send + Sync;

/// A stand-in for the state and the poll: keeps each feed's next poll as a store would
/// (planned at start, moved forward by claims, set by polls), records when each feed was
/// polled, takes `busy` to poll, and answers the n-th poll of a feed with the signals
/// `script(feed, n)` gives. Its clock is paused tokio time.
#[derive(Clone)]
struct Scripted {
    started: Instant,
    base: DateTime<Utc>,
    polls: Arc<Mutex<Vec<(String, Duration)>>>,
    busy: Duration,
    in_flight: Arc<Mutex<(HashMap<String, usize>, usize)>>,
    script: Arc<Script>,
    due: HashMap<String, FeedSchedule>,
    next: Arc<Mutex<HashMap<String, i64>>>,
}

impl Scripted {
    fn new(
        busy: Duration,
        script: impl Fn(&str, usize) -> Inputs + Send + Sync + 'static,
    ) -> Scripted {
        Scripted {
            started: Instant::now(),
            base: Utc::now(),
            polls: Arc::default(),
            busy,
            in_flight: Arc::default(),
            script: Arc::new(script),
            due: HashMap::new(),
            next: Arc::default(),
        }
    }

    /// When each poll of `feed` started, from the start of the test.
    fn times(&self, feed: &str) -> Vec<Duration> {
        let polls = self.polls.lock().unwrap();
        polls
            .iter()
            .filter(|(f, _)| f == feed)
            .map(|(_, t)| *t)
            .collect()
    }

    /// The most polls of one host that ran at once.
    fn peak_per_host(&self) -> usize {
        self.in_flight.lock().unwrap().1
    }

    fn enter(&self, host: &str) {
        let mut f = self.in_flight.lock().unwrap();
        let n = f.0.entry(host.to_string()).or_default();
        *n += 1;
        let n = *n;
        f.1 = f.1.max(n);
    }

    fn leave(&self, host: &str) {
        let mut f = self.in_flight.lock().unwrap();
        *f.0.entry(host.to_string()).or_default() -= 1;
    }
}

impl Rounds for Scripted {
    fn now(&self) -> DateTime<Utc> {
        self.base + chrono::Duration::from_std(self.started.elapsed()).unwrap()
    }

    async fn plan(&self, feeds: Arc<FeedSet>) -> Result<(), StoreError> {
        let now = self.now();
        let mut next = self.next.lock().unwrap();
        for f in feeds.feeds() {
            let stored = self.due.get(&f.name);
            let at = crate::store::decide::start_at(
                stored.map(|s| s.next_poll.timestamp_millis()),
                stored.map(|s| s.reason.as_str()),
                false,
                now,
                f,
            );
            next.insert(
                f.name.clone(),
                at.unwrap_or_else(|| stored.unwrap().next_poll.timestamp_millis()),
            );
        }
        Ok(())
    }

    async fn claim(&self, feeds: Arc<FeedSet>, limit: usize) -> Result<DueFeeds, StoreError> {
        let now = self.now();
        let horizon = now.timestamp_millis();
        let mut next = self.next.lock().unwrap();
        let mut due: Vec<(i64, String)> = next
            .iter()
            .filter(|(_, at)| **at <= horizon)
            .map(|(f, at)| (*at, f.clone()))
            .collect();
        due.sort();
        due.truncate(limit);
        let claimed: Vec<Claimed> = due
            .into_iter()
            .map(|(_, feed)| {
                let hold = feeds.get(&feed).unwrap().hold;
                next.insert(feed.clone(), crate::store::decide::lease_until(now, hold));
                Claimed {
                    feed,
                    lease: crate::store::Lease {
                        owner: "test/1".into(),
                        token: "t".into(),
                    },
                    known: None,
                }
            })
            .collect();
        let next_due = next
            .values()
            .min()
            .and_then(|at| DateTime::from_timestamp_millis(*at));
        Ok(DueFeeds { claimed, next_due })
    }

    async fn renew(&self, feed: &FeedConfig, _claimed: &Claimed) -> Result<bool, StoreError> {
        let hold = feed.interval;
        let at = crate::store::decide::lease_until(self.now(), hold);
        self.next.lock().unwrap().insert(feed.name.clone(), at);
        Ok(true)
    }

    async fn poll(&self, feed: &FeedConfig, _claimed: Claimed) -> Result<PollOutcome, StoreError> {
        let n = {
            let mut polls = self.polls.lock().unwrap();
            polls.push((feed.name.clone(), self.started.elapsed()));
            polls.iter().filter(|(f, _)| *f == feed.name).count() - 1
        };
        let host = crate::feeds::gate::host_key(&feed.source).unwrap();
        self.enter(&host);
        tokio::time::sleep(self.busy).await;
        self.leave(&host);
        let inputs = (self.script)(&feed.name, n);
        let result = if inputs.failures > 0 {
            PollResult::Failed("scripted failure".into())
        } else {
            PollResult::NotModified
        };
        let schedule = plan(feed, &inputs, self.now(), fastrand::f64());
        self.next
            .lock()
            .unwrap()
            .insert(feed.name.clone(), schedule.next_poll.timestamp_millis());
        Ok(PollOutcome {
            feed: feed.name.clone(),
            result,
            alerts: Vec::new(),
            pages_due: Vec::new(),
            schedule: Some(schedule),
        })
    }
}

/// Runs the claim loop over `feeds` for `span` of (paused) time through a gate of
/// `concurrency` and `per_host`.
async fn run(
    poller: &Scripted,
    feeds: Vec<FeedConfig>,
    span: Duration,
    concurrency: usize,
    per_host: usize,
) {
    let polling = Polling {
        feeds: feeds.into(),
        gate: Arc::new(Gate::new(concurrency, per_host)),
        concurrency,
        wake: Arc::new(Notify::new()),
        board: Arc::new(crate::health::Board::new()),
    };
    let cancel = CancellationToken::new();
    let task = tokio::spawn(poll_rounds(poller.clone(), polling, cancel.clone()));
    tokio::time::sleep(span).await;
    cancel.cancel();
    task.await.unwrap();
}

fn gaps(times: &[Duration]) -> Vec<Duration> {
    times.windows(2).map(|w| w[1] - w[0]).collect()
}

/// Whether `got` is `want` stretched by at most the 10% jitter (and a second of slack for
/// the wall clock the plan reads).
fn within_jitter(got: Duration, want: Duration) -> bool {
    got + Duration::from_secs(1) >= want && got <= want.mul_f64(1.1) + Duration::from_secs(1)
}

#[tokio::test(start_paused = true)]
async fn first_polls_spread_over_the_first_tenth_of_the_interval() {
    let poller = Scripted::new(Duration::ZERO, |_, _| Inputs::default());
    let feeds: Vec<_> = (0..200)
        .map(|i| feed(&format!("f{i}"), &format!("h{i}.example"), 100 * MIN))
        .collect();
    run(&poller, feeds, 11 * MIN, 1000, 2).await;
    let firsts: Vec<Duration> = (0..200)
        .map(|i| poller.times(&format!("f{i}"))[0])
        .collect();
    assert!(
        firsts.iter().all(|t| *t <= 10 * MIN + GATHER),
        "all within 10% of the interval (and a round's gathering)"
    );
    let early = firsts.iter().filter(|t| **t < 5 * MIN).count();
    assert!(
        (60..=140).contains(&early),
        "spread, not bunched: {early} of 200 in the first half"
    );
    let distinct: std::collections::BTreeSet<_> = firsts.iter().map(|t| t.as_secs()).collect();
    assert!(distinct.len() > 150, "{} distinct seconds", distinct.len());
}

#[tokio::test(start_paused = true)]
async fn failures_back_off_exponentially_up_to_the_ceiling_and_keep_trying() {
    let poller = Scripted::new(Duration::ZERO, |_, n| Inputs {
        failures: n as u32 + 1,
        ..Inputs::default()
    });
    run(
        &poller,
        vec![feed("down", "down.example", 5 * MIN)],
        24 * 60 * MIN,
        4,
        2,
    )
    .await;
    let gaps = gaps(&poller.times("down"));
    for (i, want) in [10, 20, 40, 80, 160, 240, 240].iter().enumerate() {
        assert!(
            within_jitter(gaps[i], *want * MIN),
            "gap {i}: {:?}, want {want} min",
            gaps[i]
        );
    }
    assert!(
        gaps.len() >= 8,
        "it never gives up: {} polls in a day",
        gaps.len() + 1
    );
    assert!(
        gaps[6..].iter().all(|g| within_jitter(*g, 240 * MIN)),
        "{gaps:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn server_signals_set_the_interval() {
    let poller = Scripted::new(Duration::ZERO, |name, _| match name {
        "cached" => Inputs {
            http: HttpSignals {
                max_age: Some(30 * MIN),
                ..HttpSignals::default()
            },
            ..Inputs::default()
        },
        "ttl" => Inputs {
            feed: Some(FeedSignals {
                ttl: Some(60 * MIN),
                ..FeedSignals::default()
            }),
            ..Inputs::default()
        },
        _ => Inputs {
            failures: 1,
            http: HttpSignals {
                retry_after: Some(90 * MIN),
                ..HttpSignals::default()
            },
            ..Inputs::default()
        },
    });
    let feeds = vec![
        feed("cached", "a.example", 5 * MIN),
        feed("ttl", "b.example", 5 * MIN),
        feed("limited", "c.example", 5 * MIN),
    ];
    run(&poller, feeds, 6 * 60 * MIN, 4, 2).await;
    for (name, want) in [("cached", 30), ("ttl", 60), ("limited", 90)] {
        let gaps = gaps(&poller.times(name));
        assert!(gaps.len() >= 3, "{name}: {gaps:?}");
        assert!(
            gaps.iter().all(|g| within_jitter(*g, want * MIN)),
            "{name}: {gaps:?}, want {want} min"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn a_persisted_next_poll_is_honoured_after_a_restart() {
    let mut poller = Scripted::new(Duration::ZERO, |_, _| Inputs::default());
    let base = poller.base;
    let due = |minutes: i64, reason: &str| FeedSchedule {
        next_poll: base + chrono::Duration::minutes(minutes),
        interval: 60 * MIN,
        reason: reason.into(),
    };
    poller.due.insert("later".into(), due(45, "cache-control"));
    poller.due.insert("overdue".into(), due(-45, "interval"));
    poller.due.insert("beyond-max".into(), due(10 * 60, "ttl"));
    poller
        .due
        .insert("retry-after".into(), due(10 * 60, "retry-after"));
    let feeds = ["later", "overdue", "beyond-max", "retry-after"];
    let feeds = feeds
        .iter()
        .map(|f| feed(f, &format!("{f}.example"), 60 * MIN))
        .collect();
    run(&poller, feeds, 10 * 60 * MIN + MIN, 4, 2).await;
    let later = poller.times("later");
    assert!(
        later[0] >= 45 * MIN && later[0] <= 45 * MIN + GATHER,
        "never early, late by a round's gathering at most: {later:?}"
    );
    let overdue = poller.times("overdue");
    assert!(
        overdue[0] <= 6 * MIN,
        "an overdue feed polls within the jitter: {overdue:?}"
    );
    // A remembered poll past the (new) max_interval comes at max_interval; a server's
    // Retry-After is honoured in full.
    let beyond = poller.times("beyond-max");
    assert!(
        beyond[0] >= 240 * MIN && beyond[0] <= 240 * MIN + GATHER,
        "{beyond:?}"
    );
    let retry = poller.times("retry-after");
    assert!(retry.len() == 1 && retry[0] >= 599 * MIN, "{retry:?}");
}

#[tokio::test(start_paused = true)]
async fn one_host_gets_at_most_per_host_polls_at_once_while_others_go_on() {
    let poller = Scripted::new(Duration::from_secs(10), |_, _| Inputs::default());
    let mut feeds: Vec<_> = (0..300)
        .map(|i| feed(&format!("big{i}"), "big.example", 60 * MIN))
        .collect();
    feeds.push(feed("small", "small.example", 60 * MIN));
    run(&poller, feeds, 30 * MIN, 32, 2).await;
    assert_eq!(poller.peak_per_host(), 2);
    let small = poller.times("small");
    assert!(
        small[0] <= 6 * MIN + Duration::from_secs(10),
        "not stuck behind big.example: {small:?}"
    );
    let big_done = (0..300)
        .filter(|i| !poller.times(&format!("big{i}")).is_empty())
        .count();
    // 300 polls of 10 s, two at a time, take 25 minutes at least.
    assert!(
        (280..=300).contains(&big_done),
        "{big_done} of 300 polled in 30 minutes"
    );
}

#[tokio::test(start_paused = true)]
async fn a_later_duplicate_name_is_ignored_and_each_feed_keeps_its_own_config() {
    let poller = Scripted::new(Duration::ZERO, |_, _| Inputs::default());
    let feeds = vec![
        feed("a", "a.example", 10 * MIN),
        feed("b", "b.example", 30 * MIN),
        feed("a", "other.example", MIN),
        feed("c", "c.example", 7 * MIN),
    ];
    // b's second poll comes by 3 min (a tenth of 30) + 33 min (30 stretched by the 10%
    // jitter) + a round's gathering: 40 minutes leave room for it however the dice fall.
    run(&poller, feeds, 40 * MIN, 4, 2).await;
    for (name, interval) in [("a", 10 * MIN), ("b", 30 * MIN), ("c", 7 * MIN)] {
        let times = poller.times(name);
        assert!(times.len() >= 2, "{name} polled again: {times:?}");
        assert!(
            gaps(&times).iter().all(|g| within_jitter(*g, interval)),
            "{name} every {interval:?}: {times:?}"
        );
    }
}
