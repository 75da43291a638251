//! Every storage backend, empty, for the contract tests: a SQLite file in a temp dir, and
//! a fresh database on the test PostgreSQL (see [`crate::pg`]).

use newshound::store::postgres::PgStore;
use newshound::store::Store;

/// (name, an empty store) per backend; temp dirs live until the process ends.
pub async fn backends() -> Vec<(&'static str, Store)> {
    let dir = tempfile::tempdir().unwrap().keep();
    let sqlite = Store::open_dir(&dir).await.unwrap();
    let url = crate::pg::fresh_database().await;
    let pg = PgStore::connect(&url).await.unwrap();
    vec![
        ("sqlite", sqlite),
        ("postgres", Store::new(std::sync::Arc::new(pg), false)),
    ]
}
