//! Differential tests of the matcher's fast path (folded words streamed into the spaceless
//! automaton, ASCII without the Unicode folder) against two references: the same matcher
//! on the full-fold path (every character through the Unicode folder into a folded copy,
//! searched with the automaton's own search), and a naive search of every pattern, spaces
//! and all, in the folded copy with the boundary rules the matcher documents. Every table
//! test that goes through `match_one` checks the same (see [`assert_paths_agree`]).

use proptest::prelude::*;
use rstest::rstest;

use super::super::engine::{Engine, FieldScan};
use super::super::matcher::{Matcher, Occ};
use super::super::text::{analyse_with, fold_cased, Token};
use super::super::variants::split_at;
use super::super::words::Words;
use super::super::{compile, Document, Field, PersonSpec, WatchlistSpec};

/// The full-fold path: every character folded through the Unicode folder into a folded
/// copy, the spaces taken out, then the automaton's own overlapping search.
pub(super) fn full_fold(engine: &Engine, text: &str) -> FieldScan {
    let analysed = analyse_with::<false>(text, true);
    let mut spaceless = String::with_capacity(analysed.norm.len());
    let mut tokens = Vec::with_capacity(analysed.tokens.len());
    for t in &analysed.tokens {
        let norm_start = spaceless.len();
        spaceless.push_str(&analysed.norm[t.norm_start..t.norm_end]);
        tokens.push(Token {
            norm_start,
            norm_end: spaceless.len(),
            ..*t
        });
    }
    FieldScan {
        words: Words::Tokens(tokens),
        found: engine.find_all(&spaceless),
    }
}

/// Every pattern a key stands for, spaces and all, with its atoms: (pattern, atom, prefix,
/// case-sensitive form).
fn spelled_patterns(matcher: &Matcher) -> Vec<(String, usize, bool, Option<String>)> {
    let mut out = Vec::new();
    for entry in &matcher.keys {
        for shape in &entry.shapes {
            let mut pattern = entry.key.clone();
            for &b in shape.bounds.iter().rev() {
                pattern.insert(b, ' ');
            }
            let atoms = &shape.atoms;
            out.extend(atoms.exact.map(|a| (pattern.clone(), a, false, None)));
            out.extend(atoms.prefix.map(|a| (pattern.clone(), a, true, None)));
            for c in &atoms.cased {
                out.push((pattern.clone(), c.atom, c.prefix, Some(c.form.clone())));
            }
        }
        if let Some(atom) = entry.split {
            for (at, _) in entry
                .key
                .char_indices()
                .filter(|&(at, _)| split_at(&entry.key, at))
            {
                let pattern = format!("{} {}", &entry.key[..at], &entry.key[at..]);
                out.push((pattern, atom, false, None));
            }
        }
    }
    out
}

/// The naive reference: every spelled pattern searched at every byte of the folded copy;
/// it counts where it starts on a word and (unless a prefix) ends on one.
fn naive_occurrences(matcher: &Matcher, doc: &Document<'_>) -> Vec<Occ> {
    let texts = [
        doc.title,
        doc.summary,
        doc.content,
        doc.article,
        doc.author,
        doc.category,
        doc.url,
    ];
    let patterns = spelled_patterns(matcher);
    let used = if matcher.beyond_text {
        Field::COUNT
    } else {
        Field::TEXT_COUNT
    };
    let mut out = Vec::new();
    for (field, text) in texts.iter().enumerate().take(used) {
        let analysed = analyse_with::<false>(text, true);
        let norm = analysed.norm.as_bytes();
        let tokens = &analysed.tokens;
        for (pattern, atom, prefix, cased) in &patterns {
            let p = pattern.as_bytes();
            for s in 0..norm.len().saturating_sub(p.len() - 1) {
                if &norm[s..s + p.len()] != p || (s > 0 && norm[s - 1] != b' ') {
                    continue;
                }
                let e = s + p.len();
                let whole = e == norm.len() || norm[e] == b' ';
                let start = tokens.partition_point(|t| t.norm_start < s);
                let end = tokens.partition_point(|t| t.norm_end < e) + 1;
                let reads = match cased {
                    None => *prefix || whole,
                    Some(form) => {
                        let original = &text[tokens[start].orig_start..tokens[end - 1].orig_end];
                        let folded = fold_cased(original);
                        match prefix {
                            true => folded.starts_with(form.as_str()),
                            false => whole && folded == *form,
                        }
                    }
                };
                if reads {
                    out.push(Occ {
                        atom: *atom,
                        field,
                        start,
                        end,
                    });
                }
            }
        }
    }
    out.sort_unstable_by_key(|o| (o.atom, o.field, o.start, o.end));
    out
}

