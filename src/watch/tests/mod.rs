//! Tests of the watch stage: shared helpers plus one file per concern.

mod api;
mod differential;
mod matching;
mod props;
mod queries;
mod query;
mod realworld;
mod snippet;
mod text;

use super::{compile, Document, Field, Hit, PersonSpec, Require, WatchlistMatch, WatchlistSpec};

/// A person with aliases.
pub(super) fn person(name: &str, aliases: &[&str]) -> PersonSpec {
    PersonSpec {
        name: name.into(),
        aliases: aliases.iter().map(|a| a.to_string()).collect(),
        short_forms: Vec::new(),
    }
}

/// Strings from string slices.
pub(super) fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// A watchlist with people and keywords, `require = any`.
pub(super) fn spec(people: Vec<PersonSpec>, keywords: &[&str]) -> WatchlistSpec {
    WatchlistSpec {
        name: "test".into(),
        people,
        keywords: strings(keywords),
        ..WatchlistSpec::default()
    }
}

/// The watchlist used by most query tests: two people (with aliases), a query.
pub(super) fn query_spec(query: &str) -> WatchlistSpec {
    WatchlistSpec {
        name: "defence".into(),
        people: vec![
            person("Lloyd Austin", &["Secretary Austin"]),
            person("Li Shangfu", &["李尚福", "General Li"]),
        ],
        query: Some(query.into()),
        ..WatchlistSpec::default()
    }
}

/// A document with only content.
pub(super) fn content(text: &str) -> Document<'_> {
    Document {
        title: "",
        summary: "",
        content: text,
        ..Document::default()
    }
}

/// A document with a title and content.
pub(super) fn titled<'a>(title: &'a str, text: &'a str) -> Document<'a> {
    Document {
        title,
        summary: "",
        content: text,
        ..Document::default()
    }
}

/// Compiles one spec (panicking on errors) and matches one document with it enabled.
pub(super) fn match_one(spec: WatchlistSpec, doc: Document<'_>) -> Option<WatchlistMatch> {
    let matcher = compile(&[spec]).expect("spec compiles");
    differential::assert_paths_agree(&matcher, &doc);
    let mut found = matcher.match_document(&doc, &|_| true);
    assert!(found.len() <= 1);
    found.pop()
}

/// The hits of a single-spec match (empty when it did not match).
pub(super) fn hits(spec: WatchlistSpec, doc: Document<'_>) -> Vec<Hit> {
    match_one(spec, doc).map(|m| m.hits).unwrap_or_default()
}

/// The (term, field) of each hit, in order.
pub(super) fn hit_keys(hits: &[Hit]) -> Vec<(&str, Field)> {
    hits.iter().map(|h| (h.term.as_str(), h.field)).collect()
}

/// The compile error messages of one spec, as `key: message`.
pub(super) fn compile_errors(spec: WatchlistSpec) -> Vec<String> {
    match compile(&[spec]) {
        Ok(_) => Vec::new(),
        Err(errors) => errors.iter().map(|e| e.to_string()).collect(),
    }
}

/// A spec with only a `require` mode over one person and one keyword.
pub(super) fn require_spec(require: Require) -> WatchlistSpec {
    WatchlistSpec {
        require,
        ..spec(
            vec![person("Lloyd Austin", &["Secretary Austin"])],
            &["declin*"],
        )
    }
}
