//! Tests of the public API: compile errors and their keys, enabled filtering, ordering,
//! sharing of the automaton, thread safety and serde names.

use rstest::rstest;
use serde::de::value::{Error as DeError, StrDeserializer};
use serde::Deserialize;

use super::super::{compile, CompileError, Matcher, Require, WatchlistSpec};
use super::{content, person, spec, strings};

#[test]
fn matcher_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync + 'static>() {}
    assert_send_sync::<Matcher>();
    assert_send_sync::<std::sync::Arc<Matcher>>();
}

#[test]
fn empty_spec_list_compiles_to_an_empty_matcher() {
    let matcher = compile(&[]).unwrap();
    assert!(matcher.is_empty());
    assert_eq!(matcher.len(), 0);
    assert!(matcher
        .match_document(&content("anything"), &|_| true)
        .is_empty());
}

fn three_lists() -> Vec<WatchlistSpec> {
    vec![
        spec(vec![person("Lloyd Austin", &["Austin"])], &[]),
        spec(vec![], &["austin*", "exact:pentagon"]),
        spec(vec![], &["exact:austin"]),
    ]
}

#[test]
fn results_are_sorted_by_index_and_filtered_by_enabled() {
    let matcher = compile(&three_lists()).unwrap();
    assert_eq!(matcher.len(), 3);
    let doc = content("Austin at the Pentagon");
    let all: Vec<usize> = matcher
        .match_document(&doc, &|_| true)
        .iter()
        .map(|m| m.watchlist)
        .collect();
    assert_eq!(all, [0, 1, 2]);
    let some: Vec<usize> = matcher
        .match_document(&doc, &|i| i != 1)
        .iter()
        .map(|m| m.watchlist)
        .collect();
    assert_eq!(some, [0, 2]);
    assert!(matcher.match_document(&doc, &|_| false).is_empty());
}

#[test]
fn one_automaton_holds_each_unique_pattern_once() {
    let matcher = compile(&three_lists()).unwrap();
    // "austin" (exact and prefix), "lloyd austin", "pentagon": three unique patterns.
    let automaton = matcher.automaton.as_ref().unwrap();
    assert_eq!(automaton.patterns_len(), 3);
    assert_eq!(matcher.keys.len(), 3);
    assert_eq!(
        matcher.owners.len(),
        4,
        "atoms: austin, austin*, lloyd austin, pentagon"
    );
}

#[test]
fn shared_patterns_keep_per_watchlist_semantics() {
    let matcher = compile(&three_lists()).unwrap();
    let doc = content("Austinite news");
    let found: Vec<usize> = matcher
        .match_document(&doc, &|_| true)
        .iter()
        .map(|m| m.watchlist)
        .collect();
    assert_eq!(found, [1], "only the prefix keyword matches a longer word");
    assert_eq!(
        matcher.match_document(&doc, &|_| true)[0].hits[0].matched,
        "Austinite"
    );
}

#[test]
fn compile_returns_every_error_with_relative_keys() {
    let bad = WatchlistSpec {
        people: vec![person("Lloyd Austin", &["", "Sec*"]), person("  ", &["ok"])],
        keywords: strings(&["fine", "...", "de*cline"]),
        exclude: strings(&["—"]),
        ..WatchlistSpec::default()
    };
    let bad_query = WatchlistSpec {
        query: Some("(a".into()),
        ..spec(vec![], &[])
    };
    let errors = compile(&[spec(vec![], &["ok"]), bad, bad_query]).unwrap_err();
    let keys: Vec<(usize, &str, &str)> = errors
        .iter()
        .map(|e| (e.watchlist, e.key.as_str(), e.message.as_str()))
        .collect();
    assert_eq!(
        keys,
        [
            (1, "person[0].aliases[0]", "empty after normalisation"),
            (
                1,
                "person[0].aliases[1]",
                "'*' is not allowed in a person's name or alias"
            ),
            (1, "person[1].name", "empty after normalisation"),
            (1, "exclude[0]", "empty after normalisation"),
            (1, "keywords[1]", "empty after normalisation"),
            (1, "keywords[2]", "'*' is only allowed at the end of a term"),
            (2, "query", "expected ')' at column 3"),
        ]
    );
}

#[test]
fn compile_error_displays_key_and_message() {
    let error = CompileError {
        watchlist: 0,
        key: "keywords[2]".into(),
        message: "bad".into(),
    };
    assert_eq!(error.to_string(), "keywords[2]: bad");
}

#[rstest]
#[case::empty(Require::Any, &[], &[], "require: watchlist has no people, keywords or query")]
#[case::person(Require::Person, &[], &["x"], "require: requires a person but the watchlist has no people")]
#[case::keyword(
    Require::Keyword,
    &["Ann"],
    &[],
    "require: requires a keyword but the watchlist has no keywords"
)]
#[case::both(
    Require::PersonAndKeyword,
    &["Ann"],
    &[],
    "require: requires a person and a keyword but the watchlist lacks people or keywords"
)]
fn require_needs_something_to_match(
    #[case] require: Require,
    #[case] people: &[&str],
    #[case] keywords: &[&str],
    #[case] message: &str,
) {
    let people = people.iter().map(|p| person(p, &[])).collect();
    let spec = WatchlistSpec {
        require,
        ..spec(people, keywords)
    };
    let errors: Vec<String> = compile(&[spec])
        .unwrap_err()
        .iter()
        .map(|e| e.to_string())
        .collect();
    assert_eq!(errors, [message]);
}

#[test]
fn duplicate_person_names_are_rejected() {
    let spec = spec(
        vec![person("Li Shangfu", &[]), person("LI SHANGFU", &[])],
        &[],
    );
    let errors = compile(&[spec]).unwrap_err();
    assert_eq!(errors[0].key, "person[1].name");
    assert_eq!(errors[0].message, "duplicate person \"LI SHANGFU\"");
}

#[rstest]
#[case("any", Require::Any)]
#[case("person", Require::Person)]
#[case("keyword", Require::Keyword)]
#[case("person-and-keyword", Require::PersonAndKeyword)]
fn require_deserialises_from_kebab_case(#[case] text: &str, #[case] expected: Require) {
    let got = Require::deserialize(StrDeserializer::<DeError>::new(text)).unwrap();
    assert_eq!(got, expected);
}