/// The path taken where the keys do not fit a table: the folder writes the folded words
/// into the DFA, searched through its own interface.
fn streamed(engine: &Engine, text: &str) -> FieldScan {
    match engine.without_table() {
        Some(plain) => plain.scan(text),
        None => engine.scan(text),
    }
}

/// Asserts that the table search finds in `text` the keys the DFA's own search finds in
/// the folder's spaceless stream, in the same order, and that where it keeps the words
/// (wherever it found a key) they read as the folder's, one by one and by search.
fn assert_table_reads_the_folder(text: &str) {
    let engine = broad().automaton.as_ref().expect("an automaton");
    assert!(
        matches!(engine, Engine::Table { .. }),
        "the broad watchlists are searched with the table"
    );
    let scan = engine.scan(text);
    let full = full_fold(engine, text);
    assert_eq!(scan.found, full.found, "keys found in {text:?}");
    let Engine::Table { table, .. } = engine else {
        unreachable!("checked above");
    };
    assert_eq!(
        table.scan_by_folder(text),
        full,
        "the long texts' path on {text:?}"
    );
    assert_eq!(
        streamed(engine, text).words,
        full.words,
        "words the folder streamed into the DFA"
    );
    if scan.found.is_empty() {
        return;
    }
    let Words::Tokens(expected) = &full.words else {
        panic!("the full fold keeps a word list");
    };
    let words: Vec<Token> = (0..scan.words.len()).map(|i| scan.words.at(i)).collect();
    assert_eq!(&words, expected, "words of {text:?}");
    assert_eq!(scan.words.get(words.len()), None);
    for t in expected {
        let at = expected.partition_point(|e| e.norm_start < t.norm_start);
        assert_eq!(
            scan.words.partition_point(|e| e.norm_start < t.norm_start),
            at
        );
        let at = expected.partition_point(|e| e.orig_end <= t.orig_start);
        assert_eq!(
            scan.words.partition_point(|e| e.orig_end <= t.orig_start),
            at
        );
    }
}

/// Asserts that the fast path, the full-fold path and the naive reference find the same
/// occurrences, and the two paths the same matches (hits, counts, snippets, offsets).
pub(super) fn assert_paths_agree(matcher: &Matcher, doc: &Document<'_>) {
    let fast = matcher.match_document(doc, &|_| true);
    let full = matcher.match_with(doc, &|_| true, full_fold);
    assert_eq!(fast, full, "fast and full-fold paths disagree on {doc:?}");
    let plain = matcher.match_with(doc, &|_| true, streamed);
    assert_eq!(fast, plain, "table and streamed paths disagree on {doc:?}");
    let mut found = matcher.occurrences_with(doc, Engine::scan);
    found.retain(|o| !matcher.is_regex_atom(o.atom));
    assert_eq!(
        found,
        naive_occurrences(matcher, doc),
        "naive reference disagrees on {doc:?}"
    );
}

/// A watchlist exercising every kind of pattern: names with aliases, short forms and
/// initials, compounds, prefixes, abbreviations, case-sensitive and exact terms, several
/// scripts.
fn broad() -> &'static Matcher {
    static MATCHER: std::sync::OnceLock<Matcher> = std::sync::OnceLock::new();
    MATCHER.get_or_init(|| compile(&broad_specs()).expect("compiles"))
}

