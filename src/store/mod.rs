//! The embedded state (SQLite under `state_dir`): feed validators and poll results, stories
//! already seen per watchlist, and the alert outbox with per-sink delivery state.

mod db;
mod outbox;
mod seen;
mod status;

pub use db::{Store, StoreError};
pub use outbox::{Delivery, DeliveryStatus, OutboxRow};
pub use seen::{FeedState, NewAlert, PollRecord};
pub use status::{DeliveryState, OutboxCounts, RecentAlert};
