//! Wires the stages together: `once` (one poll of every feed, then delivery) and `run`
//! (claim rounds over the shared schedule, the delivery loop, reload and shutdown).

use std::collections::HashSet;
use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, Notify};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::admin::{self, AdminError};
use crate::alert::{DispatchReport, Dispatcher, SinkBuildError};
use crate::config::{self, Config};
use crate::feeds::gate::Gate;
use crate::health::{self, Board};
use crate::metrics::metrics;
use crate::pidfile::{PidFile, PidFileError};
use crate::pipeline::rounds::{poll_rounds, Polling};
use crate::pipeline::{Pipeline, PollOutcome};
use crate::status::{self, Monitor};
use crate::store::{Store, StoreError};
use crate::systemd::{self, Notifier};

/// How long shutdown waits for in-flight work before leaving it to the next start.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(8);

/// How often `run` hands the heap pages freed meanwhile back to the system
/// ([`trim_heap`]).
pub const TRIM_EVERY: Duration = Duration::from_secs(15);

/// A failure that stops `once` or `run`.
#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    /// The state could not be opened or written.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The HTTP client could not be built (TLS set-up).
    #[error("building the HTTP client failed")]
    Client(#[from] reqwest::Error),
    /// A sink could not be built.
    #[error(transparent)]
    Sink(#[from] SinkBuildError),
    /// Another daemon holds the state, or the pid file cannot be written.
    #[error(transparent)]
    PidFile(#[from] PidFileError),
    /// The admin endpoint cannot listen.
    #[error(transparent)]
    Admin(#[from] AdminError),
    /// The admin token file is unreadable or invalid.
    #[error(transparent)]
    AdminToken(#[from] admin::auth::TokenError),
}

/// Options of `once`.
#[derive(Debug, Clone, Copy, Default)]
pub struct OnceOptions {
    /// Deliver nothing and record nothing.
    pub dry_run: bool,
}

/// What `once` did.
#[derive(Debug, Clone, Default)]
pub struct OnceReport {
    /// One outcome per feed, in config order.
    pub feeds: Vec<PollOutcome>,
    /// Delivery counts (all zero for a dry run).
    pub delivery: DispatchReport,
}

/// Polls every feed once, then delivers what is due from the outbox.
pub async fn once(config: Config, opts: OnceOptions) -> Result<OnceReport, DaemonError> {
    let store = if opts.dry_run {
        Store::open_scratch(&config).await?
    } else {
        Store::open(&config).await?
    };
    let pipeline = Pipeline::new(config, store.clone())?;
    let feeds = pipeline.poll_all(gate_for(&pipeline)).await?;
    let mut report = OnceReport {
        feeds,
        delivery: DispatchReport::default(),
    };
    if !opts.dry_run {
        prune(&store, pipeline.config.daemon.retention).await;
        let dispatcher = Dispatcher::from_config(store.clone(), &pipeline.config)?;
        report.delivery = dispatcher.deliver_due(&CancellationToken::new()).await?;
    }
    store.flush();
    Ok(report)
}

/// Runs the daemon until `shutdown` completes: every feed on its schedule, deliveries as
/// alerts arrive, the admin endpoint when `admin_listen` is set. Each message on `reload`
/// re-reads `config_path`; a valid config replaces the running one, an invalid one is
/// logged and the old one stays. `notifier` tells systemd (when it listens) READY,
/// RELOADING, STOPPING, the STATUS line and the watchdog pings.
pub async fn run(
    config_path: PathBuf,
    config: Config,
    shutdown: impl Future<Output = ()>,
    mut reload: mpsc::Receiver<()>,
    notifier: Notifier,
) -> Result<(), DaemonError> {
    // The pid file first: a second daemon on this state is refused before it touches it.
    let dir = &config.daemon.state_dir;
    std::fs::create_dir_all(dir).map_err(|source| StoreError::CreateDir {
        path: dir.clone(),
        source,
    })?;
    let _pid_file = PidFile::create(dir)?;
    let store = Store::open(&config).await?;
    tracing::info!(state = %store.describe(), instance = %crate::store::instance_id(), "state open");
    let admin = match config.daemon.admin_listen {
        Some(addr) => Some((admin::bind(addr).await?, admin_access(&config)?)),
        None => None,
    };
    let root = CancellationToken::new();
    let tracker = TaskTracker::new();
    let board = Arc::new(Board::new());
    let monitor = Arc::new(Monitor::new(store.clone(), board, Arc::new(config.clone())));
    let mut generation = Generation::start(config, store.clone(), &monitor, &root, &tracker, None)?;
    if let Some((listener, access)) = admin {
        tracker.spawn(admin::serve(
            listener,
            monitor.clone(),
            access,
            root.clone(),
        ));
    }
    spawn_notifications(&notifier, &monitor, &root, &tracker);
    tracker.spawn(trim_loop(root.clone()));
    notifier.notify(&ready_message(&monitor).await);
    tokio::pin!(shutdown);
    let watch = crate::statewatch::watch(store.clone(), monitor.board().clone(), root.clone());
    tokio::pin!(watch);
    let mut failed = None;
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            Some(e) = &mut watch => {
                tracing::error!(error = %crate::net::error_chain(&e), "stopping: the state failed");
                failed = Some(e);
                break;
            }
            Some(()) = reload.recv() => {
                notifier.notify(&systemd::reloading_message());
                generation = reload_config(&config_path, generation, &store, &monitor, &root, &tracker).await?;
                notifier.notify(&ready_message(&monitor).await);
            }
        }
    }
    notifier.notify("STOPPING=1\nSTATUS=stopping");
    drain(root, tracker).await;
    store.flush();
    failed.map_or(Ok(()), |e| Err(e.into()))
}

/// Stops every task and gives in-flight work [`SHUTDOWN_GRACE`] to finish.
async fn drain(root: CancellationToken, tracker: TaskTracker) {
    tracing::info!("shutting down");
    root.cancel();
    tracker.close();
    if tokio::time::timeout(SHUTDOWN_GRACE, tracker.wait())
        .await
        .is_err()
    {
        tracing::warn!(
            "in-flight work did not finish in time; pending deliveries resume at next start"
        );
    }
}

/// Re-reads the config: a valid one replaces the running generation, an invalid one is
/// logged with every problem and the running generation is returned as it was.
async fn reload_config(
    path: &std::path::Path,
    generation: Generation,
    store: &Store,
    monitor: &Arc<Monitor>,
    root: &CancellationToken,
    tracker: &TaskTracker,
) -> Result<Generation, DaemonError> {
    let new = match config::load(path) {
        Ok(new) => new,
        Err(e) => {
            metrics().record_reload("error");
            tracing::error!(error = %e, "reload refused: keeping the running config");
            return Ok(generation);
        }
    };
    warn_restart_only(&monitor.config(), &new);
    metrics().record_reload("ok");
    tracing::info!(
        feeds = new.feeds.len(),
        watchlists = new.watchlists.len(),
        "config reloaded"
    );
    let previous = generation.stop().await;
    let started = Generation::start(new, store.clone(), monitor, root, tracker, Some(previous));
    trim_heap();
    started
}

/// Trims the heap every [`TRIM_EVERY`] until `cancel` fires. Polls free what they
/// parsed in pieces scattered over the heap, and glibc returns only the top of it by
/// itself: at 20,000 feeds a third of the heap was free memory held resident
/// (`mallinfo2`: 37 of 84 MB, in 31,000 free chunks).
async fn trim_loop(cancel: CancellationToken) {
    loop {
        tokio::select! {
            _ = cancel.cancelled() => return,
            _ = tokio::time::sleep(TRIM_EVERY) => {}
        }
        // It holds each arena's lock while it walks the free chunks (milliseconds):
        // off the async workers.
        let _ = tokio::task::spawn_blocking(trim_heap).await;
    }
}

/// Hands the heap pages freed meanwhile back to the system. glibc keeps freed memory
/// for reuse, so without this each reload's peak (two configurations and their matchers
/// alive at once) and each busy round's stays resident.
fn trim_heap() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only walks glibc's own free lists, under its own locks; it
    // touches no memory of ours.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Keys read at start only: say so when a reload changes them.
fn warn_restart_only(old: &Config, new: &Config) {
    for (key, changed) in [
        (
            "daemon.state_dir",
            old.daemon.state_dir != new.daemon.state_dir,
        ),
        (
            "daemon.admin_listen",
            old.daemon.admin_listen != new.daemon.admin_listen,
        ),
    ] {
        if changed {
            tracing::warn!(
                key,
                "changed in the config: takes effect at the next restart"
            );
        }
    }
}

/// The watchdog (when systemd asked for one) and the STATUS line updates.
fn spawn_notifications(
    notifier: &Notifier,
    monitor: &Arc<Monitor>,
    root: &CancellationToken,
    tracker: &TaskTracker,
) {
    if let Some(every) = notifier.watchdog_interval() {
        let board = monitor.board().clone();
        tracker.spawn(health::watchdog(
            notifier.clone(),
            every,
            board,
            root.clone(),
        ));
    }
    if notifier.enabled() {
        tracker.spawn(status::status_loop(
            notifier.clone(),
            monitor.clone(),
            root.clone(),
        ));
    }
}

async fn ready_message(monitor: &Monitor) -> String {
    let line = monitor
        .summary()
        .await
        .map(|s| s.line())
        .unwrap_or_else(|_| "polling".into());
    format!("READY=1\nSTATUS={line}")
}

/// The tasks of one config: the claim loop and the delivery loop.
struct Generation {
    cancel: CancellationToken,
    tasks: TaskTracker,
    /// The delivery loop alone: the next generation's waits for it (see [`Generation::start`]).
    delivery: TaskTracker,
}

impl Generation {
    /// Starts the tasks of `config`. The delivery loop starts once `after` (the previous
    /// generation's delivery loop) has finished: an attempt the old config had in flight
    /// completes and is recorded on its own, and is never sent a second time by the new
    /// one (both run as the same instance, so the sink's queue lease does not tell them
    /// apart).
    fn start(
        config: Config,
        store: Store,
        monitor: &Monitor,
        root: &CancellationToken,
        all: &TaskTracker,
        after: Option<TaskTracker>,
    ) -> Result<Generation, DaemonError> {
        let cancel = root.child_token();
        let tasks = TaskTracker::new();
        let wake = Arc::new(Notify::new());
        let dispatcher = Dispatcher::from_config(store.clone(), &config)?;
        let pipeline = Pipeline::new(config, store)?.with_wake(wake.clone());
        monitor
            .board()
            .reset(pipeline.config.http.timeout + health::POLL_GRACE);
        monitor.set_config(pipeline.config.clone());
        {
            // Per-feed series of feeds the config no longer has go with them.
            let names: HashSet<&str> = pipeline
                .config
                .feeds
                .iter()
                .map(|f| f.name.as_str())
                .collect();
            crate::metrics::metrics().retain_feeds(|feed| names.contains(feed));
        }
        crate::metrics::metrics()
            .set_per_feed_fetch(pipeline.config.daemon.per_feed_fetch_histogram);
        let polling = Polling {
            feeds: pipeline.config.feeds.clone(),
            gate: gate_for(&pipeline),
            concurrency: pipeline.config.daemon.concurrency,
            wake: wake.clone(),
            board: monitor.board().clone(),
        };
        let rounds = poll_rounds(pipeline.clone(), polling, cancel.clone());
        all.spawn(tasks.track_future(rounds));
        let delivery = TaskTracker::new();
        let deliveries = after_previous(
            after,
            delivery_loop(dispatcher, wake, cancel.clone()),
            cancel.clone(),
        );
        all.spawn(tasks.track_future(delivery.track_future(deliveries)));
        delivery.close();
        let retention = pipeline.config.daemon.retention;
        all.spawn(tasks.track_future(maintenance_loop(
            pipeline.store.clone(),
            retention,
            cancel.clone(),
        )));
        tasks.close();
        Ok(Generation {
            cancel,
            tasks,
            delivery,
        })
    }

    /// Stops the tasks, giving them [`SHUTDOWN_GRACE`]; returns the delivery loop's
    /// tracker, which a delivery still in flight keeps open until it is recorded.
    async fn stop(self) -> TaskTracker {
        self.cancel.cancel();
        if tokio::time::timeout(SHUTDOWN_GRACE, self.tasks.wait())
            .await
            .is_err()
        {
            tracing::warn!("old config's tasks did not stop in time (a delivery in flight finishes on its own)");
        }
        self.delivery
    }
}

/// Runs `work` once `after` has finished (unless `cancel` fires first).
async fn after_previous(
    after: Option<TaskTracker>,
    work: impl Future<Output = ()>,
    cancel: CancellationToken,
) {
    if let Some(previous) = after.filter(|t| !t.is_empty()) {
        tracing::info!("waiting for the old config's delivery in flight before delivering");
        tokio::select! {
            _ = cancel.cancelled() => return,
            _ = previous.wait() => {}
        }
    }
    work.await
}

/// The caps on polls at once: `daemon.concurrency` in all, `http.per_host` per host —
/// across every instance when the state is shared.
fn gate_for(pipeline: &Pipeline) -> Arc<Gate> {
    let config = &pipeline.config;
    let gate = Gate::new(config.daemon.concurrency, config.http.per_host);
    Arc::new(match pipeline.store.host_slots() {
        Some(slots) => gate.shared(slots, crate::feeds::gate::slot_ttl(config.http.timeout)),
        None => gate,
    })
}

/// Delivers due alerts whenever a poll queues some, and when retries fall due: one worker
/// per sink, so a slow or failing sink never holds up another.
async fn delivery_loop(dispatcher: Dispatcher, wake: Arc<Notify>, cancel: CancellationToken) {
    dispatcher.run(wake, cancel).await
}

/// Deletes stored articles past `retention`; a failure is logged, never fatal.
async fn prune(store: &Store, retention: Duration) {
    match store.prune_articles(crate::store::ago(retention)).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(articles = n, "pruned stored articles past retention"),
        Err(e) => {
            tracing::warn!(error = %crate::net::error_chain(&e), "pruning stored articles failed")
        }
    }
}

/// Prunes stored articles at start and then hourly.
async fn maintenance_loop(store: Store, retention: Duration, cancel: CancellationToken) {
    loop {
        prune(&store, retention).await;
        tokio::select! {
            _ = cancel.cancelled() => return,
            _ = tokio::time::sleep(Duration::from_secs(3600)) => {}
        }
    }
}

/// The admin endpoint's access rules: the token of `[daemon] admin_token_file`, else of
/// `$CREDENTIALS_DIRECTORY/admin_token`.
fn admin_access(config: &Config) -> Result<admin::Access, admin::auth::TokenError> {
    admin::Access::load(config.daemon.admin_token_file.as_deref())
}
