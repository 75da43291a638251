//! Wires the stages together: `once` (one poll of every feed, then delivery) and `run`
//! (per-feed schedules, the delivery loop, reload and shutdown).

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, Notify};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::alert::{DispatchReport, Dispatcher, SinkBuildError};
use crate::config::{self, Config};
use crate::feeds::fetch::Fetcher;
use crate::feeds::gate::Gate;
use crate::feeds::schedule;
use crate::pipeline::{Pipeline, PollOutcome};
use crate::store::{Store, StoreError};

/// How long shutdown waits for in-flight work before leaving it to the next start.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(8);

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
        Store::open_scratch(&config.daemon.state_dir)?
    } else {
        Store::open(&config.daemon.state_dir)?
    };
    let pipeline = Pipeline {
        fetcher: Fetcher::new(&config.http)?,
        config: Arc::new(config),
        store: store.clone(),
    };
    let feeds = pipeline.poll_all(gate_for(&pipeline.config)).await?;
    let mut report = OnceReport {
        feeds,
        delivery: DispatchReport::default(),
    };
    if !opts.dry_run {
        prune(&store, pipeline.config.daemon.retention);
        let dispatcher = Dispatcher::from_config(store, &pipeline.config)?;
        report.delivery = dispatcher.deliver_due(&CancellationToken::new()).await?;
    }
    Ok(report)
}

/// Runs the daemon until `shutdown` completes: every feed on its schedule, deliveries as
/// alerts arrive. Each message on `reload` re-reads `config_path`; a valid config replaces
/// the running one, an invalid one is logged and the old one stays. `on_event` hears about
/// the milestones (ready, reloading, stopping) for the service manager.
pub async fn run(
    config_path: PathBuf,
    config: Config,
    shutdown: impl Future<Output = ()>,
    mut reload: mpsc::Receiver<()>,
    on_event: impl Fn(Event),
) -> Result<(), DaemonError> {
    let store = Store::open(&config.daemon.state_dir)?;
    let root = CancellationToken::new();
    let tracker = TaskTracker::new();
    let mut generation = Generation::start(config, store.clone(), &root, &tracker)?;
    on_event(Event::Ready);
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            Some(()) = reload.recv() => {
                on_event(Event::Reloading);
                match config::load(&config_path) {
                    Ok(new) => {
                        tracing::info!(feeds = new.feeds.len(), watchlists = new.watchlists.len(), "config reloaded");
                        generation.stop().await;
                        generation = Generation::start(new, store.clone(), &root, &tracker)?;
                    }
                    Err(e) => tracing::error!(error = %e, "reload refused: keeping the running config"),
                }
                on_event(Event::Ready);
            }
        }
    }
    on_event(Event::Stopping);
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
    Ok(())
}

/// A milestone of the running daemon.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// Config loaded, state open, polling started.
    Ready,
    /// A reload began.
    Reloading,
    /// Shutdown began.
    Stopping,
}

/// The tasks of one config: a poller per feed and the delivery loop.
struct Generation {
    cancel: CancellationToken,
    tasks: TaskTracker,
}

impl Generation {
    fn start(
        config: Config,
        store: Store,
        root: &CancellationToken,
        all: &TaskTracker,
    ) -> Result<Generation, DaemonError> {
        let cancel = root.child_token();
        let tasks = TaskTracker::new();
        let wake = Arc::new(Notify::new());
        let dispatcher = Dispatcher::from_config(store.clone(), &config)?;
        let pipeline = Pipeline {
            fetcher: Fetcher::new(&config.http)?,
            config: Arc::new(config),
            store,
        };
        let gate = gate_for(&pipeline.config);
        for feed in pipeline.config.feeds.clone() {
            let poller = schedule::poll_loop(
                pipeline.clone(),
                feed,
                gate.clone(),
                wake.clone(),
                cancel.clone(),
            );
            all.spawn(tasks.track_future(poller));
        }
        all.spawn(tasks.track_future(delivery_loop(dispatcher, wake, cancel.clone())));
        let retention = pipeline.config.daemon.retention;
        all.spawn(tasks.track_future(maintenance_loop(
            pipeline.store.clone(),
            retention,
            cancel.clone(),
        )));
        tasks.close();
        Ok(Generation { cancel, tasks })
    }

    async fn stop(self) {
        self.cancel.cancel();
        if tokio::time::timeout(SHUTDOWN_GRACE, self.tasks.wait())
            .await
            .is_err()
        {
            tracing::warn!("old config's tasks did not stop in time");
        }
    }
}

/// The caps on polls at once: `daemon.concurrency` in all, `http.per_host` per host.
fn gate_for(config: &Config) -> Arc<Gate> {
    Arc::new(Gate::new(config.daemon.concurrency, config.http.per_host))
}

/// Delivers due alerts whenever a poll queues some, and when retries fall due: one worker
/// per sink, so a slow or failing sink never holds up another.
async fn delivery_loop(dispatcher: Dispatcher, wake: Arc<Notify>, cancel: CancellationToken) {
    dispatcher.run(wake, cancel).await
}

/// Deletes stored articles past `retention`; a failure is logged, never fatal.
fn prune(store: &Store, retention: Duration) {
    match store.prune_articles(crate::store::ago(retention)) {
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
        prune(&store, retention);
        tokio::select! {
            _ = cancel.cancelled() => return,
            _ = tokio::time::sleep(Duration::from_secs(3600)) => {}
        }
    }
}
