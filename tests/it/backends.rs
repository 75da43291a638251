//! Every storage backend, empty, for the contract tests: a SQLite file in a temp dir.

use newshound::store::Store;

/// (name, an empty store) per backend; temp dirs live until the process ends.
pub async fn backends() -> Vec<(&'static str, Store)> {
    let dir = tempfile::tempdir().unwrap().keep();
    let sqlite = Store::open_dir(&dir).await.unwrap();
    vec![("sqlite", sqlite)]
}
