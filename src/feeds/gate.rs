//! config → feeds (schedule → **gate** → fetch): how many polls run at once — at most
//! `daemon.concurrency` in all and `http.per_host` against any one host, so one site with
//! hundreds of feeds is polled a few at a time while other sites go on. On a shared state
//! the per-host limit holds for the whole fleet: a poll also holds one of the host's
//! shared slots ([`HostSlots`]) while it runs.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::config::FeedSource;
use crate::store::{HostSlots, SlotLease};

/// The admission control shared by every poll of one config.
pub struct Gate {
    global: Arc<Semaphore>,
    per_host: usize,
    hosts: Mutex<HashMap<String, Arc<Semaphore>>>,
    fleet: Option<Fleet>,
}

impl std::fmt::Debug for Gate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gate")
            .field("per_host", &self.per_host)
            .field("fleet", &self.fleet.is_some())
            .finish()
    }
}

/// The shared slots, how long one is held at most, and what goes before the host in a
/// slot's name (so feed polls and page fetches each have their own limit, as in one process).
struct Fleet {
    slots: Arc<dyn HostSlots>,
    ttl: Duration,
    prefix: &'static str,
}

/// Leave to poll: the slots are given back when it is dropped.
#[derive(Debug)]
pub struct Pass {
    _host: HostPass,
    _global: OwnedSemaphorePermit,
}

/// A slot for one host, not yet a global one (see [`Gate::enter_host`]).
#[derive(Debug)]
pub struct HostPass {
    _local: Option<OwnedSemaphorePermit>,
    _shared: Option<SharedSlot>,
}

/// A held shared slot, given back (in a task of its own) when dropped.
struct SharedSlot {
    slots: Arc<dyn HostSlots>,
    lease: Option<SlotLease>,
}

impl std::fmt::Debug for SharedSlot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("SharedSlot").field(&self.lease).finish()
    }
}

impl Drop for SharedSlot {
    fn drop(&mut self) {
        let (Some(lease), Ok(rt)) = (self.lease.take(), tokio::runtime::Handle::try_current())
        else {
            return;
        };
        let slots = self.slots.clone();
        rt.spawn(async move {
            if let Err(e) = slots.give_back(&lease).await {
                tracing::warn!(host = %lease.host, error = %e, "giving back a shared host slot failed; it expires by itself");
            }
        });
    }
}

impl Gate {
    /// A gate admitting `concurrency` polls at once, `per_host` of them per host.
    pub fn new(concurrency: usize, per_host: usize) -> Gate {
        Gate {
            global: Arc::new(Semaphore::new(concurrency.max(1))),
            per_host: per_host.max(1),
            hosts: Mutex::new(HashMap::new()),
            fleet: None,
        }
    }

    /// This gate, with every host's limit shared through `slots` (each slot held at most
    /// `ttl`: longer than any one poll's request may take).
    pub fn shared(self, slots: Arc<dyn HostSlots>, ttl: Duration) -> Gate {
        self.shared_as(slots, ttl, "")
    }

    /// [`Gate::shared`], the slots named `prefix` + host: another limit per host beside
    /// the feed polls' (`"page:"` for article pages), which a poll holding a feed slot can
    /// wait for without waiting on itself.
    pub fn shared_as(
        mut self,
        slots: Arc<dyn HostSlots>,
        ttl: Duration,
        prefix: &'static str,
    ) -> Gate {
        self.fleet = Some(Fleet { slots, ttl, prefix });
        self
    }

    /// Waits for a slot for `source`'s host, then for a global one. The host slot comes
    /// first so that polls queued on a busy host never hold global slots other hosts
    /// could use.
    pub async fn enter(&self, source: &FeedSource) -> Pass {
        let host = self.enter_host(source).await;
        self.enter_global(host).await
    }

    /// The first half of [`Gate::enter`]: waits for a slot for `source`'s host only.
    pub async fn enter_host(&self, source: &FeedSource) -> HostPass {
        let Some(key) = host_key(source) else {
            return HostPass {
                _local: None,
                _shared: None,
            };
        };
        let local = self.host_semaphore(key.clone()).acquire_owned().await.ok();
        let shared = match &self.fleet {
            Some(fleet) => Some(
                fleet
                    .take(&format!("{}{key}", fleet.prefix), self.per_host)
                    .await,
            ),
            None => None,
        };
        HostPass {
            _local: local,
            _shared: shared,
        }
    }

    /// The second half of [`Gate::enter`]: with the host's slot, waits for a global one.
    pub async fn enter_global(&self, host: HostPass) -> Pass {
        // The semaphores are never closed, so acquiring cannot fail.
        let global = self.global.clone().acquire_owned().await;
        Pass {
            _host: host,
            _global: global.expect("the gate's semaphore is never closed"),
        }
    }

    fn host_semaphore(&self, key: String) -> Arc<Semaphore> {
        let mut hosts = self.hosts.lock().unwrap_or_else(|e| e.into_inner());
        hosts
            .entry(key)
            .or_insert_with(|| Arc::new(Semaphore::new(self.per_host)))
            .clone()
    }
}

impl Fleet {
    /// Waits for one of `host`'s shared slots: asks again after a pause (growing to a
    /// second) while all are held or the store fails.
    async fn take(&self, host: &str, limit: usize) -> SharedSlot {
        let mut pause = Duration::from_millis(20);
        loop {
            match self.slots.take_slot(host, limit, self.ttl).await {
                Ok(Some(lease)) => {
                    return SharedSlot {
                        slots: self.slots.clone(),
                        lease: Some(lease),
                    }
                }
                Ok(None) => {}
                Err(e) => {
                    tracing::warn!(host, error = %e, "taking a shared host slot failed; trying again")
                }
            }
            let jitter = Duration::from_millis(fastrand::u64(0..=pause.as_millis() as u64 / 2));
            tokio::time::sleep(pause + jitter).await;
            pause = (pause * 2).min(Duration::from_secs(1));
        }
    }
}

/// The host a feed is fetched from (lower case, without port: one server's feeds share
/// its limit whatever the port); `None` for local files.
pub fn host_key(source: &FeedSource) -> Option<String> {
    match source {
        FeedSource::Http(url) => url.host_str().map(|h| h.to_ascii_lowercase()),
        FeedSource::File(_) => None,
    }
}

/// How long a shared host slot is held at most: a poll's request (`http.timeout`), its page
/// stage (`http.timeout` + 60 s) and a margin. A poll still running past it (a stalled
/// store) may let another instance's request in beside it.
pub fn slot_ttl(timeout: Duration) -> Duration {
    timeout.saturating_mul(2) + Duration::from_secs(120)
}