fn broad_specs() -> Vec<WatchlistSpec> {
    let person = |name: &str, aliases: &[&str], short: &[&str]| PersonSpec {
        name: name.into(),
        aliases: aliases.iter().map(|a| a.to_string()).collect(),
        short_forms: short.iter().map(|a| a.to_string()).collect(),
    };
    let keywords = [
        "counterterrorism",
        "counter-terrorism",
        "ceasefire",
        "F35",
        "COVID-19",
        "anti-money-laundering",
        "counter terror*",
        "declin*",
        "U.K.",
        "E.U.",
        "U.S.A.",
        "case:US",
        "exact:e.g.",
        "Straße",
        "контрразведка",
        "国防部",
        "علي",
        "Diyarbakır",
        "Støre",
        "Bundeswehr",
        "reelection",
        "co-operation",
        "ka",
        "ab cd",
        "1",
        "a1b2",
    ];
    vec![
        WatchlistSpec {
            name: "people".into(),
            people: vec![
                person("Lloyd Austin", &["Secretary Austin"], &["Austin"]),
                person("Novak Đoković", &["Nole"], &[]),
                person("J.K. Rowling", &[], &[]),
                person("Li Shangfu", &["李尚福"], &["Li"]),
            ],
            ..WatchlistSpec::default()
        },
        WatchlistSpec {
            name: "keywords".into(),
            keywords: keywords.iter().map(|k| k.to_string()).collect(),
            ..WatchlistSpec::default()
        },
        WatchlistSpec {
            name: "query".into(),
            query: Some(
                r#"(pentagon OR "armed forces") NEAR/3 budget* AND NOT title:sport"#.into(),
            ),
            ..WatchlistSpec::default()
        },
    ]
}

#[rstest]
#[case::plain("Lloyd Austin said the Pentagon budget would rise. Austin is due to travel.")]
#[case::compounds(
    "counter-terrorism, counter terrorism and counterterrorism; cease-fire; F-35 and F35"
)]
#[case::split_anywhere("co unterterrorism counterterror ism counter–terrorism countert errorism")]
#[case::abbreviations(
    "the U.K.-led force, the U.K.L.F., E.U. ministers, USA, U.S.A., told us, the US"
)]
#[case::initials("J. K. Rowling and J.K. Rowling and JK Rowling wrote")]
#[case::unaccented("Jonas Gahr Støre, STØRE, Store; Novak Đoković, Djokovic, Dokovic; Diyarbakir")]
#[case::invisible("Aus\u{200D}tin, Lloyd\u{AD} Austin\u{FE0F} and \u{200F}Lloyd Austin\u{200E}")]
#[case::combining_after_ascii(
    "Lloyd Austi\u{301}n and Ste\u{301}phane, Cafe\u{301} counterterrorism\u{301}"
)]
#[case::cjk("国防部长李尚福表示，国防部")]
#[case::cyrillic("КОНТРРАЗВЕДКА и контр-разведка")]
#[case::arabic("گفت علی امروز عليّ")]
#[case::german("Die STRASSE und die Straße, die Bundes-Wehr")]
#[case::fullwidth("ＬＬＯＹＤ ＡＵＳＴＩＮ ｶﾞ")]
#[case::digits("a1b2 a1 b2 a 1b2 1 11 1.1")]
#[case::dots_everywhere("...U...K... e.g. E.g. A.B.C.D. U.K.")]
#[case::news_punctuation(
    "Lloyd\u{A0}Austin’s “counter–terrorism” — «ceasefire» • U.K.… F35’\u{301}s co’operation"
)]
#[case::punctuation_then_other_scripts("’é“Støre”–李尚福—контрразведка…علي «Đoković»")]
#[case::ascii_runs_before_marks(
    "Austin\u{301} Li\u{308}Shangfu a1b2\u{301} U\u{301}.K. ka\u{200D}"
)]
#[case::empty("")]
fn fast_path_agrees_with_the_full_fold_on_fixtures(#[case] text: &str) {
    let matcher = broad();
    let doc = Document {
        title: text,
        summary: text,
        content: text,
        ..Document::default()
    };
    assert_paths_agree(matcher, &doc);
}

#[test]
fn fast_path_agrees_with_the_full_fold_on_the_benchmark_feeds() {
    use crate::feeds::parse::parse_feed;
    let matcher = broad();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/data");
    let mut checked = 0;
    for entry in std::fs::read_dir(dir).expect("benches/data") {
        let path = entry.expect("entry").path();
        if path.extension().is_none_or(|e| e != "xml") {
            continue;
        }
        let bytes = std::fs::read(&path).expect("read");
        for a in parse_feed(&bytes, &path.display().to_string(), None).expect("parses") {
            let doc = Document {
                title: &a.title,
                summary: &a.summary,
                content: &a.content,
                ..Document::default()
            };
            assert_paths_agree(matcher, &doc);
            checked += 1;
        }
    }
    assert!(checked > 100, "only {checked} articles");
}

