//! Watching the open state while the daemon runs (issue 12, points 3 and 4): every
//! [`PROBE_EVERY`] the backend's [`probe`](crate::store::Backend::probe) checks that the
//! state is still the file the daemon opened and still reads. A replaced or removed
//! state stops the daemon at once; a state that keeps failing makes it unhealthy
//! (`/healthz` 503, no watchdog pings) and, after [`FAIL_EXIT_AFTER`], stops it with an
//! error so the service manager restarts it.

use std::sync::Arc;
use std::time::Duration;

use tokio::time::{Instant, MissedTickBehavior};
use tokio_util::sync::CancellationToken;

use crate::health::Board;
use crate::store::{Store, StoreError};

/// How often the state is probed.
pub const PROBE_EVERY: Duration = Duration::from_secs(2);

/// How long the state may keep failing before the daemon gives up and exits.
pub const FAIL_EXIT_AFTER: Duration = Duration::from_secs(30);

/// Probes `store` until `cancel`; `Some(error)` when the daemon must stop (the state was
/// replaced or removed, or has failed for [`FAIL_EXIT_AFTER`]). Failures and recoveries
/// are put on `board`, which `/healthz` and the watchdog read.
pub async fn watch(
    store: Store,
    board: Arc<Board>,
    cancel: CancellationToken,
) -> Option<StoreError> {
    let mut tick = tokio::time::interval(PROBE_EVERY);
    tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut failing_since: Option<Instant> = None;
    loop {
        tokio::select! {
            _ = cancel.cancelled() => return None,
            _ = tick.tick() => {}
        }
        let probed = store.clone();
        let outcome = match tokio::task::spawn_blocking(move || probed.probe()).await {
            Ok(outcome) => outcome,
            Err(e) => Err(StoreError::Worker(e.to_string())),
        };
        match outcome {
            Ok(()) => {
                if failing_since.take().is_some() {
                    tracing::info!("the state reads again: healthy");
                }
                board.set_state_failure(None);
            }
            Err(e) => {
                let error = crate::net::error_chain(&e);
                board.set_state_failure(Some(error.clone()));
                if matches!(e, StoreError::Replaced { .. }) {
                    return Some(e);
                }
                let since = *failing_since.get_or_insert_with(Instant::now);
                tracing::error!(
                    error,
                    failing_for_s = since.elapsed().as_secs(),
                    "the state fails: unhealthy"
                );
                if since.elapsed() >= FAIL_EXIT_AFTER {
                    return Some(e);
                }
            }
        }
    }
}
