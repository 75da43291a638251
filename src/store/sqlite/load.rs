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

/// One chunk of a table read out in rowid order: the rows, and the last rowid read.
pub type Chunk = (Vec<Vec<Cell>>, Option<i64>);

impl SqliteStore {
    /// Up to `limit` rows of `table` (`columns`, a fixed list) after rowid `after`, in
    /// rowid order (`migrate-state` reads a whole state this way, a chunk at a time).
    pub fn read_chunk(
        &self,
        table: &str,
        columns: &str,
        after: i64,
        limit: usize,
    ) -> Result<Chunk, StoreError> {
        let conn = self.conn();
        let sql = format!(
            "SELECT rowid, {columns} FROM {table} WHERE rowid > ?1 ORDER BY rowid LIMIT ?2"
        );
        let mut stmt = conn.prepare(&sql)?;
        let mut rows = stmt.query(rusqlite::params![after, limit as i64])?;
        let (mut out, mut last) = (Vec::new(), None);
        while let Some(row) = rows.next()? {
            last = Some(row.get::<_, i64>(0)?);
            let n = row.as_ref().column_count();
            out.push(
                (1..n)
                    .map(|i| cell(row.get_ref(i)))
                    .collect::<Result<_, _>>()?,
            );
        }
        Ok((out, last))
    }

    /// The number of rows of `table`.
    pub fn count_rows(&self, table: &str) -> Result<i64, StoreError> {
        let conn = self.conn();
        let n = conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))?;
        Ok(n)
    }
}

fn cell(v: rusqlite::Result<rusqlite::types::ValueRef<'_>>) -> rusqlite::Result<Cell> {
    use rusqlite::types::ValueRef;
    Ok(match v? {
        ValueRef::Null => Cell::Text(None),
        ValueRef::Integer(i) => Cell::Int(Some(i)),
        ValueRef::Real(f) => Cell::Text(Some(f.to_string())),
        ValueRef::Text(t) => Cell::Text(Some(String::from_utf8_lossy(t).into_owned())),
        ValueRef::Blob(b) => Cell::Blob(Some(b.to_vec())),
    })
}
