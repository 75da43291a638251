//! The shared state (PostgreSQL, `[store] url`): the storage contract against both
//! backends, the commands against a shared state, and several instances at once. A test
//! binary of its own, run after `it`, so starting PostgreSQL and the instances' load do
//! not disturb the timing-sensitive tests there.

mod backends;
mod commands;
#[path = "../it/common.rs"]
#[allow(dead_code)]
mod common;
mod fleet;
mod pages_revisions;
mod pg;
#[path = "../it/revision_site.rs"]
mod revision_site;
mod revisions_pg;
mod rounds_contract;
mod store_contract;
