//! The embedded state (SQLite under `state_dir`): feed validators and poll results, stories
//! already seen per watchlist, and the alert outbox with per-sink delivery state.

mod batch;
mod copies;
mod db;
mod digest;
mod history;
mod outbox;
mod poll;
mod replay;
mod schedule;
mod seen;
mod status;

pub use copies::NearDupCheck;
pub use db::{Store, StoreError, DB_FILE};
pub use digest::PendingDigest;
pub use history::{ago, PastAlert};
pub use outbox::{Delivery, DeliveryStatus, OutboxRow};
pub use poll::{ArticleWrite, PollWrite};
pub use schedule::{FeedSchedule, Known};
pub use seen::{FeedState, NewAlert, PollRecord, Recorded};
pub use status::{DeliveryState, OutboxCounts, RecentAlert};
