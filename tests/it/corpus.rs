//! config → feeds (fetch → **parse** → Article) → store → watch → alert: the parse step
//! against feedparser's own test suite in tests/fixtures/feedparser: the parse rate on its
//! well-formed feeds, entries not silently lost, agreement with its expected titles, links
//! and ids, and no panic escaping on any file (broken ones too).

use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use newshound::feeds::html::html_to_text;
use newshound::feeds::parse::{parse_feed, ParseError};
use newshound::feeds::Article;

/// Well-formed files that must parse. Measured with feed-rs 3.0.0: 1,724 of 1,749 (98.6%).
/// The 25 others are CDF (15: a format we do not read) and Atom 1.0 text constructs typed
/// `application/octet-stream` (base64, 10), which feed-rs rejects whole.
const WELLFORMED_FLOOR: usize = 1_715;
/// Parsed files that have items or entries but yielded no article. Measured: 11 (RSS 1.0
/// items without a `<link>`, which feed-rs drops; RSS in an unknown default namespace;
/// `<item>` inside an Atom feed).
const SILENT_EMPTY_CEILING: usize = 12;
/// Entry titles, links and ids that agree with the files' `Expect:` lines. Measured: 80 of
/// 99 (the rest: Atom 0.3 base64, HTTP-header bases we are not given, DTD entities,
/// `dc:title`, feedparser's sanitiser).
const AGREEMENT_FLOOR: usize = 78;

/// Whether a file has items or entries to yield (a cheap textual sniff).
fn has_entries(path: &Path) -> bool {
    let bytes = std::fs::read(path).unwrap_or_default();
    let text = String::from_utf8_lossy(&bytes);
    ["<item", "<entry", ":item", "\"items\""]
        .iter()
        .any(|m| text.contains(m))
}

/// What became of one file.
enum Outcome {
    Parsed(Vec<Article>),
    Failed,
    /// feed-rs panicked; parse_feed caught it (counts as a failure to parse).
    Panicked,
}

fn corpus(sub: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/feedparser")
        .join(sub)
}

/// Every file under `dir`, sorted.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(d) = dirs.pop() {
        let entries = std::fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display()));
        for entry in entries {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                dirs.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// Parses one file; Err when a panic escaped `parse_feed`.
fn parse_file(path: &Path) -> Result<Outcome, String> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    match catch_unwind(AssertUnwindSafe(|| parse_feed(&bytes, &name, None))) {
        Ok(Ok(articles)) => Ok(Outcome::Parsed(articles)),
        Ok(Err(ParseError::Panicked { .. })) => Ok(Outcome::Panicked),
        Ok(Err(_)) => Ok(Outcome::Failed),
        Err(_) => Err(path.display().to_string()),
    }
}

/// The first subfolder of `path` below `root` (or the file name, for files at the top).
fn group(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components()
        .next()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// feedparser's `Expect:` line in a file's header comment, when it has one.
fn expectation(path: &Path) -> Option<String> {
    let bytes = std::fs::read(path).ok()?;
    let text = String::from_utf8_lossy(&bytes);
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with("Expect:"))?;
    Some(line.to_string())
}

/// The value `entries[0][field] == '…'` expects, when it is a plain literal.
fn expected_value(expect: &str, field: &str) -> Option<String> {
    let key = format!("entries[0]['{field}'] == ");
    let rest = &expect[expect.find(&key)? + key.len()..];
    let rest = rest.strip_prefix('u').unwrap_or(rest);
    let quote = rest.chars().next().filter(|q| *q == '\'' || *q == '"')?;
    let body = &rest[1..];
    let value = &body[..body.find(quote)?];
    (!value.contains('\\')).then(|| value.to_string())
}

