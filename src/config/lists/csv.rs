//! A CSV feed list: a header row naming the columns, then one feed per row. Columns (any
//! order, only `url` required): `url`, `name` (default: the URL), `tags` (separated by
//! spaces), `interval` (e.g. `30m`; default `daemon.poll_interval`). Fields may be quoted,
//! surrounding blanks are dropped, lines starting with `#` are comments.

use std::time::Duration;

use super::{ListFile, Listed};
use crate::config::did_you_mean;
use crate::config::raw::RawFeed;
use crate::config::validate::Issues;

/// The columns a CSV list may have.
pub const COLUMNS: [&str; 4] = ["url", "name", "tags", "interval"];

/// Which field of a row each known column is.
#[derive(Default)]
struct Columns {
    url: Option<usize>,
    name: Option<usize>,
    tags: Option<usize>,
    interval: Option<usize>,
}

/// Adds the feeds of the CSV document `bytes` to `out`.
pub(super) fn read(bytes: &[u8], file: &ListFile<'_>, out: &mut Vec<Listed>, issues: &mut Issues) {
    let mut reader = ::csv::ReaderBuilder::new()
        .trim(::csv::Trim::All)
        .comment(Some(b'#'))
        .from_reader(bytes);
    let Some(columns) = header(&mut reader, file, issues) else {
        return;
    };
    let mut record = ::csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let line = line_at(bytes, record.position());
                if let Some(feed) = row(&record, &columns, line, file, issues) {
                    out.push(feed);
                }
            }
            Err(e) => {
                let line = line_at(bytes, e.position());
                file.push(issues, "", line, format!("not CSV: {}", csv_reason(&e)));
                return;
            }
        }
    }
}

/// Reads the header row; `None` (and an issue) when it is missing or names an unknown column.
fn header(
    reader: &mut ::csv::Reader<&[u8]>,
    file: &ListFile<'_>,
    issues: &mut Issues,
) -> Option<Columns> {
    let names = match reader.headers() {
        Ok(h) => h.clone(),
        Err(e) => {
            file.push(issues, "", 1, format!("not CSV: {}", csv_reason(&e)));
            return None;
        }
    };
    let line = line_at(reader.get_ref(), names.position());
    if let Some(value) = names.iter().find(|n| n.contains("://")) {
        let why = format!(
            "the first row must name the columns (e.g. url,name,tags,interval); it holds '{}'",
            crate::redact::url_str(value)
        );
        file.push(issues, "", line, why);
        return None;
    }
    let mut columns = Columns::default();
    let mut ok = true;
    for (i, name) in names.iter().enumerate() {
        let slot = match name.to_ascii_lowercase().as_str() {
            "url" => &mut columns.url,
            "name" => &mut columns.name,
            "tags" => &mut columns.tags,
            "interval" => &mut columns.interval,
            other => {
                let hint = did_you_mean(other, &COLUMNS)
                    .map(|s| format!(" (did you mean '{s}'?)"))
                    .unwrap_or_default();
                let known = COLUMNS.join(", ");
                let why = format!("unknown column '{name}'{hint}; the columns are {known}");
                file.push(issues, "", line, why);
                ok = false;
                continue;
            }
        };
        if slot.replace(i).is_some() {
            file.push(issues, "", line, format!("column '{name}' appears twice"));
            ok = false;
        }
    }
    if columns.url.is_none() && ok {
        let why = "the header row has no 'url' column (the first row names the columns)";
        file.push(issues, "", line, why.into());
        ok = false;
    }
    ok.then_some(columns)
}

/// One row as a feed; `None` (and an issue) when it has no URL.
fn row(
    record: &::csv::StringRecord,
    columns: &Columns,
    line: usize,
    file: &ListFile<'_>,
    issues: &mut Issues,
) -> Option<Listed> {
    let field = |c: Option<usize>| c.and_then(|i| record.get(i)).filter(|v| !v.is_empty());
    let Some(url) = field(columns.url) else {
        file.push(issues, "url", line, "missing".into());
        return None;
    };
    let url = file.url(url);
    let name = field(columns.name).map_or_else(|| url.clone(), str::to_string);
    let tags = field(columns.tags)
        .map(|t| t.split_whitespace().map(str::to_string).collect())
        .unwrap_or_default();
    let interval = field(columns.interval).and_then(|v| duration(v, line, file, issues));
    Some(Listed {
        list: file.list,
        origin: file.at(line, None),
        feed: RawFeed {
            name: Some(name),
            url: Some(url),
            interval,
            tags,
            ..RawFeed::default()
        },
    })
}

fn duration(v: &str, line: usize, file: &ListFile<'_>, issues: &mut Issues) -> Option<Duration> {
    match humantime::parse_duration(v) {
        Ok(d) => Some(d),
        Err(e) => {
            let why = format!("'{v}' is not a duration (e.g. 30m): {e}");
            file.push(issues, "interval", line, why);
            None
        }
    }
}

/// The line a record starts on: the reader's position can point at the blank and comment
/// lines before it, so those are skipped here.
fn line_at(bytes: &[u8], pos: Option<&::csv::Position>) -> usize {
    let mut at = pos.map_or(0, |p| p.byte() as usize).min(bytes.len());
    loop {
        let rest = &bytes[at..];
        match rest.first() {
            Some(b'\r' | b'\n') => at += 1,
            Some(b'#') => at += rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len()),
            _ => break,
        }
    }
    1 + bytes[..at].iter().filter(|&&b| b == b'\n').count()
}

/// The csv error without its own position (the issue carries the line).
fn csv_reason(e: &::csv::Error) -> String {
    match e.kind() {
        ::csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("this row has {len} fields, the header {expected_len}"),
        ::csv::ErrorKind::Utf8 { err, .. } => format!("not UTF-8 ({err})"),
        _ => e.to_string(),
    }
}
