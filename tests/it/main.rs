//! newshound's integration tests: one binary, one module per topic. They start real HTTP
//! servers on 127.0.0.1, use real SQLite files in temp dirs and run the real binary.

mod backtest;
mod check;
mod common;
mod corpus;
mod crash;
mod delivery;
mod email;
mod encoding;
mod formats;
mod harness;
mod health;
mod hostile;
mod match_cmd;
mod neardup;
mod once;
mod rawhttp;
mod run;
mod schedule;
mod ssrf;
