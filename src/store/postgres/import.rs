//! `migrate-state`: an embedded SQLite state copied into an empty PostgreSQL database, in
//! one transaction (a failed copy leaves the database as empty as it was). Feeds keep their
//! schedule and validators, story keys and alerts keep once-per-story, deliveries keep their
//! status (pending ones stay pending), and the near-duplicate index is rebuilt from the
//! copied fingerprints. Feed claims and sink leases are not copied: they belong to the
//! processes that held them.

use tokio_postgres::types::{ToSql, Type};
use tokio_postgres::Transaction;

use super::{bands, PgStore};
use crate::store::sqlite::{Cell, SqliteStore};
use crate::store::StoreError;

/// Rows read from SQLite and written to PostgreSQL at a time.
const CHUNK: usize = 500;

/// The tables copied, in an order that keeps references valid, with their columns (the
/// same names on both sides; SQLite's rowid order is kept, so `alerts.seq` follows it).
pub const TABLES: &[(&str, &str)] = &[
    (
        "feeds",
        "name, etag, last_modified, last_poll, last_result, last_error, consecutive_failures, \
         next_poll, poll_interval_ms, poll_reason, polled_by",
    ),
    (
        "articles",
        "feed, id, content_hash, matched_with, url, guid, title, published, first_seen, summary, \
         content, updated, fingerprint",
    ),
    (
        "alerts",
        "id, watchlist, created_at, body, article_feed, article_id",
    ),
    ("seen", "watchlist, story_key, alert_id"),
    ("copies", "alert_id, feed, article_id, url, title, seen_at"),
    (
        "digests",
        "id, sink, status, attempts, next_attempt_at, first_attempt_at, last_error, created_at, \
         updated_at",
    ),
    (
        "deliveries",
        "alert_id, sink, status, attempts, next_attempt_at, first_attempt_at, last_error, \
         updated_at, digest_id",
    ),
    (
        "pages",
        "feed, article_id, url, status, reason, text, fetched_at",
    ),
];

/// Why a state was not copied.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The target already holds a state.
    #[error("{what} is not empty ({}); migrate-state only copies into an empty database", list(.found))]
    NotEmpty {
        /// The target, password removed.
        what: String,
        /// Tables with rows, and how many.
        found: Vec<(String, i64)>,
    },
    /// A value the target column cannot take.
    #[error("{table}.{column}: a value of the SQLite state does not fit PostgreSQL's {ty}")]
    Value {
        /// The table.
        table: String,
        /// The column.
        column: String,
        /// The target type.
        ty: String,
    },
    /// Reading or writing failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<tokio_postgres::Error> for ImportError {
    fn from(e: tokio_postgres::Error) -> Self {
        ImportError::Store(e.into())
    }
}

fn list(found: &[(String, i64)]) -> String {
    let parts: Vec<String> = found
        .iter()
        .map(|(t, n)| format!("{t}: {n} rows"))
        .collect();
    parts.join(", ")
}

/// What was copied: rows per table, and the near-duplicate band keys rebuilt.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Imported {
    /// (table, rows) in copy order.
    pub tables: Vec<(&'static str, u64)>,
    /// Alerts whose band keys were rebuilt.
    pub banded: u64,
}

/// Copies `from` into the (migrated, empty) database of `to`.
pub async fn import(from: &SqliteStore, to: &PgStore) -> Result<Imported, ImportError> {
    let mut client = to.client().await?;
    let found = occupied(&client).await?;
    if !found.is_empty() {
        let what = to.what.to_string();
        return Err(ImportError::NotEmpty { what, found });
    }
    let tx = client.transaction().await?;
    let mut done = Imported::default();
    for (table, columns) in TABLES {
        let n = copy_table(from, &tx, table, columns).await?;
        done.tables.push((table, n));
    }
    done.banded = bands::backfill(&tx).await? as u64;
    tx.commit().await?;
    Ok(done)
}

/// The state tables that hold rows already.
async fn occupied(client: &tokio_postgres::Client) -> Result<Vec<(String, i64)>, ImportError> {
    let mut found = Vec::new();
    for (table, _) in TABLES {
        let sql = format!("SELECT count(*) FROM {table}");
        let n: i64 = client.query_one(&sql, &[]).await?.get(0);
        if n > 0 {
            found.push((table.to_string(), n));
        }
    }
    Ok(found)
}

