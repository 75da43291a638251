//! Alerts and their delivery: the alert type, its wire form, the sink contract and kinds,
//! and the dispatcher that delivers from the outbox.

#[allow(clippy::module_inception)]
mod alert;
pub mod dispatch;
pub mod log;
pub mod sink;
pub mod webhook;
pub mod wire;

pub use alert::{
    alert_id, truncate_words, Alert, AlertArticle, AlertMatch, SeenIn, SUMMARY_MAX_CHARS,
};
pub use dispatch::{DispatchReport, Dispatcher};
pub use sink::{AnySink, DeliveryError, RetryPolicy, Sink};
pub use wire::WireAlertV1;