/// Checks the first article against the file's expected title, link and id: (checked,
/// agreeing, disagreements).
fn agreement(path: &Path, first: Option<&Article>) -> (usize, usize, Vec<String>) {
    let (mut checked, mut agreed, mut wrong) = (0, 0, Vec::new());
    let Some(expect) = expectation(path) else {
        return (0, 0, wrong);
    };
    for field in ["title", "link", "id", "guid"] {
        let Some(want) = expected_value(&expect, field) else {
            continue;
        };
        let got = first.map(|a| match field {
            "title" => a.title.clone(),
            "link" => a.url.clone().unwrap_or_default(),
            _ => a.guid.clone().unwrap_or_default(),
        });
        let want = if field == "title" {
            html_to_text(&want)
        } else {
            want
        };
        checked += 1;
        if got.as_deref() == Some(want.as_str()) {
            agreed += 1;
        } else {
            wrong.push(format!(
                "{} {field}: want {want:?}, got {got:?}",
                path.display()
            ));
        }
    }
    (checked, agreed, wrong)
}

#[test]
fn wellformed_feeds_parse_above_the_floor() {
    let root = corpus("wellformed");
    let mut per_group: BTreeMap<String, (usize, usize, usize)> = BTreeMap::new();
    let (mut escaped, mut checked, mut agreed, mut wrong) = (Vec::new(), 0, 0, Vec::new());
    let mut silent_empty = Vec::new();
    for path in files_under(&root) {
        let counts = per_group.entry(group(&root, &path)).or_default();
        counts.0 += 1;
        match parse_file(&path) {
            Ok(Outcome::Parsed(articles)) => {
                counts.1 += 1;
                if articles.is_empty() && has_entries(&path) {
                    silent_empty.push(path.display().to_string());
                }
                let (c, a, w) = agreement(&path, articles.first());
                (checked, agreed) = (checked + c, agreed + a);
                wrong.extend(w);
            }
            Ok(Outcome::Failed) => {}
            Ok(Outcome::Panicked) => counts.2 += 1,
            Err(file) => escaped.push(file),
        }
    }
    let (total, parsed) = per_group
        .values()
        .fold((0, 0), |(t, p), c| (t + c.0, p + c.1));
    for (name, (n, ok, panics)) in &per_group {
        eprintln!(
            "{name:>16}: {ok:>4}/{n:<4} {:5.1}%  caught panics {panics}",
            rate(*ok, *n)
        );
    }
    eprintln!(
        "{:>16}: {parsed:>4}/{total:<4} {:5.1}%",
        "all",
        rate(parsed, total)
    );
    eprintln!("parsed with entries but no articles: {silent_empty:#?}");
    eprintln!("expected fields agreeing: {agreed}/{checked}");
    wrong.iter().for_each(|w| eprintln!("  disagrees: {w}"));
    assert!(
        escaped.is_empty(),
        "panics escaped parse_feed on {escaped:?}"
    );
    assert!(
        total >= 1_749,
        "the fixture set is incomplete: {total} files"
    );
    assert!(
        parsed >= WELLFORMED_FLOOR,
        "parse rate regressed: {parsed}/{total}"
    );
    assert!(
        silent_empty.len() <= SILENT_EMPTY_CEILING,
        "entries lost: {silent_empty:?}"
    );
    assert!(
        agreed >= AGREEMENT_FLOOR,
        "field agreement regressed: {agreed}/{checked}"
    );
}

#[test]
fn no_panic_escapes_on_broken_or_odd_feeds() {
    let mut seen = 0;
    let mut escaped = Vec::new();
    for sub in ["illformed", "encoding", "entities", "json"] {
        let files = files_under(&corpus(sub));
        let parsed = files.iter().filter_map(|p| match parse_file(p) {
            Ok(Outcome::Parsed(_)) => Some(()),
            Ok(_) => None,
            Err(file) => {
                escaped.push(file);
                None
            }
        });
        let ok = parsed.count();
        eprintln!("{sub:>10}: {ok:>3}/{:<3} parsed", files.len());
        seen += files.len();
    }
    assert!(
        escaped.is_empty(),
        "panics escaped parse_feed on {escaped:?}"
    );
    assert!(seen >= 350, "the fixture set is incomplete: {seen} files");
}

fn rate(ok: usize, n: usize) -> f64 {
    if n == 0 {
        0.0
    } else {
        100.0 * ok as f64 / n as f64
    }
}