/// Text built from the watched words in many spellings, separators and the folder's
/// special cases.
fn wordy_text() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "Lloyd",
        "Austin",
        "AUSTIN",
        "Secretary",
        "Li",
        "Shangfu",
        "李尚福",
        "国防部",
        "长",
        "counter",
        "terrorism",
        "counterterrorism",
        "cease",
        "fire",
        "F",
        "35",
        "COVID",
        "19",
        "anti",
        "money",
        "laundering",
        "terror",
        "terrorists",
        "declining",
        "U",
        "K",
        "E",
        "US",
        "us",
        "U.S.",
        "U.K.",
        "e.g.",
        "Straße",
        "STRASSE",
        "Đoković",
        "Djokovic",
        "Støre",
        "ka",
        "kA",
        "ab",
        "cd",
        "abcd",
        "a1b2",
        "1",
        "pentagon",
        "budget",
        "armed",
        "forces",
        "sport",
        "J.",
        "K.",
        "Rowling",
        "контр",
        "разведка",
        "علي",
        " ",
        "  ",
        "-",
        "–",
        ".",
        ",",
        "'",
        "’",
        "\n",
        "\u{301}",
        "\u{200D}",
        "\u{AD}",
        "\u{FE0F}",
        "🙂",
        "ı",
        "İ",
        "æ",
        "ｶﾞ",
        "Ｌ",
        "\u{A0}",
        "“",
        "”",
        "—",
        "…",
        "«",
        "•",
    ]);
    prop::collection::vec(pieces, 0..24).prop_map(|parts| parts.concat())
}

/// Long text, mostly of plain ASCII pieces (words, digits, punctuation, dots and capitals
/// that make abbreviations), with now and then a piece of [`wordy_text`]: long runs of
/// ASCII words broken in every way.
fn long_text() -> impl Strategy<Value = String> {
    let ascii = prop::sample::select(vec![
        "Lloyd",
        "Austin",
        "AUSTIN",
        "Li",
        "Shangfu",
        "counter",
        "terrorism",
        "cease",
        "fire",
        "a1b2",
        "35",
        "F",
        "U",
        "K",
        "U.S.",
        "U.K.",
        "e.g.",
        ". ",
        ".",
        ".K",
        "J.",
        "ab",
        "cd",
        "abcd",
        " ",
        " ",
        " ",
        "  ",
        "-",
        ",",
        "'",
        "\n",
        "the",
        "declining",
        "talks",
        "x",
    ]);
    let piece = prop_oneof![
        9 => ascii.prop_map(str::to_string),
        1 => wordy_text(),
    ];
    prop::collection::vec(piece, 0..160).prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1500))]

    #[test]
    fn fast_path_agrees_with_the_full_fold_on_long_text(text in long_text(), other in long_text()) {
        let matcher = broad();
        let doc = Document { title: &other, summary: "", content: &text, ..Document::default() };
        assert_paths_agree(matcher, &doc);
    }

    #[test]
    fn fast_path_agrees_with_the_full_fold_on_generated_text(text in wordy_text(), other in wordy_text()) {
        let matcher = broad();
        let doc = Document { title: &other, summary: "", content: &text, ..Document::default() };
        assert_paths_agree(matcher, &doc);
    }

    #[test]
    fn the_folders_fast_path_agrees_with_the_full_fold(text in wordy_text(), any in any::<String>()) {
        for text in [&text, &any] {
            for lower in [true, false] {
                prop_assert_eq!(analyse_with::<true>(text, lower), analyse_with::<false>(text, lower));
            }
        }
    }

    #[test]
    fn the_table_search_reads_the_folders_words_and_stream(
        wordy in wordy_text(),
        long in long_text(),
        any in any::<String>(),
    ) {
        for text in [&wordy, &long, &any] {
            assert_table_reads_the_folder(text);
        }
    }

    #[test]
    fn fast_path_agrees_with_the_full_fold_on_any_text(text in any::<String>()) {
        let matcher = broad();
        let doc = Document { content: &text, ..Document::default() };
        assert_paths_agree(matcher, &doc);
    }
}
