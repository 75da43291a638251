//! Property tests of the text path: the normaliser and the query parser never panic on
//! any input, normalising is idempotent, and a query that does not parse always says
//! which column.

use proptest::prelude::*;

use super::super::query::parse;
use super::super::{compile, normalise, Document, WatchlistSpec};

/// Text that mixes scripts, marks, dashes, quotes and the query language's own symbols.
fn messy_text() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "Li",
        "Shangfu",
        "李尚福",
        "Austin's",
        "Austin’s",
        "Shangri‑La",
        "-",
        "—",
        "\"",
        "(",
        ")",
        "*",
        "AND",
        "OR",
        "NOT",
        "NEAR/3",
        "NEAR/",
        "title:",
        "@",
        "@\"",
        " ",
        "  ",
        "\n",
        "é",
        "e\u{301}",
        "ﬁ",
        "ＬＩ",
        "\u{200b}",
        "\u{ad}",
        "ß",
        "İ",
        "ǅ",
        "가",
        "ｶﾞ",
        "\u{0}",
        "🙂",
    ]);
    prop::collection::vec(
        prop_oneof![pieces.prop_map(String::from), any::<String>()],
        0..12,
    )
    .prop_map(|parts| parts.concat())
}

#[test]
fn a_starter_that_decomposes_into_marks_folds_once_and_for_all() {
    // Found by `normalising_is_idempotent`: U+0F73 has combining class 0 but decomposes
    // into two marks (classes 129 and 130) that sort after a class-36 mark before it.
    for text in [
        "\u{730}\u{f73}",
        "a\u{730}\u{f75}",
        "\u{5b0}\u{f81}x",
        "\u{f73}\u{730}",
    ] {
        let once = normalise(text);
        assert_eq!(normalise(&once), once, "{text:?}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn normalising_is_idempotent(text in messy_text()) {
        let once = normalise(&text);
        prop_assert_eq!(normalise(&once), once);
    }

    #[test]
    fn parse_errors_name_a_column(query in messy_text()) {
        if let Err(e) = parse(&query) {
            let msg = e.to_string();
            prop_assert!(msg.contains("at column "), "{}", msg);
        }
    }

    #[test]
    fn compiling_and_matching_any_query_never_panics(query in messy_text(), text in messy_text()) {
        let spec = WatchlistSpec { name: "p".into(), query: Some(query), ..WatchlistSpec::default() };
        if let Ok(matcher) = compile(&[spec]) {
            let doc = Document { title: &text, summary: "", content: &text, ..Document::default() };
            let _ = matcher.match_document(&doc, &|_| true);
        }
    }
}
