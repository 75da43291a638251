//! newshound's integration tests: one binary, one module per topic. They start real HTTP
//! servers on 127.0.0.1, use real SQLite files in temp dirs and run the real binary.

mod admin;
mod backtest;
mod check;
mod cli;
mod common;
mod corpus;
mod crash;
mod daemon;
mod delivery;
mod email;
mod encoding;
mod fastpath;
mod formats;
mod harness;
mod health;
mod hostile;
mod logging;
mod match_cmd;
mod neardup;
mod notify;
mod once;
mod opml;
mod push;
mod rawhttp;
mod reload;
mod run;
mod schedule;
mod services;
mod ssrf;
