//! config → feeds (schedule → **gate** → fetch): how many polls run at once — at most
//! `daemon.concurrency` in all and `http.per_host` against any one host, so one site with
//! hundreds of feeds is polled a few at a time while other sites go on.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::config::FeedSource;

/// The admission control shared by every poll of one config.
#[derive(Debug)]
pub struct Gate {
    global: Arc<Semaphore>,
    per_host: usize,
    hosts: Mutex<HashMap<String, Arc<Semaphore>>>,
}

/// Leave to poll: the slots are given back when it is dropped.
#[derive(Debug)]
pub struct Pass {
    _host: Option<OwnedSemaphorePermit>,
    _global: OwnedSemaphorePermit,
}

/// A slot for one host, not yet a global one (see [`Gate::enter_host`]).
#[derive(Debug)]
pub struct HostPass(Option<OwnedSemaphorePermit>);

impl Gate {
    /// A gate admitting `concurrency` polls at once, `per_host` of them per host.
    pub fn new(concurrency: usize, per_host: usize) -> Gate {
        Gate {
            global: Arc::new(Semaphore::new(concurrency.max(1))),
            per_host: per_host.max(1),
            hosts: Mutex::new(HashMap::new()),
        }
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
        let host = match host_key(source) {
            Some(key) => {
                let sem = self.host_semaphore(key);
                sem.acquire_owned().await.ok()
            }
            None => None,
        };
        HostPass(host)
    }

    /// The second half of [`Gate::enter`]: with the host's slot, waits for a global one.
    pub async fn enter_global(&self, host: HostPass) -> Pass {
        // The semaphores are never closed, so acquiring cannot fail.
        let global = self.global.clone().acquire_owned().await;
        Pass {
            _host: host.0,
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

/// The host a feed is fetched from (lower case, without port: one server's feeds share
/// its limit whatever the port); `None` for local files.
pub fn host_key(source: &FeedSource) -> Option<String> {
    match source {
        FeedSource::Http(url) => url.host_str().map(|h| h.to_ascii_lowercase()),
        FeedSource::File(_) => None,
    }
}
