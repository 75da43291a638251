//! The shared backend: a PostgreSQL database several instances use at once
//! (`[store] url`). A connection pool serves the interfaces; a dedicated connection
//! LISTENs for `newshound_outbox`, which every transaction that queues alerts NOTIFYs, so
//! the instance holding a sink's queue wakes when another instance queued for it.
//!
//! What keeps the guarantees across instances: feed claims take the row with
//! `FOR UPDATE SKIP LOCKED` and move its next poll forward; a poll's writes check its
//! lease token under the row lock; the once-per-story check runs under a per-watchlist
//! advisory transaction lock, and story keys go in with `ON CONFLICT DO NOTHING` in the
//! same transaction as the alert and its deliveries; a sink's queue has one lease holder.

mod bands;
mod delivery;
mod desk;
pub mod import;
mod pages;
mod poll;
mod read;
mod rounds;
pub mod schema;
mod slots;
pub mod tls;

use std::sync::Arc;
use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use tokio::sync::Notify;

use crate::config::Config;
use crate::store::{Backend, StoreError};

/// The channel alerts are announced on.
pub const CHANNEL: &str = "newshound_outbox";
/// Connections per instance.
const POOL_SIZE: usize = 16;

/// The database URL `config` names, if it names one.
pub fn url_of(config: &Config) -> Option<String> {
    config.store.url.as_ref().map(|u| u.expose().to_string())
}

/// `url` fit to print: the user and database kept, the password and every query parameter
/// but `sslmode` removed. Text that is not a URL is shown redacted.
pub fn shown_url(url: &str) -> String {
    let Ok(mut u) = url::Url::parse(url) else {
        return crate::redact::url_str(url);
    };
    let _ = u.set_password(None);
    let keep: Vec<(String, String)> = u
        .query_pairs()
        .filter(|(k, _)| k == "sslmode")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    u.set_query(None);
    if !keep.is_empty() {
        u.query_pairs_mut().extend_pairs(keep);
    }
    u.set_fragment(None);
    u.to_string()
}

/// The shared state.
#[derive(Clone)]
pub struct PgStore {
    pool: Pool,
    what: Arc<str>,
    wake: Arc<Notify>,
    slots: Arc<slots::PgHostSlots>,
}

impl PgStore {
    /// Connects to `url`, applies migrations (refusing a newer schema) and starts
    /// listening for queued alerts. The URL is never logged; errors show it redacted.
    pub async fn connect(url: &str) -> Result<PgStore, StoreError> {
        let what: Arc<str> = crate::redact::url_str(url).into();
        let open = |e: tokio_postgres::Error| StoreError::Open {
            what: what.to_string(),
            source: Box::new(e),
        };
        let pg = tls::parse(url).map_err(open)?;
        let manager = Manager::from_config(
            pg.clone(),
            tls::connector(),
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .runtime(deadpool_postgres::Runtime::Tokio1)
            .wait_timeout(Some(Duration::from_secs(30)))
            .create_timeout(Some(Duration::from_secs(10)))
            .build()
            .map_err(|e| StoreError::Open {
                what: what.to_string(),
                source: Box::new(e),
            })?;
        let slots = slots::PgHostSlots::new(pool.clone(), crate::store::instance_id());
        let store = PgStore {
            pool,
            what: what.clone(),
            wake: Arc::new(Notify::new()),
            slots: Arc::new(slots),
        };
        {
            let mut client = store.client().await.map_err(|e| StoreError::Open {
                what: what.to_string(),
                source: Box::new(e),
            })?;
            schema::migrate(&mut client, &what, &crate::store::instance_id()).await?;
        }
        tokio::spawn(listen(pg, store.wake.clone(), what));
        Ok(store)
    }

    /// A pooled connection.
    pub(super) async fn client(&self) -> Result<deadpool_postgres::Client, StoreError> {
        self.pool
            .get()
            .await
            .map_err(|e| StoreError::Query(Box::new(e)))
    }
}

/// Keeps a connection LISTENing on [`CHANNEL`], reconnecting after a pause when it drops;
/// every notification wakes the delivery workers.
async fn listen(pg: tokio_postgres::Config, wake: Arc<Notify>, what: Arc<str>) {
    use futures_util::future::poll_fn;
    loop {
        match pg.connect(tls::connector()).await {
            Ok((client, mut conn)) => {
                let driver = async {
                    while let Some(msg) = poll_fn(|cx| conn.poll_message(cx)).await {
                        match msg {
                            Ok(tokio_postgres::AsyncMessage::Notification(_)) => wake.notify_one(),
                            Ok(_) => {}
                            Err(e) => return Err(e),
                        }
                    }
                    Ok(())
                };
                let listen = format!("LISTEN {CHANNEL}");
                let (driven, subscribed) = tokio::join!(driver, client.batch_execute(&listen));
                if let Err(e) = subscribed.and(driven) {
                    tracing::warn!(state = %what, error = %e, "the state's notification connection dropped; reconnecting");
                }
            }
            Err(e) => {
                tracing::warn!(state = %what, error = %e, "connecting for notifications failed; retrying");
            }
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
}

impl Backend for PgStore {
    fn describe(&self) -> String {
        self.what.to_string()
    }

    fn desk(&self) -> Option<&dyn crate::store::DeskStore> {
        Some(self)
    }

    fn host_slots(&self) -> Option<Arc<dyn crate::store::HostSlots>> {
        Some(self.slots.clone())
    }
}

/// Fills `scratch` (an empty in-memory SQLite state) with what `--dry-run` needs to poll
/// exactly as a real run would: every feed's state, the stored articles' hashes, the
/// alerts and story keys (for once per story and near copies).
pub async fn copy_into_scratch(
    pg: &PgStore,
    scratch: &crate::store::sqlite::SqliteStore,
) -> Result<(), StoreError> {
    let client = pg.client().await?;
    let mut tables = Vec::new();
    let copied = import::TABLES
        .iter()
        .filter(|(table, _)| SCRATCH_TABLES.contains(table));
    for (table, columns) in copied {
        let rows = client
            .query(&format!("SELECT {columns} FROM {table}"), &[])
            .await?;
        let values: Vec<Vec<crate::store::sqlite::Cell>> = rows.iter().map(cells).collect();
        tables.push((*table, *columns, values));
    }
    let scratch = scratch.clone();
    crate::store::sqlite::blocking(move || scratch.load_rows(tables)).await
}

/// The tables a dry run copies (with the columns [`import::TABLES`] gives them).
const SCRATCH_TABLES: &[&str] = &["feeds", "articles", "alerts", "seen", "copies"];

/// One row as plain values.
fn cells(row: &tokio_postgres::Row) -> Vec<crate::store::sqlite::Cell> {
    use crate::store::sqlite::Cell;
    use tokio_postgres::types::Type;
    (0..row.len())
        .map(|i| match *row.columns()[i].type_() {
            Type::INT4 => Cell::Int(row.get::<_, Option<i32>>(i).map(i64::from)),
            Type::INT8 => Cell::Int(row.get(i)),
            Type::BYTEA => Cell::Blob(row.get(i)),
            _ => Cell::Text(row.get(i)),
        })
        .collect()
}
