//! Alerts and their delivery: the alert type, its wire form and message formats (Slack,
//! Discord, Teams, templates), the sink contract, the sink kinds (one folder each under
//! `sinks/`), feed-health alerts, and the dispatcher that delivers from the outbox with
//! retries, rate limits and digests.

#[allow(clippy::module_inception)]
mod alert;
mod batch;
pub mod clock;
pub mod discord;
pub mod dispatch;
pub mod group;
pub mod health;
pub mod kept;
pub mod markup;
pub mod ratelimit;
pub mod retry;
pub mod revision;
pub mod sink;
pub mod sinks;
pub mod slack;
pub mod teams;
pub mod template;
pub mod wire;

pub use alert::{
    alert_id, truncate_words, Alert, AlertArticle, AlertMatch, SeenIn, SUMMARY_MAX_CHARS,
};
pub use batch::{Batch, Digest};
pub use dispatch::{DispatchReport, Dispatcher};
pub use revision::Revision;
pub use sink::{DeliveryError, RetryPolicy, Sink, SinkBuildError};
pub use sinks::{AnySink, Net};
pub use wire::{WireAlertV1, WireDigestV1};