async fn copy_table(
    from: &SqliteStore,
    tx: &Transaction<'_>,
    table: &'static str,
    columns: &'static str,
) -> Result<u64, ImportError> {
    let width = columns.split(',').count();
    let one = tx.prepare(&insert_sql(table, columns, width, 1)).await?;
    let types: Vec<Type> = one.params().to_vec();
    let names: Vec<&str> = columns.split(',').map(str::trim).collect();
    let (mut after, mut copied) = (i64::MIN, 0u64);
    loop {
        let store = from.clone();
        let (rows, last) =
            crate::store::sqlite::blocking(move || store.read_chunk(table, columns, after, CHUNK))
                .await?;
        let Some(last) = last else { break };
        let mut values: Vec<Box<dyn ToSql + Sync + Send>> = Vec::with_capacity(rows.len() * width);
        for row in &rows {
            for (i, c) in row.iter().enumerate() {
                values.push(pg_value(c, &types[i]).ok_or_else(|| ImportError::Value {
                    table: table.to_string(),
                    column: names[i].to_string(),
                    ty: types[i].to_string(),
                })?);
            }
        }
        let sql = insert_sql(table, columns, width, rows.len());
        let params: Vec<&(dyn ToSql + Sync)> = values.iter().map(|v| &**v as _).collect();
        tx.execute(&sql, &params).await?;
        copied += rows.len() as u64;
        after = last;
    }
    Ok(copied)
}

/// `INSERT INTO table (columns) VALUES ($1, …), (…)` for `rows` rows.
fn insert_sql(table: &str, columns: &str, width: usize, rows: usize) -> String {
    let tuples: Vec<String> = (0..rows)
        .map(|r| {
            let marks: Vec<String> = (1..=width).map(|c| format!("${}", r * width + c)).collect();
            format!("({})", marks.join(", "))
        })
        .collect();
    format!(
        "INSERT INTO {table} ({columns}) VALUES {}",
        tuples.join(", ")
    )
}

/// The column types the state's tables use.
enum Kind {
    Int8,
    Int4,
    Bytes,
    Text,
}

/// A SQLite value as the PostgreSQL column type `ty` takes it; `None` when it cannot.
fn pg_value(c: &Cell, ty: &Type) -> Option<Box<dyn ToSql + Sync + Send>> {
    let kind = match ty {
        t if *t == Type::INT8 => Kind::Int8,
        t if *t == Type::INT4 => Kind::Int4,
        t if *t == Type::BYTEA => Kind::Bytes,
        t if *t == Type::TEXT => Kind::Text,
        _ => return None,
    };
    Some(match (kind, c) {
        (Kind::Int8, Cell::Int(None) | Cell::Text(None) | Cell::Blob(None)) => {
            Box::new(None::<i64>)
        }
        (Kind::Int4, Cell::Int(None) | Cell::Text(None) | Cell::Blob(None)) => {
            Box::new(None::<i32>)
        }
        (Kind::Bytes, Cell::Int(None) | Cell::Text(None) | Cell::Blob(None)) => {
            Box::new(None::<Vec<u8>>)
        }
        (Kind::Text, Cell::Int(None) | Cell::Text(None) | Cell::Blob(None)) => {
            Box::new(None::<String>)
        }
        (Kind::Int8, Cell::Int(Some(i))) => Box::new(*i),
        (Kind::Int4, Cell::Int(Some(i))) => Box::new(i32::try_from(*i).ok()?),
        (Kind::Bytes, Cell::Blob(Some(b))) => Box::new(b.clone()),
        (Kind::Text, Cell::Text(Some(t))) => Box::new(t.clone()),
        (Kind::Text, Cell::Int(Some(i))) => Box::new(i.to_string()),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inserts_number_their_parameters_row_by_row() {
        assert_eq!(
            insert_sql("seen", "a, b", 2, 2),
            "INSERT INTO seen (a, b) VALUES ($1, $2), ($3, $4)"
        );
    }

    #[test]
    fn values_convert_to_the_column_type_or_are_refused() {
        assert!(pg_value(&Cell::Int(Some(3)), &Type::INT4).is_some());
        assert!(pg_value(&Cell::Int(Some(i64::MAX)), &Type::INT4).is_none());
        assert!(pg_value(&Cell::Text(None), &Type::INT8).is_some());
        assert!(pg_value(&Cell::Blob(Some(vec![1])), &Type::TEXT).is_none());
    }
}
