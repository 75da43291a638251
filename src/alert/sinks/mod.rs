//! Sink kinds, one folder each (`<kind>/config.rs` for its keys and their validation,
//! `<kind>/mod.rs` for the sink that delivers), the two closed enums over them, and the
//! pieces every kind shares: delivery keys, secrets from files, the validation context,
//! HTTP exchange helpers and the shared transports.

pub mod check;
pub mod delivery;
pub mod http;
mod kinds;
pub mod net;
pub mod secret;
pub mod text;

pub mod email;
pub mod gotify;
pub mod log;
pub mod matrix;
pub mod mattermost;
pub mod nats;
pub mod ntfy;
pub mod pushover;
pub mod telegram;
pub mod webhook;

pub use check::SinkCheck;
pub use delivery::{Common, DeliveryConfig, Group, RateLimit};
pub use kinds::{AnySink, SinkKindConfig};
pub use net::Net;
pub use secret::Secret;
