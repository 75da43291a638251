//! `feed_lists`: feeds from OPML and CSV files named by glob patterns relative to the config
//! file's folder. Each listed feed becomes a [`RawFeed`] that `validate` checks exactly like
//! an inline `[[feed]]`, with the file and line it came from; the files are read here, once
//! per load (so a reload reads them again), bounded in size and count.

mod csv;
mod opml;

use std::path::{Path, PathBuf};

use super::raw::RawFeed;
use super::validate::{Context, Issues, Origin};

/// Largest list file read.
pub const LIST_MAX_BYTES: u64 = 16 * 1024 * 1024;

/// Most list files one config may name (all patterns together).
pub const MAX_LIST_FILES: usize = 1024;

/// Most feeds all lists together may hold.
pub const MAX_LISTED_FEEDS: usize = 1_000_000;

/// One feed read from a list file.
#[derive(Debug, Clone)]
pub struct Listed {
    /// Index of the `feed_lists` pattern that named the file.
    pub list: usize,
    /// The file and line it was written on.
    pub origin: Origin,
    /// The feed, as if written inline.
    pub feed: RawFeed,
}

/// A list file being read: what issues and feeds are reported against.
pub(super) struct ListFile<'a> {
    /// Index of the pattern.
    pub list: usize,
    /// The file as shown to the user (relative to the config's folder when under it).
    pub shown: String,
    /// Its folder: relative `file://` URLs in it resolve against this.
    pub dir: &'a Path,
}

impl ListFile<'_> {
    /// The origin of line `line` of this file, naming `item` (an outline's title) if any.
    pub fn at(&self, line: usize, item: Option<&str>) -> Origin {
        Origin::List {
            file: self.shown.clone(),
            line,
            item: item.filter(|i| !i.is_empty()).map(str::to_string),
        }
    }

    /// Reports `message` at `feed_lists[N].field`, line `line`.
    pub fn push(&self, issues: &mut Issues, field: &str, line: usize, message: String) {
        let key = match field {
            "" => format!("feed_lists[{}]", self.list),
            f => format!("feed_lists[{}].{f}", self.list),
        };
        issues.push_at(key, message, self.at(line, None));
    }

    /// A feed URL as written in the file, a relative `file://` path made absolute against
    /// the file's folder.
    pub fn url(&self, url: &str) -> String {
        match url.strip_prefix("file://") {
            Some(p) if !p.is_empty() && !Path::new(p).is_absolute() => {
                format!("file://{}", self.dir.join(p).display())
            }
            _ => url.to_string(),
        }
    }
}

/// Reads every file the `patterns` name, in pattern order and, within one pattern, in name
/// order; a file named twice is read once.
pub fn expand(patterns: &[String], ctx: &Context, issues: &mut Issues) -> Vec<Listed> {
    let mut seen: Vec<PathBuf> = Vec::new();
    let mut out = Vec::new();
    for (list, pattern) in patterns.iter().enumerate() {
        for path in files(pattern, list, ctx, issues) {
            if seen.contains(&path) {
                continue;
            }
            if seen.len() == MAX_LIST_FILES {
                let key = format!("feed_lists[{list}]");
                issues.push(key, format!("more than {MAX_LIST_FILES} list files"));
                return out;
            }
            seen.push(path.clone());
            read_file(&path, list, ctx, &mut out, issues);
            if out.len() > MAX_LISTED_FEEDS {
                let key = format!("feed_lists[{list}]");
                issues.push(
                    key,
                    format!("more than {MAX_LISTED_FEEDS} feeds in all lists"),
                );
                out.truncate(MAX_LISTED_FEEDS);
                return out;
            }
        }
    }
    out
}

/// The files `pattern` names, sorted; an issue when it names none.
fn files(pattern: &str, list: usize, ctx: &Context, issues: &mut Issues) -> Vec<PathBuf> {
    let key = format!("feed_lists[{list}]");
    if pattern.trim().is_empty() {
        issues.push(key, "must not be empty");
        return Vec::new();
    }
    let full = match Path::new(pattern).is_absolute() {
        true => pattern.to_string(),
        false => {
            let base = glob::Pattern::escape(&ctx.base_dir.to_string_lossy());
            format!("{}/{pattern}", base.trim_end_matches('/'))
        }
    };
    let paths = match glob::glob(&full) {
        Ok(paths) => paths,
        Err(e) => {
            issues.push(key, format!("'{pattern}' is not a valid pattern: {e}"));
            return Vec::new();
        }
    };
    let mut found = Vec::new();
    for entry in paths {
        match entry {
            Ok(p) if p.is_file() => found.push(p),
            Ok(_) => {}
            Err(e) => issues.push(&key, format!("cannot read '{}': {e}", e.path().display())),
        }
    }
    if found.is_empty() {
        let why = match glob::Pattern::escape(pattern) == pattern {
            true => "does not exist or is not a file",
            false => "matches no file",
        };
        issues.push(key, format!("'{pattern}' {why}"));
    }
    found.sort();
    found
}

/// Reads one list file into `out`.
fn read_file(path: &Path, list: usize, ctx: &Context, out: &mut Vec<Listed>, issues: &mut Issues) {
    let shown = path
        .strip_prefix(&ctx.base_dir)
        .unwrap_or(path)
        .display()
        .to_string();
    let dir = path.parent().unwrap_or(Path::new("."));
    let file = ListFile { list, shown, dir };
    let bytes = match read_bounded(path) {
        Ok(b) => b,
        Err(e) => return file.push(issues, "", 1, format!("cannot read: {e}")),
    };
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase());
    match ext.as_deref() {
        Some("opml" | "xml") => opml::read(&bytes, &file, out, issues),
        Some("csv") => csv::read(&bytes, &file, out, issues),
        _ => file.push(
            issues,
            "",
            1,
            "not a feed list: the name must end in .opml, .xml or .csv".into(),
        ),
    }
}

/// The bytes of `path`, at most [`LIST_MAX_BYTES`].
fn read_bounded(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take(LIST_MAX_BYTES + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > LIST_MAX_BYTES {
        return Err(std::io::Error::other(format!(
            "larger than {LIST_MAX_BYTES} bytes"
        )));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests;
