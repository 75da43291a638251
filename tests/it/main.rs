//! newshound's integration tests: one binary, one module per topic. They start real HTTP
//! servers on 127.0.0.1, use real SQLite files in temp dirs and run the real binary.

mod admin;
mod check;
mod cli;
mod common;
mod corpus;
mod daemon;
mod logging;
mod match_cmd;
mod notify;
mod once;
mod opml;
mod reload;
mod run;
