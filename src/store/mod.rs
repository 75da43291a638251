//! The embedded state (SQLite under `state_dir`): feed validators and poll results, stories
//! already seen per watchlist, and the alert outbox with per-sink delivery state.

mod db;
mod digest;
mod outbox;
mod replay;
mod seen;

pub use db::{Store, StoreError};
pub use digest::PendingDigest;
pub use outbox::{Delivery, DeliveryStatus, OutboxRow};
pub use seen::{FeedState, NewAlert, PollRecord};
