//! config → feeds (fetch → **parse** → Article) → store → watch → alert: the parse step
//! against feedparser's own test suite in tests/fixtures/feedparser: the parse rate on its
//! well-formed feeds, entries not silently lost, agreement with its expected titles, links
//! and ids, and no panic escaping on any file (broken ones too) — nor on any file of
//! Miniflux's test data in tests/fixtures/miniflux, whose feeds must all parse. Each file
//! is read as newshound reads a response: with the document's URL as the base, and the
//! `Content-Location` and `Content-type` charset its `Header:` lines give.

use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use newshound::feeds::encoding::charset_param;
use newshound::feeds::html::html_to_text;
use newshound::feeds::parse::{parse_document, ParseError, ParseOptions};
use newshound::feeds::Article;
use url::Url;

/// Well-formed files that must parse. Measured: 1,734 of 1,749 (99.1%). The 15 others
/// are CDF (Microsoft's 1997 push-channel format, which no live feed uses).
const WELLFORMED_FLOOR: usize = 1_734;
/// Parsed files that have items or entries but yielded no article. Measured: 8 (RSS in an
/// unknown default namespace, RSS 0.90 items with neither link nor `rdf:about`, Atom
/// entries whose only child is a contributor).
const SILENT_EMPTY_CEILING: usize = 8;
/// Entry titles, links and ids that agree with the files' `Expect:` lines. Measured: 85 of
/// 101 (up from 80 of 99 before base64 constructs, RSS 1.0 items without a link and the
/// response's base and charset were read). The rest: Atom 0.3 base64, relative Atom ids
/// feedparser resolves, a DTD entity newshound does not expand, `dc:title` and
/// `media:title` fallbacks, feedparser's sanitiser and case-preserving links.
const AGREEMENT_FLOOR: usize = 85;
/// Miniflux's feeds (its parser, encoding and xml test data minus the non-feed `<note>`
/// documents): all parse.
const MINIFLUX_FEEDS: usize = 16;

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

/// What a feedparser file's `Header:` lines would have made the response say: the
/// document's URL (joined with `Content-Location`) and the `Content-type` charset.
fn response_options(path: &Path, text: &str) -> ParseOptions {
    let rel = path.strip_prefix(corpus("")).unwrap_or(path);
    let doc = Url::parse("http://127.0.0.1:8097/tests/")
        .and_then(|u| u.join(&rel.to_string_lossy()))
        .ok();
    let header = |name: &str| {
        text.lines()
            .filter(|l| l.trim_start().starts_with("Header:"))
            .find_map(|l| l.split_once(name).map(|(_, v)| v.trim().to_string()))
    };
    let base = match (header("Content-Location:"), &doc) {
        (Some(loc), Some(doc)) => doc.join(&loc).ok(),
        _ => doc,
    };
    let charset = header("Content-type:").and_then(|ct| charset_param(&ct).map(str::to_string));
    ParseOptions {
        base,
        charset,
        ..ParseOptions::default()
    }
}

/// Parses one file; Err when a panic escaped the parser.
fn parse_file(path: &Path) -> Result<Outcome, String> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let opts = response_options(
        path,
        &String::from_utf8_lossy(&bytes[..bytes.len().min(800)]),
    );
    match catch_unwind(AssertUnwindSafe(|| parse_document(&bytes, &name, &opts))) {
        Ok(Ok(parsed)) => Ok(Outcome::Parsed(parsed.articles)),
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
        let ok = count_parsed(&files, &mut escaped);
        eprintln!("{sub:>10}: {ok:>3}/{:<3} parsed", files.len());
        seen += files.len();
    }
    assert!(
        escaped.is_empty(),
        "panics escaped parse_feed on {escaped:?}"
    );
    assert!(seen >= 350, "the fixture set is incomplete: {seen} files");
}

#[test]
fn every_miniflux_feed_parses_and_nothing_there_panics() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/miniflux");
    let mut escaped = Vec::new();
    let all = files_under(&root);
    let ok_all = count_parsed(&all, &mut escaped);
    let feeds: Vec<PathBuf> = all
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "xml") && !is_note(p))
        .cloned()
        .collect();
    let ok_feeds = count_parsed(&feeds, &mut escaped);
    eprintln!(
        " miniflux feeds: {ok_feeds:>3}/{:<3} {:5.1}%",
        feeds.len(),
        rate(ok_feeds, feeds.len())
    );
    eprintln!("miniflux (all): {ok_all:>3}/{:<3} parsed (the rest are HTML pages, <note> documents, the licence)", all.len());
    assert!(
        escaped.is_empty(),
        "panics escaped the parser on {escaped:?}"
    );
    assert_eq!(feeds.len(), MINIFLUX_FEEDS, "the fixture set changed");
    assert_eq!(ok_feeds, feeds.len(), "every Miniflux feed parses");
}

/// Miniflux's `xml/testdata` has two `<note>` documents (encoding tests, not feeds).
fn is_note(path: &Path) -> bool {
    std::fs::read(path).is_ok_and(|b| String::from_utf8_lossy(&b).contains("<note>"))
}

/// How many of `files` parse; files on which a panic escaped go to `escaped`.
fn count_parsed(files: &[PathBuf], escaped: &mut Vec<String>) -> usize {
    files
        .iter()
        .filter(|p| match parse_file(p) {
            Ok(Outcome::Parsed(_)) => true,
            Ok(_) => false,
            Err(file) => {
                escaped.push(file);
                false
            }
        })
        .count()
}

fn rate(ok: usize, n: usize) -> f64 {
    if n == 0 {
        0.0
    } else {
        100.0 * ok as f64 / n as f64
    }
}
