//! newshound's integration tests: one binary, one module per topic. They start real HTTP
//! servers on 127.0.0.1 (and a real nats-server), use real SQLite files in temp dirs and
//! run the real binary.

mod admin;
mod backlog;
mod backtest;
mod bounded;
mod check;
mod cli;
mod common;
mod corpus;
mod crash;
mod daemon;
mod delivery;
mod desk;
mod email;
mod encoding;
mod fastpath;
mod formats;
mod fulltext;
mod guids;
mod harness;
mod health;
mod hostile;
mod logging;
mod machine;
mod match_cmd;
mod matching_classes;
mod nats;
mod natsd;
mod neardup;
mod nostate;
mod notify;
mod once;
mod opml;
mod pidlock;
mod push;
mod rawhttp;
mod redaction;
mod reload;
mod reload_inflight;
mod run;
mod schedule;
mod services;
mod ssrf;
mod state;
mod statewatch;
