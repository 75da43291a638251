//! The shared state (PostgreSQL, `[store] url`): the storage contract against both
//! backends, the commands against a shared state, and several instances at once. A test
//! binary of its own, run after `it`, so starting PostgreSQL and the instances' load do
//! not disturb the timing-sensitive tests there.

/// One test per named contract function (`async fn name(store: Store)` in the calling
/// module), run against every backend of `backends()`; used inside a `mod each_backend`
/// that imports its parent.
macro_rules! contract {
    ($($name:ident),* $(,)?) => {$(
        #[tokio::test(flavor = "multi_thread")]
        async fn $name() {
            for (backend, store) in backends().await {
                eprintln!("backend: {backend}");
                super::$name(store).await;
            }
        }
    )*};
}

mod backends;
mod commands;
#[path = "../it/common.rs"]
#[allow(dead_code)]
mod common;
mod desk_contract;
mod desk_mutes;
mod fleet;
mod migrate;
mod pages_revisions;
mod pg;
mod politeness;
#[path = "../it/revision_site.rs"]
mod revision_site;
mod revisions_pg;
mod rounds_contract;
mod store_contract;
mod tls;
