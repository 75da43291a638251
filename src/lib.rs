//! newshound: a news-monitor daemon.
//!
//! ```text
//! config ─▶ feeds (schedule → fetch → parse → Article) ─▶ store (seen?) ─▶ watch (match → Alert)
//!       ─▶ store (outbox) ─▶ alert (dispatch → sink: webhook | log)
//! ```
//!
//! - [`config`]: TOML + environment, validated in one pure pass that reports every problem.
//! - [`feeds`]: scheduling, fetching with limits, parsing into our own [`feeds::Article`].
//! - [`watch`]: text folding, the query language, the compiled matcher (pure, no I/O).
//! - [`store`]: SQLite state: validators, seen stories, the alert outbox.
//! - [`alert`]: the alert, its wire form, sinks and the dispatcher.
//! - [`pipeline`]: one poll of one feed through every stage.
//! - [`backtest`]: the current watchlists over stored articles.
//! - [`daemon`]: `once` and `run`, wiring the stages with shutdown and reload.
//! - [`commands`]: the CLI commands' bodies; [`systemd`]: the notify protocol; [`net`]: the address guard.
//! - Operations: [`status`] (what the daemon knows about itself), [`health`] (poll-loop
//!   liveness behind the watchdog), [`metrics`], [`admin`] (the HTTP endpoint and status
//!   page), [`pidfile`], [`logging`], [`opml`] (import).

pub mod admin;
pub mod alert;
pub mod backtest;
pub mod cli;
pub mod commands;
pub mod config;
pub mod daemon;
pub mod desk;
pub mod feeds;
pub mod health;
pub mod logging;
pub mod metrics;
pub mod net;
pub mod opml;
pub mod pidfile;
pub mod pipeline;
pub mod redact;
pub mod statewatch;
pub mod status;
pub mod store;
pub mod systemd;
pub mod watch;
