//! Loading plain rows into a scratch state (a dry run over a shared PostgreSQL state).

use rusqlite::types::{ToSqlOutput, Value};
use rusqlite::ToSql;

use super::SqliteStore;
use crate::store::StoreError;

/// One column value, as copied between backends.
#[derive(Debug, Clone)]
pub enum Cell {
    /// An integer or NULL.
    Int(Option<i64>),
    /// Text or NULL.
    Text(Option<String>),
    /// Bytes or NULL.
    Blob(Option<Vec<u8>>),
}

impl ToSql for Cell {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        let v = match self {
            Cell::Int(Some(i)) => Value::Integer(*i),
            Cell::Text(Some(t)) => Value::Text(t.clone()),
            Cell::Blob(Some(b)) => Value::Blob(b.clone()),
            _ => Value::Null,
        };
        Ok(ToSqlOutput::Owned(v))
    }
}

/// Rows of one table: its name, the column list, the values.
pub type TableRows = (&'static str, &'static str, Vec<Vec<Cell>>);

impl SqliteStore {
    /// Inserts `tables`' rows, in one transaction.
    pub fn load_rows(&self, tables: Vec<TableRows>) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        for (table, columns, rows) in &tables {
            let n = columns.split(',').count();
            let marks = (1..=n)
                .map(|i| format!("?{i}"))
                .collect::<Vec<_>>()
                .join(", ");
            let sql = format!("INSERT OR IGNORE INTO {table} ({columns}) VALUES ({marks})");
            let mut stmt = tx.prepare(&sql)?;
            for row in rows {
                stmt.execute(rusqlite::params_from_iter(row.iter()))?;
            }
        }
        tx.commit()?;
        Ok(())
    }
}
