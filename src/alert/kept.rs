//! Delivery outcomes the state could not record. When the receiver has answered but
//! writing its verdict fails (the disk is full, an I/O error), the attempt is not
//! forgotten — that would send it again once the row is found still pending. The
//! settlement is kept here, in the process, and written before the sink sends anything
//! else; until it is written the sink sends nothing. So there is at most one unit's
//! settlements per sink. Kept for the whole process: a reload's new dispatcher writes
//! what the old one could not. Lost only when the process ends before the state takes
//! writes again (then the delivery is sent again after the restart: at least once).

use std::collections::HashMap;
use std::sync::OnceLock;

use tokio::sync::Mutex;

use crate::store::{Settlement, Store, StoreError};

/// Settlements waiting to be written, per sink, in the order they were made.
#[derive(Default)]
pub struct Kept {
    by_sink: Mutex<HashMap<String, Vec<Settlement>>>,
}

impl Kept {
    /// Keeps `settlements` of `sink` (the first of them failed to be written).
    pub async fn keep(&self, sink: &str, settlements: Vec<Settlement>) {
        let mut by_sink = self.by_sink.lock().await;
        by_sink
            .entry(sink.to_string())
            .or_default()
            .extend(settlements);
    }

    /// Writes what is kept for `sink`, oldest first. `Ok` when nothing is left: the
    /// sink may send again; on an error the rest stays kept (and nothing may be sent).
    /// The lock is held while writing, so no other dispatcher of `sink` reads its rows
    /// before they are settled.
    pub async fn flush(&self, sink: &str, store: &Store) -> Result<(), StoreError> {
        let mut by_sink = self.by_sink.lock().await;
        let Some(list) = by_sink.get_mut(sink) else {
            return Ok(());
        };
        while let Some(first) = list.first() {
            store.settle(first.clone()).await?;
            list.remove(0);
            if list.is_empty() {
                tracing::info!(sink, "the kept delivery outcomes are written");
            }
        }
        by_sink.remove(sink);
        Ok(())
    }

    /// How many settlements are waiting to be written.
    pub async fn len(&self) -> usize {
        self.by_sink.lock().await.values().map(Vec::len).sum()
    }

    /// Whether nothing is waiting.
    pub async fn is_empty(&self) -> bool {
        self.len().await == 0
    }
}

/// The process's kept settlements.
pub fn kept() -> &'static Kept {
    static KEPT: OnceLock<Kept> = OnceLock::new();
    KEPT.get_or_init(Kept::default)
}
